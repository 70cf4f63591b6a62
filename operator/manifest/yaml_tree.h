// A YAML (or JSON) document as a tree that remembers where every node came from, so a patch can
// rewrite only the bytes it changes and keep comments and layout everywhere else.
//
// Scalars are resolved the way kubelet's decoder (sigs.k8s.io/yaml over go-yaml v2, YAML 1.1)
// resolves them: `true`, `yes`, `on` are booleans, `0x1F` and `1_000` are integers, `~` and `` are
// null, everything quoted is a string. Two trees are SemanticEqual when kubelet would decode them
// to the same object.
//
// Thread safety: plain data and pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace kaudit::manifest {

inline constexpr std::size_t kNoPos = static_cast<std::size_t>(-1);

enum class ScalarType { kNull, kBool, kInt, kFloat, kString };

struct Node {
  enum class Kind { kScalar, kSequence, kMapping };
  struct Entry;

  Kind kind = Kind::kScalar;
  // Scalars: the decoded text and what it resolves to.
  std::string text;
  ScalarType type = ScalarType::kString;
  // Collections written in flow style (`[a, b]`, `{a: b}`, JSON).
  bool flow = false;
  std::vector<Node> items;     // sequence
  std::vector<Entry> entries;  // mapping, in source order

  // Origin: the id of the parsed node this one is (a copy of), or -1 for a node the patch made.
  int id = -1;

  static Node String(std::string s);
  static Node Mapping();
  static Node Sequence();

  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_mapping() const { return kind == Kind::kMapping; }
  bool is_sequence() const { return kind == Kind::kSequence; }
  bool is_string() const { return kind == Kind::kScalar && type == ScalarType::kString; }

  // Mapping lookups by string key (the last duplicate, as JSON decoding keeps); nullptr if absent.
  const Node* Find(std::string_view key) const;
  Node* Find(std::string_view key);
  // Index of the entry with this key (last duplicate), or -1.
  int IndexOf(std::string_view key) const;
};

struct Node::Entry {
  Node key;
  Node value;
};

// Where a parsed node sits in the source (byte offsets).
struct Span {
  std::size_t begin = kNoPos;  // first byte of the node (for a block sequence item: after "- ")
  std::size_t end = kNoPos;    // one past its last content byte (last descendant scalar for blocks)
  std::size_t line_begin = 0;  // offset of the first byte of begin's line
  bool flow_context = false;   // inside a flow collection (or is one)
};

struct Document {
  Node root;
  bool json = false;  // the first non-space byte was '{': written back as JSON
  std::size_t bom = 0;
  std::vector<Span> spans;  // by Node::id
};

// Parses the first (and only) document of text. Refuses anchors, aliases, merge keys, tags other
// than the core ones, more than one document, non-UTF-8 input and nesting deeper than 64.
StatusOr<Document> ParseDocument(std::string_view text);

// The type a plain (unquoted) scalar resolves to under go-yaml v2.
ScalarType ResolvePlain(std::string_view text);
// True when go-yaml v2 writes this string in plain style (it resolves as a string and does not
// look like a base-60 float); false means it must be quoted.
bool PlainSafeString(std::string_view s);

bool SemanticEqual(const Node& a, const Node& b);

// A boolean scalar that reads as true (`true`, `True`, `yes`, `on`, ...).
bool IsTrue(const Node& n);

// A short JSON-like rendering for messages and tests.
std::string DebugString(const Node& n);

}  // namespace kaudit::manifest
