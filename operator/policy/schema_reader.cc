#include "policy/schema_reader.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <unordered_map>

#include "policy/profile.h"

namespace kaudit::policy {
namespace {

using kyaml::Value;

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                  std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string Suggestion(std::string_view key, const std::vector<SchemaReader::Field>& fields) {
  std::string_view best;
  std::size_t best_d = 3;  // at most two edits away
  for (const auto& f : fields) {
    std::size_t d = EditDistance(key, f.name);
    if (d < best_d) {
      best_d = d;
      best = f.name;
    }
  }
  return best.empty() ? std::string() : " (did you mean \"" + std::string(best) + "\"?)";
}

// What a value looks like in a message: scalars as JSON (cut short), containers by type.
std::string Shown(const Value& v) {
  if (v.is_object() || v.is_array()) return "\"" + std::string(v.JsonTypeName()) + "\"";
  std::string j = v.ToJson();
  if (j.size() > 64) j = j.substr(0, 61) + "...";
  return j;
}

}  // namespace

bool SchemaReader::Object(const Value& v, const std::string& path,
                          const std::vector<Field>& fields) {
  if (v.is_null()) return true;
  if (!v.is_object()) {
    TypeError(v, path, "object");
    return false;
  }
  const auto& members = v.members();
  std::unordered_map<std::string_view, std::size_t> last;  // key -> index of its last member
  for (std::size_t i = 0; i < members.size(); ++i) last[members[i].key] = i;
  for (std::size_t i = 0; i < members.size(); ++i) {
    const Value::Entry& e = members[i];
    std::string p = Child(path, e.key);
    auto f =
        std::find_if(fields.begin(), fields.end(), [&](const Field& x) { return x.name == e.key; });
    if (f == fields.end()) {
      Warn(p,
           "unknown field" + Suggestion(e.key, fields) +
               "; the API server would drop it without a word",
           e.key_mark);
      continue;
    }
    if (last[e.key] != i) {
      Warn(p, "duplicate field: only the last one is used", e.key_mark);
      continue;
    }
    if (e.value.is_null()) continue;
    f->handle(e.value, p);
  }
  return true;
}

void SchemaReader::TypeError(const Value& v, const std::string& path, std::string_view want) {
  std::string msg = "Invalid value: " + Shown(v) + ": must be of type " + std::string(want);
  if (v.type() == Value::Type::kBool && want == "string") {
    msg += " (YAML reads unquoted yes/no/on/off/true/false as booleans: quote it)";
  } else if (v.type() == Value::Type::kNumber && want == "string") {
    msg += " (quote it)";
  }
  Error(path, msg);
}

bool SchemaReader::String(const Value& v, const std::string& path, std::size_t max_bytes,
                          std::string* out) {
  if (!v.is_string()) {
    TypeError(v, path, "string");
    return false;
  }
  if (v.text().size() > max_bytes) {
    Error(path, "Too long: may not be longer than " + std::to_string(max_bytes) + " bytes");
    return false;
  }
  *out = v.text();
  return true;
}

bool SchemaReader::Int(const Value& v, const std::string& path, int64_t min, int64_t max,
                       int64_t* out) {
  int64_t n = 0;
  if (v.type() == Value::Type::kNumber && !v.AsInt64(&n) &&
      v.text().find_first_of(".eE") == std::string::npos) {
    Error(path, "Invalid value: " + v.text() + ": out of range");
    return false;
  }
  if (v.type() != Value::Type::kNumber || !v.AsInt64(&n)) {
    TypeError(v, path, "integer");
    return false;
  }
  if (n < min || n > max) {
    Error(path, "Invalid value: " + v.text() + ": must be between " + std::to_string(min) +
                    " and " + std::to_string(max));
    return false;
  }
  *out = n;
  return true;
}

bool SchemaReader::Bool(const Value& v, const std::string& path, bool* out) {
  if (v.type() != Value::Type::kBool) {
    TypeError(v, path, "boolean");
    return false;
  }
  *out = v.bool_value();
  return true;
}

bool SchemaReader::Number(const Value& v, const std::string& path, double* out) {
  if (v.type() != Value::Type::kNumber || !std::isfinite(v.AsDouble())) {
    TypeError(v, path, "number");
    return false;
  }
  *out = v.AsDouble();
  return true;
}

bool SchemaReader::GoDuration(const Value& v, const std::string& path, Duration* out) {
  std::string text;
  if (!String(v, path, 64, &text)) return false;
  std::optional<Duration> d = ParseGoDuration(text);
  if (!d) {
    Error(path, "Invalid value: \"" + text + "\": must be a duration such as \"90s\", \"5m\" or " +
                    "\"1h30m\"");
    return false;
  }
  if (d->count() < 0) {
    Error(path, "Invalid value: \"" + text + "\": must not be negative");
    return false;
  }
  *out = *d;
  return true;
}

bool SchemaReader::StringList(const Value& v, const std::string& path,
                              std::vector<std::string>* out) {
  bool ok = true;
  std::vector<std::string> items;
  List(v, path, kMaxListItems, [&](const Value& item, const std::string& p) {
    std::string s;
    if (String(item, p, kMaxStringBytes, &s)) {
      items.push_back(std::move(s));
    } else {
      ok = false;
    }
  });
  if (v.is_array() && v.items().size() > kMaxListItems) ok = false;
  if (ok && v.is_array()) *out = std::move(items);
  return ok && v.is_array();
}

void SchemaReader::List(const Value& v, const std::string& path, std::size_t max_items,
                        const std::function<void(const Value&, const std::string&)>& item) {
  if (!v.is_array()) {
    TypeError(v, path, "array");
    return;
  }
  if (v.items().size() > max_items) {
    Error(path, "Too many: " + std::to_string(v.items().size()) + ": must have at most " +
                    std::to_string(max_items) + " items");
    return;
  }
  for (std::size_t i = 0; i < v.items().size(); ++i) item(v.items()[i], Index(path, i));
}

void SchemaReader::Error(const std::string& path, const std::string& message, kyaml::Mark at) {
  error_paths_.push_back(path);
  std::string where = at.line > 0 ? source_ + ":" + std::to_string(at.line) : Where(path);
  errors_.push_back(where + ": " + path + ": " + message);
}

void SchemaReader::ErrorLine(const std::string& path, const std::string& line) {
  errors_.push_back(Where(path) + ": " + line);
}

void SchemaReader::Warn(const std::string& path, const std::string& message, kyaml::Mark at) {
  if (strict_) {
    Error(path, message, at);
    return;
  }
  std::string where = at.line > 0 ? source_ + ":" + std::to_string(at.line) : Where(path);
  warnings_.push_back(where + ": " + path + ": " + message);
}

bool SchemaReader::ErrorNear(const std::string& path) const {
  auto within = [](const std::string& outer, const std::string& inner) {
    return inner.compare(0, outer.size(), outer) == 0 &&
           (inner.size() == outer.size() || outer.empty() || inner[outer.size()] == '.' ||
            inner[outer.size()] == '[');
  };
  for (const std::string& e : error_paths_) {
    if (within(e, path) || within(path, e)) return true;
  }
  return false;
}

std::string SchemaReader::Where(const std::string& path) const {
  kyaml::Mark best = root_->mark();
  const Value* v = root_;
  std::size_t i = 0;
  while (v != nullptr && i < path.size()) {
    if (path[i] == '[') {
      std::size_t close = path.find(']', i);
      if (close == std::string::npos || !v->is_array()) break;
      std::size_t n = std::strtoul(path.c_str() + i + 1, nullptr, 10);
      if (n >= v->items().size()) break;
      v = &v->items()[n];
      if (v->mark().line > 0) best = v->mark();
      i = close + 1;
      continue;
    }
    if (path[i] == '.') ++i;
    std::size_t end = path.find_first_of(".[", i);
    std::string_view key(path.data() + i, (end == std::string::npos ? path.size() : end) - i);
    if (!v->is_object()) break;
    const Value::Entry* found = nullptr;
    for (const Value::Entry& e : v->members()) {
      if (e.key == key) found = &e;  // the last duplicate is the one decoded
    }
    if (found == nullptr) break;
    kyaml::Mark m = found->key_mark.line > 0 ? found->key_mark : found->value.mark();
    if (m.line > 0) best = m;
    v = &found->value;
    i = end == std::string::npos ? path.size() : end;
  }
  return best.line > 0 ? source_ + ":" + std::to_string(best.line) : source_;
}

}  // namespace kaudit::policy
