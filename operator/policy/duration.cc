#include "policy/duration.h"

#include <cstdint>
#include <limits>

namespace kaudit::policy {
namespace {

struct Unit {
  std::string_view name;
  int64_t nanos;
};
// Longer names first so "ms" is not read as "m" followed by garbage.
constexpr Unit kUnits[] = {{"ns", 1},           {"us", 1000},        {"\xC2\xB5s", 1000},
                           {"\xCE\xBCs", 1000}, {"ms", 1000000},     {"s", 1000000000},
                           {"m", 60000000000},  {"h", 3600000000000}};

constexpr uint64_t kMaxMagnitude = uint64_t{1} << 63;  // |min int64|

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads one "<number>[.<fraction>]<unit>" element at *pos, adding its magnitude to *total.
bool ReadElement(std::string_view s, std::size_t* pos, uint64_t* total) {
  uint64_t whole = 0;
  bool whole_overflow = false;
  std::size_t start = *pos;
  while (*pos < s.size() && IsDigit(s[*pos])) {
    if (whole > (std::numeric_limits<uint64_t>::max() - 9) / 10) whole_overflow = true;
    whole = whole * 10 + static_cast<uint64_t>(s[*pos] - '0');
    ++*pos;
  }
  bool had_whole = *pos > start;
  uint64_t frac = 0;
  uint64_t frac_scale = 1;
  bool had_frac = false;
  if (*pos < s.size() && s[*pos] == '.') {
    ++*pos;
    std::size_t fstart = *pos;
    while (*pos < s.size() && IsDigit(s[*pos])) {
      // Digits beyond 18 cannot change a nanosecond result; Go drops them the same way.
      if (frac_scale < 1000000000000000000ULL) {
        frac = frac * 10 + static_cast<uint64_t>(s[*pos] - '0');
        frac_scale *= 10;
      }
      ++*pos;
    }
    had_frac = *pos > fstart;
  }
  if ((!had_whole && !had_frac) || whole_overflow) return false;
  std::size_t ustart = *pos;
  while (*pos < s.size() && s[*pos] != '.' && !IsDigit(s[*pos])) ++*pos;
  std::string_view uname = s.substr(ustart, *pos - ustart);
  const Unit* unit = nullptr;
  for (const Unit& u : kUnits) {
    if (u.name == uname) unit = &u;
  }
  if (unit == nullptr) return false;
  uint64_t unanos = static_cast<uint64_t>(unit->nanos);
  if (whole > kMaxMagnitude / unanos) return false;
  uint64_t v = whole * unanos;
  // frac / frac_scale * unanos, computed without overflow (frac < frac_scale <= 1e18).
  long double f = static_cast<long double>(frac) * static_cast<long double>(unanos) /
                  static_cast<long double>(frac_scale);
  v += static_cast<uint64_t>(f);
  if (v > kMaxMagnitude || *total > kMaxMagnitude - v) return false;
  *total += v;
  return true;
}

// Writes the decimal digits of v / 10^prec with trailing zeros of the fraction dropped.
std::string FixedPoint(uint64_t v, int prec) {
  uint64_t scale = 1;
  for (int i = 0; i < prec; ++i) scale *= 10;
  std::string out = std::to_string(v / scale);
  uint64_t frac = v % scale;
  if (frac != 0) {
    std::string digits = std::to_string(frac);
    digits.insert(0, static_cast<std::size_t>(prec) - digits.size(), '0');
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  return out;
}

}  // namespace

std::optional<Duration> ParseGoDuration(std::string_view s) {
  bool negative = false;
  std::size_t pos = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    pos = 1;
  }
  if (s.substr(pos) == "0") return Duration{0};
  if (pos == s.size()) return std::nullopt;
  uint64_t total = 0;
  while (pos < s.size()) {
    if (!ReadElement(s, &pos, &total)) return std::nullopt;
  }
  if (!negative && total > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return std::nullopt;
  }
  if (negative) {
    return Duration{total == kMaxMagnitude ? std::numeric_limits<int64_t>::min()
                                           : -static_cast<int64_t>(total)};
  }
  return Duration{static_cast<int64_t>(total)};
}

std::string FormatGoDuration(Duration d) {
  int64_t n = d.count();
  if (n == 0) return "0s";
  std::string sign = n < 0 ? "-" : "";
  uint64_t u = n < 0 ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  if (u < 1000) return sign + std::to_string(u) + "ns";
  if (u < 1000000) return sign + FixedPoint(u, 3) + "\xC2\xB5s";
  if (u < 1000000000) return sign + FixedPoint(u, 6) + "ms";
  uint64_t secs_nanos = u % 60000000000ULL;
  uint64_t minutes = u / 60000000000ULL;
  std::string out = FixedPoint(secs_nanos, 9) + "s";
  if (minutes > 0) {
    out = std::to_string(minutes % 60) + "m" + out;
    if (minutes / 60 > 0) out = std::to_string(minutes / 60) + "h" + out;
  }
  return sign + out;
}

}  // namespace kaudit::policy
