#include "manifest/render.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "manifest/emit.h"

namespace kaudit::manifest {
namespace {

struct Edit {
  std::size_t begin;
  std::size_t end;
  std::string text;
};

// Collects text edits that turn the original source into the patched tree. Any shape it does not
// handle makes Build() return false, and the caller falls back to a full re-emission.
class Splicer {
 public:
  Splicer(std::string_view src, const Document& doc) : src_(src), doc_(doc) {
    Index(doc.root);
  }

  bool Build(const Node& patched) { return Diff(patched); }
  std::optional<std::string> Apply();

 private:
  void Index(const Node& n) {
    if (n.id >= 0) {
      if (by_id_.size() <= static_cast<std::size_t>(n.id)) {
        by_id_.resize(static_cast<std::size_t>(n.id) + 1, nullptr);
      }
      by_id_[static_cast<std::size_t>(n.id)] = &n;
    }
    for (const auto& i : n.items) Index(i);
    for (const auto& e : n.entries) {
      Index(e.key);
      Index(e.value);
    }
  }
  const Node* Orig(int id) const {
    return id >= 0 && static_cast<std::size_t>(id) < by_id_.size()
               ? by_id_[static_cast<std::size_t>(id)]
               : nullptr;
  }
  const Span& SpanOf(const Node& n) const { return doc_.spans[static_cast<std::size_t>(n.id)]; }

  bool Diff(const Node& now);
  bool DiffScalar(const Node& now, const Node& orig);
  bool DiffSequence(const Node& now, const Node& orig);
  bool DiffMapping(const Node& now, const Node& orig);
  bool SameOrder(const std::vector<int>& now_ids, const std::vector<int>& orig_ids) const;

  // Start of the "- " introducing a block sequence item; nullopt if the line before it holds
  // anything but indentation.
  std::optional<std::size_t> DashOf(const Node& item) const;
  // Position just past the end of the line holding byte `end - 1`, when only blanks or a comment
  // follow it on that line.
  std::optional<std::size_t> LineEnd(std::size_t end) const;
  bool OnlySpaces(std::size_t from, std::size_t to) const {
    for (std::size_t i = from; i < to; ++i) {
      if (src_[i] != ' ') return false;
    }
    return true;
  }
  std::size_t LineBegin(std::size_t pos) const {
    while (pos > doc_.bom && src_[pos - 1] != '\n') --pos;
    return pos;
  }
  // Indents every line after the first of a fragment by `indent`.
  static std::string Indent(const std::string& fragment, const std::string& indent);

  bool DeleteRuns(const std::vector<std::size_t>& anchors, const std::vector<bool>& kept,
                  const std::vector<const Node*>& nodes);
  bool InsertFragments(const std::vector<std::string>& frags, std::optional<std::size_t> before,
                       std::size_t last_anchor, const Node& last_node);

