#include "policy/validate.h"

#include <cstdio>

namespace kaudit::policy {
namespace {

constexpr const char* kStagesAllowed =
    "allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic";

// Bytes of one valid UTF-8 sequence starting at s[i], or 0 when invalid.
std::size_t Utf8Len(const std::string& s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return 0;
  }
  return n;
}

char32_t DecodeUtf8(const std::string& s, std::size_t i, std::size_t n) {
  auto c = static_cast<unsigned char>(s[i]);
  char32_t cp = n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
  for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
  return cp;
}

// An approximation of Go's unicode.IsPrint for the code points that matter in practice:
// C1 controls, format characters (zero-width spaces, bidi marks, BOM), non-ASCII spaces,
// surrogates and private use are escaped by strconv.Quote.
bool IsGoPrintable(char32_t cp) {
  if (cp <= 0xa0) return cp >= 0x20 && cp < 0x7f;
  if (cp == 0xad || cp == 0x61c || cp == 0x1680 || cp == 0x180e) return false;
  if ((cp >= 0x2000 && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202f)) return false;
  if ((cp >= 0x205f && cp <= 0x206f) || cp == 0x3000 || cp == 0xfeff) return false;
  if ((cp >= 0xfff9 && cp <= 0xfffb) || (cp >= 0xd800 && cp <= 0xf8ff)) return false;
  return cp <= 0x10ffff;
}

FieldError Invalid(std::string field, std::string bad, std::string detail) {
  return {FieldError::Type::kInvalid, std::move(field), std::move(bad), std::move(detail)};
}

void ValidateOmitStages(const std::vector<std::string>& stages, const std::string& path,
                        std::vector<FieldError>* errs) {
  for (std::size_t i = 0; i < stages.size(); ++i) {
    if (!ParseStage(stages[i])) {
      errs->push_back(Invalid(path + "[" + std::to_string(i) + "]", GoQuote(stages[i]),
                              kStagesAllowed));
    }
  }
}

void ValidateLevel(const std::string& level, const std::string& path,
                   std::vector<FieldError>* errs) {
  if (ParseLevel(level)) return;
  if (level.empty()) {
    errs->push_back({FieldError::Type::kRequired, path, "", ""});
    return;
  }
  errs->push_back({FieldError::Type::kNotSupported, path, GoQuote(level),
                   R"(supported values: "None", "Metadata", "Request", "RequestResponse")"});
}

void ValidateNonResourceUrls(const std::vector<std::string>& urls, const std::string& path,
                             std::vector<FieldError>* errs) {
  for (std::size_t i = 0; i < urls.size(); ++i) {
    const std::string& url = urls[i];
    if (url == "*") continue;
    std::string p = path + "[" + std::to_string(i) + "]";
    if (url.empty() || url[0] != '/') {
      errs->push_back(Invalid(p, GoQuote(url), "non-resource URL rules must begin with a '/' character"));
    }
    if (!url.empty() && url.substr(0, url.size() - 1).find('*') != std::string::npos) {
      errs->push_back(Invalid(p, GoQuote(url),
                              "non-resource URL wildcards '*' must be the final character of the rule"));
    }
  }
}

// [a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)* without std::regex, whose
// recursion overflows the stack on long input.
bool IsDns1123Subdomain(const std::string& v) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  std::size_t start = 0;
  for (;;) {
    std::size_t end = v.find('.', start);
    if (end == std::string::npos) end = v.size();
    if (end == start || !alnum(v[start]) || !alnum(v[end - 1])) return false;
    for (std::size_t i = start; i < end; ++i) {
      if (!alnum(v[i]) && v[i] != '-') return false;
    }
    if (end == v.size()) return true;
    start = end + 1;
  }
}

