#include "policy/emit.h"

#include <cstdint>
#include <cstdio>

namespace kaudit::policy {
namespace {

// Decodes one UTF-8 sequence at s[*i]; returns U+FFFD and advances by one byte when invalid.
char32_t NextCodePoint(std::string_view s, std::size_t* i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(*i);
  int len = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || *i + static_cast<std::size_t>(len) > s.size()) {
    ++*i;
    return 0xFFFD;
  }
  char32_t cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
  for (int k = 1; k < len; ++k) {
    unsigned char b = byte(*i + static_cast<std::size_t>(k));
    if ((b & 0xC0) != 0x80) {
      ++*i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++*i;
    return 0xFFFD;
  }
  *i += static_cast<std::size_t>(len);
  return cp;
}

// YAML's printable set, minus line separators and the BOM (which readers treat specially).
bool PrintableAsIs(char32_t c) {
  return (c >= 0x20 && c <= 0x7E) || (c >= 0xA0 && c <= 0xD7FF && c != 0x2028 && c != 0x2029) ||
         (c >= 0xE000 && c <= 0xFFFD && c != 0xFEFF) || (c >= 0x10000 && c <= 0x10FFFF);
}

void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

void AppendEscape(char32_t c, std::string* out) {
  switch (c) {
    case '"':
      *out += "\\\"";
      return;
    case '\\':
      *out += "\\\\";
      return;
    case '\0':
      *out += "\\0";
      return;
    case '\t':
      *out += "\\t";
      return;
    case '\n':
      *out += "\\n";
      return;
    case '\r':
      *out += "\\r";
      return;
    default:
      break;
  }
  char buf[16];
  if (c <= 0xFFFF) {
    std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(c));
  } else {
    std::snprintf(buf, sizeof buf, "\\U%08X", static_cast<unsigned>(c));
  }
  *out += buf;
}

void AppendList(std::string_view indent, std::string_view key, const std::vector<std::string>& v,
                std::string* out) {
  if (v.empty()) return;
  *out += indent;
  *out += key;
  *out += ": [";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) *out += ", ";
    *out += YamlQuote(v[i]);
  }
  *out += "]\n";
}

void AppendRule(const PolicyRule& r, std::string_view comment, std::string* out) {
  if (!comment.empty()) {
    *out += "  # ";
    *out += comment;
    *out += "\n";
  }
  *out += "  - level: " + YamlQuote(r.level) + "\n";
  constexpr std::string_view kIn = "    ";
  AppendList(kIn, "users", r.users, out);
  AppendList(kIn, "userGroups", r.user_groups, out);
  AppendList(kIn, "verbs", r.verbs, out);
  if (!r.resources.empty()) {
    *out += "    resources:\n";
    for (const GroupResources& gr : r.resources) {
      *out += "      - group: " + YamlQuote(gr.group) + "\n";
      AppendList("        ", "resources", gr.resources, out);
      AppendList("        ", "resourceNames", gr.resource_names, out);
    }
  }
  AppendList(kIn, "namespaces", r.namespaces, out);
  AppendList(kIn, "nonResourceURLs", r.non_resource_urls, out);
  AppendList(kIn, "omitStages", r.omit_stages, out);
  if (r.omit_managed_fields.has_value()) {
    *out +=
        std::string("    omitManagedFields: ") + (*r.omit_managed_fields ? "true" : "false") + "\n";
  }
}

// Comments are ours (purposes, profile names), but a stray newline would end the comment and
// turn the rest into YAML: keep them on one line whatever they hold.
std::string OneLine(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

}  // namespace

std::string YamlQuote(std::string_view s) {
  std::string out = "\"";
  out.reserve(s.size() + 2);
  std::size_t i = 0;
  while (i < s.size()) {
    char32_t c = NextCodePoint(s, &i);
    if (c != '"' && c != '\\' && PrintableAsIs(c)) {
      AppendUtf8(c, &out);
    } else {
      AppendEscape(c, &out);
    }
  }
  out += "\"";
  return out;
}

std::string EmitPolicyYaml(const Policy& policy, const std::vector<std::string>& rule_comments,
                           std::string_view header) {
  std::string out;
  if (!header.empty()) {
    std::size_t start = 0;
    while (start <= header.size()) {
      std::size_t nl = header.find('\n', start);
      std::string_view line = header.substr(start, nl == std::string_view::npos ? nl : nl - start);
      out += line.empty() ? "#\n" : "# " + std::string(line) + "\n";
      if (nl == std::string_view::npos) break;
      start = nl + 1;
    }
  }
  out += "apiVersion: " + std::string(kApiVersion) + "\n";
  out += "kind: " + std::string(kKind) + "\n";
  AppendList("", "omitStages", policy.omit_stages, &out);
  if (policy.omit_managed_fields) out += "omitManagedFields: true\n";
  if (policy.rules.empty()) {
    out += "rules: []\n";
    return out;
  }
  out += "rules:\n";
  for (std::size_t i = 0; i < policy.rules.size(); ++i) {
    std::string comment = i < rule_comments.size() ? OneLine(rule_comments[i]) : std::string();
    AppendRule(policy.rules[i], comment, &out);
  }
  return out;
}

}  // namespace kaudit::policy
