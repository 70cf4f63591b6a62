#include "manifest/yaml_tree.h"

#include <yaml.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <utility>

namespace kaudit::manifest {
namespace {

constexpr int kMaxDepth = 64;
constexpr std::string_view kStrTag = "tag:yaml.org,2002:str";
constexpr std::string_view kMapTag = "tag:yaml.org,2002:map";
constexpr std::string_view kSeqTag = "tag:yaml.org,2002:seq";

bool ValidUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80           ? 0
                    : (c >> 5) == 0x6  ? 1
                    : (c >> 4) == 0xE  ? 2
                    : (c >> 3) == 0x1E ? 3
                                       : 4;
    if (n == 4 || n > s.size() - i - 1) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    }
    i += n + 1;
  }
  return true;
}

// Turns libyaml's events into a Node tree with byte spans. libyaml marks count characters, not
// bytes, so a table maps one to the other.
class TreeBuilder {
 public:
  TreeBuilder(std::string_view text, std::size_t bom, Document* doc)
      : text_(text), bom_(bom), doc_(doc) {
    yaml_parser_initialize(&parser_);
    auto body = text_.substr(bom_);
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(body.data()),
                                 body.size());
    for (std::size_t i = bom_; i < text_.size(); ++i) {
      if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) char_to_byte_.push_back(i);
    }
    char_to_byte_.push_back(text_.size());
  }
  ~TreeBuilder() { yaml_parser_delete(&parser_); }
  TreeBuilder(const TreeBuilder&) = delete;
  TreeBuilder& operator=(const TreeBuilder&) = delete;

  Status Run();

 private:
  struct Event {
    yaml_event_t ev{};
    bool set = false;
    ~Event() {
      if (set) yaml_event_delete(&ev);
    }
  };

  Status Next(Event* e);
  Status Build(Event* e, int depth, bool in_flow, Node* out);
  Status BuildScalar(const yaml_event_t& ev, bool in_flow, Node* out);
  Status BuildSequence(const yaml_event_t& ev, int depth, bool in_flow, Node* out);
  Status BuildMapping(const yaml_event_t& ev, int depth, bool in_flow, Node* out);
  std::size_t Byte(const yaml_mark_t& m) const {
    return m.index < char_to_byte_.size() ? char_to_byte_[m.index] : text_.size();
  }
  int NewSpan(std::size_t begin, bool flow_context);
  Status Refuse(const yaml_mark_t& m, std::string_view what) const {
    return Status::InvalidArgument("line " + std::to_string(m.line + 1) + ": " + std::string(what));
  }

  std::string_view text_;
  std::size_t bom_;
  Document* doc_;
  yaml_parser_t parser_{};
  std::vector<std::size_t> char_to_byte_;
};

Status TreeBuilder::Next(Event* e) {
  if (!yaml_parser_parse(&parser_, &e->ev)) {
    std::string msg = "yaml: line " + std::to_string(parser_.problem_mark.line + 1) + ": " +
                      (parser_.problem ? parser_.problem : "parse error");
    if (parser_.context) msg += std::string(" ") + parser_.context;
    return Status::InvalidArgument(msg);
  }
  e->set = true;
  if (e->ev.type == YAML_ALIAS_EVENT) {
    return Refuse(e->ev.start_mark, "aliases are not supported in a static-pod manifest");
  }
  return Status::Ok();
}

int TreeBuilder::NewSpan(std::size_t begin, bool flow_context) {
  Span s;
  s.begin = begin;
  s.flow_context = flow_context;
  std::size_t lb = begin;
  while (lb > bom_ && text_[lb - 1] != '\n') --lb;
  s.line_begin = lb;
  doc_->spans.push_back(s);
  return static_cast<int>(doc_->spans.size() - 1);
}

Status TreeBuilder::Run() {
  Event e;
  KAUDIT_RETURN_IF_ERROR(Next(&e));  // stream start
  Event d;
  KAUDIT_RETURN_IF_ERROR(Next(&d));
  if (d.ev.type != YAML_DOCUMENT_START_EVENT) {
    return Status::InvalidArgument("the file is empty");
  }
  Event root;
  KAUDIT_RETURN_IF_ERROR(Next(&root));
  KAUDIT_RETURN_IF_ERROR(Build(&root, 0, false, &doc_->root));
  Event end;
  KAUDIT_RETURN_IF_ERROR(Next(&end));  // document end
  Event after;
  KAUDIT_RETURN_IF_ERROR(Next(&after));
  if (after.ev.type != YAML_STREAM_END_EVENT) {
    return Refuse(after.ev.start_mark,
                  "more than one YAML document; a static-pod manifest holds exactly one Pod");
  }
  return Status::Ok();
}

