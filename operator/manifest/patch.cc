#include "manifest/patch.h"

#include <algorithm>
#include <map>

#include "manifest/check.h"
#include "manifest/flags.h"
#include "manifest/mounts.h"
#include "manifest/pod.h"
#include "manifest/render.h"
#include "manifest/yaml_tree.h"

namespace kaudit::manifest {
namespace {

struct ArgList {
  std::string key;
  std::vector<std::string> items;
  std::vector<FlagUse> uses;
  std::vector<bool> removed;
  std::map<std::size_t, std::string> updates;  // item index -> new text
};

const std::string* Wanted(const AuditSpec& spec, const std::string& name) {
  for (const auto& [n, v] : spec.flags) {
    if (n == name) return &v;
  }
  return nullptr;
}

// Plans the edits for flags that are already on the command line; returns the wanted flags
// that are not.
std::vector<std::pair<std::string, std::string>> PlanExisting(const AuditSpec& spec,
                                                              std::vector<ArgList>& lists,
                                                              std::vector<std::string>* changes) {
  std::vector<std::pair<std::string, std::string>> missing;
  std::map<std::string, bool> kept;
  for (const auto& [name, value] : spec.flags) {
    if (kept.count(name)) continue;
    for (auto& l : lists) {
      for (const auto& u : l.uses) {
        if (u.name != name || kept[name]) continue;
        kept[name] = true;
        if (u.has_value && u.value == value) continue;
        if (!u.has_value && IsBoolAuditFlag(name) && value == "true") continue;
        if (u.separate) {
          l.updates[u.index + 1] = value;
        } else {
          const std::string& raw = l.items[u.index];
          l.updates[u.index] = raw.substr(0, raw.find('=')) + "=" + value;
        }
        changes->push_back("set --" + name + "=" + value + " (was " +
                           (u.has_value ? u.value : std::string("unset")) + ")");
      }
    }
    if (!kept[name]) missing.emplace_back(name, value);
  }
  // Every other audit flag goes, and so do second copies of wanted ones.
  std::map<std::string, bool> seen;
  for (auto& l : lists) {
    for (const auto& u : l.uses) {
      if (!IsAuditFlag(u.name)) continue;
      bool keep = Wanted(spec, u.name) && !seen[u.name];
      seen[u.name] = seen[u.name] || keep;
      if (keep) continue;
      for (std::size_t k = 0; k < u.count; ++k) l.removed[u.index + k] = true;
      changes->push_back("removed --" + u.name + (u.has_value ? "=" + u.value : ""));
    }
  }
  return missing;
}

// Where new flags go: the list that holds kube-apiserver's other flags (args when both do),
// else one holding any flag, else args when present, else command.
ArgList* TargetList(std::vector<ArgList>& lists) {
  auto has = [](const ArgList& l, bool audit_too) {
    return std::any_of(l.uses.begin(), l.uses.end(),
                       [&](const FlagUse& u) { return audit_too || !IsAuditFlag(u.name); });
  };
  for (bool audit_too : {false, true}) {
    for (auto it = lists.rbegin(); it != lists.rend(); ++it) {
      if (has(*it, audit_too)) return &*it;
    }
  }
  return &lists.back();
}

// Inserts each flag before the first flag that sorts after it (kubeadm sorts its flags, so the
// result is what kubeadm itself would write), in the form the list mostly uses.
void InsertMissing(std::vector<std::pair<std::string, std::string>> missing,
                   std::vector<Node>* items, std::vector<std::string>* changes) {
  std::sort(missing.begin(), missing.end());
  for (const auto& [name, value] : missing) {
    std::vector<std::string> texts;
    for (const auto& n : *items) texts.push_back(n.text);
    auto uses = ScanFlags(texts);
    std::size_t separate = 0, joined = 0;
    for (const auto& u : uses) (u.separate ? separate : joined) += u.has_value ? 1 : 0;
    std::size_t at = items->size();
    if (!uses.empty()) at = uses.back().index + uses.back().count;
    for (const auto& u : uses) {
      if (name < u.name) {
        at = u.index;
        break;
      }
    }
    std::vector<Node> add;
    if (separate > joined) {
      add = {Node::String("--" + name), Node::String(value)};
    } else {
      add = {Node::String("--" + name + "=" + value)};
    }
    items->insert(items->begin() + static_cast<std::ptrdiff_t>(at), add.begin(), add.end());
    changes->push_back("added --" + name + "=" + value);
  }
}

Status PatchFlags(Node& container, const AuditSpec& spec, std::vector<std::string>* changes) {
  std::vector<ArgList> lists;
  for (const char* key : {"command", "args"}) {
    auto items = StringItems(container, key);
    if (!items.ok()) return items.status();
    if (!container.Find(key)) continue;
    ArgList l;
    l.key = key;
    l.items = std::move(*items);
    l.uses = ScanFlags(l.items);
    l.removed.assign(l.items.size(), false);
    lists.push_back(std::move(l));
  }
  if (lists.empty()) {
    return Status::FailedPrecondition(
        "container kube-apiserver has neither command nor args: kaudit cannot tell where its "
        "flags go");
  }
  auto missing = PlanExisting(spec, lists, changes);
  ArgList* target = TargetList(lists);
  for (auto& l : lists) {
    Node* seq = container.Find(l.key);
    std::vector<Node> kept;
    for (std::size_t i = 0; i < seq->items.size(); ++i) {
      if (l.removed[i]) continue;
      Node n = seq->items[i];
      if (auto u = l.updates.find(i); u != l.updates.end()) n.text = u->second;
      kept.push_back(std::move(n));
    }
    if (&l == target) InsertMissing(missing, &kept, changes);
    bool emptied = kept.empty() && !seq->items.empty();
    seq->items = std::move(kept);
    if (emptied) RemoveEntry(container, l.key);
  }
  return Status::Ok();
}

void PatchAnnotation(Node& root, const std::optional<std::string>& revision,
                     std::vector<std::string>* changes) {
  Node* md = root.Find("metadata");
  Node* ann = md->Find("annotations");
  if (ann && !ann->is_mapping()) ann = nullptr;
  const Node* cur = ann ? ann->Find(kRevisionAnnotation) : nullptr;
  if (revision) {
    if (cur && cur->is_string() && cur->text == *revision) return;
    if (!ann) {
      SetEntry(*md, "annotations", Node::Mapping());
      ann = md->Find("annotations");
    }
    SetEntry(*ann, kRevisionAnnotation, Node::String(*revision));
    changes->push_back("annotation " + std::string(kRevisionAnnotation) + "=" + *revision);
    return;
  }
  if (!cur) return;
  RemoveEntry(*ann, kRevisionAnnotation);
  if (ann->entries.empty()) RemoveEntry(*md, "annotations");
  changes->push_back("removed annotation " + std::string(kRevisionAnnotation));
}

std::vector<std::pair<std::string, std::string>> AuditFlagsOf(const Node& container) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const char* key : {"command", "args"}) {
    auto items = StringItems(container, key);
    if (!items.ok()) continue;
    for (const auto& u : ScanFlags(*items)) {
      if (!IsAuditFlag(u.name)) continue;
      out.emplace_back(u.name, u.has_value ? u.value : std::string("true"));
    }
  }
  return out;
}

}  // namespace

