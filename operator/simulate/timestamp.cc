#include "simulate/timestamp.h"

#include <chrono>
#include <cstdio>

#include "common/time.h"

namespace kaudit::simulate {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool Digits(std::string_view s, std::size_t pos, std::size_t n, unsigned* out) {
  unsigned v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    unsigned c = static_cast<unsigned char>(s[i]) - '0';
    if (c > 9) return false;
    v = v * 10 + c;
  }
  *out = v;
  return true;
}

std::optional<int64_t> FastPath(std::string_view s) {
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
      s.back() != 'Z') {
    return std::nullopt;
  }
  unsigned y, mo, d, h, mi, sec;
  if (!Digits(s, 0, 4, &y) || !Digits(s, 5, 2, &mo) || !Digits(s, 8, 2, &d) ||
      !Digits(s, 11, 2, &h) || !Digits(s, 14, 2, &mi) || !Digits(s, 17, 2, &sec)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59) return std::nullopt;
  int64_t frac_us = 0;
  if (s.size() > 20) {
    if (s[19] != '.' || s.size() > 30 || s.size() < 22) return std::nullopt;
    unsigned scale = 100000;
    for (std::size_t i = 20; i + 1 < s.size(); ++i) {
      unsigned c = static_cast<unsigned char>(s[i]) - '0';
      if (c > 9) return std::nullopt;
      frac_us += c * scale;
      scale /= 10;
    }
  }
  int64_t days = DaysFromCivil(y, mo, d);
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec;
  return secs * 1000000 + frac_us;
}

}  // namespace

std::optional<int64_t> ParseMicros(std::string_view text) {
  if (std::optional<int64_t> fast = FastPath(text)) return fast;
  std::optional<SystemTime> t = ParseRfc3339(text);
  if (!t) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::microseconds>(t->time_since_epoch()).count();
}

std::string FormatDay(int64_t day) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(day, &y, &m, &d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

std::string FormatMicros(int64_t micros) {
  int64_t day = DayOf(micros);
  int64_t secs = (micros - day * kMicrosPerDay) / 1000000;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%sT%02lld:%02lld:%02lldZ", FormatDay(day).c_str(),
                static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60));
  return buf;
}

}  // namespace kaudit::simulate
