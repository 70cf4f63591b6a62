#include "kyaml/yaml_reader.h"

#include <algorithm>

#include "kyaml/resolve.h"

namespace kaudit::kyaml::internal {
namespace {

// RAII for libyaml events.
struct Event {
  yaml_event_t ev{};
  bool live = false;
  ~Event() {
    if (live) yaml_event_delete(&ev);
  }
};

Mark MarkOf(const yaml_mark_t& m) {
  return {static_cast<int>(m.line) + 1, static_cast<int>(m.column) + 1};
}

std::string_view Str(const yaml_char_t* p) {
  return p ? std::string_view(reinterpret_cast<const char*>(p)) : std::string_view();
}

std::string GoQuoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

constexpr std::string_view kStrTag = "tag:yaml.org,2002:str";
constexpr std::string_view kBinaryTag = "tag:yaml.org,2002:binary";

}  // namespace

YamlReader::YamlReader(std::string_view data, const ParseOptions& opts) : opts_(opts) {
  yaml_parser_initialize(&parser_);
  yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(data.data()),
                               data.size());
}

YamlReader::~YamlReader() { yaml_parser_delete(&parser_); }

// go-yaml v2 parser.fail(): scanner errors report problem_mark.line + 1, parser errors the
// 0-based problem line (an upstream quirk kept so messages match kube-apiserver's).
Status YamlReader::SyntaxError() {
  error_mark_ = {static_cast<int>(parser_.problem_mark.line) + 1,
                 static_cast<int>(parser_.problem_mark.column) + 1};
  std::size_t line = 0;
  if (parser_.problem_mark.line != 0) {
    line = parser_.problem_mark.line;
    if (parser_.error == YAML_SCANNER_ERROR) ++line;
  } else if (parser_.context_mark.line != 0) {
    line = parser_.context_mark.line;
  }
  std::string msg = "yaml: ";
  if (line != 0) msg += "line " + std::to_string(line) + ": ";
  msg += parser_.problem ? parser_.problem : "unknown problem parsing YAML content";
  return Status::InvalidArgument(msg);
}

Status YamlReader::Next(yaml_event_t* ev) {
  if (!yaml_parser_parse(&parser_, ev)) return SyntaxError();
  return Status::Ok();
}

Status YamlReader::CountNodes(std::size_t n) {
  nodes_ += n;
  if (nodes_ > opts_.max_nodes) {
    return Status::ResourceExhausted("yaml: document has more than " +
                                     std::to_string(opts_.max_nodes) +
                                     " nodes (alias expansion included)");
  }
  return Status::Ok();
}

Status YamlReader::NextDocument(Document* doc, bool* end) {
  *end = false;
  Event e;
  if (!stream_started_) {
    KAUDIT_RETURN_IF_ERROR(Next(&e.ev));
    e.live = true;
    yaml_event_delete(&e.ev);
    e.live = false;
    stream_started_ = true;
  }
  KAUDIT_RETURN_IF_ERROR(Next(&e.ev));
  e.live = true;
  if (e.ev.type == YAML_STREAM_END_EVENT) {
    *end = true;
    return Status::Ok();
  }
  if (e.ev.type != YAML_DOCUMENT_START_EVENT) return Status::Internal("yaml: expected document");
  anchors_.clear();
  strict_errors_.clear();
  Event node;
  KAUDIT_RETURN_IF_ERROR(Next(&node.ev));
  node.live = true;
  Built built;
  KAUDIT_RETURN_IF_ERROR(ParseNode(node.ev, 0, &built));
  Event doc_end;
  KAUDIT_RETURN_IF_ERROR(Next(&doc_end.ev));
  doc_end.live = true;
  doc->root = std::move(built.value);
  doc->is_json = false;
  doc->strict_errors = std::move(strict_errors_);
  return Status::Ok();
}

void YamlReader::Remember(const yaml_event_t& ev, const Built& b) {
  const yaml_char_t* anchor = nullptr;
  if (ev.type == YAML_SCALAR_EVENT) anchor = ev.data.scalar.anchor;
  if (ev.type == YAML_SEQUENCE_START_EVENT) anchor = ev.data.sequence_start.anchor;
  if (ev.type == YAML_MAPPING_START_EVENT) anchor = ev.data.mapping_start.anchor;
  if (anchor) anchors_[std::string(Str(anchor))] = b;
}

Status YamlReader::ParseNode(yaml_event_t& ev, int depth, Built* out) {
  if (static_cast<std::size_t>(depth) > opts_.max_depth) {
    return Status::ResourceExhausted("yaml: exceeded max depth of " +
                                     std::to_string(opts_.max_depth));
  }
  switch (ev.type) {
    case YAML_SCALAR_EVENT:
      KAUDIT_RETURN_IF_ERROR(ParseScalar(ev, out));
      break;
    case YAML_SEQUENCE_START_EVENT:
      KAUDIT_RETURN_IF_ERROR(ParseSequence(ev, depth, out));
      break;
    case YAML_MAPPING_START_EVENT:
      KAUDIT_RETURN_IF_ERROR(ParseMapping(ev, depth, out));
      break;
    case YAML_ALIAS_EVENT: {
      auto it = anchors_.find(std::string(Str(ev.data.alias.anchor)));
      if (it == anchors_.end()) {
        return Status::InvalidArgument("yaml: unknown anchor '" +
                                       std::string(Str(ev.data.alias.anchor)) + "' referenced");
      }
      KAUDIT_RETURN_IF_ERROR(CountNodes(it->second.nodes));
      *out = it->second;
      return Status::Ok();
    }
    default:
      return Status::Internal("yaml: unexpected event");
  }
  Remember(ev, *out);
  return Status::Ok();
}

