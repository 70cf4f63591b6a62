#include "auditlog/uri.h"

namespace kaudit::auditlog {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Go quotes the offending text with strconv.Quote; the escape is at most 3 bytes and, for the
// inputs that reach here, printable ASCII or a byte Go would show as \xNN.
std::string GoQuote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string q = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      q += '\\';
      q += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      q += static_cast<char>(c);
    } else {
      q += "\\x";
      q += kHex[c >> 4];
      q += kHex[c & 0xf];
    }
  }
  q += '"';
  return q;
}

}  // namespace

Status DecodeRequestPath(std::string_view request_uri, std::string* out) {
  std::string_view path = request_uri.substr(0, request_uri.find('?'));
  out->clear();
  std::size_t pct = path.find('%');
  if (pct == std::string_view::npos) {
    out->assign(path);
    return Status::Ok();
  }
  out->assign(path.substr(0, pct));
  for (std::size_t i = pct; i < path.size();) {
    if (path[i] != '%') {
      out->push_back(path[i++]);
      continue;
    }
    int hi = i + 2 < path.size() ? HexValue(path[i + 1]) : -1;
    int lo = i + 2 < path.size() ? HexValue(path[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument("invalid URL escape " + GoQuote(path.substr(i, 3)));
    }
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 3;
  }
  return Status::Ok();
}

}  // namespace kaudit::auditlog
