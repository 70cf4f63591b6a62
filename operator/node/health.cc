#include "node/health.h"

#include <thread>

namespace kaudit::node {

Status UrlHealthChecker::WaitHealthy(const HealthTarget& target,
                                     std::chrono::steady_clock::time_point deadline) {
  (void)target;
  auto start = std::chrono::steady_clock::now();
  std::string last = "no answer yet";
  for (;;) {
    auto code = probe_.Get();
    if (code.ok() && *code == 200) return Status::Ok();
    last = code.ok() ? "HTTP " + std::to_string(*code) : code.status().message();
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - start);
      return Status::DeadlineExceeded("health check " + probe_.options().url +
                                      " did not answer 200 within " + FormatDuration(waited) +
                                      " (last: " + last + ")");
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    std::this_thread::sleep_for(std::min(interval_, left));
  }
}

StatusOr<std::chrono::milliseconds> ParseDurationFlag(const std::string& s) {
  std::chrono::milliseconds total{0};
  std::size_t i = 0;
  if (s.empty()) return Status::InvalidArgument("empty duration");
  while (i < s.size()) {
    std::size_t j = i;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    if (j == i) return Status::InvalidArgument("duration " + s + ": want e.g. 5m, 90s, 1h30m");
    long long n = std::stoll(s.substr(i, j - i));
    std::size_t k = j;
    while (k < s.size() && !(s[k] >= '0' && s[k] <= '9')) ++k;
    std::string unit = s.substr(j, k - j);
    if (unit == "ms") total += std::chrono::milliseconds(n);
    else if (unit == "s") total += std::chrono::seconds(n);
    else if (unit == "m") total += std::chrono::minutes(n);
    else if (unit == "h") total += std::chrono::hours(n);
    else return Status::InvalidArgument("duration " + s + ": unknown unit \"" + unit + "\"");
    i = k;
  }
  return total;
}

std::string FormatDuration(std::chrono::milliseconds d) {
  long long ms = d.count();
  if (ms % 1000 != 0 || ms < 1000) return std::to_string(ms) + "ms";
  long long s = ms / 1000;
  std::string out;
  if (s >= 3600) out += std::to_string(s / 3600) + "h", s %= 3600;
  if (s >= 60) out += std::to_string(s / 60) + "m", s %= 60;
  if (s > 0 || out.empty()) out += std::to_string(s) + "s";
  return out;
}

}  // namespace kaudit::node
