#include "kyaml/json_syntax.h"

#include <cstdio>
#include <string>
#include <vector>

namespace kaudit::kyaml::internal {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Go's quoteChar.
std::string QuoteChar(char ch) {
  auto c = static_cast<unsigned char>(ch);
  if (c == '\'') return R"('\'')";
  if (c == '"') return R"('"')";
  char buf[16];
  switch (c) {
    case '\a': return R"('\a')";
    case '\b': return R"('\b')";
    case '\f': return R"('\f')";
    case '\n': return R"('\n')";
    case '\r': return R"('\r')";
    case '\t': return R"('\t')";
    case '\v': return R"('\v')";
    case '\\': return R"('\\')";
    default: break;
  }
  if (c < 0x20 || c == 0x7f) {
    std::snprintf(buf, sizeof buf, "'\\x%02x'", c);
  } else if (c >= 0x80) {
    // Go quotes the byte as the Latin-1 rune it converts to.
    buf[0] = '\'';
    buf[1] = static_cast<char>(0xc0 | (c >> 6));
    buf[2] = static_cast<char>(0x80 | (c & 0x3f));
    buf[3] = '\'';
    buf[4] = 0;
  } else {
    std::snprintf(buf, sizeof buf, "'%c'", c);
  }
  return buf;
}

class Scanner {
 public:
  Scanner(std::string_view d, std::size_t max_depth) : d_(d), max_depth_(max_depth) {}

  std::size_t offset() const { return i_; }

  Status Run() {
    SkipSpace();
    KAUDIT_RETURN_IF_ERROR(Value());
    SkipSpace();
    if (i_ < d_.size()) return Err("after top-level value");
    return Status::Ok();
  }

 private:
  Status Err(const char* context) {
    if (i_ >= d_.size()) return Status::InvalidArgument("unexpected end of JSON input");
    return Status::InvalidArgument("invalid character " + QuoteChar(d_[i_]) + " " + context);
  }
  void SkipSpace() {
    while (i_ < d_.size() && IsSpace(d_[i_])) ++i_;
  }
  bool At(char c) const { return i_ < d_.size() && d_[i_] == c; }

  Status Value() {
    if (i_ >= d_.size()) return Err("");
    char c = d_[i_];
    if (c == '{' || c == '[') {
      if (++depth_ > max_depth_) return Status::InvalidArgument("exceeded max depth");
      Status s = c == '{' ? Object() : Array();
      --depth_;
      return s;
    }
    if (c == '"') return String();
    if (c == '-' || IsDigit(c)) return Number();
    if (c == 't') return Literal("true", "in literal true (expecting ");
    if (c == 'f') return Literal("false", "in literal false (expecting ");
    if (c == 'n') return Literal("null", "in literal null (expecting ");
    return Err("looking for beginning of value");
  }

  Status Object() {
    ++i_;
    SkipSpace();
    if (At('}')) return ++i_, Status::Ok();
    for (;;) {
      SkipSpace();
      if (!At('"')) return Err("looking for beginning of object key string");
      KAUDIT_RETURN_IF_ERROR(String());
      SkipSpace();
      if (!At(':')) return Err("after object key");
      ++i_;
      SkipSpace();
      KAUDIT_RETURN_IF_ERROR(Value());
      SkipSpace();
      if (At(',')) {
        ++i_;
        continue;
      }
      if (At('}')) return ++i_, Status::Ok();
      return Err("after object key:value pair");
    }
  }

  Status Array() {
    ++i_;
    SkipSpace();
    if (At(']')) return ++i_, Status::Ok();
    for (;;) {
      SkipSpace();
      KAUDIT_RETURN_IF_ERROR(Value());
      SkipSpace();
      if (At(',')) {
        ++i_;
        continue;
      }
      if (At(']')) return ++i_, Status::Ok();
      return Err("after array element");
    }
  }

  Status String() {
    ++i_;
    while (i_ < d_.size()) {
      auto c = static_cast<unsigned char>(d_[i_]);
      if (c == '"') return ++i_, Status::Ok();
      if (c < 0x20) return Err("in string literal");
      if (c == '\\') {
        ++i_;
        if (i_ >= d_.size()) break;
        char e = d_[i_];
        if (e == 'u') {
          for (int k = 0; k < 4; ++k) {
            ++i_;
            if (i_ >= d_.size() || !IsHex(d_[i_])) return Err("in \\u hexadecimal character escape");
          }
        } else if (std::string_view("bfnrt\\/\"").find(e) == std::string_view::npos) {
          return Err("in string escape code");
        }
      }
      ++i_;
    }
    return Err("");
  }

  Status Digits(const char* context) {
    if (i_ >= d_.size() || !IsDigit(d_[i_])) return Err(context);
    while (i_ < d_.size() && IsDigit(d_[i_])) ++i_;
    return Status::Ok();
  }

  Status Number() {
    if (At('-')) ++i_;
    if (At('0')) {
      ++i_;
    } else {
      KAUDIT_RETURN_IF_ERROR(Digits("in numeric literal"));
    }
    if (At('.')) {
      ++i_;
      KAUDIT_RETURN_IF_ERROR(Digits("after decimal point in numeric literal"));
    }
    if (At('e') || At('E')) {
      ++i_;
      if (At('+') || At('-')) ++i_;
      KAUDIT_RETURN_IF_ERROR(Digits("in exponent of numeric literal"));
    }
    return Status::Ok();
  }

  Status Literal(std::string_view word, const std::string& context) {
    for (std::size_t k = 0; k < word.size(); ++k, ++i_) {
      if (i_ >= d_.size() || d_[i_] != word[k]) {
        std::string ctx = context + "'" + std::string(1, word[k]) + "')";
        return Err(ctx.c_str());
      }
    }
    return Status::Ok();
  }

  std::string_view d_;
  std::size_t max_depth_;
  std::size_t i_ = 0;
  std::size_t depth_ = 0;
};

}  // namespace

Status CheckJsonSyntax(std::string_view data, std::size_t max_depth, std::size_t* error_offset) {
  Scanner scanner(data, max_depth);
  Status s = scanner.Run();
  if (!s.ok()) *error_offset = scanner.offset();
  return s;
}

}  // namespace kaudit::kyaml::internal
