#include "auditlog/json_span.h"

#include <cstring>

namespace kaudit::auditlog::internal {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

// Index just past the string whose opening quote is s[i], or 0 when it is not closed. memchr
// finds the candidate quotes fast; a quote preceded by an odd run of backslashes is escaped.
std::size_t SkipJsonString(std::string_view s, std::size_t i) {
  std::size_t from = i + 1;
  while (from < s.size()) {
    const void* hit = std::memchr(s.data() + from, '"', s.size() - from);
    if (hit == nullptr) return 0;
    std::size_t q = static_cast<std::size_t>(static_cast<const char*>(hit) - s.data());
    std::size_t backslashes = 0;
    while (q - backslashes > i + 1 && s[q - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return q + 1;
    from = q + 1;
  }
  return 0;
}

namespace {

// Index just past the object or array opening at s[i], or 0 when unbalanced.
std::size_t SkipContainer(std::string_view s, std::size_t i) {
  std::size_t depth = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '"') {
      i = SkipJsonString(s, i);
      if (i == 0) return 0;
      continue;
    }
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
    ++i;
  }
  return 0;
}

}  // namespace

std::size_t SkipJsonSpace(std::string_view s, std::size_t i) {
  while (i < s.size() && IsSpace(s[i])) ++i;
  return i;
}

std::size_t JsonValueLength(std::string_view s) {
  if (s.empty()) return 0;
  std::size_t end = 0;
  if (s[0] == '"') {
    end = SkipJsonString(s, 0);
  } else if (s[0] == '{' || s[0] == '[') {
    end = SkipContainer(s, 0);
  } else {
    // A number, true, false or null: up to the next delimiter.
    end = 0;
    while (end < s.size() && !IsSpace(s[end]) && s[end] != ',' && s[end] != '}' && s[end] != ']') {
      ++end;
    }
  }
  return end;
}

std::string_view JsonFindMember(std::string_view object, std::string_view key) {
  std::string_view found;
  JsonForEachMember(object, [&](std::string_view k, std::string_view value) {
    if (k == key) found = value;
  });
  return found;
}

}  // namespace kaudit::auditlog::internal
