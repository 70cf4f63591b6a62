// Finding and editing the parts of a static-pod tree that kaudit touches.
//
// Thread safety: pure functions over caller-owned trees.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "manifest/audit_spec.h"
#include "manifest/yaml_tree.h"

namespace kaudit::manifest {

// The document must be a v1 Pod with a name, spec.containers, and one container named
// kube-apiserver. Messages name the field at fault.
Status CheckPodShape(const Node& root);

// spec.containers[name=kube-apiserver]; nullptr when absent (CheckPodShape reports that).
const Node* ApiserverContainer(const Node& root);
Node* ApiserverContainer(Node& root);

// The items of root's `key` (e.g. "command") as strings. Fails when an item is not a string.
StatusOr<std::vector<std::string>> StringItems(const Node& container, std::string_view key);

// go-yaml v2's map-key order (sigs.k8s.io/yaml writes every mapping in that order): letters
// after other characters, runs of digits compared as numbers.
bool YamlKeyLess(std::string_view a, std::string_view b);

// Sets map[key] = value. An existing scalar value is rewritten in place (it keeps its place in
// the text); a new key goes before the first key that sorts after it.
void SetEntry(Node& map, std::string_view key, Node value);
// Removes map[key]; true when it was there.
bool RemoveEntry(Node& map, std::string_view key);
// Inserts a mapping into a sequence of named objects before the first one whose name sorts
// after its name (kubeadm sorts volumes and volume mounts by name).
void InsertByName(Node& seq, Node item);

// The `name` of a named object, or "".
std::string NameOf(const Node& item);

}  // namespace kaudit::manifest
