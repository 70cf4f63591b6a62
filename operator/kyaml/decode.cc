#include "kyaml/decode.h"

namespace kaudit::kyaml {
namespace {

std::string JoinPath(const std::string& base, std::string_view name) {
  if (base.empty()) return std::string(name);
  return base + "." + std::string(name);
}

// "rules[0].resources[1]" -> "rules.resources": Go's type errors name the field path without
// indices.
std::string StripIndices(const std::string& path) {
  std::string out;
  bool in_index = false;
  for (char c : path) {
    if (c == '[') in_index = true;
    if (!in_index) out.push_back(c);
    if (c == ']') in_index = false;
  }
  return out;
}

}  // namespace

void Decoder::TypeError(const Value& v, std::string_view go_struct,
                        const std::string& field_path, std::string_view go_type) {
  if (!type_error_.empty()) return;
  std::string what(v.JsonTypeName());
  // Go includes the number itself when a number does not fit the target type.
  if (v.type() == Value::Type::kNumber && go_type.find("int") != std::string_view::npos) {
    what += " " + v.text();
  }
  type_error_ = "json: cannot unmarshal " + what + " into Go struct field " +
                std::string(go_struct) + "." + StripIndices(field_path) + " of type " +
                std::string(go_type);
}

bool Decoder::DecodeObject(const Value& v, std::string_view parent_struct,
                           const std::string& path, std::string_view go_type_of_v,
                           const std::vector<Field>& fields) {
  if (v.is_null()) return true;
  if (!v.is_object()) {
    if (!parent_struct.empty()) {
      TypeError(v, parent_struct, path, go_type_of_v);
    } else if (type_error_.empty()) {
      type_error_ = "json: cannot unmarshal " + std::string(v.JsonTypeName()) +
                    " into Go value of type " + std::string(go_type_of_v);
    }
    return false;
  }
  std::vector<std::string_view> seen;
  for (const Value::Entry& e : v.members()) {
    std::string member_path = JoinPath(path, e.key);
    const Field* field = nullptr;
    for (const Field& f : fields) {
      if (f.name == e.key) field = &f;
    }
    if (field == nullptr) {
      strict_errors_.push_back("unknown field \"" + member_path + "\"");
      strict_marks_.push_back(e.key_mark);
      continue;
    }
    bool dup = false;
    for (std::string_view s : seen) dup = dup || s == e.key;
    if (dup) {
      strict_errors_.push_back("duplicate field \"" + member_path + "\"");
      strict_marks_.push_back(e.key_mark);
    } else {
      seen.push_back(e.key);
    }
    field->decode(e.value, member_path);
  }
  return true;
}

void Decoder::String(const Value& v, std::string_view go_struct, const std::string& field_path,
                     std::string_view go_type, std::string* out) {
  if (v.is_null()) return;
  if (!v.is_string()) return TypeError(v, go_struct, field_path, go_type);
  *out = v.text();
}

void Decoder::Bool(const Value& v, std::string_view go_struct, const std::string& field_path,
                   bool* out) {
  if (v.is_null()) return;
  if (v.type() != Value::Type::kBool) return TypeError(v, go_struct, field_path, "bool");
  *out = v.bool_value();
}

void Decoder::OptionalBool(const Value& v, std::string_view go_struct,
                           const std::string& field_path, std::optional<bool>* out) {
  if (v.is_null()) {
    out->reset();
    return;
  }
  if (v.type() != Value::Type::kBool) return TypeError(v, go_struct, field_path, "bool");
  *out = v.bool_value();
}

void Decoder::Int64(const Value& v, std::string_view go_struct, const std::string& field_path,
                    std::string_view go_type, int64_t min, int64_t max,
                    std::optional<int64_t>* out) {
  if (v.is_null()) return;
  int64_t n = 0;
  if (v.type() != Value::Type::kNumber || !v.AsInt64(&n) || n < min || n > max) {
    return TypeError(v, go_struct, field_path, go_type);
  }
  *out = n;
}

void Decoder::StringList(const Value& v, std::string_view go_struct,
                         const std::string& field_path, std::string_view elem_go_type,
                         std::vector<std::string>* out) {
  if (v.is_null()) {
    out->clear();
    return;
  }
  if (!v.is_array()) {
    return TypeError(v, go_struct, field_path, "[]" + std::string(elem_go_type));
  }
  out->assign(v.items().size(), std::string());
  for (std::size_t i = 0; i < v.items().size(); ++i) {
    String(v.items()[i], go_struct, field_path, elem_go_type, &(*out)[i]);
  }
}

void Decoder::List(const Value& v, std::string_view go_struct, const std::string& field_path,
                   std::string_view go_type,
                   const std::function<void(const Value&, std::size_t, const std::string&)>&
                       decode_item) {
  if (v.is_null()) return;
  if (!v.is_array()) return TypeError(v, go_struct, field_path, go_type);
  for (std::size_t i = 0; i < v.items().size(); ++i) {
    decode_item(v.items()[i], i, field_path + "[" + std::to_string(i) + "]");
  }
}

}  // namespace kaudit::kyaml
