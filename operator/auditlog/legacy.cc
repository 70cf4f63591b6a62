#include "auditlog/legacy.h"

#include <cstdint>

namespace kaudit::auditlog::internal {
namespace {

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(uint32_t cp, std::string* buf) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    buf->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    buf->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    buf->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    buf->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    buf->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    buf->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    buf->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    buf->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    buf->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    buf->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// One escape after the backslash at s[i]; returns the bytes consumed (0 when malformed).
std::size_t Unescape(std::string_view s, std::size_t i, std::string* buf) {
  if (i + 1 >= s.size()) return 0;
  char c = s[i + 1];
  static constexpr std::string_view kSimple = "abfnrtv\\\"'";
  static constexpr std::string_view kValues = "\a\b\f\n\r\t\v\\\"'";
  if (std::size_t k = kSimple.find(c); k != std::string_view::npos) {
    buf->push_back(kValues[k]);
    return 2;
  }
  std::size_t digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
  if (digits == 0 || i + 2 + digits > s.size()) return 0;
  uint32_t v = 0;
  for (std::size_t d = 0; d < digits; ++d) {
    int h = Hex(s[i + 2 + d]);
    if (h < 0) return 0;
    v = v * 16 + static_cast<uint32_t>(h);
  }
  if (c == 'x') {
    buf->push_back(static_cast<char>(v));
  } else {
    AppendUtf8(v, buf);
  }
  return 2 + digits;
}

}  // namespace

std::size_t GoUnquotePrefix(std::string_view s, std::string* buf) {
  if (s.empty() || s[0] != '"') return 0;
  std::size_t start = buf->size();
  for (std::size_t i = 1; i < s.size();) {
    if (s[i] == '"') return i + 1;
    if (s[i] != '\\') {
      buf->push_back(s[i++]);
      continue;
    }
    std::size_t n = Unescape(s, i, buf);
    if (n == 0) break;
    i += n;
  }
  buf->resize(start);
  return 0;
}

bool LooksLegacy(std::string_view line) {
  std::size_t p = line.find(" AUDIT: ");
  return p != std::string_view::npos && p > 0 && line.find(' ') == p;
}

bool ParseLegacyLine(std::string_view line, std::string* buf, std::vector<std::string_view>* groups,
                     ParsedEvent* out) {
  std::size_t p = line.find(" AUDIT: ");
  if (p == std::string_view::npos) return false;
  // Unquoted text is never longer than its quoted form; groups are unquoted twice.
  buf->clear();
  buf->reserve(2 * line.size() + 16);
  groups->clear();
  out->is_legacy_format = true;
  out->line_bytes = line.size();
  out->request_received_timestamp = line.substr(0, p);
  std::string_view rest = line.substr(p + 8);
  std::string_view user, ns, g;
  // key="value" pairs in upstream's fixed order, read one after the other so that a value that
  // happens to contain ` id="` cannot be mistaken for a key.
  while (!rest.empty()) {
    std::size_t eq = rest.find('=');
    if (eq == std::string_view::npos) break;
    std::string_view key = rest.substr(0, eq);
    std::size_t start = buf->size();
    std::size_t n = GoUnquotePrefix(rest.substr(eq + 1), buf);
    if (n == 0) return false;
    std::string_view value(buf->data() + start, buf->size() - start);
    if (key == "id")
      out->audit_id = value;
    else if (key == "stage")
      out->stage = value;
    else if (key == "method")
      out->verb = value;
    else if (key == "user")
      user = value;
    else if (key == "groups")
      g = value;
    else if (key == "user-agent")
      out->user_agent = value;
    else if (key == "namespace")
      ns = value;
    else if (key == "uri")
      out->request_uri = value;
    rest.remove_prefix(eq + 1 + n);
    while (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
  }
  out->username = user == "<none>" ? std::string_view() : user;
  out->attrs.user = out->username;
  out->attrs.verb = out->verb;
  out->namespace_ = ns == "<none>" ? std::string_view() : ns;
  if (g != "<none>") {
    // auditStringSlice: each group %q-quoted, joined with ",".
    while (!g.empty()) {
      std::size_t start = buf->size();
      std::size_t n = GoUnquotePrefix(g, buf);
      if (n == 0) break;
      groups->emplace_back(buf->data() + start, buf->size() - start);
      g.remove_prefix(n);
      if (!g.empty() && g[0] == ',') g.remove_prefix(1);
    }
  }
  out->attrs.groups = *groups;
  out->attrs.has_user = !out->username.empty() || !groups->empty();
  return !out->audit_id.empty() || !out->verb.empty();
}

}  // namespace kaudit::auditlog::internal
