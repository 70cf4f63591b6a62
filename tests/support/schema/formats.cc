#include "support/schema/formats.h"

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>

namespace kaudit::schema {
namespace {

bool Digits(std::string_view s, std::size_t at, std::size_t n) {
  if (at + n > s.size()) return false;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

int Num(std::string_view s, std::size_t at, std::size_t n) {
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

bool LeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// The part after 't', matched with upstream's rxDateTime (whose '.' before the fraction is "any
// character"), then hours <= "23", minutes and seconds <= "59" compared as strings.
bool TimePart(std::string_view s) {
  static const std::regex re(
      "^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_search(s.begin(), s.end(), m, re)) return false;
  return m.str(1) <= "23" && m.str(2) <= "59" && m.str(3) <= "59";
}

}  // namespace

bool IsFullDate(std::string_view s) {
  if (s.size() != 10 || !Digits(s, 0, 4) || s[4] != '-' || !Digits(s, 5, 2) || s[7] != '-' ||
      !Digits(s, 8, 2)) {
    return false;
  }
  int y = Num(s, 0, 4), m = Num(s, 5, 2), d = Num(s, 8, 2);
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  int max = kDays[m - 1] + (m == 2 && LeapYear(y) ? 1 : 0);
  return d <= max;
}

bool IsDateTime(std::string_view s) {
  if (s.size() < 4) return false;
  std::string lower(s);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  std::size_t t = lower.find('t');
  if (t == std::string::npos) return false;
  std::size_t next = lower.find('t', t + 1);
  std::string_view view(lower);
  std::string_view time_part =
      view.substr(t + 1, next == std::string::npos ? std::string::npos : next - t - 1);
  return IsFullDate(view.substr(0, t)) && TimePart(time_part);
}

std::size_t RuneCount(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

bool IsDnsSubdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  std::size_t start = 0;
  while (true) {
    std::size_t end = s.find('.', start);
    if (end == std::string_view::npos) end = s.size();
    if (end == start || !alnum(s[start]) || !alnum(s[end - 1])) return false;
    for (std::size_t i = start; i < end; ++i) {
      if (!alnum(s[i]) && s[i] != '-') return false;
    }
    if (end == s.size()) return true;
    start = end + 1;
  }
}

const std::regex* CompiledPattern(const std::string& pattern, std::string* error) {
  static std::mutex mu;
  static auto* cache = new std::map<std::string, std::unique_ptr<std::regex>>();
  for (const char* bad : {"(?", "\\p", "\\P", "\\A", "\\z", "\\Q"}) {
    if (pattern.find(bad) != std::string::npos) {
      *error = "pattern uses RE2 syntax this checker does not support (" + std::string(bad) +
               "): " + pattern;
      return nullptr;
    }
  }
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache->find(pattern);
  if (it != cache->end()) return it->second.get();
  try {
    auto re = std::make_unique<std::regex>(pattern, std::regex::ECMAScript);
    return cache->emplace(pattern, std::move(re)).first->second.get();
  } catch (const std::regex_error& e) {
    *error = "pattern does not compile: " + pattern + ": " + e.what();
    return nullptr;
  }
}

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace kaudit::schema
