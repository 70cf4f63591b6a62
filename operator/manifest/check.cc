#include "manifest/check.h"

#include <map>
#include <optional>
#include <set>

#include "manifest/audit_spec.h"
#include "manifest/flags.h"
#include "manifest/pod.h"
#include "manifest/yaml_tree.h"

namespace kaudit::manifest {
namespace {

constexpr const char* kSources[] = {
    "hostPath", "emptyDir", "secret", "configMap", "projected", "downwardAPI",
    "persistentVolumeClaim", "nfs", "iscsi", "csi", "ephemeral", "image"};

std::string TextOf(const Node* n) { return n && n->is_scalar() ? n->text : ""; }

bool DnsLabel(const std::string& s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || (max > 63 && c == '.'))) {
      return false;
    }
  }
  return s.front() != '-' && s.back() != '-' && s.front() != '.' && s.back() != '.';
}

const char* KindWord(HostView::Kind k) {
  switch (k) {
    case HostView::Kind::kMissing:
      return "missing";
    case HostView::Kind::kFile:
      return "a file";
    case HostView::Kind::kDirectory:
      return "a directory";
    case HostView::Kind::kOther:
      return "neither file nor directory";
  }
  return "?";
}

// One volume mount of the kube-apiserver container, resolved to its volume.
struct Mount {
  std::string name;
  std::string mount_path;  // cleaned
  bool read_only = false;
  const Node* volume = nullptr;
};

class Checker {
 public:
  Checker(const Node& root, const HostView* host) : root_(root), host_(host) {}
  std::vector<std::string> Run();

 private:
  void Containers();
  void Volumes();
  void ContainerMounts(const Node& c, const std::string& where);
  void AuditFlags();
  void AuditFile(const std::string& flag, const std::string& path);
  void AuditLog(const std::string& path);
  const Mount* MountFor(const std::string& path) const;
  std::optional<std::string> HostPathOf(const Mount& m, const std::string& path) const;
  void HostPathType(const Mount& m);

  const Node& root_;
  const HostView* host_;
  std::vector<std::string> errs_;
  std::map<std::string, const Node*> volumes_;
  std::vector<Mount> mounts_;  // kube-apiserver's
};

void Checker::Containers() {
  std::set<std::string> names;
  const Node* spec = root_.Find("spec");
  for (const char* key : {"initContainers", "containers"}) {
    const Node* cs = spec->Find(key);
    if (!cs) continue;
    if (!cs->is_sequence()) {
      errs_.push_back("spec." + std::string(key) + ": not a list");
      continue;
    }
    for (std::size_t i = 0; i < cs->items.size(); ++i) {
      const Node& c = cs->items[i];
      std::string where = "spec." + std::string(key) + "[" + std::to_string(i) + "]";
      std::string name = NameOf(c);
      if (!DnsLabel(name, 63)) errs_.push_back(where + ".name: \"" + name + "\" is not a DNS label");
      if (!names.insert(name).second) errs_.push_back(where + ".name: duplicate name " + name);
      if (TextOf(c.Find("image")).empty()) errs_.push_back(where + ".image: required");
      ContainerMounts(c, where);
    }
  }
}

void Checker::Volumes() {
  const Node* vols = root_.Find("spec")->Find("volumes");
  if (!vols) return;
  if (!vols->is_sequence()) {
    errs_.push_back("spec.volumes: not a list");
    return;
  }
  for (std::size_t i = 0; i < vols->items.size(); ++i) {
    const Node& v = vols->items[i];
    std::string where = "spec.volumes[" + std::to_string(i) + "]";
    std::string name = NameOf(v);
    if (!DnsLabel(name, 63)) errs_.push_back(where + ".name: \"" + name + "\" is not a DNS label");
    if (!volumes_.emplace(name, &v).second) {
      errs_.push_back(where + ".name: duplicate volume name " + name);
    }
    int sources = 0;
    for (const char* s : kSources) sources += v.Find(s) ? 1 : 0;
    if (sources != 1) errs_.push_back(where + ": must have exactly one volume source");
    const Node* hp = v.Find("hostPath");
    if (!hp) continue;
    std::string path = TextOf(hp->Find("path"));
    if (path.empty() || path[0] != '/' || HasDotDot(path)) {
      errs_.push_back(where + ".hostPath.path: \"" + path +
                      "\" must be an absolute path without '..'");
    }
    static const std::set<std::string> kTypes = {"",         "DirectoryOrCreate", "Directory",
                                                 "FileOrCreate", "File",           "Socket",
                                                 "CharDevice", "BlockDevice"};
    if (!kTypes.count(TextOf(hp->Find("type")))) {
      errs_.push_back(where + ".hostPath.type: unsupported value " + TextOf(hp->Find("type")));
    }
  }
}

void Checker::ContainerMounts(const Node& c, const std::string& where) {
  const Node* ms = c.Find("volumeMounts");
  if (!ms) return;
  if (!ms->is_sequence()) {
    errs_.push_back(where + ".volumeMounts: not a list");
    return;
  }
  bool apiserver = NameOf(c) == kApiserverContainer;
  std::set<std::string> paths;
  for (std::size_t i = 0; i < ms->items.size(); ++i) {
    const Node& m = ms->items[i];
    std::string w = where + ".volumeMounts[" + std::to_string(i) + "]";
    std::string name = NameOf(m);
    std::string path = TextOf(m.Find("mountPath"));
    auto vol = volumes_.find(name);
    if (vol == volumes_.end()) errs_.push_back(w + ".name: no volume named \"" + name + "\"");
    if (path.empty()) {
      errs_.push_back(w + ".mountPath: required");
    } else if (!paths.insert(CleanPath(path)).second) {
      errs_.push_back(w + ".mountPath: " + path + " is mounted twice in this container");
    }
    if (apiserver && vol != volumes_.end() && !m.Find("subPath") && !m.Find("subPathExpr")) {
      const Node* ro = m.Find("readOnly");
      mounts_.push_back({name, CleanPath(path), ro && IsTrue(*ro), vol->second});
    }
  }
}

