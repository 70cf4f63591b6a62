#include <sys/stat.h>

#include <fstream>
#include <set>
#include <sstream>

#include "nodesim/start_check.h"

namespace kaudit::nodesim {
namespace {

struct Mount {
  std::string container_path, host_path;  // host_path: real path on this machine
  bool read_only = false;
};

bool IsDir(const std::string& p) {
  struct stat st {};
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
bool IsFile(const std::string& p) {
  struct stat st {};
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}
bool Exists(const std::string& p) {
  struct stat st {};
  return stat(p.c_str(), &st) == 0;
}
void MkdirAll(const std::string& p) {
  for (std::size_t i = 1; i <= p.size(); ++i) {
    if (i == p.size() || p[i] == '/') mkdir(p.substr(0, i).c_str(), 0755);
  }
}

// kubelet's hostPath type check (and the create of the *OrCreate types).
Status SetUpVolume(const std::string& name, const std::string& real, const std::string& type) {
  std::string err = "MountVolume.SetUp failed for volume \"" + name + "\": hostPath type check failed: ";
  if (type.empty()) return Status::Ok();
  if (type == "DirectoryOrCreate") {
    if (!Exists(real)) MkdirAll(real);
    return IsDir(real) ? Status::Ok() : Status::FailedPrecondition(err + "path is not a directory");
  }
  if (type == "Directory") return IsDir(real) ? Status::Ok() : Status::FailedPrecondition(err + "path is not a directory");
  if (type == "FileOrCreate") {
    if (!Exists(real)) std::ofstream(real).flush();
    return IsFile(real) ? Status::Ok() : Status::FailedPrecondition(err + "path is not a file");
  }
  if (type == "File") return IsFile(real) ? Status::Ok() : Status::FailedPrecondition(err + "path is not a file");
  return Status::FailedPrecondition(err + "type " + type + " is not simulated");
}

StatusOr<std::vector<Mount>> SetUpMounts(const Json& pod, const Json& c, const std::string& root) {
  std::map<std::string, Mount> vols;
  for (const auto& v : pod["spec"].value("volumes", Json::array())) {
    if (!v.contains("hostPath")) continue;  // other volume kinds: not simulated, not mounted
    std::string path = v["hostPath"].value("path", "");
    std::string real = root + path;
    KAUDIT_RETURN_IF_ERROR(SetUpVolume(v.value("name", ""), real, v["hostPath"].value("type", "")));
    vols[v.value("name", "")] = Mount{"", real, false};
  }
  std::vector<Mount> out;
  for (const auto& m : c.value("volumeMounts", Json::array())) {
    auto it = vols.find(m.value("name", ""));
    if (it == vols.end()) continue;
    out.push_back(Mount{m.value("mountPath", ""), it->second.host_path, m.value("readOnly", false)});
  }
  return out;
}

// The real path behind a container path: through the mount with the longest matching prefix.
const Mount* Through(const std::vector<Mount>& mounts, const std::string& p, std::string* real) {
  const Mount* best = nullptr;
  for (const auto& m : mounts) {
    std::string mp = m.container_path;
    while (mp.size() > 1 && mp.back() == '/') mp.pop_back();
    bool under = p == mp || p.rfind(mp + "/", 0) == 0;
    if (under && (!best || mp.size() > best->container_path.size())) best = &m;
  }
  if (best) {
    std::string mp = best->container_path;
    while (mp.size() > 1 && mp.back() == '/') mp.pop_back();
    *real = best->host_path + p.substr(mp.size());
  }
  return best;
}

std::map<std::string, std::string> ParseFlags(const Json& c) {
  std::vector<std::string> argv;
  for (const char* key : {"command", "args"}) {
    for (const auto& a : c.value(key, Json::array())) argv.push_back(a.is_string() ? a.get<std::string>() : a.dump());
  }
  std::map<std::string, std::string> flags;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (argv[i].rfind("--", 0) != 0) continue;
    std::string f = argv[i].substr(2);
    auto eq = f.find('=');
    if (eq != std::string::npos) {
      flags[f.substr(0, eq)] = f.substr(eq + 1);
    } else if (i + 1 < argv.size() && argv[i + 1].rfind("--", 0) != 0) {
      flags[f] = argv[++i];
    } else {
      flags[f] = "true";
    }
  }
  return flags;
}

StatusOr<std::string> ReadThrough(const std::vector<Mount>& mounts, const std::string& p,
                                  const std::string& flag) {
  std::string real;
  if (!Through(mounts, p, &real) || !IsFile(real)) {
    return Status::FailedPrecondition("--" + flag + "=" + p + ": failed to read file path \"" + p +
                                      "\": open " + p + ": no such file or directory");
  }
  std::ifstream in(real, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Status CheckAuditFlags(const std::map<std::string, std::string>& f);  // audit_flags_check.cc

StatusOr<StartPlan> CheckStart(const Json& pod, const std::string& host_root) {
  const Json& containers = pod["spec"]["containers"];
  const Json& c = containers[0];
  auto mounts = SetUpMounts(pod, c, host_root);
  if (!mounts.ok()) return mounts.status();
  StartPlan plan;
  plan.flags = ParseFlags(c);
  auto flag = [&](const std::string& n) {
    auto it = plan.flags.find(n);
    return it == plan.flags.end() ? std::string() : it->second;
  };
  if (!flag("secure-port").empty()) plan.port = std::stoi(flag("secure-port"));
  for (const char* tls : {"tls-cert-file", "tls-private-key-file"}) {
    auto body = ReadThrough(*mounts, flag(tls), tls);
    if (!body.ok()) return body.status();
    Through(*mounts, flag(tls), std::string(tls) == "tls-cert-file" ? &plan.cert_file : &plan.key_file);
  }
  KAUDIT_RETURN_IF_ERROR(CheckAuditFlags(plan.flags));
  if (!flag("audit-policy-file").empty()) {
    auto text = ReadThrough(*mounts, flag("audit-policy-file"), "audit-policy-file");
    if (!text.ok()) return text.status().WithContext("loading audit policy file");
    Status p = CheckPolicy(*text);
    if (!p.ok()) return p.WithContext("loading audit policy file");
    plan.audit = true;
  }
  if (!flag("audit-webhook-config-file").empty()) {
    auto hook = ReadThrough(*mounts, flag("audit-webhook-config-file"), "audit-webhook-config-file");
    if (!hook.ok()) return hook.status();
  }
  std::string log = flag("audit-log-path");
  if (!log.empty() && log != "-") {
    std::string dir = log.substr(0, log.rfind('/')), real;
    const Mount* m = Through(*mounts, dir.empty() ? "/" : dir, &real);
    if (!m || m->read_only) {
      return Status::FailedPrecondition("--audit-log-path=" + log + ": mkdir " + dir +
                                        ": read-only file system");
    }
    if (!IsDir(real)) mkdir(real.c_str(), 0700);
    if (!IsDir(real)) return Status::FailedPrecondition("--audit-log-path=" + log + ": cannot create " + dir);
    plan.log_file = real + log.substr(log.rfind('/'));
  }
  if (!flag("audit-log-format").empty()) plan.log_format = flag("audit-log-format");
  if (!flag("audit-log-maxsize").empty()) plan.max_size_mb = std::stoll(flag("audit-log-maxsize"));
  if (!flag("audit-log-maxbackup").empty()) plan.max_backup = std::stoll(flag("audit-log-maxbackup"));
  return plan;
}

}  // namespace kaudit::nodesim
