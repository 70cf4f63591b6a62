#include "manifest/emit.h"

#include <yaml.h>

#include <climits>
#include <string_view>

namespace kaudit::manifest {
namespace {

int WriteToString(void* data, unsigned char* buffer, std::size_t size) {
  static_cast<std::string*>(data)->append(reinterpret_cast<const char*>(buffer), size);
  return 1;
}

// Owns a libyaml emitter writing into a string; every Emit* call checks the result.
class Emitter {
 public:
  explicit Emitter(int width) {
    yaml_emitter_initialize(&e_);
    yaml_emitter_set_output(&e_, &WriteToString, &out_);
    yaml_emitter_set_unicode(&e_, 1);
    yaml_emitter_set_indent(&e_, 2);
    yaml_emitter_set_width(&e_, width);
  }
  ~Emitter() { yaml_emitter_delete(&e_); }
  Emitter(const Emitter&) = delete;
  Emitter& operator=(const Emitter&) = delete;

  bool Begin() {
    yaml_event_t ev;
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    if (!Emit(&ev)) return false;
    yaml_document_start_event_initialize(&ev, nullptr, nullptr, nullptr, 1);
    return Emit(&ev);
  }
  bool End() {
    yaml_event_t ev;
    yaml_document_end_event_initialize(&ev, 1);
    if (!Emit(&ev)) return false;
    yaml_stream_end_event_initialize(&ev);
    return Emit(&ev) && yaml_emitter_flush(&e_);
  }
  bool Node(const manifest::Node& n);
  bool SequenceStart() {
    yaml_event_t ev;
    yaml_sequence_start_event_initialize(&ev, nullptr, nullptr, 1, YAML_BLOCK_SEQUENCE_STYLE);
    return Emit(&ev);
  }
  bool SequenceEnd() {
    yaml_event_t ev;
    yaml_sequence_end_event_initialize(&ev);
    return Emit(&ev);
  }
  bool MappingStart() {
    yaml_event_t ev;
    yaml_mapping_start_event_initialize(&ev, nullptr, nullptr, 1, YAML_BLOCK_MAPPING_STYLE);
    return Emit(&ev);
  }
  bool MappingEnd() {
    yaml_event_t ev;
    yaml_mapping_end_event_initialize(&ev);
    return Emit(&ev);
  }
  bool Scalar(const manifest::Node& n, bool force_double);

  Status Error() const {
    return Status::Internal(std::string("yaml emitter: ") +
                            (e_.problem ? e_.problem : "unknown error"));
  }
  std::string& out() { return out_; }

 private:
  bool Emit(yaml_event_t* ev) { return yaml_emitter_emit(&e_, ev) == 1; }

