#include "manifest/flags.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <optional>

namespace kaudit::manifest {
namespace {

constexpr std::array<std::string_view, 5> kBoolFlags = {
    "audit-log-compress", "audit-log-batch-throttle-enable",
    "audit-webhook-batch-throttle-enable", "audit-log-truncate-enabled",
    "audit-webhook-truncate-enabled"};

// Backend-specific flags (present for both "log" and "webhook").
constexpr std::array<std::string_view, 10> kBackendFlags = {
    "mode",
    "batch-buffer-size",
    "batch-max-size",
    "batch-max-wait",
    "batch-throttle-enable",
    "batch-throttle-qps",
    "batch-throttle-burst",
    "truncate-enabled",
    "truncate-max-batch-size",
    "truncate-max-event-size"};

constexpr std::array<std::string_view, 14> kOtherFlags = {
    "audit-policy-file",         "audit-log-path",
    "audit-log-maxage",          "audit-log-maxbackup",
    "audit-log-maxsize",         "audit-log-compress",
    "audit-log-format",          "audit-log-version",
    "audit-webhook-config-file", "audit-webhook-initial-backoff",
    "audit-webhook-batch-initial-backoff", "audit-webhook-version",
    "audit-log-mode",            "audit-webhook-mode"};

std::optional<long long> GoInt(std::string_view s) {
  // strconv.ParseInt(s, 0, 64) as pflag's int flags use it.
  std::string t(s);
  if (t.empty() || t.find('_') != std::string::npos) return std::nullopt;
  std::size_t i = (t[0] == '+' || t[0] == '-') ? 1 : 0;
  int base = 10;
  if (t.size() - i > 1 && t[i] == '0') {
    char p = t[i + 1];
    if (p == 'x' || p == 'X') base = 16, t.erase(i, 2);
    else if (p == 'b' || p == 'B') base = 2, t.erase(i, 2);
    else if (p == 'o' || p == 'O') base = 8, t.erase(i, 2);
    else base = 8;
  }
  if (i >= t.size()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(t.c_str(), &end, base);
  if (errno != 0 || !end || *end != '\0') return std::nullopt;
  return v;
}

std::optional<double> GoFloat(std::string_view s) {
  std::string t(s);
  if (t.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (errno != 0 || !end || *end != '\0') return std::nullopt;
  return v;
}

std::optional<bool> GoBool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") {
    return false;
  }
  return std::nullopt;
}

enum class ValueKind { kString, kInt, kFloat, kBool, kDuration };

ValueKind KindOf(std::string_view name) {
  if (IsBoolAuditFlag(name)) return ValueKind::kBool;
  auto ends = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  if (ends("-maxage") || ends("-maxbackup") || ends("-maxsize") || ends("-buffer-size") ||
      ends("-batch-max-size") || ends("-throttle-burst") || ends("-max-batch-size") ||
      ends("-max-event-size")) {
    return ValueKind::kInt;
  }
  if (ends("-throttle-qps")) return ValueKind::kFloat;
  if (ends("-max-wait") || ends("-initial-backoff")) return ValueKind::kDuration;
  return ValueKind::kString;
}

std::string CheckValue(const std::string& name, const std::string& value) {
  std::string bad = "--" + name + "=" + value + ": ";
  switch (KindOf(name)) {
    case ValueKind::kInt:
      if (!GoInt(value)) return bad + "not an integer";
      break;
    case ValueKind::kFloat:
      if (!GoFloat(value)) return bad + "not a number";
      break;
    case ValueKind::kBool:
      if (!GoBool(value)) return bad + "not a boolean";
      break;
    case ValueKind::kDuration:
      if (!IsGoDuration(value)) return bad + "not a duration (e.g. 10s)";
      break;
    case ValueKind::kString:
      break;
  }
  return "";
}

// AuditOptions.Validate for one backend ("log" or "webhook"), run only when it is enabled.
void ValidateBackend(const std::string& b, const std::map<std::string, std::string>& f,
                     std::vector<std::string>* errs) {
  auto get = [&](std::string_view suffix, std::string def) {
    auto it = f.find("audit-" + b + "-" + std::string(suffix));
    return it == f.end() ? def : it->second;
  };
  bool log = b == "log";
  if (log) {
    for (const char* n : {"maxage", "maxbackup", "maxsize"}) {
      if (GoInt(get(n, "0")).value_or(0) < 0) {
        errs->push_back("--audit-log-" + std::string(n) + "=" + get(n, "0") +
                        ": can't be a negative number");
      }
    }
  }
  std::string mode = get("mode", log ? "blocking" : "batch");
  if (mode != "batch" && mode != "blocking" && mode != "blocking-strict") {
    errs->push_back("--audit-" + b + "-mode=" + mode +
                    ": invalid audit " + b + " mode, allowed modes are batch, blocking, "
                    "blocking-strict");
  }
  auto num = [&](std::string_view suffix, std::string def) {
    return GoInt(get(suffix, std::move(def))).value_or(0);
  };
  if (mode == "batch") {
    if (num("batch-buffer-size", "10000") <= 0) {
      errs->push_back("--audit-" + b + "-batch-buffer-size must be a positive number");
    }
    if (num("batch-max-size", log ? "1" : "400") <= 0) {
      errs->push_back("--audit-" + b + "-batch-max-size must be a positive number");
    }
    bool throttle = GoBool(get("batch-throttle-enable", log ? "false" : "true")).value_or(false);
    if (throttle) {
      if (GoFloat(get("batch-throttle-qps", log ? "0" : "10")).value_or(0) <= 0) {
        errs->push_back("--audit-" + b + "-batch-throttle-qps must be a positive number");
      }
      if (num("batch-throttle-burst", log ? "0" : "15") <= 0) {
        errs->push_back("--audit-" + b + "-batch-throttle-burst must be a positive number");
      }
    }
  }
  long long event = num("truncate-max-event-size", "102400");
  if (event <= 0) {
    errs->push_back("--audit-" + b + "-truncate-max-event-size must be a positive number");
  }
  if (num("truncate-max-batch-size", "10485760") < event) {
    errs->push_back("--audit-" + b +
                    "-truncate-max-batch-size must be at least --audit-" + b +
                    "-truncate-max-event-size");
  }
  std::string version = get("version", "audit.k8s.io/v1");
  if (version != "audit.k8s.io/v1") {
    errs->push_back("--audit-" + b + "-version=" + version + ": only audit.k8s.io/v1 is supported");
  }
}

}  // namespace

std::string NormalizeFlagName(std::string_view raw) {
  std::size_t i = 0;
  while (i < raw.size() && raw[i] == '-') ++i;
  std::string name(raw.substr(i));
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

bool IsAuditFlag(std::string_view name) { return name.substr(0, 6) == "audit-"; }

bool IsBoolAuditFlag(std::string_view name) {
  return std::find(kBoolFlags.begin(), kBoolFlags.end(), name) != kBoolFlags.end();
}

bool IsKnownAuditFlag(std::string_view name) {
  if (std::find(kOtherFlags.begin(), kOtherFlags.end(), name) != kOtherFlags.end()) return true;
  for (std::string_view b : {std::string_view("audit-log-"), std::string_view("audit-webhook-")}) {
    if (name.substr(0, b.size()) != b) continue;
    std::string_view rest = name.substr(b.size());
    if (std::find(kBackendFlags.begin(), kBackendFlags.end(), rest) != kBackendFlags.end()) {
      return true;
    }
  }
  return false;
}

std::vector<FlagUse> ScanFlags(const std::vector<std::string>& args) {
  std::vector<FlagUse> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") break;
    if (a.size() < 2 || a[0] != '-') continue;
    FlagUse u;
    u.index = i;
    std::size_t eq = a.find('=');
    u.name = NormalizeFlagName(a.substr(0, eq));
    if (eq != std::string::npos) {
      u.has_value = true;
      u.value = a.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      const std::string& next = args[i + 1];
      bool takes_next = false;
      if (IsBoolAuditFlag(u.name)) {
        takes_next = false;
      } else if (IsKnownAuditFlag(u.name)) {
        takes_next = true;  // pflag takes the next item, even "-"
      } else {
        takes_next = next.empty() || next[0] != '-';
      }
      if (takes_next) {
        u.has_value = u.separate = true;
        u.value = args[i + 1];
        u.count = 2;
        ++i;
      }
    }
    out.push_back(std::move(u));
  }
  return out;
}

bool IsGoDuration(std::string_view s) {
  if (s.empty()) return false;
  std::size_t i = 0;
  if (s[0] == '+' || s[0] == '-') ++i;
  if (s.substr(i) == "0") return true;
  if (i >= s.size()) return false;
  while (i < s.size()) {
    std::size_t d = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    bool digits = i > d;
    if (i < s.size() && s[i] == '.') {
      ++i;
      std::size_t f = i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
      digits = digits || i > f;
    }
    if (!digits) return false;
    bool unit = false;
    for (std::string_view u : {"ns", "us", "\xC2\xB5s", "\xCE\xBCs", "ms", "s", "m", "h"}) {
      if (s.substr(i, u.size()) == u) {
        i += u.size();
        unit = true;
        break;
      }
    }
    if (!unit) return false;
  }
  return true;
}

std::vector<std::string> ValidateAuditFlagValues(
    const std::vector<std::pair<std::string, std::string>>& flags) {
  std::vector<std::string> errs;
  std::map<std::string, std::string> last;
  for (const auto& [name, value] : flags) {
    if (!IsKnownAuditFlag(name)) {
      errs.push_back("--" + name + ": kube-apiserver has no such flag");
      continue;
    }
    std::string e = CheckValue(name, value);
    if (!e.empty()) errs.push_back(e);
    last[name] = value;
  }
  auto it = last.find("audit-log-format");
  if (it != last.end() && it->second != "json" && it->second != "legacy") {
    errs.push_back("--audit-log-format=" + it->second + ": must be json or legacy");
  }
  auto path = last.find("audit-log-path");
  if (path != last.end() && !path->second.empty()) ValidateBackend("log", last, &errs);
  auto hook = last.find("audit-webhook-config-file");
  if (hook != last.end() && !hook->second.empty()) ValidateBackend("webhook", last, &errs);
  return errs;
}

}  // namespace kaudit::manifest