const Mount* Checker::MountFor(const std::string& path) const {
  const Mount* best = nullptr;
  for (const auto& m : mounts_) {
    if (PathWithin(path, m.mount_path) &&
        (!best || m.mount_path.size() > best->mount_path.size())) {
      best = &m;
    }
  }
  return best;
}

std::optional<std::string> Checker::HostPathOf(const Mount& m, const std::string& path) const {
  const Node* hp = m.volume->Find("hostPath");
  if (!hp) return std::nullopt;
  std::string root = CleanPath(TextOf(hp->Find("path")));
  std::string rest = CleanPath(path).substr(m.mount_path == "/" ? 0 : m.mount_path.size());
  return CleanPath(root + "/" + rest);
}

void Checker::HostPathType(const Mount& m) {
  const Node* hp = m.volume->Find("hostPath");
  if (!hp || !host_) return;
  std::string type = TextOf(hp->Find("type"));
  std::string path = CleanPath(TextOf(hp->Find("path")));
  HostView::Kind k = host_->Stat(path);
  bool ok = true;
  if (type == "Directory") ok = k == HostView::Kind::kDirectory;
  if (type == "File") ok = k == HostView::Kind::kFile;
  if (type == "DirectoryOrCreate") ok = k != HostView::Kind::kFile && k != HostView::Kind::kOther;
  if (type == "FileOrCreate") ok = k != HostView::Kind::kDirectory;
  if (!ok) {
    errs_.push_back("volume " + m.name + ": hostPath " + path + " has type " + type +
                    " but is " + KindWord(k) + " on the host; kubelet would not start the pod");
  }
}

void Checker::AuditFile(const std::string& flag, const std::string& path) {
  std::string what = "--" + flag + "=" + path;
  if (path.empty() || path[0] != '/') {
    errs_.push_back(what + ": must be an absolute path");
    return;
  }
  const Mount* m = MountFor(path);
  if (!m) {
    errs_.push_back(what + ": not inside any volume mount of the kube-apiserver container");
    return;
  }
  auto host_path = HostPathOf(*m, path);
  if (!host_path) {
    errs_.push_back(what + ": mounted from volume " + m->name + ", which is not a hostPath");
    return;
  }
  HostPathType(*m);
  if (host_ && host_->Stat(*host_path) != HostView::Kind::kFile) {
    errs_.push_back(what + ": " + *host_path + " is " + KindWord(host_->Stat(*host_path)) +
                    " on the host; kube-apiserver would exit with \"failed to read file path\"");
  }
}

void Checker::AuditLog(const std::string& path) {
  std::string what = "--audit-log-path=" + path;
  if (path[0] != '/') {
    errs_.push_back(what + ": must be \"-\" or an absolute path");
    return;
  }
  const Mount* m = MountFor(DirName(path));
  if (MountFor(path) && MountFor(path)->mount_path == CleanPath(path)) {
    errs_.push_back(what + ": the log file itself is mounted; mount its directory, the apiserver "
                    "renames rotated files");
    return;
  }
  if (!m) {
    errs_.push_back(what + ": its directory is not inside any volume mount of kube-apiserver");
    return;
  }
  if (m->read_only) {
    errs_.push_back(what + ": volume mount " + m->name + " at " + m->mount_path +
                    " is read-only");
  }
  if (!HostPathOf(*m, path)) {
    errs_.push_back(what + ": mounted from volume " + m->name + ", which is not a hostPath");
    return;
  }
  HostPathType(*m);
}

void Checker::AuditFlags() {
  const Node* c = ApiserverContainer(root_);
  std::vector<std::pair<std::string, std::string>> flags;
  for (const char* key : {"command", "args"}) {
    auto items = StringItems(*c, key);
    if (!items.ok()) {
      errs_.push_back(items.status().message());
      continue;
    }
    for (const auto& u : ScanFlags(*items)) {
      if (IsAuditFlag(u.name)) flags.emplace_back(u.name, u.has_value ? u.value : "true");
    }
  }
  for (auto& e : ValidateAuditFlagValues(flags)) errs_.push_back(std::move(e));
  std::map<std::string, std::string> last(flags.begin(), flags.end());
  for (const auto& [name, value] : flags) last[name] = value;
  if (auto p = last.find("audit-policy-file"); p != last.end() && !p->second.empty()) {
    AuditFile(p->first, p->second);
  }
  if (auto w = last.find("audit-webhook-config-file"); w != last.end() && !w->second.empty()) {
    AuditFile(w->first, w->second);
  }
  if (auto l = last.find("audit-log-path"); l != last.end() && !l->second.empty() &&
                                            l->second != "-") {
    AuditLog(l->second);
  }
}

std::vector<std::string> Checker::Run() {
  Volumes();
  Containers();
  AuditFlags();
  return std::move(errs_);
}

}  // namespace

std::vector<std::string> CheckManifest(std::string_view text, const HostView* host) {
  auto doc = ParseDocument(text);
  if (!doc.ok()) return {doc.status().message()};
  Status shape = CheckPodShape(doc->root);
  if (!shape.ok()) return {shape.message()};
  return Checker(doc->root, host).Run();
}

}  // namespace kaudit::manifest
