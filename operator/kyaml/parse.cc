#include "kyaml/parse.h"

#include <nlohmann/json.hpp>

#include "kyaml/json_syntax.h"
#include "kyaml/resolve.h"
#include "kyaml/yaml_reader.h"

namespace kaudit::kyaml {
namespace {

// Go's json decoder turns each invalid UTF-8 byte inside a string into U+FFFD; nlohmann would
// refuse them. Only called after CheckJsonSyntax, so such bytes can only be inside strings.
std::string ReplaceInvalidUtf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    auto c = static_cast<unsigned char>(in[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool valid = n > 0 && i + n <= in.size();
    for (std::size_t k = 1; valid && k < n; ++k) {
      valid = (static_cast<unsigned char>(in[i + k]) >> 6) == 0x2;
    }
    if (valid && n == 2 && c < 0xc2) valid = false;  // overlong
    if (!valid) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(in.substr(i, n));
    i += n;
  }
  return out;
}

Mark MarkAtOffset(std::string_view data, std::size_t offset) {
  Mark m{1, 1};
  for (std::size_t i = 0; i < offset && i < data.size(); ++i) {
    if (data[i] == '\n') {
      ++m.line;
      m.column = 1;
    } else {
      ++m.column;
    }
  }
  return m;
}

// Builds a Value from nlohmann's SAX events, keeping member order and duplicates.
class JsonBuilder : public nlohmann::json_sax<nlohmann::json> {
 public:
  JsonBuilder(std::string_view data, const ParseOptions& opts) : data_(data), opts_(opts) {}

  bool null() override { return Add(Value::Null()); }
  bool boolean(bool b) override { return Add(Value::Bool(b)); }
  bool number_integer(number_integer_t v) override { return Add(Value::Number(std::to_string(v))); }
  bool number_unsigned(number_unsigned_t v) override {
    return Add(Value::Number(std::to_string(v)));
  }
  bool number_float(number_float_t, const string_t& s) override { return Add(Value::Number(s)); }
  bool string(string_t& s) override { return Add(Value::String(std::move(s))); }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override { return Open(Value::Type::kObject); }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(Value::Type::kArray); }
  bool end_array() override { return Close(); }
  bool key(string_t& k) override {
    stack_.back().keys.push_back(std::move(k));
    return true;
  }
  bool parse_error(std::size_t pos, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    Mark m = MarkAtOffset(data_, pos == 0 ? 0 : pos - 1);
    std::string what = ex.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 9: syntax error ..."
    auto colon = what.find(": ");
    error_ = Status::InvalidArgument("json: line " + std::to_string(m.line) + ", column " +
                                     std::to_string(m.column) + ": " +
                                     (colon == std::string::npos ? what : what.substr(colon + 2)));
    return false;
  }

  Status error() const { return error_; }
  Value TakeRoot() { return std::move(root_); }

 private:
  struct Frame {
    Value::Type type;
    std::vector<Value> items;
    std::vector<std::string> keys;
    std::vector<Value::Entry> members;
  };

  bool Count() {
    if (++nodes_ > opts_.max_nodes) {
      error_ = Status::ResourceExhausted("json: document has too many values");
      return false;
    }
    return true;
  }
  bool Open(Value::Type t) {
    if (!Count()) return false;
    if (stack_.size() >= opts_.max_depth) {
      error_ = Status::ResourceExhausted("json: exceeded max depth of " +
                                         std::to_string(opts_.max_depth));
      return false;
    }
    stack_.push_back({t, {}, {}, {}});
    return true;
  }
  bool Close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    if (f.type == Value::Type::kArray) return Place(Value::Array(std::move(f.items)));
    return Place(Value::Object(std::move(f.members)));
  }
  bool Add(Value v) { return Count() && Place(std::move(v)); }
  bool Place(Value v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return true;
    }
    Frame& f = stack_.back();
    if (f.type == Value::Type::kArray) {
      f.items.push_back(std::move(v));
      return true;
    }
    std::string k = std::move(f.keys.back());
    f.keys.pop_back();
    // Duplicates stay: typed decoders see them in order (Go's last-wins) and report them.
    f.members.push_back({std::move(k), {}, std::move(v)});
    return true;
  }

  std::string_view data_;
  ParseOptions opts_;
  std::vector<Frame> stack_;
  Value root_;
  Status error_;
  std::size_t nodes_ = 0;
};

StatusOr<Document> ParseJson(std::string_view raw, const ParseOptions& opts, Mark* error_at) {
  std::size_t offset = 0;
  Status syntax = internal::CheckJsonSyntax(raw, opts.max_depth, &offset);
  if (!syntax.ok()) {
    if (error_at) *error_at = MarkAtOffset(raw, offset);
    return syntax;
  }
  std::string clean = ReplaceInvalidUtf8(raw);
  std::string_view data = clean;
  JsonBuilder builder(data, opts);
  bool ok = nlohmann::json::sax_parse(data.begin(), data.end(), &builder,
                                      nlohmann::json::input_format_t::json, true);
  if (!ok) {
    if (!builder.error().ok()) return builder.error();
    return Status::InvalidArgument("json: invalid document");
  }
  Document doc;
  doc.root = builder.TakeRoot();
  doc.is_json = true;
  return doc;
}

Status CheckSize(std::string_view data, const ParseOptions& opts) {
  if (data.size() > opts.max_bytes) {
    return Status::ResourceExhausted("input is " + std::to_string(data.size()) +
                                     " bytes, more than the limit of " +
                                     std::to_string(opts.max_bytes));
  }
  return Status::Ok();
}

}  // namespace

bool LooksLikeJson(std::string_view data) {
  for (char c : data) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') continue;
    return c == '{';
  }
  return false;
}

StatusOr<Document> ParseFirstDocument(std::string_view data, const ParseOptions& opts,
                                      Mark* error_at) {
  KAUDIT_RETURN_IF_ERROR(CheckSize(data, opts));
  if (LooksLikeJson(data)) return ParseJson(data, opts, error_at);
  internal::YamlReader reader(data, opts);
  Document doc;
  bool end = false;
  Status s = reader.NextDocument(&doc, &end);
  if (!s.ok()) {
    if (error_at) *error_at = reader.error_mark();
    return s;
  }
  if (end) doc = Document{};
  return doc;
}

StatusOr<std::vector<Document>> ParseAllDocuments(std::string_view data,
                                                  const ParseOptions& opts, Mark* error_at) {
  KAUDIT_RETURN_IF_ERROR(CheckSize(data, opts));
  std::vector<Document> docs;
  if (LooksLikeJson(data)) {
    auto doc = ParseJson(data, opts, error_at);
    if (!doc.ok()) return doc.status();
    docs.push_back(std::move(*doc));
    return docs;
  }
  internal::YamlReader reader(data, opts);
  for (;;) {
    Document doc;
    bool end = false;
    Status s = reader.NextDocument(&doc, &end);
    if (!s.ok()) {
      if (error_at) *error_at = reader.error_mark();
      return s;
    }
    if (end) break;
    if (!doc.root.is_null()) docs.push_back(std::move(doc));
  }
  return docs;
}

}  // namespace kaudit::kyaml
