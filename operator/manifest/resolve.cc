// YAML 1.1 scalar resolution as go-yaml v2 (gopkg.in/yaml.v2 resolve.go) does it, which is what
// kubelet's decoder (sigs.k8s.io/yaml) uses for static-pod manifests.
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "manifest/yaml_tree.h"

namespace kaudit::manifest {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool OneOf(std::string_view s, std::initializer_list<std::string_view> set) {
  for (std::string_view v : set) {
    if (s == v) return true;
  }
  return false;
}

// Go's strconv.ParseInt/ParseUint with base 0 (sign, 0x/0o/0b/0 prefixes), after go-yaml
// removed every '_'. Only answers "does it parse as a 64-bit integer".
bool ParsesAsGoInt(std::string s) {
  std::erase(s, '_');
  std::size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    neg = s[i] == '-';
    ++i;
  }
  int base = 10;
  if (s.size() - i >= 2 && s[i] == '0') {
    char p = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i + 1])));
    if (p == 'x') base = 16, i += 2;
    else if (p == 'o') base = 8, i += 2;
    else if (p == 'b') base = 2, i += 2;
    else base = 8, i += 1;
  }
  if (i >= s.size()) return base == 8 && s.size() > 0 && s.back() == '0';  // "0", "-0"
  std::uint64_t v = 0;
  for (; i < s.size(); ++i) {
    int d;
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
    if (IsDigit(c)) {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return false;
    }
    if (d >= base) return false;
    auto ub = static_cast<std::uint64_t>(base), ud = static_cast<std::uint64_t>(d);
    if (v > (UINT64_MAX - ud) / ub) return false;  // overflows uint64
    v = v * ub + ud;
  }
  if (neg) return v <= (static_cast<std::uint64_t>(1) << 63);
  return true;
}

// ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool YamlStyleFloat(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::size_t d = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == d) return false;
  } else {
    std::size_t d = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == d) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && IsDigit(s[i])) ++i;
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t d = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == d) return false;
  }
  return i == s.size();
}

// ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$
bool IsBase60Float(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i >= s.size() || !IsDigit(s[i])) return false;
  while (i < s.size() && (IsDigit(s[i]) || s[i] == '_')) ++i;
  int groups = 0;
  while (i < s.size() && s[i] == ':') {
    ++i;
    std::size_t d = i;
    while (i < s.size() && IsDigit(s[i]) && i - d < 2) ++i;
    if (i == d) return false;
    if (i - d == 2 && s[d] > '5') return false;
    ++groups;
  }
  if (groups == 0) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && (IsDigit(s[i]) || s[i] == '_')) ++i;
  }
  return i == s.size();
}

// go-yaml v2 parses plain scalars that start with "YYYY-" as timestamps (and sigs.k8s.io/yaml
// turns them back into RFC 3339 strings), so such strings are always written quoted.
bool LooksLikeTimestamp(std::string_view s) {
  if (s.size() < 6) return false;
  for (int i = 0; i < 4; ++i) {
    if (!IsDigit(s[static_cast<std::size_t>(i)])) return false;
  }
  return s[4] == '-';
}

}  // namespace

ScalarType ResolvePlain(std::string_view s) {
  if (OneOf(s, {"", "~", "null", "Null", "NULL"})) return ScalarType::kNull;
  if (OneOf(s, {"y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE", "n", "N",
                "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"})) {
    return ScalarType::kBool;
  }
  if (OneOf(s, {".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
                "-.Inf", "-.INF"})) {
    return ScalarType::kFloat;
  }
  char c = s[0];
  if (c == '.') {
    return YamlStyleFloat(s) ? ScalarType::kFloat : ScalarType::kString;
  }
  if (IsDigit(c) || c == '+' || c == '-') {
    std::string plain(s);
    std::erase(plain, '_');
    if (ParsesAsGoInt(plain)) return ScalarType::kInt;
    if (YamlStyleFloat(plain)) return ScalarType::kFloat;
  }
  return ScalarType::kString;
}

bool PlainSafeString(std::string_view s) {
  return ResolvePlain(s) == ScalarType::kString && !IsBase60Float(s) && !LooksLikeTimestamp(s) &&
         s != "<<";
}

}  // namespace kaudit::manifest
