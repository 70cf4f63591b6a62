// Internal to auditlog: finding where a value sits in JSON text, for the byte counts the DOM
// cannot give (simdjson's DOM keeps values, not their source spans). The text has already been
// validated by simdjson; on anything unexpected these functions return "not found", never read
// out of bounds, and never allocate.
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string_view>

namespace kaudit::auditlog::internal {

// Length of the JSON value that starts at s[0] (after no whitespace), or 0 when s does not start
// with a complete value.
std::size_t JsonValueLength(std::string_view s);

// The raw text of member `key` of the object whose text starts at object[0] == '{' (leading
// whitespace allowed); empty when there is no such member. Keys are compared as written (a key
// spelled with \u escapes does not match; Go's encoder never writes them for ASCII letters).
// With duplicate keys the last one wins, as in Go.
std::string_view JsonFindMember(std::string_view object, std::string_view key);

// Calls f(element_text) for every element of the array whose text starts at array[0] == '['.
template <typename F>
void JsonForEachElement(std::string_view array, F&& f);

// Calls f(raw_key, value_text) for every member of the object whose text starts at
// object[0] == '{' (raw_key is the key as written, without its quotes).
template <typename F>
void JsonForEachMember(std::string_view object, F&& f);

// Implementation details for the templates.
std::size_t SkipJsonSpace(std::string_view s, std::size_t i);
std::size_t SkipJsonString(std::string_view s, std::size_t i);

template <typename F>
void JsonForEachElement(std::string_view array, F&& f) {
  std::size_t i = SkipJsonSpace(array, 0);
  if (i >= array.size() || array[i] != '[') return;
  i = SkipJsonSpace(array, i + 1);
  if (i < array.size() && array[i] == ']') return;
  while (i < array.size()) {
    std::size_t n = JsonValueLength(array.substr(i));
    if (n == 0) return;
    f(array.substr(i, n));
    i = SkipJsonSpace(array, i + n);
    if (i >= array.size() || array[i] != ',') return;
    i = SkipJsonSpace(array, i + 1);
  }
}

template <typename F>
void JsonForEachMember(std::string_view object, F&& f) {
  std::size_t i = SkipJsonSpace(object, 0);
  if (i >= object.size() || object[i] != '{') return;
  i = SkipJsonSpace(object, i + 1);
  while (i < object.size() && object[i] == '"') {
    std::size_t key_end = SkipJsonString(object, i);
    if (key_end == 0) return;
    std::string_view key = object.substr(i + 1, key_end - i - 2);
    i = SkipJsonSpace(object, key_end);
    if (i >= object.size() || object[i] != ':') return;
    i = SkipJsonSpace(object, i + 1);
    std::size_t n = JsonValueLength(object.substr(i));
    if (n == 0) return;
    f(key, object.substr(i, n));
    i = SkipJsonSpace(object, i + n);
    if (i >= object.size() || object[i] != ',') return;
    i = SkipJsonSpace(object, i + 1);
  }
}

}  // namespace kaudit::auditlog::internal
