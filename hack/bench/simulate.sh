#!/usr/bin/env bash
# `kaudit simulate` throughput (issue 8): a realistic 1 GiB audit log (bench/simulate_loggen.cc),
# replayed through the Recommended preset, against `wc -l` on the same file (the floor: reading
# it) and jq (what a person would reach for), measured in the same run. Goals: at least 20x jq's
# throughput, within 3x of wc -l, memory that does not grow with the log.
#
#   hack/bench.sh simulate                 (or: bash hack/bench/simulate.sh)
#   SIMULATE_BENCH_MB=256 ...              smaller log (default 1024 MiB)
#   SIMULATE_BENCH_JQ_MB=100 ...           jq runs on a prefix this big (default 100 MiB: jq on
#                                          the full GiB takes minutes and reads at the same rate)
#   KAUDIT_BENCH_BUILD=build-foo ...       build folder (default build/, the release build)
#
# MB/s is 10^6 bytes per second of wall time; each figure is the best of 3 runs (jq: 1 run), with
# the file in the page cache for every tool. Peak RSS is from /usr/bin/time -v.
set -euo pipefail
cd "$(dirname "$0")/../.."

build=${KAUDIT_BENCH_BUILD:-build}
size_mb=${SIMULATE_BENCH_MB:-1024}
jq_mb=${SIMULATE_BENCH_JQ_MB:-100}
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --target kaudit simulate_loggen >/dev/null
for tool in jq /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "simulate bench: $tool is missing (run hack/setup.sh)" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kaudit-simulate-bench-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log=$tmp/audit.log
prefix=$tmp/prefix.log
"$build/bench/simulate_loggen" --bytes $((size_mb << 20)) >"$log"
# The jq prefix ends on a line boundary.
head -n "$(head -c $((jq_mb << 20)) "$log" | wc -l)" "$log" >"$prefix"
cat >"$tmp/recommended.yaml" <<'PROFILE'
apiVersion: kaudit.io/v1alpha1
kind: AuditProfile
metadata:
  name: recommended
spec:
  preset: Recommended
PROFILE
cat "$log" "$prefix" >/dev/null  # page cache: every tool reads from memory

# run NAME FILE REPEATS CMD...: prints "NAME|bytes|best seconds|peak RSS KiB"
run() {
  local name=$1 file=$2 repeats=$3 best="" rss=0 t m
  shift 3
  for ((i = 0; i < repeats; i++)); do
    /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" ||
      { echo "simulate bench: $name failed:" >&2; cat "$tmp/err" >&2; exit 1; }
    read -r t m <"$tmp/time"
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
    ((m > rss)) && rss=$m
  done
  echo "$name|$(stat -c %s "$file")|$best|$rss"
}

kaudit=("$build/kaudit" simulate -f "$tmp/recommended.yaml" --format json --log)
results=(
  "$(run "wc -l" "$log" 3 wc -l "$log")"
  "$(run "kaudit simulate, Recommended" "$log" 3 "${kaudit[@]}" "$log")"
  "$(run "kaudit simulate, Recommended, --threads 1" "$log" 3 "${kaudit[@]}" "$log" --threads 1)"
  "$(run "kaudit simulate, Recommended ($jq_mb MiB prefix)" "$prefix" 3 "${kaudit[@]}" "$prefix")"
  "$(run "jq ($jq_mb MiB prefix)" "$prefix" 1 jq -c '[.user.username, .verb, .objectRef.resource]' "$prefix")"
)

lines=$(wc -l <"$log")
echo "simulate bench: log of $(stat -c %s "$log") bytes, $lines lines; $(nproc) cores"
printf '  %-50s %10s %9s %12s\n' tool MB/s seconds "peak RSS"
declare -A mbps rss
for r in "${results[@]}"; do
  IFS='|' read -r name bytes secs kib <<<"$r"
  rate=$(awk "BEGIN{printf \"%.0f\", $bytes / 1e6 / ($secs > 0 ? $secs : 0.01)}")
  mbps[$name]=$rate
  rss[$name]=$kib
  printf '  %-50s %10s %9s %9s MiB\n' "$name" "$rate" "$secs" "$((kib / 1024))"
done
k=${mbps["kaudit simulate, Recommended"]}
w=${mbps["wc -l"]}
j=${mbps["jq ($jq_mb MiB prefix)"]}
awk -v k="$k" -v w="$w" -v j="$j" 'BEGIN{
  printf "  kaudit / jq:    %.1fx (goal: at least 20x)\n", k / j
  printf "  wc -l / kaudit: %.2fx (goal: at most 3x)\n", w / k }'
echo "  peak RSS: $((rss["kaudit simulate, Recommended ($jq_mb MiB prefix)"] / 1024)) MiB on $jq_mb MiB," \
  "$((rss["kaudit simulate, Recommended"] / 1024)) MiB on $size_mb MiB"