Status YamlReader::ParseScalar(const yaml_event_t& ev, Built* out) {
  KAUDIT_RETURN_IF_ERROR(CountNodes(1));
  const auto& s = ev.data.scalar;
  std::string_view text(reinterpret_cast<const char*>(s.value), s.length);
  std::string_view tag = Str(s.tag);
  Mark m = MarkOf(ev.start_mark);
  out->is_scalar = true;
  Resolved r;  // a quoted, literal or folded scalar, or one tagged !!str, is a string
  bool plain = s.style == YAML_PLAIN_SCALAR_STYLE;
  if (plain && tag.empty()) r = ResolvePlain(text);
  if (!tag.empty() && tag != kStrTag && tag != kBinaryTag && tag != "!") r = ResolvePlain(text);
  out->is_merge_key = plain && r.kind == Resolved::Kind::kMerge;
  auto key = ToJsonKey(r, text);
  if (key.ok()) {
    out->key = std::move(*key);
  } else {
    out->key_error = key.status();
  }
  auto value = ToJsonValue(r, text, m);
  if (!value.ok()) {
    // .inf/.nan only fail when they end up as JSON values; as keys they are fine.
    out->value = Value::String(std::string(text), m);
    out->value_error = value.status();
    return Status::Ok();
  }
  out->value = std::move(*value);
  return Status::Ok();
}

Status YamlReader::ParseSequence(const yaml_event_t& start, int depth, Built* out) {
  KAUDIT_RETURN_IF_ERROR(CountNodes(1));
  std::vector<Value> items;
  std::size_t nodes = 1;
  for (;;) {
    Event e;
    KAUDIT_RETURN_IF_ERROR(Next(&e.ev));
    e.live = true;
    if (e.ev.type == YAML_SEQUENCE_END_EVENT) break;
    Built item;
    KAUDIT_RETURN_IF_ERROR(ParseNode(e.ev, depth + 1, &item));
    if (!item.value_error.ok()) return item.value_error;
    nodes += item.nodes;
    items.push_back(std::move(item.value));
  }
  out->value = Value::Array(std::move(items), MarkOf(start.start_mark));
  out->key_error = Status::InvalidArgument("yaml: invalid map key: a sequence");
  out->nodes = nodes;
  return Status::Ok();
}

Status YamlReader::ParseMapping(const yaml_event_t& start, int depth, Built* out) {
  KAUDIT_RETURN_IF_ERROR(CountNodes(1));
  std::vector<Value::Entry> members;
  std::vector<std::string> seen;
  std::size_t nodes = 1;
  for (;;) {
    Event ke;
    KAUDIT_RETURN_IF_ERROR(Next(&ke.ev));
    ke.live = true;
    if (ke.ev.type == YAML_MAPPING_END_EVENT) break;
    Built key;
    KAUDIT_RETURN_IF_ERROR(ParseNode(ke.ev, depth + 1, &key));
    Event ve;
    KAUDIT_RETURN_IF_ERROR(Next(&ve.ev));
    ve.live = true;
    Built value;
    KAUDIT_RETURN_IF_ERROR(ParseNode(ve.ev, depth + 1, &value));
    nodes += key.nodes + value.nodes;
    KAUDIT_RETURN_IF_ERROR(AddMember(std::move(key), std::move(value), &members, &seen));
  }
  out->value = Value::Object(std::move(members), MarkOf(start.start_mark));
  out->key_error = Status::InvalidArgument("yaml: invalid map key: a mapping");
  out->nodes = nodes;
  return Status::Ok();
}

Status YamlReader::AddMember(Built&& key, Built&& value, std::vector<Value::Entry>* members,
                             std::vector<std::string>* seen) {
  if (key.is_merge_key) {
    if (!value.value_error.ok()) return value.value_error;
    return Merge(value.value, key.value.mark(), members);
  }
  if (!key.key_error.ok()) return key.key_error;
  if (!value.value_error.ok()) return value.value_error;
  // go-yaml v2 strict mode compares resolved keys; the JSON key string is a close stand-in.
  if (std::find(seen->begin(), seen->end(), key.key) != seen->end()) {
    strict_errors_.push_back("line " + std::to_string(key.value.mark().line) + ": key " +
                             GoQuoted(key.key) + " already set in map");
  } else {
    seen->push_back(key.key);
  }
  members->push_back({std::move(key.key), key.value.mark(), std::move(value.value)});
  return Status::Ok();
}

// `<<: *base` or `<<: [*a, *b]`: the merged members go in place, so later keys override them
// and they override earlier keys, as go-yaml v2's decoder assigns them in order.
Status YamlReader::Merge(const Value& v, Mark m, std::vector<Value::Entry>* members) {
  auto merge_one = [&](const Value& map) -> Status {
    if (!map.is_object()) {
      return Status::InvalidArgument("yaml: line " + std::to_string(m.line) +
                                     ": map merge requires map or sequence of maps as the value");
    }
    for (const auto& e : map.members()) members->push_back(e);
    return Status::Ok();
  };
  if (v.is_array()) {
    for (auto it = v.items().rbegin(); it != v.items().rend(); ++it) {
      KAUDIT_RETURN_IF_ERROR(merge_one(*it));
    }
    return Status::Ok();
  }
  return merge_one(v);
}

}  // namespace kaudit::kyaml::internal