StatusOr<PatchResult> Patch(std::string_view manifest, const AuditSpec& spec) {
  auto doc = ParseDocument(manifest);
  if (!doc.ok()) return doc.status();
  KAUDIT_RETURN_IF_ERROR(CheckPodShape(doc->root));
  PatchResult result;
  Node root = doc->root;
  auto old_flags = AuditFlagsOf(*ApiserverContainer(root));
  KAUDIT_RETURN_IF_ERROR(PatchFlags(*ApiserverContainer(root), spec, &result.changes));
  KAUDIT_RETURN_IF_ERROR(PatchMounts(root, spec, old_flags, &result.changes));
  PatchAnnotation(root, spec.revision, &result.changes);
  auto rendered = RenderPatched(manifest, *doc, root);
  if (!rendered.ok()) return rendered.status();
  result.text = std::move(rendered->text);
  result.surgical = rendered->surgical;
  // What kubelet and kube-apiserver check that needs no host (the host-side checks run in the
  // node library): a patch never produces a manifest that fails them.
  auto problems = CheckManifest(result.text, nullptr);
  if (!problems.empty()) {
    std::string msg =
        "after the audit patch the manifest would still not pass kubelet's and "
        "kube-apiserver's checks:";
    for (const auto& p : problems) msg += "\n  " + p;
    return Status::InvalidArgument(msg);
  }
  result.changed = result.text != manifest;
  if (!result.changed) result.changes.clear();
  return result;
}

StatusOr<AuditSpec> ExtractAuditSpec(std::string_view manifest) {
  auto doc = ParseDocument(manifest);
  if (!doc.ok()) return doc.status();
  KAUDIT_RETURN_IF_ERROR(CheckPodShape(doc->root));
  AuditSpec spec;
  // pflag keeps the last value of a repeated flag.
  for (const auto& flag : AuditFlagsOf(*ApiserverContainer(doc->root))) {
    // (No structured binding: clang 14, the fuzz build, cannot capture one in a lambda.)
    auto it = std::find_if(spec.flags.begin(), spec.flags.end(),
                           [&](const auto& f) { return f.first == flag.first; });
    if (it != spec.flags.end()) {
      it->second = flag.second;
    } else {
      spec.flags.emplace_back(flag.first, flag.second);
    }
  }
  spec.mounts = AuditMountsOf(doc->root, spec.flags);
  return spec;
}

}  // namespace kaudit::manifest