Status TreeBuilder::Build(Event* e, int depth, bool in_flow, Node* out) {
  if (depth > kMaxDepth) return Refuse(e->ev.start_mark, "nesting too deep");
  const yaml_event_t& ev = e->ev;
  switch (ev.type) {
    case YAML_SCALAR_EVENT:
      return BuildScalar(ev, in_flow, out);
    case YAML_SEQUENCE_START_EVENT:
      return BuildSequence(ev, depth, in_flow, out);
    case YAML_MAPPING_START_EVENT:
      return BuildMapping(ev, depth, in_flow, out);
    default:
      return Refuse(ev.start_mark, "unexpected YAML event");
  }
}

Status TreeBuilder::BuildScalar(const yaml_event_t& ev, bool in_flow, Node* out) {
  const auto& s = ev.data.scalar;
  if (s.anchor) return Refuse(ev.start_mark, "anchors are not supported in a static-pod manifest");
  out->kind = Node::Kind::kScalar;
  out->text.assign(reinterpret_cast<const char*>(s.value), s.length);
  bool plain = s.style == YAML_PLAIN_SCALAR_STYLE;
  if (s.tag) {
    std::string_view tag(reinterpret_cast<const char*>(s.tag));
    if (tag != kStrTag && !(plain && tag == "!")) {
      return Refuse(ev.start_mark, "tag " + std::string(tag) + " is not supported");
    }
    plain = false;
  }
  out->type = plain ? ResolvePlain(out->text) : ScalarType::kString;
  if (plain && out->text == "<<") {
    return Refuse(ev.start_mark, "merge keys (<<) are not supported in a static-pod manifest");
  }
  out->id = NewSpan(Byte(ev.start_mark), in_flow);
  doc_->spans[static_cast<std::size_t>(out->id)].end = Byte(ev.end_mark);
  return Status::Ok();
}

Status TreeBuilder::BuildSequence(const yaml_event_t& ev, int depth, bool in_flow, Node* out) {
  const auto& s = ev.data.sequence_start;
  if (s.anchor) return Refuse(ev.start_mark, "anchors are not supported in a static-pod manifest");
  if (s.tag && std::string_view(reinterpret_cast<const char*>(s.tag)) != kSeqTag) {
    return Refuse(ev.start_mark, "unsupported tag on a sequence");
  }
  out->kind = Node::Kind::kSequence;
  out->flow = s.style == YAML_FLOW_SEQUENCE_STYLE;
  bool child_flow = in_flow || out->flow;
  out->id = NewSpan(Byte(ev.start_mark), child_flow);
  std::size_t end = Byte(ev.end_mark);
  for (;;) {
    Event item;
    KAUDIT_RETURN_IF_ERROR(Next(&item));
    if (item.ev.type == YAML_SEQUENCE_END_EVENT) {
      if (out->flow) end = Byte(item.ev.end_mark);
      break;
    }
    Node child;
    KAUDIT_RETURN_IF_ERROR(Build(&item, depth + 1, child_flow, &child));
    if (!out->flow) end = doc_->spans[static_cast<std::size_t>(child.id)].end;
    out->items.push_back(std::move(child));
  }
  doc_->spans[static_cast<std::size_t>(out->id)].end = end;
  return Status::Ok();
}

Status TreeBuilder::BuildMapping(const yaml_event_t& ev, int depth, bool in_flow, Node* out) {
  const auto& m = ev.data.mapping_start;
  if (m.anchor) return Refuse(ev.start_mark, "anchors are not supported in a static-pod manifest");
  if (m.tag && std::string_view(reinterpret_cast<const char*>(m.tag)) != kMapTag) {
    return Refuse(ev.start_mark, "unsupported tag on a mapping");
  }
  out->kind = Node::Kind::kMapping;
  out->flow = m.style == YAML_FLOW_MAPPING_STYLE;
  bool child_flow = in_flow || out->flow;
  out->id = NewSpan(Byte(ev.start_mark), child_flow);
  std::size_t end = Byte(ev.end_mark);
  for (;;) {
    Event k;
    KAUDIT_RETURN_IF_ERROR(Next(&k));
    if (k.ev.type == YAML_MAPPING_END_EVENT) {
      if (out->flow) end = Byte(k.ev.end_mark);
      break;
    }
    if (k.ev.type != YAML_SCALAR_EVENT) {
      return Refuse(k.ev.start_mark, "mapping keys must be scalars");
    }
    Node::Entry entry;
    KAUDIT_RETURN_IF_ERROR(Build(&k, depth + 1, child_flow, &entry.key));
    Event v;
    KAUDIT_RETURN_IF_ERROR(Next(&v));
    KAUDIT_RETURN_IF_ERROR(Build(&v, depth + 1, child_flow, &entry.value));
    if (!out->flow) end = doc_->spans[static_cast<std::size_t>(entry.value.id)].end;
    out->entries.push_back(std::move(entry));
  }
  doc_->spans[static_cast<std::size_t>(out->id)].end = end;
  return Status::Ok();
}

