#include "manifest/pod.h"

#include <cctype>
#include <cstdint>

namespace kaudit::manifest {
namespace {

bool IsLetter(unsigned char c) { return std::isalpha(c) || c >= 0x80; }
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }

}  // namespace

Status CheckPodShape(const Node& root) {
  if (!root.is_mapping()) return Status::InvalidArgument("the manifest is not a YAML/JSON object");
  const Node* kind = root.Find("kind");
  if (!kind || !kind->is_string() || kind->text != "Pod") {
    return Status::InvalidArgument("kind: the manifest is not a Pod (kind is " +
                                   (kind ? DebugString(*kind) : std::string("missing")) + ")");
  }
  const Node* api = root.Find("apiVersion");
  if (!api || !api->is_string() || api->text != "v1") {
    return Status::InvalidArgument("apiVersion: a static Pod must be apiVersion v1");
  }
  const Node* md = root.Find("metadata");
  const Node* name = md && md->is_mapping() ? md->Find("name") : nullptr;
  if (!name || !name->is_string() || name->text.empty()) {
    return Status::InvalidArgument("metadata.name: missing");
  }
  const Node* spec = root.Find("spec");
  if (!spec || !spec->is_mapping()) return Status::InvalidArgument("spec: missing");
  const Node* cs = spec->Find("containers");
  if (!cs || !cs->is_sequence() || cs->items.empty()) {
    return Status::InvalidArgument("spec.containers: missing or empty");
  }
  int found = 0;
  for (const auto& c : cs->items) {
    if (!c.is_mapping()) return Status::InvalidArgument("spec.containers: an item is not an object");
    if (NameOf(c) == kApiserverContainer) ++found;
  }
  if (found == 0) {
    return Status::FailedPrecondition(
        "spec.containers: no container named kube-apiserver in this Pod");
  }
  if (found > 1) {
    return Status::InvalidArgument("spec.containers: more than one container named kube-apiserver");
  }
  return Status::Ok();
}

const Node* ApiserverContainer(const Node& root) {
  const Node* spec = root.Find("spec");
  const Node* cs = spec ? spec->Find("containers") : nullptr;
  if (!cs || !cs->is_sequence()) return nullptr;
  for (const auto& c : cs->items) {
    if (c.is_mapping() && NameOf(c) == kApiserverContainer) return &c;
  }
  return nullptr;
}

Node* ApiserverContainer(Node& root) {
  return const_cast<Node*>(ApiserverContainer(static_cast<const Node&>(root)));
}

StatusOr<std::vector<std::string>> StringItems(const Node& container, std::string_view key) {
  std::vector<std::string> out;
  const Node* seq = container.Find(key);
  if (!seq || (seq->is_scalar() && seq->type == ScalarType::kNull)) return out;
  if (!seq->is_sequence()) {
    return Status::InvalidArgument("container kube-apiserver: " + std::string(key) +
                                   " is not a list");
  }
  for (std::size_t i = 0; i < seq->items.size(); ++i) {
    const Node& item = seq->items[i];
    if (!item.is_string()) {
      return Status::InvalidArgument("container kube-apiserver: " + std::string(key) + "[" +
                                     std::to_string(i) + "] is " + DebugString(item) +
                                     ", not a string (quote it)");
    }
    out.push_back(item.text);
  }
  return out;
}

bool YamlKeyLess(std::string_view a, std::string_view b) {
  std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    auto ac = static_cast<unsigned char>(a[i]), bc = static_cast<unsigned char>(b[i]);
    if (ac == bc) continue;
    bool al = IsLetter(ac), bl = IsLetter(bc);
    if (al && bl) return ac < bc;
    if (al || bl) return bl;
    // Runs of digits compare as numbers (after a non-zero digit before them, leading zeros count).
    std::uint64_t an = 0, bn = 0;
    if (ac == '0' || bc == '0') {
      for (std::size_t j = i; j-- > 0 && IsDigit(static_cast<unsigned char>(a[j]));) {
        if (a[j] != '0') {
          an = bn = 1;
          break;
        }
      }
    }
    std::size_t ai = i, bi = i;
    for (; ai < a.size() && IsDigit(static_cast<unsigned char>(a[ai])); ++ai) {
      an = an * 10 + static_cast<std::uint64_t>(a[ai] - '0');
    }
    for (; bi < b.size() && IsDigit(static_cast<unsigned char>(b[bi])); ++bi) {
      bn = bn * 10 + static_cast<std::uint64_t>(b[bi] - '0');
    }
    if (an != bn) return an < bn;
    if (ai != bi) return ai < bi;
    return ac < bc;
  }
  return a.size() < b.size();
}

void SetEntry(Node& map, std::string_view key, Node value) {
  if (Node* v = map.Find(key)) {
    if (v->is_scalar() && value.is_scalar()) {
      v->text = std::move(value.text);
      v->type = value.type;
      return;
    }
    int id = v->id;
    *v = std::move(value);
    v->id = -1;
    (void)id;
    return;
  }
  std::size_t at = map.entries.size();
  for (std::size_t i = 0; i < map.entries.size(); ++i) {
    if (YamlKeyLess(key, map.entries[i].key.text)) {
      at = i;
      break;
    }
  }
  Node::Entry e{Node::String(std::string(key)), std::move(value)};
  map.entries.insert(map.entries.begin() + static_cast<std::ptrdiff_t>(at), std::move(e));
}

bool RemoveEntry(Node& map, std::string_view key) {
  int i = map.IndexOf(key);
  if (i < 0) return false;
  map.entries.erase(map.entries.begin() + i);
  return true;
}

void InsertByName(Node& seq, Node item) {
  std::string name = NameOf(item);
  std::size_t at = seq.items.size();
  for (std::size_t i = 0; i < seq.items.size(); ++i) {
    if (name < NameOf(seq.items[i])) {
      at = i;
      break;
    }
  }
  seq.items.insert(seq.items.begin() + static_cast<std::ptrdiff_t>(at), std::move(item));
}

std::string NameOf(const Node& item) {
  const Node* n = item.is_mapping() ? item.Find("name") : nullptr;
  return n && n->is_scalar() ? n->text : "";
}

}  // namespace kaudit::manifest
