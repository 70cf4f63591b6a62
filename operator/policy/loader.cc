#include "policy/loader.h"

#include <cctype>

#include "kyaml/decode.h"
#include "kyaml/parse.h"
#include "policy/decode_policy.h"

namespace kaudit::policy {
namespace {

constexpr std::string_view kScheme = "k8s.io/apiserver/pkg/audit/scheme.go:30";
constexpr std::string_view kMetaStruct =
    R"(struct { APIVersion string "json:\"apiVersion,omitempty\""; Kind string "json:\"kind,omitempty\"" })";

struct TypeMeta {
  std::string api_version;
  std::string kind;
};

bool EqualFoldAscii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// apimachinery's SimpleMetaFactory.Interpret: encoding/json into an anonymous struct, so keys
// match case-insensitively and the last match wins.
StatusOr<TypeMeta> InterpretTypeMeta(const kyaml::Value& root) {
  const std::string prefix = "couldn't get version/kind; json parse error: json: cannot unmarshal ";
  TypeMeta tm;
  if (root.is_null()) return tm;
  if (!root.is_object()) {
    return Status::InvalidArgument(prefix + std::string(root.JsonTypeName()) +
                                   " into Go value of type " + std::string(kMetaStruct));
  }
  for (const auto& e : root.members()) {
    bool is_version = EqualFoldAscii(e.key, "apiVersion");
    if (!is_version && !EqualFoldAscii(e.key, "kind")) continue;
    if (e.value.is_null()) continue;
    if (!e.value.is_string()) {
      return Status::InvalidArgument(prefix + std::string(e.value.JsonTypeName()) +
                                     " into Go struct field ." +
                                     (is_version ? "apiVersion" : "kind") + " of type string");
    }
    (is_version ? tm.api_version : tm.kind) = e.value.text();
  }
  return tm;
}

// What the universal decoder makes of the type meta, with the defaults it takes from the
// internal Policy it decodes into (audit.k8s.io/__internal, Kind=Policy).
Status CheckGroupVersionKind(const TypeMeta& tm) {
  std::string group, version;
  auto slash = tm.api_version.find('/');
  if (slash == std::string::npos) {
    version = tm.api_version;
  } else {
    group = tm.api_version.substr(0, slash);
    version = tm.api_version.substr(slash + 1);
    if (version.find('/') != std::string::npos) {
      return Status::InvalidArgument("unexpected GroupVersion string: " + tm.api_version);
    }
  }
  std::string kind = tm.kind.empty() ? "Policy" : tm.kind;
  if (version.empty() && group.empty()) {
    group = "audit.k8s.io";
    version = "__internal";
  } else if (version.empty() && group == "audit.k8s.io") {
    version = "__internal";
  }
  std::string gv = group.empty() ? version : group + "/" + version;
  bool audit_v1 = gv == "audit.k8s.io/v1";
  bool internal = gv == "audit.k8s.io/__internal";
  bool registered = (audit_v1 || internal) &&
                    (kind == "Policy" || kind == "PolicyList" || kind == "Event" ||
                     kind == "EventList");
  if (!registered) {
    return Status::InvalidArgument("no kind \"" + kind + "\" is registered for version \"" + gv +
                                   "\" in scheme \"" + std::string(kScheme) + "\"");
  }
  if (kind != "Policy") {
    std::string from = (audit_v1 ? "v1." : "audit.") + kind;
    return Status::InvalidArgument("converting (" + from + ") to (audit.Policy): unknown conversion");
  }
  if (internal) {
    // Decoding succeeds, but the reader only accepts the versions it knows.
    return Status::FailedPrecondition("unknown group version field " + gv + ", Kind=Policy in policy");
  }
  return Status::Ok();
}

std::string WithLine(const std::string& msg, kyaml::Mark m) {
  if (m.line == 0) return msg;
  return msg + " (line " + std::to_string(m.line) + ")";
}

void AddStrictFindings(const kyaml::Document& doc, const kyaml::Decoder& d, bool strict,
                       LoadResult* r) {
  std::vector<std::string> findings = doc.strict_errors;
  for (std::size_t i = 0; i < d.strict_errors().size(); ++i) {
    std::string f = WithLine(d.strict_errors()[i], d.strict_marks()[i]);
    if (f.rfind("unknown field", 0) == 0) {
      f += ": kube-apiserver drops it, which can make the rule match more than intended";
    } else {
      f += ": kube-apiserver keeps the last value";
    }
    findings.push_back(std::move(f));
  }
  for (std::string& f : findings) {
    if (strict) r->error_marks.emplace_back();
    (strict ? r->errors : r->warnings).push_back(std::move(f));
  }
}

}  // namespace

LoadResult LoadPolicy(std::string_view data, const LoadOptions& opts) {
  LoadResult r;
  kyaml::Mark at;
  auto fail = [&](std::string msg) {
    r.errors.push_back(std::move(msg));
    r.error_marks.push_back(at);
    return r;
  };
  auto parsed = kyaml::ParseFirstDocument(data, {}, &at);
  if (!parsed.ok()) {
    const std::string& m = parsed.status().message();
    // For JSON input the first reader is the type-meta sniffer, whose errors are worded so.
    if (kyaml::LooksLikeJson(data) && parsed.status().code() == StatusCode::kInvalidArgument) {
      return fail("failed decoding: couldn't get version/kind; json parse error: " + m);
    }
    return fail("failed decoding: " + m);
  }
  kyaml::Document& doc = *parsed;
  kyaml::Value root = doc.is_json ? doc.root : doc.root.CollapsedAndSorted();
  auto tm = InterpretTypeMeta(root);
  if (!tm.ok()) return fail("failed decoding: " + tm.status().message());
  Status gvk = CheckGroupVersionKind(*tm);
  if (!gvk.ok() && gvk.code() != StatusCode::kFailedPrecondition) {
    return fail("failed decoding: " + gvk.message());
  }
  kyaml::Decoder d;
  DecodePolicy(root, &d, &r.policy);
  if (!d.type_error().empty()) return fail("failed decoding: " + d.type_error());
  // YAML duplicates were reported by the parser (the collapsed root has none left); JSON
  // duplicates are still in root and the decoder reports them.
  AddStrictFindings(doc, d, opts.strict, &r);
  if (!gvk.ok()) return fail(gvk.message());
  r.field_errors = ValidatePolicy(r.policy);
  for (const FieldError& e : r.field_errors) {
    r.errors.push_back(e.ToString());
    r.error_marks.push_back(root.MarkOf(e.field));
  }
  if (!r.errors.empty()) return r;
  if (r.policy.rules.empty()) return fail("loaded illegal policy with 0 rules");
  r.ok = true;
  return r;
}

}  // namespace kaudit::policy
