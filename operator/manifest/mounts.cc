#include "manifest/mounts.h"

#include <optional>

#include "manifest/flags.h"
#include "manifest/pod.h"

namespace kaudit::manifest {
namespace {

struct Candidate {
  std::string path;
  MountKind kind;
};

const char* KindName(MountKind k) {
  switch (k) {
    case MountKind::kPolicy:
      return "audit policy";
    case MountKind::kLog:
      return "audit log";
    case MountKind::kWebhook:
      return "audit webhook";
  }
  return "audit";
}

std::vector<Candidate> CandidatesOf(
    const std::vector<std::pair<std::string, std::string>>& flags) {
  std::vector<Candidate> out;
  for (const auto& [name, value] : flags) {
    if (value.empty() || value[0] != '/') continue;
    if (name == "audit-policy-file") out.push_back({CleanPath(value), MountKind::kPolicy});
    if (name == "audit-webhook-config-file") out.push_back({CleanPath(value), MountKind::kWebhook});
    if (name == "audit-log-path") {
      out.push_back({CleanPath(value), MountKind::kLog});
      if (DirName(value) != "/") out.push_back({DirName(value), MountKind::kLog});
    }
  }
  return out;
}

std::optional<MountKind> OwnedKind(const std::string& mount_path,
                                   const std::vector<Candidate>& cands) {
  for (const auto& c : cands) {
    if (c.path == mount_path) return c.kind;
  }
  return std::nullopt;
}

std::string TextOf(const Node* n) { return n && n->is_scalar() ? n->text : ""; }

Node Bool(bool b) {
  Node n;
  n.type = ScalarType::kBool;
  n.text = b ? "true" : "false";
  return n;
}

// Applies the mount plan to one Pod tree. Pointers into the tree are looked up again after
// every structural change, because vectors move their elements.
class MountPatcher {
 public:
  MountPatcher(Node& root, std::vector<std::string>* changes) : root_(root), changes_(changes) {
    for (const char* key : {"command", "args"}) {
      auto items = StringItems(*Container(), key);
      if (!items.ok()) continue;
      for (const auto& u : ScanFlags(*items)) {
        if (IsAuditFlag(u.name) || !u.has_value) continue;
        std::size_t start = 0;
        while (start <= u.value.size()) {
          std::size_t comma = u.value.find(',', start);
          if (comma == std::string::npos) comma = u.value.size();
          std::string part = u.value.substr(start, comma - start);
          if (!part.empty() && part[0] == '/') other_paths_.push_back(CleanPath(part));
          start = comma + 1;
        }
      }
    }
  }

  Status Run(const AuditSpec& spec,
             const std::vector<std::pair<std::string, std::string>>& old_flags);

 private:
  Node* Container() { return ApiserverContainer(root_); }
  Node* Spec() { return root_.Find("spec"); }
  Node* Mounts() {
    Node* m = Container()->Find("volumeMounts");
    return m && m->is_sequence() ? m : nullptr;
  }
  Node* Volumes() {
    Node* v = Spec()->Find("volumes");
    return v && v->is_sequence() ? v : nullptr;
  }
  Node* FindVolume(const std::string& name) {
    Node* vols = Volumes();
    if (!vols) return nullptr;
    for (auto& v : vols->items) {
      if (NameOf(v) == name) return &v;
    }
    return nullptr;
  }
  int RefCount(const std::string& volume);
  bool Protected(const std::string& mount_path) const {
    for (const auto& p : other_paths_) {
      if (PathWithin(p, mount_path)) return true;
    }
    return false;
  }
  Status Claim(std::size_t idx, const AuditMount& d);
  Status CheckProtected(std::size_t idx, const AuditMount& d);
  std::string AddVolume(const AuditMount& d);
  void Add(const AuditMount& d);
  void RemoveUnclaimed(const std::vector<std::size_t>& idxs);

