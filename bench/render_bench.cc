// In-process latency of parsing and rendering AuditProfiles (policy::ParseProfiles +
// policy::Render, the work the controller and `kaudit render` do), without process start-up.
//   render_bench FILE [RUNS]   prints the median and fastest of RUNS (default 50) iterations.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/file.h"
#include "policy/render.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: render_bench FILE [RUNS]\n");
    return 2;
  }
  int runs = argc > 2 ? std::atoi(argv[2]) : 50;
  kaudit::StatusOr<std::string> data = kaudit::ReadFileLimited(argv[1]);
  if (!data.ok() || runs < 1) {
    std::fprintf(stderr, "render_bench: %s\n", data.status().ToString().c_str());
    return 1;
  }
  kaudit::policy::RenderOptions opts;
  opts.now = *kaudit::ParseRfc3339("2025-01-01T00:00:00Z");
  std::vector<double> ms;
  std::size_t rules = 0;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    kaudit::policy::ProfileParseResult parsed = kaudit::policy::ParseProfiles(*data, argv[1]);
    auto rendered = kaudit::policy::Render(parsed.profiles, opts);
    auto end = std::chrono::steady_clock::now();
    if (!parsed.ok() || !rendered.ok()) {
      std::fprintf(stderr, "render_bench: the input does not render\n");
      return 1;
    }
    rules = rendered->policy.rules.size();
    ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("render (in-process parse+render): median %.3f ms, fastest %.3f ms over %d runs, "
              "%zu rules out\n",
              ms[ms.size() / 2], ms[0], runs, rules);
  return 0;
}