bool ParseBool(std::string_view t) {
  return t == "y" || t == "Y" || t == "yes" || t == "Yes" || t == "YES" || t == "on" ||
         t == "On" || t == "ON" || t == "true" || t == "True" || t == "TRUE";
}

bool NumbersEqual(const Node& a, const Node& b) {
  if (a.text == b.text) return true;
  std::string x = a.text, y = b.text;
  std::erase(x, '_');
  std::erase(y, '_');
  if (a.type == ScalarType::kInt) {
    // Same value in another spelling (0x1F vs 31): compare as 128-bit integers.
    char* end = nullptr;
    long long xv = std::strtoll(x.c_str(), &end, 0);
    bool xok = end && *end == '\0';
    long long yv = std::strtoll(y.c_str(), &end, 0);
    bool yok = end && *end == '\0';
    return xok && yok && xv == yv;
  }
  double xv = std::strtod(x.c_str(), nullptr), yv = std::strtod(y.c_str(), nullptr);
  return xv == yv || (std::isnan(xv) && std::isnan(yv));
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out->append(c == '\n' ? "\\n" : "\\u00");
      if (c != '\n') {
        const char* hex = "0123456789abcdef";
        out->push_back(hex[(c >> 4) & 0xF]);
        out->push_back(hex[c & 0xF]);
      }
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

}  // namespace

Node Node::String(std::string s) {
  Node n;
  n.text = std::move(s);
  return n;
}

Node Node::Mapping() {
  Node n;
  n.kind = Kind::kMapping;
  return n;
}

Node Node::Sequence() {
  Node n;
  n.kind = Kind::kSequence;
  return n;
}

int Node::IndexOf(std::string_view key) const {
  if (kind != Kind::kMapping) return -1;
  for (std::size_t i = entries.size(); i-- > 0;) {
    if (entries[i].key.is_scalar() && entries[i].key.text == key) return static_cast<int>(i);
  }
  return -1;
}

const Node* Node::Find(std::string_view key) const {
  int i = IndexOf(key);
  return i < 0 ? nullptr : &entries[static_cast<std::size_t>(i)].value;
}

Node* Node::Find(std::string_view key) {
  int i = IndexOf(key);
  return i < 0 ? nullptr : &entries[static_cast<std::size_t>(i)].value;
}

StatusOr<Document> ParseDocument(std::string_view text) {
  Document doc;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") doc.bom = 3;
  if (!ValidUtf8(text)) return Status::InvalidArgument("the file is not valid UTF-8");
  std::size_t first = text.find_first_not_of(" \t\r\n", doc.bom);
  doc.json = first != std::string_view::npos && text[first] == '{';
  TreeBuilder builder(text, doc.bom, &doc);
  KAUDIT_RETURN_IF_ERROR(builder.Run());
  return doc;
}

bool IsTrue(const Node& n) {
  return n.is_scalar() && n.type == ScalarType::kBool && ParseBool(n.text);
}

bool SemanticEqual(const Node& a, const Node& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Node::Kind::kScalar:
      if (a.type != b.type) return false;
      switch (a.type) {
        case ScalarType::kNull:
          return true;
        case ScalarType::kBool:
          return ParseBool(a.text) == ParseBool(b.text);
        case ScalarType::kInt:
        case ScalarType::kFloat:
          return NumbersEqual(a, b);
        case ScalarType::kString:
          return a.text == b.text;
      }
      return false;
    case Node::Kind::kSequence:
      if (a.items.size() != b.items.size()) return false;
      for (std::size_t i = 0; i < a.items.size(); ++i) {
        if (!SemanticEqual(a.items[i], b.items[i])) return false;
      }
      return true;
    case Node::Kind::kMapping:
      if (a.entries.size() != b.entries.size()) return false;
      for (std::size_t i = 0; i < a.entries.size(); ++i) {
        if (!SemanticEqual(a.entries[i].key, b.entries[i].key) ||
            !SemanticEqual(a.entries[i].value, b.entries[i].value)) {
          return false;
        }
      }
      return true;
  }
  return false;
}

std::string DebugString(const Node& n) {
  std::string out;
  switch (n.kind) {
    case Node::Kind::kScalar:
      if (n.type == ScalarType::kString) {
        AppendJsonString(n.text, &out);
      } else {
        out = n.type == ScalarType::kNull ? "null" : n.text;
      }
      return out;
    case Node::Kind::kSequence:
      out = "[";
      for (std::size_t i = 0; i < n.items.size(); ++i) {
        if (i) out += ",";
        out += DebugString(n.items[i]);
      }
      return out + "]";
    case Node::Kind::kMapping:
      out = "{";
      for (std::size_t i = 0; i < n.entries.size(); ++i) {
        if (i) out += ",";
        out += DebugString(n.entries[i].key) + ":" + DebugString(n.entries[i].value);
      }
      return out + "}";
  }
  return out;
}

}  // namespace kaudit::manifest