  Node& root_;
  std::vector<std::string>* changes_;
  std::vector<std::string> other_paths_;
};

int MountPatcher::RefCount(const std::string& volume) {
  int n = 0;
  for (const char* key : {"containers", "initContainers"}) {
    const Node* cs = Spec()->Find(key);
    if (!cs || !cs->is_sequence()) continue;
    for (const auto& c : cs->items) {
      const Node* ms = c.is_mapping() ? c.Find("volumeMounts") : nullptr;
      if (!ms || !ms->is_sequence()) continue;
      for (const auto& m : ms->items) n += NameOf(m) == volume ? 1 : 0;
    }
  }
  return n;
}

Status MountPatcher::CheckProtected(std::size_t idx, const AuditMount& d) {
  const Node& m = Mounts()->items[idx];
  std::string name = NameOf(m);
  const Node* vol = FindVolume(name);
  const Node* hp = vol ? vol->Find("hostPath") : nullptr;
  if (!hp || CleanPath(TextOf(hp->Find("path"))) != CleanPath(d.host_path)) {
    return Status::FailedPrecondition(
        "volume mount " + name + " at " + d.mount_path + " also serves other kube-apiserver "
        "flags and does not map host path " + d.host_path + "; kaudit will not change it");
  }
  const Node* ro = m.Find("readOnly");
  if (d.read_only != true && ro && IsTrue(*ro)) {
    return Status::FailedPrecondition("volume mount " + name + " at " + d.mount_path +
                                      " is read-only, but the " + KindName(d.kind) +
                                      " must be written there");
  }
  return Status::Ok();
}

Status MountPatcher::Claim(std::size_t idx, const AuditMount& d) {
  Node* m = &Mounts()->items[idx];
  std::string name = NameOf(*m);
  if (m->Find("subPath") || m->Find("subPathExpr")) {
    return Status::FailedPrecondition("volume mount " + name + " serves an audit path with a "
                                      "subPath; kaudit will not take it over");
  }
  Node* vol = FindVolume(name);
  Node* hp = vol ? vol->Find("hostPath") : nullptr;
  if (!hp || !hp->is_mapping()) {
    return Status::FailedPrecondition("volume " + name + " mounted at " +
                                      TextOf(m->Find("mountPath")) +
                                      " is not a hostPath volume; kaudit will not replace it");
  }
  bool same = CleanPath(TextOf(hp->Find("path"))) == CleanPath(d.host_path) &&
              TextOf(hp->Find("type")) == d.host_path_type;
  std::size_t before = changes_->size();
  if (!same && RefCount(name) > 1) {
    std::string fresh = AddVolume(d);
    m = &Mounts()->items[idx];
    SetEntry(*m, "name", Node::String(fresh));
    changes_->push_back("volume mount at " + d.mount_path + " now uses volume " + fresh);
  } else if (!same) {
    if (CleanPath(TextOf(hp->Find("path"))) != CleanPath(d.host_path)) {
      SetEntry(*hp, "path", Node::String(d.host_path));
    }
    if (d.host_path_type.empty()) {
      RemoveEntry(*hp, "type");
    } else {
      SetEntry(*hp, "type", Node::String(d.host_path_type));
    }
    changes_->push_back("took over volume " + name + " for the " + KindName(d.kind) + " (" +
                        d.host_path + ")");
  }
  if (CleanPath(TextOf(m->Find("mountPath"))) != CleanPath(d.mount_path)) {
    SetEntry(*m, "mountPath", Node::String(d.mount_path));
  }
  const Node* ro = m->Find("readOnly");
  bool ro_now = ro && IsTrue(*ro);
  if (d.read_only) {
    if (!ro || ro_now != *d.read_only) SetEntry(*m, "readOnly", Bool(*d.read_only));
  } else if (ro_now) {
    RemoveEntry(*m, "readOnly");
  }
  if (changes_->size() == before && !same) {
    changes_->push_back("took over volume mount " + name);
  }
  return Status::Ok();
}

std::string MountPatcher::AddVolume(const AuditMount& d) {
  if (Node* vols = Volumes()) {
    for (const auto& v : vols->items) {
      const Node* hp = v.Find("hostPath");
      if (hp && hp->is_mapping() && CleanPath(TextOf(hp->Find("path"))) == CleanPath(d.host_path) &&
          TextOf(hp->Find("type")) == d.host_path_type) {
        return NameOf(v);
      }
    }
  }
  std::string name = d.name;
  for (int i = 2; FindVolume(name); ++i) name = d.name + "-" + std::to_string(i);
  Node hp = Node::Mapping();
  hp.entries.push_back({Node::String("path"), Node::String(d.host_path)});
  if (!d.host_path_type.empty()) {
    hp.entries.push_back({Node::String("type"), Node::String(d.host_path_type)});
  }
  Node vol = Node::Mapping();
  vol.entries.push_back({Node::String("hostPath"), std::move(hp)});
  vol.entries.push_back({Node::String("name"), Node::String(name)});
  if (!Volumes()) SetEntry(*Spec(), "volumes", Node::Sequence());
  InsertByName(*Volumes(), std::move(vol));
  changes_->push_back("added volume " + name + " (" + d.host_path + ")");
  return name;
}

void MountPatcher::Add(const AuditMount& d) {
  std::string volume = AddVolume(d);
  Node m = Node::Mapping();
  m.entries.push_back({Node::String("mountPath"), Node::String(d.mount_path)});
  m.entries.push_back({Node::String("name"), Node::String(volume)});
  if (d.read_only) m.entries.push_back({Node::String("readOnly"), Bool(*d.read_only)});
  if (!Mounts()) SetEntry(*Container(), "volumeMounts", Node::Sequence());
  InsertByName(*Mounts(), std::move(m));
  changes_->push_back("mounted " + d.mount_path + " for the " + KindName(d.kind));
}

void MountPatcher::RemoveUnclaimed(const std::vector<std::size_t>& idxs) {
  std::vector<std::string> volumes;
  for (auto it = idxs.rbegin(); it != idxs.rend(); ++it) {
    Node* ms = Mounts();
    std::string name = NameOf(ms->items[*it]);
    changes_->push_back("removed volume mount " + name + " at " +
                        TextOf(ms->items[*it].Find("mountPath")));
    ms->items.erase(ms->items.begin() + static_cast<std::ptrdiff_t>(*it));
    volumes.push_back(name);
  }
  if (Mounts() && Mounts()->items.empty()) RemoveEntry(*Container(), "volumeMounts");
  for (const auto& name : volumes) {
    Node* vols = Volumes();
    if (!vols || RefCount(name) > 0) continue;
    for (std::size_t i = 0; i < vols->items.size(); ++i) {
      if (NameOf(vols->items[i]) != name) continue;
      vols->items.erase(vols->items.begin() + static_cast<std::ptrdiff_t>(i));
      changes_->push_back("removed volume " + name);
      break;
    }
    if (vols->items.empty()) RemoveEntry(*Spec(), "volumes");
  }
}

Status MountPatcher::Run(const AuditSpec& spec,
                         const std::vector<std::pair<std::string, std::string>>& old_flags) {
  auto cands = CandidatesOf(old_flags);
  cands.push_back({std::string(kPolicyDir), MountKind::kPolicy});
  cands.push_back({std::string(kWebhookDir), MountKind::kWebhook});
  for (const auto& d : spec.mounts) cands.push_back({CleanPath(d.mount_path), d.kind});
  struct Slot {
    std::string path;
    std::optional<MountKind> kind;
    bool prot = false;
    bool claimed = false;
  };
  std::vector<Slot> slots;
  if (Node* ms = Mounts()) {
    for (const auto& m : ms->items) {
      std::string p = CleanPath(TextOf(m.Find("mountPath")));
      slots.push_back({p, OwnedKind(p, cands), Protected(p), false});
    }
  }
  std::vector<const AuditMount*> to_add;
  for (const auto& d : spec.mounts) {
    std::optional<std::size_t> idx;
    for (std::size_t i = 0; i < slots.size() && !idx; ++i) {
      if (!slots[i].claimed && slots[i].path == CleanPath(d.mount_path)) idx = i;
    }
    if (idx && slots[*idx].prot) {
      KAUDIT_RETURN_IF_ERROR(CheckProtected(*idx, d));
      slots[*idx].claimed = true;
      continue;
    }
    for (std::size_t i = 0; i < slots.size() && !idx; ++i) {
      if (!slots[i].claimed && !slots[i].prot && slots[i].kind == d.kind) idx = i;
    }
    if (!idx) {
      to_add.push_back(&d);
      continue;
    }
    slots[*idx].claimed = true;
    KAUDIT_RETURN_IF_ERROR(Claim(*idx, d));
  }
  std::vector<std::size_t> unclaimed;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (slots[i].kind && !slots[i].claimed && !slots[i].prot) unclaimed.push_back(i);
  }
  RemoveUnclaimed(unclaimed);
  for (const AuditMount* d : to_add) Add(*d);
  return Status::Ok();
}

}  // namespace

