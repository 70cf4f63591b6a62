// Writing a patched tree back over the text it was parsed from.
//
// The patch works on a tree (yaml_tree.h); this turns the tree back into bytes. When the
// original is block-style YAML, only the changed parts are rewritten (new sequence items and
// mapping entries spliced in at the indentation of their neighbours, removed ones cut out,
// changed scalars replaced), so comments, blank lines and the layout of everything else stay
// byte for byte. When that is not possible (flow collections, JSON, unusual layouts) the whole
// document is emitted again in the canonical layout. Either way the output is parsed again and
// must decode to exactly the patched tree, or Render fails: it never returns bytes whose meaning
// differs from the tree.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "manifest/yaml_tree.h"

namespace kaudit::manifest {

struct Rendered {
  std::string text;
  // false: the document was emitted again whole (comments and custom layout were lost).
  bool surgical = true;
};

// `patched` must be derived from `original.root` (nodes copied from it keep their ids).
StatusOr<Rendered> RenderPatched(std::string_view source, const Document& original,
                                 const Node& patched);

// The whole document in canonical form (YAML, or JSON when the original was JSON).
StatusOr<std::string> RenderCanonical(const Document& original, const Node& patched,
                                      std::string_view source);

}  // namespace kaudit::manifest