  std::string_view src_;
  const Document& doc_;
  std::vector<const Node*> by_id_;
  std::vector<Edit> edits_;
};

bool Splicer::Diff(const Node& now) {
  const Node* orig = Orig(now.id);
  if (!orig || orig->kind != now.kind) return false;
  switch (now.kind) {
    case Node::Kind::kScalar:
      return DiffScalar(now, *orig);
    case Node::Kind::kSequence:
      return DiffSequence(now, *orig);
    case Node::Kind::kMapping:
      return DiffMapping(now, *orig);
  }
  return false;
}

bool Splicer::DiffScalar(const Node& now, const Node& orig) {
  if (now.text == orig.text && now.type == orig.type) return true;
  const Span& s = SpanOf(orig);
  auto text = EmitScalar(now, s.flow_context);
  if (!text.ok()) return false;
  edits_.push_back({s.begin, s.end, *text});
  return true;
}

bool Splicer::SameOrder(const std::vector<int>& now_ids, const std::vector<int>& orig_ids) const {
  std::size_t j = 0;
  for (int id : now_ids) {
    if (id < 0) continue;
    while (j < orig_ids.size() && orig_ids[j] != id) ++j;
    if (j == orig_ids.size()) return false;
    ++j;
  }
  return true;
}

std::optional<std::size_t> Splicer::DashOf(const Node& item) const {
  std::size_t p = SpanOf(item).begin;
  while (p > doc_.bom && src_[p - 1] == ' ') --p;
  if (p == doc_.bom || src_[p - 1] != '-') return std::nullopt;
  --p;
  if (!OnlySpaces(LineBegin(p), p)) return std::nullopt;
  return p;
}

std::optional<std::size_t> Splicer::LineEnd(std::size_t end) const {
  std::size_t p = end;
  while (p < src_.size() && (src_[p] == ' ' || src_[p] == '\t')) ++p;
  if (p < src_.size() && src_[p] == '#') {
    while (p < src_.size() && src_[p] != '\n') ++p;
  }
  if (p == src_.size()) return p;
  if (src_[p] == '\r' && p + 1 < src_.size() && src_[p + 1] == '\n') ++p;
  if (src_[p] != '\n') return std::nullopt;
  return p + 1;
}

std::string Splicer::Indent(const std::string& fragment, const std::string& indent) {
  std::string out;
  std::size_t start = 0;
  bool first = true;
  while (start < fragment.size()) {
    std::size_t nl = fragment.find('\n', start);
    if (nl == std::string::npos) nl = fragment.size() - 1;
    if (!first) out += indent;
    out.append(fragment, start, nl - start + 1);
    first = false;
    start = nl + 1;
  }
  return out;
}

// Removes every run of consecutive items that is not kept. anchors[i] is where item i starts
// (its dash, or its key); a run that has a kept item after it is cut up to that item's anchor,
// so the next item moves to the run's first column; a run at the end is cut as whole lines.
bool Splicer::DeleteRuns(const std::vector<std::size_t>& anchors, const std::vector<bool>& kept,
                         const std::vector<const Node*>& nodes) {
  std::size_t n = anchors.size();
  for (std::size_t i = 0; i < n;) {
    if (kept[i]) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < n && !kept[j]) ++j;
    if (j < n) {
      edits_.push_back({anchors[i], anchors[j], ""});
    } else {
      if (i == 0) return false;  // the whole collection would go: the caller removes its key
      std::size_t lb = LineBegin(anchors[i]);
      if (!OnlySpaces(lb, anchors[i])) return false;
      auto le = LineEnd(SpanOf(*nodes[n - 1]).end);
      if (!le) return false;
      edits_.push_back({lb, *le, ""});
    }
    i = j;
  }
  return true;
}

bool Splicer::InsertFragments(const std::vector<std::string>& frags,
                              std::optional<std::size_t> before, std::size_t last_anchor,
                              const Node& last_node) {
  if (frags.empty()) return true;
  if (before) {
    // The anchor keeps its column: each fragment is followed by that column's indentation.
    std::string indent(*before - LineBegin(*before), ' ');
    std::string text;
    for (const auto& f : frags) text += Indent(f, indent) + indent;
    edits_.push_back({*before, *before, text});
    return true;
  }
  std::string indent(last_anchor - LineBegin(last_anchor), ' ');
  auto le = LineEnd(SpanOf(last_node).end);
  if (!le) return false;
  std::string text;
  if (*le == src_.size() && (src_.empty() || src_.back() != '\n')) text = "\n";
  for (const auto& f : frags) text += indent + Indent(f, indent);
  edits_.push_back({*le, *le, text});
  return true;
}

bool Splicer::DiffSequence(const Node& now, const Node& orig) {
  std::vector<int> now_ids, orig_ids;
  for (const auto& i : now.items) now_ids.push_back(i.id);
  for (const auto& i : orig.items) orig_ids.push_back(i.id);
  if (!SameOrder(now_ids, orig_ids)) return false;
  if (orig.flow || orig.items.empty()) {
    if (now_ids != orig_ids) return false;
    for (const auto& i : now.items) {
      if (!Diff(i)) return false;
    }
    return true;
  }
  std::vector<std::size_t> anchors;
  std::vector<const Node*> nodes;
  std::vector<bool> kept(orig.items.size(), false);
  for (std::size_t i = 0; i < orig.items.size(); ++i) {
    auto dash = DashOf(orig.items[i]);
    if (!dash) return false;
    anchors.push_back(*dash);
    nodes.push_back(&orig.items[i]);
    kept[i] = std::find(now_ids.begin(), now_ids.end(), orig_ids[i]) != now_ids.end();
  }
  if (!DeleteRuns(anchors, kept, nodes)) return false;
  std::vector<std::string> pending;
  for (const auto& item : now.items) {
    if (item.id < 0) {
      auto frag = EmitSequenceItem(item);
      if (!frag.ok()) return false;
      pending.push_back(*frag);
      continue;
    }
    std::size_t at = static_cast<std::size_t>(
        std::find(orig_ids.begin(), orig_ids.end(), item.id) - orig_ids.begin());
    if (!InsertFragments(pending, anchors[at], 0, item)) return false;
    pending.clear();
    if (!Diff(item)) return false;
  }
  return InsertFragments(pending, std::nullopt, anchors.back(), orig.items.back());
}

bool Splicer::DiffMapping(const Node& now, const Node& orig) {
  std::vector<int> now_ids, orig_ids;
  for (const auto& e : now.entries) now_ids.push_back(e.key.id);
  for (const auto& e : orig.entries) orig_ids.push_back(e.key.id);
  if (!SameOrder(now_ids, orig_ids)) return false;
  if (orig.flow || orig.entries.empty()) {
    if (now_ids != orig_ids) return false;
    for (const auto& e : now.entries) {
      if (!Diff(e.value)) return false;
    }
    return true;
  }
  std::vector<std::size_t> anchors;
  std::vector<const Node*> nodes;
  std::vector<bool> kept(orig.entries.size(), false);
  for (std::size_t i = 0; i < orig.entries.size(); ++i) {
    anchors.push_back(SpanOf(orig.entries[i].key).begin);
    nodes.push_back(&orig.entries[i].value);
    kept[i] = std::find(now_ids.begin(), now_ids.end(), orig_ids[i]) != now_ids.end();
  }
  if (!DeleteRuns(anchors, kept, nodes)) return false;
  std::vector<std::string> pending;
  for (const auto& e : now.entries) {
    if (e.key.id < 0) {
      auto frag = EmitMappingEntry(e.key, e.value);
      if (!frag.ok()) return false;
      pending.push_back(*frag);
      continue;
    }
    std::size_t at = static_cast<std::size_t>(
        std::find(orig_ids.begin(), orig_ids.end(), e.key.id) - orig_ids.begin());
    if (!InsertFragments(pending, anchors[at], 0, e.value)) return false;
    pending.clear();
    if (e.value.id < 0) return false;  // a value replaced wholesale
    if (!Diff(e.value)) return false;
  }
  return InsertFragments(pending, std::nullopt, anchors.back(), orig.entries.back().value);
}

std::optional<std::string> Splicer::Apply() {
  std::stable_sort(edits_.begin(), edits_.end(), [](const Edit& a, const Edit& b) {
    if (a.begin != b.begin) return a.begin < b.begin;
    return (a.begin == a.end) && (b.begin != b.end);  // insertions first at one position
  });
  std::string out;
  std::size_t pos = 0;
  for (const auto& e : edits_) {
    if (e.begin < pos) return std::nullopt;  // overlapping edits
    out.append(src_.substr(pos, e.begin - pos));
    out += e.text;
    pos = e.end;
  }
  out.append(src_.substr(pos));
  return out;
}

// Indentation the JSON input used (the leading spaces of its second line), 2 by default.
int JsonIndent(std::string_view src) {
  std::size_t nl = src.find('\n');
  if (nl == std::string_view::npos) return 2;
  std::size_t p = nl + 1;
  int n = 0;
  for (; p < src.size() && src[p] == ' '; ++p) ++n;
  return n > 0 && n <= 8 ? n : 2;
}

Status Verify(const std::string& text, const Node& patched) {
  auto again = ParseDocument(text);
  if (!again.ok()) {
    return Status::Internal("patched manifest does not parse again: " + again.status().message());
  }
  if (!SemanticEqual(again->root, patched)) {
    return Status::Internal("patched manifest does not read back as the patched object");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::string> RenderCanonical(const Document& original, const Node& patched,
                                      std::string_view source) {
  std::string text;
  if (original.json) {
    text = EmitJson(patched, JsonIndent(source));
  } else {
    auto y = EmitYaml(patched);
    if (!y.ok()) return y.status();
    text = std::move(*y);
  }
  if (original.bom) text.insert(0, "\xEF\xBB\xBF");
  return text;
}

StatusOr<Rendered> RenderPatched(std::string_view source, const Document& original,
                                 const Node& patched) {
  if (SemanticEqual(original.root, patched)) return Rendered{std::string(source), true};
  if (!original.json) {
    Splicer splicer(source, original);
    if (splicer.Build(patched)) {
      auto text = splicer.Apply();
      if (text && Verify(*text, patched).ok()) return Rendered{std::move(*text), true};
    }
  }
  auto text = RenderCanonical(original, patched, source);
  if (!text.ok()) return text.status();
  KAUDIT_RETURN_IF_ERROR(Verify(*text, patched));
  return Rendered{std::move(*text), false};
}

}  // namespace kaudit::manifest
