// The figures one worker accumulates while replaying its chunks, and their merge. Everything is a
// sum, so per-worker Stats added together in any order give the same result as one worker.
//
// Keys (documented in docs/simulate.md, used as-is in the json report):
//   resource  kubectl's spelling: "pods", "pods/log", "deployments.apps",
//             "deployments.apps/scale"; a non-resource request is its path, "/healthz".
//   kind      resource + '\t' + verb.
//   user      the authenticated user name ("" when the request had none).
//   namespace "" for cluster-scoped and non-resource requests.
//
// Thread safety: a Stats belongs to one thread; Add() merges another (quiescent) Stats into it.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kaudit::simulate {

struct Volume {
  uint64_t events = 0;
  uint64_t bytes = 0;
  void Add(uint64_t b) {
    ++events;
    bytes += b;
  }
  void Add(const Volume& o) {
    events += o.events;
    bytes += o.bytes;
  }
};

struct BeforeAfter {
  Volume before;  // as recorded in the log
  Volume after;   // what the candidate policy keeps, measured (estimates are separate)
  void Add(const BeforeAfter& o) {
    before.Add(o.before);
    after.Add(o.after);
  }
};

struct KindStats {
  BeforeAfter volume;
  uint64_t bodies_dropped = 0;  // events whose recorded request/response body the candidate drops
  void Add(const KindStats& o) {
    volume.Add(o.volume);
    bodies_dropped += o.bodies_dropped;
  }
};

struct RuleStats {
  uint64_t events = 0;        // recorded events the rule matches
  uint64_t bytes_before = 0;  // their size as recorded
  Volume after;               // what the rule keeps, measured
  void Add(const RuleStats& o) {
    events += o.events;
    bytes_before += o.bytes_before;
    after.Add(o.after);
  }
};

// What the log tells about body sizes of one class (resource, verb, stage), from events recorded
// at a level that includes the body (an event without a body there counts as 0 bytes).
struct BodyObservation {
  uint64_t request_events = 0, request_bytes = 0, request_managed_bytes = 0;
  uint64_t response_events = 0, response_bytes = 0, response_managed_bytes = 0;
  void Add(const BodyObservation& o);
};

// Events the candidate logs at a level above the recorded one: their bodies are not in the log.
struct BodyNeed {
  uint64_t request_events = 0;
  uint64_t response_events = 0;
  void Add(const BodyNeed& o) {
    request_events += o.request_events;
    response_events += o.response_events;
  }
};

struct ExplainRow {
  BeforeAfter volume;
  void Add(const ExplainRow& o) { volume.Add(o.volume); }
};

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

// Finds or inserts key; allocates only for a key not seen before.
template <typename V>
V& Slot(StringMap<V>& m, std::string_view key) {
  auto it = m.find(key);
  if (it != m.end()) return it->second;
  return m.emplace(std::string(key), V{}).first->second;
}

template <typename V>
void AddMap(StringMap<V>& into, const StringMap<V>& from) {
  for (const auto& [k, v] : from) Slot(into, k).Add(v);
}

struct CorruptSample {
  int file_index = 0;
  uint64_t line = 0;  // 1-based within its file
  std::string reason;
};

inline constexpr std::size_t kMaxCorruptSamples = 10;

struct Stats {
  uint64_t lines = 0;  // including blank, corrupt and oversized lines
  uint64_t blank_lines = 0;
  uint64_t corrupt_lines = 0;         // not an event (invalid JSON, missing fields, cut off)
  uint64_t truncated_lines = 0;       // the last line of a file without its newline, unparseable
  uint64_t legacy_lines = 0;          // --audit-log-format=legacy lines: unsupported
  uint64_t oversized_lines = 0;       // longer than the line limit: skipped unread
  uint64_t unknown_level_events = 0;  // "level" is not one of the four (counted as Metadata)
  Volume before, after;               // all events, as recorded and under the candidate
  int64_t first_us = 0, last_us = 0;  // stageTimestamp range (0,0 = none)
  // [recorded level][candidate level] events; candidate level None includes omitted stages.
  std::array<std::array<uint64_t, 4>, 4> transitions{};
  uint64_t omitted_stage_events = 0;  // level above None but the stage is omitted

  std::map<int64_t, BeforeAfter> days;  // days since 1970-01-01 (UTC)
  StringMap<BeforeAfter> users;
  StringMap<BeforeAfter> namespaces;
  StringMap<KindStats> kinds;
  std::vector<RuleStats> rules;         // index rule + 1; slot 0 = no rule matched
  StringMap<BodyObservation> observed;  // key: resource \t verb \t stage
  StringMap<BodyNeed> needs;  // key: resource \t verb \t stage \t rule \t omitManagedFields(0/1)
  StringMap<ExplainRow> explain;  // key: rule \t verb \t resource \t recorded \t candidate level
  std::vector<CorruptSample> corrupt_samples;  // the first few, in log order once merged

  explicit Stats(std::size_t rule_count = 0) : rules(rule_count + 1) {}
  void Add(const Stats& o);
  void NoteTime(int64_t us);
};

// Cap on distinct users / namespaces / kinds kept per worker, so a log with random names cannot
// grow memory without bound; further keys are counted under "(other)".
inline constexpr std::size_t kMaxKeys = 200000;
inline constexpr std::string_view kOtherKey = "(other)";

}  // namespace kaudit::simulate