Status PatchMounts(Node& root, const AuditSpec& spec,
                   const std::vector<std::pair<std::string, std::string>>& old_flags,
                   std::vector<std::string>* changes) {
  MountPatcher p(root, changes);
  return p.Run(spec, old_flags);
}

std::vector<AuditMount> AuditMountsOf(
    const Node& root, const std::vector<std::pair<std::string, std::string>>& flags) {
  std::vector<AuditMount> out;
  auto cands = CandidatesOf(flags);
  const Node* c = ApiserverContainer(root);
  const Node* ms = c ? c->Find("volumeMounts") : nullptr;
  const Node* spec = root.Find("spec");
  const Node* vols = spec ? spec->Find("volumes") : nullptr;
  if (!ms || !ms->is_sequence() || !vols || !vols->is_sequence()) return out;
  for (const auto& m : ms->items) {
    std::string mp = TextOf(m.Find("mountPath"));
    auto kind = OwnedKind(CleanPath(mp), cands);
    if (!kind) continue;
    for (const auto& v : vols->items) {
      const Node* hp = v.Find("hostPath");
      if (NameOf(v) != NameOf(m) || !hp || !hp->is_mapping()) continue;
      AuditMount a;
      a.kind = *kind;
      a.name = NameOf(v);
      a.host_path = TextOf(hp->Find("path"));
      a.mount_path = mp;
      a.host_path_type = TextOf(hp->Find("type"));
      if (const Node* ro = m.Find("readOnly"); ro && ro->type == ScalarType::kBool) {
        a.read_only = IsTrue(*ro);
      }
      out.push_back(std::move(a));
    }
  }
  return out;
}

}  // namespace kaudit::manifest