  yaml_emitter_t e_{};
  std::string out_;
};

bool Emitter::Scalar(const manifest::Node& n, bool force_double) {
  std::string text = n.text;
  yaml_scalar_style_t style = YAML_PLAIN_SCALAR_STYLE;
  if (n.type == ScalarType::kString) {
    if (force_double || !PlainSafeString(text)) {
      style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    }
    if (!force_double && text.find('\n') != std::string::npos) style = YAML_LITERAL_SCALAR_STYLE;
  } else if (n.type == ScalarType::kNull) {
    text = "null";
  }
  yaml_event_t ev;
  yaml_scalar_event_initialize(&ev, nullptr, nullptr,
                               reinterpret_cast<yaml_char_t*>(const_cast<char*>(text.data())),
                               static_cast<int>(text.size()), 1, 1, style);
  return Emit(&ev);
}

bool Emitter::Node(const manifest::Node& n) {
  switch (n.kind) {
    case manifest::Node::Kind::kScalar:
      return Scalar(n, false);
    case manifest::Node::Kind::kSequence:
      if (!SequenceStart()) return false;
      for (const auto& item : n.items) {
        if (!Node(item)) return false;
      }
      return SequenceEnd();
    case manifest::Node::Kind::kMapping:
      if (!MappingStart()) return false;
      for (const auto& e : n.entries) {
        if (!Node(e.key) || !Node(e.value)) return false;
      }
      return MappingEnd();
  }
  return false;
}

void AppendJsonString(std::string_view s, std::string* out) {
  static const char* kHex = "0123456789abcdef";
  out->push_back('"');
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (u < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[u >> 4]);
          out->push_back(kHex[u & 0xF]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void JsonValue(const Node& n, int indent, int level, std::string* out) {
  std::string pad(static_cast<std::size_t>(indent * (level + 1)), ' ');
  std::string close(static_cast<std::size_t>(indent * level), ' ');
  switch (n.kind) {
    case Node::Kind::kScalar:
      if (n.type == ScalarType::kString) {
        AppendJsonString(n.text, out);
      } else if (n.type == ScalarType::kNull) {
        out->append("null");
      } else if (n.type == ScalarType::kBool) {
        bool t = n.text == "true" || n.text == "True" || n.text == "TRUE" || n.text == "yes" ||
                 n.text == "Yes" || n.text == "YES" || n.text == "on" || n.text == "On" ||
                 n.text == "ON" || n.text == "y" || n.text == "Y";
        out->append(t ? "true" : "false");
      } else {
        out->append(n.text);
      }
      return;
    case Node::Kind::kSequence:
      if (n.items.empty()) {
        out->append("[]");
        return;
      }
      out->append("[\n");
      for (std::size_t i = 0; i < n.items.size(); ++i) {
        out->append(pad);
        JsonValue(n.items[i], indent, level + 1, out);
        out->append(i + 1 < n.items.size() ? ",\n" : "\n");
      }
      out->append(close + "]");
      return;
    case Node::Kind::kMapping:
      if (n.entries.empty()) {
        out->append("{}");
        return;
      }
      out->append("{\n");
      for (std::size_t i = 0; i < n.entries.size(); ++i) {
        out->append(pad);
        AppendJsonString(n.entries[i].key.text, out);
        out->append(": ");
        JsonValue(n.entries[i].value, indent, level + 1, out);
        out->append(i + 1 < n.entries.size() ? ",\n" : "\n");
      }
      out->append(close + "}");
      return;
  }
}

}  // namespace

StatusOr<std::string> EmitYaml(const Node& root) {
  Emitter e(80);
  if (!e.Begin() || !e.Node(root) || !e.End()) return e.Error();
  return std::move(e.out());
}

std::string EmitJson(const Node& root, int indent) {
  std::string out;
  JsonValue(root, indent, 0, &out);
  out.push_back('\n');
  return out;
}

StatusOr<std::string> EmitSequenceItem(const Node& item) {
  Emitter e(-1);
  if (!e.Begin() || !e.SequenceStart() || !e.Node(item) || !e.SequenceEnd() || !e.End()) {
    return e.Error();
  }
  return std::move(e.out());
}

StatusOr<std::string> EmitMappingEntry(const Node& key, const Node& value) {
  Emitter e(-1);
  if (!e.Begin() || !e.MappingStart() || !e.Node(key) || !e.Node(value) || !e.MappingEnd() ||
      !e.End()) {
    return e.Error();
  }
  return std::move(e.out());
}

StatusOr<std::string> EmitScalar(const Node& scalar, bool flow) {
  if (!scalar.is_scalar()) return Status::Internal("EmitScalar: not a scalar");
  Emitter e(-1);
  if (!e.Begin() || !e.SequenceStart() || !e.Scalar(scalar, flow && scalar.is_string()) ||
      !e.SequenceEnd() || !e.End()) {
    return e.Error();
  }
  std::string out = std::move(e.out());
  // "- value\n" -> "value"
  if (out.size() < 3 || out.compare(0, 2, "- ") != 0 || out.back() != '\n') {
    return Status::Internal("EmitScalar: unexpected emitter output");
  }
  out = out.substr(2, out.size() - 3);
  if (out.find('\n') != std::string::npos) {
    return Status::Internal("EmitScalar: value does not fit on one line");
  }
  return out;
}

}  // namespace kaudit::manifest
