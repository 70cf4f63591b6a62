#include "support/schema/go_duration.h"

#include <string>

namespace kaudit::schema {
namespace {

constexpr uint64_t kLimit = uint64_t{1} << 63;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Go's leadingInt: digits into *x; false on overflow beyond 1<<63.
bool LeadingInt(std::string_view* s, uint64_t* x) {
  std::size_t i = 0;
  *x = 0;
  for (; i < s->size() && IsDigit((*s)[i]); ++i) {
    if (*x > kLimit / 10) return false;
    *x = *x * 10 + static_cast<uint64_t>((*s)[i] - '0');
    if (*x > kLimit) return false;
  }
  s->remove_prefix(i);
  return true;
}

// Go's leadingFraction: digits after the point; digits that would overflow are dropped.
void LeadingFraction(std::string_view* s, uint64_t* x, double* scale) {
  std::size_t i = 0;
  bool overflow = false;
  *x = 0;
  *scale = 1;
  for (; i < s->size() && IsDigit((*s)[i]); ++i) {
    if (overflow) continue;
    if (*x > (kLimit - 1) / 10) {
      overflow = true;
      continue;
    }
    uint64_t y = *x * 10 + static_cast<uint64_t>((*s)[i] - '0');
    if (y > kLimit) {
      overflow = true;
      continue;
    }
    *x = y;
    *scale *= 10;
  }
  s->remove_prefix(i);
}

std::optional<uint64_t> UnitNanos(std::string_view u) {
  if (u == "ns") return 1;
  if (u == "us" || u == "\xC2\xB5s" || u == "\xCE\xBCs") return 1000;
  if (u == "ms") return 1000000;
  if (u == "s") return 1000000000;
  if (u == "m") return 60000000000ULL;
  if (u == "h") return 3600000000000ULL;
  return std::nullopt;
}

// One "<number><unit>" element; adds its value to *total.
bool Element(std::string_view* s, uint64_t* total) {
  if (!((*s)[0] == '.' || IsDigit((*s)[0]))) return false;
  std::size_t before = s->size();
  uint64_t v = 0;
  if (!LeadingInt(s, &v)) return false;
  bool pre = before != s->size();
  bool post = false;
  uint64_t f = 0;
  double scale = 1;
  if (!s->empty() && (*s)[0] == '.') {
    s->remove_prefix(1);
    std::size_t at = s->size();
    LeadingFraction(s, &f, &scale);
    post = at != s->size();
  }
  if (!pre && !post) return false;
  std::size_t i = 0;
  while (i < s->size() && (*s)[i] != '.' && !IsDigit((*s)[i])) ++i;
  if (i == 0) return false;
  std::optional<uint64_t> unit = UnitNanos(s->substr(0, i));
  s->remove_prefix(i);
  if (!unit) return false;
  if (v > kLimit / *unit) return false;
  v *= *unit;
  if (f > 0) {
    v += static_cast<uint64_t>(static_cast<double>(f) * (static_cast<double>(*unit) / scale));
    if (v > kLimit) return false;
  }
  *total += v;
  return *total <= kLimit;
}

}  // namespace

std::optional<int64_t> ParseGoDuration(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return std::nullopt;
  uint64_t total = 0;
  while (!s.empty()) {
    if (!Element(&s, &total)) return std::nullopt;
  }
  if (negative) {
    return total == kLimit ? INT64_MIN : -static_cast<int64_t>(total);
  }
  if (total > kLimit - 1) return std::nullopt;
  return static_cast<int64_t>(total);
}

}  // namespace kaudit::schema
