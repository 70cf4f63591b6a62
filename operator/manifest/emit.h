// Writing Nodes back as text in the layout kubeadm's files have (sigs.k8s.io/yaml over go-yaml
// v2: 2-space indent, sequences not indented under their key, keys in the given order, plain
// scalars where YAML 1.1 reads them back as the same string, quoted otherwise), or as JSON.
//
// The YAML emitter is libyaml's, the C library go-yaml v2 was ported from line by line, so
// quoting and layout decisions agree with kubeadm's output.
//
// Thread safety: pure functions.
#pragma once

#include <string>

#include "common/status.h"
#include "manifest/yaml_tree.h"

namespace kaudit::manifest {

// A whole document, lines wrapped at 80 columns as go-yaml v2 does.
StatusOr<std::string> EmitYaml(const Node& root);

// A whole document as JSON, `indent` spaces per level, members in the given order, a final
// newline.
std::string EmitJson(const Node& root, int indent);

// Fragments for splicing into existing text, unindented and without line wrapping, every line
// ending in '\n':
//   "- value\n"  /  "- hostPath:\n    path: /x\n  name: y\n"
StatusOr<std::string> EmitSequenceItem(const Node& item);
//   "key: value\n"  /  "key:\n  a: b\n"  /  "key:\n- a\n"
StatusOr<std::string> EmitMappingEntry(const Node& key, const Node& value);
// One scalar on one line, as it would appear as a block value (flow = false) or inside a flow
// collection (flow = true: always double-quoted when it is a string).
StatusOr<std::string> EmitScalar(const Node& scalar, bool flow);

}  // namespace kaudit::manifest
