#include "common/time.h"

#include <cctype>
#include <cstdio>

namespace kaudit {
namespace {

bool Digits(std::string_view s, std::size_t pos, std::size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

std::optional<SystemTime> ParseRfc3339(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (!Digits(s, 0, 4, &y) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
      !Digits(s, 11, 2, &h) || s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' ||
      !Digits(s, 17, 2, &sec)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo) || h > 23 || mi > 59 || sec > 59) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  long long nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    long long scale = 100000000;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (pos - start < 9) nanos += (s[pos] - '0') * scale, scale /= 10;
      ++pos;
    }
    if (pos == start || pos - start > 9) return std::nullopt;
  }
  int offset_seconds = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_seconds = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  using namespace std::chrono;
  auto days = sys_days(year{y} / month{static_cast<unsigned>(mo)} / day{static_cast<unsigned>(d)});
  seconds since_epoch =
      (days + hours{h} + minutes{mi} + seconds{sec} - seconds{offset_seconds}).time_since_epoch();
  // Go, and so Kubernetes, accepts the years 0000-9999; the system clock's nanoseconds span only
  // 1677-2262. Beyond that a time saturates: an expiry in the year 5892 is "never".
  constexpr seconds kMax = duration_cast<seconds>(system_clock::duration::max()) - seconds{1};
  constexpr seconds kMin = duration_cast<seconds>(system_clock::duration::min()) + seconds{1};
  if (since_epoch > kMax) return SystemTime::max();
  if (since_epoch < kMin) return SystemTime::min();
  return SystemTime(duration_cast<system_clock::duration>(since_epoch) + nanoseconds{nanos});
}

namespace {
std::string Format(SystemTime t, bool micro) {
  using namespace std::chrono;
  auto secs = floor<seconds>(t);
  auto dp = floor<days>(secs);
  year_month_day ymd{dp};
  hh_mm_ss hms{secs - dp};
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", int(ymd.year()),
                        unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                        int(hms.minutes().count()), int(hms.seconds().count()));
  std::string out(buf, static_cast<std::size_t>(n));
  if (micro) {
    auto us = duration_cast<microseconds>(t - secs).count();
    std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(us));
    out += buf;
  }
  out += 'Z';
  return out;
}
}  // namespace

std::string FormatRfc3339(SystemTime t) { return Format(t, false); }
std::string FormatRfc3339Micro(SystemTime t) { return Format(t, true); }

}  // namespace kaudit
