#include "kyaml/value.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>

namespace kaudit::kyaml {

Value Value::Null(Mark m) {
  Value v;
  v.mark_ = m;
  return v;
}

Value Value::Bool(bool b, Mark m) {
  Value v;
  v.type_ = Type::kBool;
  v.bool_ = b;
  v.mark_ = m;
  return v;
}

Value Value::Number(std::string text, Mark m) {
  Value v;
  v.type_ = Type::kNumber;
  v.text_ = std::move(text);
  v.mark_ = m;
  return v;
}

Value Value::String(std::string s, Mark m) {
  Value v;
  v.type_ = Type::kString;
  v.text_ = std::move(s);
  v.mark_ = m;
  return v;
}

Value Value::Array(std::vector<Value> items, Mark m) {
  Value v;
  v.type_ = Type::kArray;
  v.items_ = std::move(items);
  v.mark_ = m;
  return v;
}

Value Value::Object(std::vector<Entry> members, Mark m) {
  Value v;
  v.type_ = Type::kObject;
  v.members_ = std::move(members);
  v.mark_ = m;
  return v;
}

bool Value::AsInt64(int64_t* out) const {
  if (type_ != Type::kNumber) return false;
  const char* begin = text_.data();
  const char* end = begin + text_.size();
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(begin, end, v);
  if (ec == std::errc() && ptr == end) {
    *out = v;
    return true;
  }
  // Go's json decodes "1e2" or "100.0" into an int field only when it is written as an integer;
  // sigs.k8s.io/yaml writes whole floats without a fraction, so a float spelling is not an int.
  return false;
}

double Value::AsDouble() const { return std::strtod(text_.c_str(), nullptr); }

const Value* Value::Find(std::string_view key) const {
  const Value* found = nullptr;
  for (const Entry& e : members_) {
    if (e.key == key) found = &e.value;
  }
  return found;
}

Value Value::CollapsedAndSorted() const {
  Value out = *this;
  if (type_ == Type::kArray) {
    for (Value& item : out.items_) item = item.CollapsedAndSorted();
  } else if (type_ == Type::kObject) {
    std::vector<Entry> collapsed;
    for (const Entry& e : members_) {
      auto it = std::find_if(collapsed.begin(), collapsed.end(),
                             [&](const Entry& c) { return c.key == e.key; });
      Entry copy{e.key, e.key_mark, e.value.CollapsedAndSorted()};
      if (it == collapsed.end()) {
        collapsed.push_back(std::move(copy));
      } else {
        *it = std::move(copy);
      }
    }
    std::stable_sort(collapsed.begin(), collapsed.end(),
                     [](const Entry& a, const Entry& b) { return a.key < b.key; });
    out.members_ = std::move(collapsed);
  }
  return out;
}

Mark Value::MarkOf(std::string_view path) const {
  const Value* cur = this;
  Mark best = mark_;
  std::size_t i = 0;
  while (i < path.size() && cur != nullptr) {
    if (path[i] == '.') {
      ++i;
      continue;
    }
    if (path[i] == '[') {
      std::size_t close = path.find(']', i);
      if (close == std::string_view::npos) break;
      std::size_t idx = 0;
      for (std::size_t k = i + 1; k < close; ++k) idx = idx * 10 + static_cast<std::size_t>(path[k] - '0');
      cur = cur->is_array() && idx < cur->items_.size() ? &cur->items_[idx] : nullptr;
      i = close + 1;
    } else {
      std::size_t end = path.find_first_of(".[", i);
      if (end == std::string_view::npos) end = path.size();
      cur = cur->is_object() ? cur->Find(path.substr(i, end - i)) : nullptr;
      i = end;
    }
    if (cur != nullptr && cur->mark_.line != 0) best = cur->mark_;
  }
  return best;
}

std::string_view Value::JsonTypeName() const {
  switch (type_) {
    case Type::kNull: return "null";
    case Type::kBool: return "bool";
    case Type::kNumber: return "number";
    case Type::kString: return "string";
    case Type::kArray: return "array";
    case Type::kObject: return "object";
  }
  return "value";
}

namespace {

void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (u < 0x20) {
          *out += "\\u00";
          out->push_back(kHex[u >> 4]);
          out->push_back(kHex[u & 0xf]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void AppendJson(const Value& v, std::string* out) {
  switch (v.type()) {
    case Value::Type::kNull: *out += "null"; break;
    case Value::Type::kBool: *out += v.bool_value() ? "true" : "false"; break;
    case Value::Type::kNumber: *out += v.text(); break;
    case Value::Type::kString: AppendJsonString(v.text(), out); break;
    case Value::Type::kArray: {
      out->push_back('[');
      bool first = true;
      for (const Value& item : v.items()) {
        if (!first) out->push_back(',');
        first = false;
        AppendJson(item, out);
      }
      out->push_back(']');
      break;
    }
    case Value::Type::kObject: {
      out->push_back('{');
      bool first = true;
      for (const Value::Entry& e : v.members()) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonString(e.key, out);
        out->push_back(':');
        AppendJson(e.value, out);
      }
      out->push_back('}');
      break;
    }
  }
}

}  // namespace

std::string Value::ToJson() const {
  std::string out;
  AppendJson(*this, &out);
  return out;
}

}  // namespace kaudit::kyaml
