#include "kyaml/resolve.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace kaudit::kyaml::internal {
namespace {

using Kind = Resolved::Kind;

struct MapEntry {
  std::string_view text;
  Kind kind;
  bool b;
  double f;
};

// go-yaml v2 resolve.go's resolveMap.
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::array<MapEntry, 36> kResolveMap = {{
    {"y", Kind::kBool, true, 0},       {"Y", Kind::kBool, true, 0},
    {"yes", Kind::kBool, true, 0},     {"Yes", Kind::kBool, true, 0},
    {"YES", Kind::kBool, true, 0},     {"true", Kind::kBool, true, 0},
    {"True", Kind::kBool, true, 0},    {"TRUE", Kind::kBool, true, 0},
    {"on", Kind::kBool, true, 0},      {"On", Kind::kBool, true, 0},
    {"ON", Kind::kBool, true, 0},      {"n", Kind::kBool, false, 0},
    {"N", Kind::kBool, false, 0},      {"no", Kind::kBool, false, 0},
    {"No", Kind::kBool, false, 0},     {"NO", Kind::kBool, false, 0},
    {"false", Kind::kBool, false, 0},  {"False", Kind::kBool, false, 0},
    {"FALSE", Kind::kBool, false, 0},  {"off", Kind::kBool, false, 0},
    {"Off", Kind::kBool, false, 0},    {"OFF", Kind::kBool, false, 0},
    {"", Kind::kNull, false, 0},       {"~", Kind::kNull, false, 0},
    {"null", Kind::kNull, false, 0},   {"Null", Kind::kNull, false, 0},
    {"NULL", Kind::kNull, false, 0},   {".nan", Kind::kFloat, false, NAN},
    {".NaN", Kind::kFloat, false, NAN}, {".NAN", Kind::kFloat, false, NAN},
    {".inf", Kind::kFloat, false, kInf}, {".Inf", Kind::kFloat, false, kInf},
    {".INF", Kind::kFloat, false, kInf}, {"+.inf", Kind::kFloat, false, kInf},
    {"-.inf", Kind::kFloat, false, -kInf}, {"<<", Kind::kMerge, false, 0},
}};
// "+.Inf", "+.INF", "-.Inf", "-.INF" complete the table.
constexpr std::array<MapEntry, 4> kResolveMapSigned = {{
    {"+.Inf", Kind::kFloat, false, kInf}, {"+.INF", Kind::kFloat, false, kInf},
    {"-.Inf", Kind::kFloat, false, -kInf}, {"-.INF", Kind::kFloat, false, -kInf},
}};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Go's strconv.ParseUint(s, 0, 64) without sign: base prefixes 0x, 0o, 0b, leading-0 octal.
bool ParseUnsignedBase0(std::string_view s, unsigned long long* out) {
  if (s.empty()) return false;
  int base = 10;
  if (s.size() > 1 && s[0] == '0') {
    char p = s[1];
    if (p == 'x' || p == 'X') base = 16, s.remove_prefix(2);
    else if (p == 'o' || p == 'O') base = 8, s.remove_prefix(2);
    else if (p == 'b' || p == 'B') base = 2, s.remove_prefix(2);
    else base = 8, s.remove_prefix(1);
  }
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Go's strconv.ParseInt(s, 0, 64).
bool ParseIntBase0(std::string_view s, long long* out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) neg = s[0] == '-', s.remove_prefix(1);
  unsigned long long u = 0;
  if (!ParseUnsignedBase0(s, &u)) return false;
  constexpr auto kMax = static_cast<unsigned long long>(std::numeric_limits<long long>::max());
  if (!neg && u > kMax) return false;
  if (neg && u > kMax + 1) return false;
  *out = neg ? static_cast<long long>(0ULL - u) : static_cast<long long>(u);
  return true;
}

// yamlStyleFloat = ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool IsYamlStyleFloat(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  std::size_t digits = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i, ++digits;
    if (digits == 0) return false;
  } else {
    while (i < s.size() && IsDigit(s[i])) ++i, ++digits;
    if (digits == 0) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && IsDigit(s[i])) ++i;
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t exp = 0;
    while (i < s.size() && IsDigit(s[i])) ++i, ++exp;
    if (exp == 0) return false;
  }
  return i == s.size();
}