// k8s.io/apimachinery validation.IsDNS1123Subdomain, messages joined with "," as upstream.
std::string DnsSubdomainProblems(const std::string& value) {
  std::string msgs;
  if (value.size() > 253) msgs = "must be no more than 253 characters";
  if (!IsDns1123Subdomain(value)) {
    if (!msgs.empty()) msgs += ",";
    msgs +=
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
        "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
        "regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  }
  return msgs;
}

// Upstream names the field "resources.group" with no index: the quirk is kept.
void ValidateResources(const std::vector<GroupResources>& grs, const std::string& path,
                       std::vector<FieldError>* errs) {
  for (const GroupResources& gr : grs) {
    if (!gr.group.empty()) {
      std::string msgs = DnsSubdomainProblems(gr.group);
      if (!msgs.empty()) errs->push_back(Invalid(path + ".group", GoQuote(gr.group), msgs));
    }
    if (!gr.resource_names.empty() && gr.resources.empty()) {
      errs->push_back(Invalid(path + ".resourceNames", GoStringSlice(gr.resource_names),
                              "using resourceNames requires at least one resource"));
    }
  }
}

}  // namespace

std::optional<Level> ParseLevel(std::string_view s) {
  for (std::size_t i = 0; i < kLevelNames.size(); ++i) {
    if (kLevelNames[i] == s) return static_cast<Level>(i);
  }
  return std::nullopt;
}

std::optional<Stage> ParseStage(std::string_view s) {
  for (std::size_t i = 0; i < kStageNames.size(); ++i) {
    if (kStageNames[i] == s) return static_cast<Stage>(i);
  }
  return std::nullopt;
}

std::string GoQuote(const std::string& s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = Utf8Len(s, i);
    if (n > 1) {
      char32_t cp = DecodeUtf8(s, i, n);
      if (IsGoPrintable(cp)) {
        out.append(s, i, n);
      } else {
        char buf[16];
        std::snprintf(buf, sizeof buf, cp > 0xffff ? "\\U%08x" : "\\u%04x",
                      static_cast<unsigned>(cp));
        out += buf;
      }
      i += n;
      continue;
    }
    ++i;
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\a': out += "\\a"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\v': out += "\\v"; continue;
      default: break;
    }
    if (n == 1 && c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out + "\"";
}

std::string GoStringSlice(const std::vector<std::string>& v) {
  std::string out = "[]string{";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ", ";
    out += GoQuote(v[i]);
  }
  return out + "}";
}

std::string FieldError::ToString() const {
  switch (type) {
    case Type::kRequired:
    case Type::kForbidden:
    case Type::kTooLong: {
      std::string name = type == Type::kRequired    ? "Required value"
                         : type == Type::kForbidden ? "Forbidden"
                                                    : "Too long";
      return field + ": " + name + (detail.empty() ? "" : ": " + detail);
    }
    case Type::kInvalid:
    case Type::kNotSupported:
    case Type::kDuplicate: {
      std::string name = type == Type::kInvalid        ? "Invalid value"
                         : type == Type::kNotSupported ? "Unsupported value"
                                                       : "Duplicate value";
      return field + ": " + name + ": " + bad_value + (detail.empty() ? "" : ": " + detail);
    }
  }
  return field + ": " + detail;
}

std::vector<FieldError> ValidatePolicy(const Policy& policy) {
  std::vector<FieldError> errs;
  ValidateOmitStages(policy.omit_stages, "omitStages", &errs);
  for (std::size_t i = 0; i < policy.rules.size(); ++i) {
    const PolicyRule& rule = policy.rules[i];
    std::string p = "rules[" + std::to_string(i) + "]";
    ValidateLevel(rule.level, p + ".level", &errs);
    ValidateNonResourceUrls(rule.non_resource_urls, p + ".nonResourceURLs", &errs);
    ValidateResources(rule.resources, p + ".resources", &errs);
    ValidateOmitStages(rule.omit_stages, p + ".omitStages", &errs);
    if (!rule.non_resource_urls.empty() && (!rule.resources.empty() || !rule.namespaces.empty())) {
      errs.push_back(Invalid(p + ".nonResourceURLs", GoStringSlice(rule.non_resource_urls),
                             "rules cannot apply to both regular resources and non-resource URLs"));
    }
  }
  return errs;
}

}  // namespace kaudit::policy
