// kube-apiserver's audit options (reference/audit-semantics.md §4), as the simulator checks them.
#include <set>

#include "nodesim/start_check.h"

namespace kaudit::nodesim {
namespace {

bool ParseInt(const std::string& s, long long* out) {
  if (s.empty() || s.size() > 18) return false;
  std::size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size() || s.find_first_not_of("0123456789", i) != std::string::npos) return false;
  *out = std::stoll(s);
  return true;
}

bool ParseBool(const std::string& s, bool* out) {
  static const std::set<std::string> kTrue = {"1", "t", "T", "TRUE", "true", "True"};
  static const std::set<std::string> kFalse = {"0", "f", "F", "FALSE", "false", "False"};
  if (kTrue.count(s)) *out = true;
  else if (kFalse.count(s)) *out = false;
  else return false;
  return true;
}

const std::set<std::string>& KnownSuffixes() {
  static const std::set<std::string> k = {
      "mode", "batch-buffer-size", "batch-max-size", "batch-max-wait", "batch-throttle-enable",
      "batch-throttle-qps", "batch-throttle-burst", "truncate-enabled",
      "truncate-max-batch-size", "truncate-max-event-size", "version"};
  return k;
}

// One backend's options ("log" or "webhook"), validated only when that backend is on.
Status CheckBackend(const std::map<std::string, std::string>& f, const std::string& b) {
  auto get = [&](const std::string& s, const std::string& def) {
    auto it = f.find("audit-" + b + "-" + s);
    return it == f.end() ? def : it->second;
  };
  auto bad = [&](const std::string& s, const std::string& why) {
    return Status::InvalidArgument("invalid value \"" + get(s, "") + "\" for flag --audit-" + b + "-" + s + ": " + why);
  };
  std::string mode = get("mode", b == "log" ? "blocking" : "batch");
  if (mode != "batch" && mode != "blocking" && mode != "blocking-strict") return bad("mode", "invalid audit log mode");
  if (get("version", "audit.k8s.io/v1") != "audit.k8s.io/v1") return bad("version", "only audit.k8s.io/v1");
  long long n = 0;
  bool on = false;
  for (const char* s : {"batch-buffer-size", "batch-max-size", "batch-throttle-burst",
                        "truncate-max-batch-size", "truncate-max-event-size"}) {
    if (!get(s, "").empty() && !ParseInt(get(s, ""), &n)) return bad(s, "not an integer");
  }
  for (const char* s : {"batch-throttle-enable", "truncate-enabled"}) {
    if (!get(s, "").empty() && !ParseBool(get(s, ""), &on)) return bad(s, "not a boolean");
  }
  long long event = 102400, batch = 10485760;
  ParseInt(get("truncate-max-event-size", "102400"), &event);
  ParseInt(get("truncate-max-batch-size", "10485760"), &batch);
  if (event <= 0) return bad("truncate-max-event-size", "must be positive");
  if (batch < event) return bad("truncate-max-batch-size", "must not be smaller than the max event size");
  if (mode == "batch") {
    long long buf = 10000, max = b == "log" ? 1 : 400;
    ParseInt(get("batch-buffer-size", "10000"), &buf);
    ParseInt(get("batch-max-size", std::to_string(max)), &max);
    if (buf <= 0) return bad("batch-buffer-size", "must be positive");
    if (max <= 0) return bad("batch-max-size", "must be positive");
  }
  return Status::Ok();
}

}  // namespace

Status CheckAuditFlags(const std::map<std::string, std::string>& f) {
  static const std::set<std::string> kLog = {"path", "maxage", "maxbackup", "maxsize", "compress", "format"};
  for (const auto& [name, value] : f) {
    if (name.rfind("audit-", 0) != 0) continue;
    std::string rest = name.substr(6);
    bool known = rest == "policy-file" || rest == "webhook-config-file" ||
                 rest == "webhook-initial-backoff" || rest == "webhook-batch-initial-backoff";
    if (rest.rfind("log-", 0) == 0) {
      std::string s = rest.substr(4);
      known = known || kLog.count(s) || KnownSuffixes().count(s);
    } else if (rest.rfind("webhook-", 0) == 0) {
      known = known || KnownSuffixes().count(rest.substr(8));
    }
    if (!known) return Status::InvalidArgument("unknown flag: --" + name);
    long long n = 0;
    bool b = false;
    if ((rest == "log-maxage" || rest == "log-maxbackup" || rest == "log-maxsize") &&
        (!ParseInt(value, &n) || n < 0)) {
      return Status::InvalidArgument("--" + name + " must be a non-negative integer, got \"" + value + "\"");
    }
    if (rest == "log-compress" && !ParseBool(value, &b)) return Status::InvalidArgument("--" + name + ": not a boolean");
    if (rest == "log-format" && value != "json" && value != "legacy") {
      return Status::InvalidArgument("invalid audit log format " + value + ", allowed formats are json,legacy");
    }
  }
  if (f.count("audit-log-path") && !f.at("audit-log-path").empty()) KAUDIT_RETURN_IF_ERROR(CheckBackend(f, "log"));
  if (f.count("audit-webhook-config-file") && !f.at("audit-webhook-config-file").empty()) {
    KAUDIT_RETURN_IF_ERROR(CheckBackend(f, "webhook"));
  }
  return Status::Ok();
}

}  // namespace kaudit::nodesim