// Go's ParseFloat for the decimal shapes above; fails when out of range (±Inf).
bool ParseFiniteFloat(std::string_view s, double* out) {
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size()) return false;
  if (std::isinf(v)) return false;
  *out = v;
  return true;
}

Resolved ResolveNumeric(std::string_view in) {
  Resolved r;
  std::string plain;
  plain.reserve(in.size());
  for (char c : in) {
    if (c != '_') plain.push_back(c);
  }
  if (ParseIntBase0(plain, &r.i)) return r.kind = Kind::kInt, r;
  if (ParseUnsignedBase0(plain, &r.u)) return r.kind = Kind::kUint, r;
  if (IsYamlStyleFloat(plain) && ParseFiniteFloat(plain, &r.f)) return r.kind = Kind::kFloat, r;
  // "0b101" and "-0b101" were handled by ParseIntBase0 (Go's base 0 knows 0b).
  return r;
}

}  // namespace

Resolved ResolvePlain(std::string_view in) {
  Resolved r;
  for (const auto* table : {kResolveMap.data(), kResolveMapSigned.data()}) {
    std::size_t n = table == kResolveMap.data() ? kResolveMap.size() : kResolveMapSigned.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (table[i].text == in) {
        r.kind = table[i].kind;
        r.b = table[i].b;
        r.f = table[i].f;
        return r;
      }
    }
  }
  if (in.empty()) return r;
  char c = in[0];
  if (IsDigit(c) || c == '+' || c == '-') return ResolveNumeric(in);
  if (c == '.' && IsYamlStyleFloat(in) && ParseFiniteFloat(in, &r.f)) r.kind = Kind::kFloat;
  return r;
}

std::string FormatJsonFloat(double f) {
  // encoding/json: 'f' format unless the exponent is < -6 or >= 21, then 'e' with a
  // two-digit minimum exponent ("1e-07", "1e+21").
  char buf[64];
  double a = std::fabs(f);
  bool sci = a != 0 && (a < 1e-6 || a >= 1e21);
  auto res = std::to_chars(buf, buf + sizeof buf, f,
                           sci ? std::chars_format::scientific : std::chars_format::fixed);
  std::string s(buf, res.ptr);
  if (sci) {
    std::size_t e = s.find('e');
    if (e != std::string::npos && e + 2 == s.size() - 1) s.insert(e + 2, "0");
  }
  return s;
}

StatusOr<Value> ToJsonValue(const Resolved& r, std::string_view text, Mark m) {
  switch (r.kind) {
    case Kind::kNull: return Value::Null(m);
    case Kind::kBool: return Value::Bool(r.b, m);
    case Kind::kInt: return Value::Number(std::to_string(r.i), m);
    case Kind::kUint: return Value::Number(std::to_string(r.u), m);
    case Kind::kFloat:
      if (std::isnan(r.f)) return Status::InvalidArgument("json: unsupported value: NaN");
      if (std::isinf(r.f)) {
        return Status::InvalidArgument(r.f > 0 ? "json: unsupported value: +Inf"
                                               : "json: unsupported value: -Inf");
      }
      return Value::Number(FormatJsonFloat(r.f), m);
    case Kind::kString:
    case Kind::kMerge: return Value::String(std::string(text), m);
  }
  return Value::String(std::string(text), m);
}

StatusOr<std::string> ToJsonKey(const Resolved& r, std::string_view text) {
  switch (r.kind) {
    case Kind::kString:
    case Kind::kMerge: return std::string(text);
    case Kind::kInt: return std::to_string(r.i);
    case Kind::kBool: return std::string(r.b ? "true" : "false");
    case Kind::kFloat: {
      if (std::isnan(r.f)) return std::string(".nan");
      if (std::isinf(r.f)) return std::string(r.f > 0 ? ".inf" : "-.inf");
      char buf[64];
      auto res = std::to_chars(buf, buf + sizeof buf, static_cast<float>(r.f));
      return std::string(buf, res.ptr);
    }
    case Kind::kNull:
      return Status::InvalidArgument("unsupported map key of type: <nil>, key: <nil>");
    case Kind::kUint:
      return Status::InvalidArgument("unsupported map key of type: uint64, key: 0x" +
                                     std::string(text));
  }
  return std::string(text);
}

}  // namespace kaudit::kyaml::internal
