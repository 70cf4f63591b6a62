// Decoding AuditProfile documents (see profile.h); the checks that need no source text are in
// profile_validate.cc.
#include "policy/profile.h"

#include <limits>
#include <map>
#include <utility>

#include "kyaml/parse.h"
#include "policy/schema_reader.h"

namespace kaudit::policy {
namespace {

using kyaml::Value;
using Fields = std::vector<SchemaReader::Field>;

constexpr int64_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr std::size_t kMaxNameBytes = 253;

// Handlers that store into an optional / a plain field.
SchemaReader::Handler OptInt(SchemaReader& r, std::optional<int64_t>* out, int64_t min,
                             int64_t max) {
  return [&r, out, min, max](const Value& v, const std::string& p) {
    int64_t n = 0;
    if (r.Int(v, p, min, max, &n)) *out = n;
  };
}
SchemaReader::Handler OptBool(SchemaReader& r, std::optional<bool>* out) {
  return [&r, out](const Value& v, const std::string& p) {
    bool b = false;
    if (r.Bool(v, p, &b)) *out = b;
  };
}
SchemaReader::Handler OptString(SchemaReader& r, std::optional<std::string>* out) {
  return [&r, out](const Value& v, const std::string& p) {
    std::string s;
    if (r.String(v, p, kMaxStringBytes, &s)) *out = std::move(s);
  };
}
SchemaReader::Handler OptDuration(SchemaReader& r, std::optional<Duration>* out) {
  return [&r, out](const Value& v, const std::string& p) {
    Duration d{0};
    if (r.GoDuration(v, p, &d)) *out = d;
  };
}
SchemaReader::Handler Strings(SchemaReader& r, std::vector<std::string>* out) {
  return [&r, out](const Value& v, const std::string& p) { r.StringList(v, p, out); };
}
SchemaReader::Handler Str(SchemaReader& r, std::string* out) {
  return [&r, out](const Value& v, const std::string& p) { r.String(v, p, kMaxStringBytes, out); };
}
SchemaReader::Handler Ignore() {
  return [](const Value&, const std::string&) {};
}

void DecodeGroupResources(SchemaReader& r, const Value& v, const std::string& path,
                          GroupResources* out) {
  r.Object(v, path,
           {{"group", Str(r, &out->group)},
            {"resources", Strings(r, &out->resources)},
            {"resourceNames", Strings(r, &out->resource_names)}});
}

void DecodeRule(SchemaReader& r, const Value& v, const std::string& path, ProfileRule* out) {
  out->mark = v.mark();
  PolicyRule& rule = out->rule;
  auto expires = [&r, out](const Value& x, const std::string& p) {
    std::string text;
    if (!r.String(x, p, 64, &text)) return;
    out->expires_at = ParseRfc3339(text);
    if (!out->expires_at) {
      r.Error(p, "Invalid value: \"" + text +
                     "\": must be an RFC 3339 date-time such as \"2024-05-01T18:00:00Z\"");
    }
  };
  auto resources = [&r, &rule](const Value& x, const std::string& p) {
    r.List(x, p, kMaxListItems, [&](const Value& item, const std::string& ip) {
      rule.resources.emplace_back();
      DecodeGroupResources(r, item, ip, &rule.resources.back());
    });
  };
  r.Object(v, path,
           {{"level", Str(r, &rule.level)},
            {"users", Strings(r, &rule.users)},
            {"userGroups", Strings(r, &rule.user_groups)},
            {"verbs", Strings(r, &rule.verbs)},
            {"resources", resources},
            {"namespaces", Strings(r, &rule.namespaces)},
            {"nonResourceURLs", Strings(r, &rule.non_resource_urls)},
            {"omitStages", Strings(r, &rule.omit_stages)},
            {"omitManagedFields", OptBool(r, &rule.omit_managed_fields)},
            {"expiresAt", expires}});
}

void DecodeBatch(SchemaReader& r, const Value& v, const std::string& path, BatchSpec* b) {
  auto qps = [&r, b](const Value& x, const std::string& p) {
    double d = 0;
    if (r.Number(x, p, &d)) b->throttle_qps = d;
  };
  r.Object(v, path,
           {{"bufferSize", OptInt(r, &b->buffer_size, kInt32Min, kInt32Max)},
            {"maxSize", OptInt(r, &b->max_size, kInt32Min, kInt32Max)},
            {"maxWait", OptDuration(r, &b->max_wait)},
            {"throttleEnable", OptBool(r, &b->throttle_enable)},
            {"throttleQPS", qps},
            {"throttleBurst", OptInt(r, &b->throttle_burst, kInt32Min, kInt32Max)}});
}

void DecodeTruncate(SchemaReader& r, const Value& v, const std::string& path, TruncateSpec* t) {
  r.Object(v, path,
           {{"enabled", OptBool(r, &t->enabled)},
            {"maxBatchSize", OptInt(r, &t->max_batch_size, -kInt64Max, kInt64Max)},
            {"maxEventSize", OptInt(r, &t->max_event_size, -kInt64Max, kInt64Max)}});
}

void DecodeLog(SchemaReader& r, const Value& v, const std::string& path, LogBackendSpec* l) {
  r.Object(
      v, path,
      {{"path", OptString(r, &l->path)},
       {"maxAgeDays", OptInt(r, &l->max_age_days, kInt32Min, kInt32Max)},
       {"maxBackups", OptInt(r, &l->max_backups, kInt32Min, kInt32Max)},
       {"maxSizeMB", OptInt(r, &l->max_size_mb, kInt32Min, kInt32Max)},
       {"compress", OptBool(r, &l->compress)},
       {"format", OptString(r, &l->format)},
       {"mode", OptString(r, &l->mode)},
       {"batch", [&](const Value& x, const std::string& p) { DecodeBatch(r, x, p, &l->batch); }},
       {"truncate",
        [&](const Value& x, const std::string& p) { DecodeTruncate(r, x, p, &l->truncate); }}});
}

void DecodeWebhook(SchemaReader& r, const Value& v, const std::string& path,
                   WebhookBackendSpec* w) {
  bool has_ref = false;
  auto ref = [&](const Value& x, const std::string& p) {
    has_ref = true;
    r.Object(
        x, p,
        {{"name", [&](const Value& y,
                      const std::string& q) { r.String(y, q, kMaxNameBytes, &w->secret_name); }},
         {"key", [&](const Value& y,
                     const std::string& q) { r.String(y, q, kMaxNameBytes, &w->secret_key); }},
         {"namespace", [&](const Value&, const std::string& q) {
            r.Warn(q, "not supported: kaudit reads the Secret from its own namespace");
          }}});
  };
  r.Object(
      v, path,
      {{"kubeconfigSecretRef", ref},
       {"mode", OptString(r, &w->mode)},
       {"initialBackoff", OptDuration(r, &w->initial_backoff)},
       {"batch", [&](const Value& x, const std::string& p) { DecodeBatch(r, x, p, &w->batch); }},
       {"truncate",
        [&](const Value& x, const std::string& p) { DecodeTruncate(r, x, p, &w->truncate); }}});
  if (!has_ref) r.Error(Child(path, "kubeconfigSecretRef"), "Required value");
}

void DecodeBackends(SchemaReader& r, const Value& v, const std::string& path, AuditProfile* p) {
  r.Object(v, path,
           {{"log",
             [&](const Value& x, const std::string& q) {
               p->log.emplace();
               DecodeLog(r, x, q, &*p->log);
             }},
            {"webhook", [&](const Value& x, const std::string& q) {
               p->webhook.emplace();
               DecodeWebhook(r, x, q, &*p->webhook);
             }}});
}

void DecodeSpec(SchemaReader& r, const Value& v, AuditProfile* p) {
  auto preset = [&r, p](const Value& x, const std::string& path) {
    std::string name;
    if (!r.String(x, path, kMaxStringBytes, &name)) return;
    p->preset = ParsePreset(name);
    if (p->preset) return;
    std::string supported;
    for (std::string_view n : kPresetNames) {
      supported += (supported.empty() ? "" : ", ") + GoQuote(std::string(n));
    }
    r.Error(path, "Unsupported value: " + GoQuote(name) + ": supported values: " + supported);
  };
  auto rules = [&r, p](const Value& x, const std::string& path) {
    r.List(x, path, kMaxProfileRules, [&](const Value& item, const std::string& ip) {
      p->rules.emplace_back();
      DecodeRule(r, item, ip, &p->rules.back());
    });
  };
  auto rollout = [&r, p](const Value& x, const std::string& path) {
    r.Object(x, path,
             {{"healthTimeout", OptDuration(r, &p->rollout.health_timeout)},
              {"paused", OptBool(r, &p->rollout.paused)}});
  };
  auto priority = [&r, p](const Value& x, const std::string& path) {
    r.Int(x, path, kInt32Min, kInt32Max, &p->priority);
  };
  r.Object(v, "spec",
           {{"preset", preset},
            {"priority", priority},
            {"rules", rules},
            {"omitStages", Strings(r, &p->omit_stages)},
            {"omitManagedFields", OptBool(r, &p->omit_managed_fields)},
            {"backends", [&](const Value& x, const std::string& q) { DecodeBackends(r, x, q, p); }},
            {"rollout", rollout}});
}

void DecodeMetadata(SchemaReader& r, const Value& v, AuditProfile* p) {
  auto ns = [&r](const Value& x, const std::string& path) {
    std::string s;
    if (r.String(x, path, kMaxNameBytes, &s) && !s.empty()) {
      r.Warn(path, "ignored: AuditProfile is cluster-scoped");
    }
  };
  auto name = [&r, p](const Value& x, const std::string& path) {
    r.String(x, path, kMaxNameBytes, &p->name);
  };
  Fields fields = {{"name", name}, {"namespace", ns}};
  for (std::string_view f :
       {"generateName", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
        "ownerReferences", "finalizers", "managedFields"}) {
    fields.push_back({f, Ignore()});
  }
  r.Object(v, "metadata", fields);
}

std::string StringMember(const Value& v, std::string_view key) {
  const Value* m = v.is_object() ? v.Find(key) : nullptr;
  return m != nullptr && m->is_string() ? m->text() : std::string();
}

std::string Origin(std::string_view source, const Value& v) {
  std::string s(source);
  if (v.mark().line > 0) s += ":" + std::to_string(v.mark().line);
  return s;
}

// Decodes and validates one AuditProfile object into *out (profiles only when valid).
void DecodeOne(const Value& object, std::string_view source, const ProfileOptions& opts,
               ProfileParseResult* out) {
  SchemaReader r{std::string(source), object, opts.strict};
  AuditProfile p;
  p.origin = Origin(source, object);
  bool has_metadata = false;
  r.Object(object, "",
           {{"apiVersion", Ignore()},
            {"kind", Ignore()},
            {"metadata",
             [&](const Value& x, const std::string&) {
               has_metadata = true;
               DecodeMetadata(r, x, &p);
             }},
            {"spec", [&](const Value& x, const std::string&) { DecodeSpec(r, x, &p); }},
            {"status", Ignore()}});
  if (!has_metadata) r.Error("metadata.name", "Required value");
  // Validation sees what decoding kept; skip what it would only repeat about a field that
  // already failed to decode (a level of the wrong type is also a missing level).
  for (const FieldError& fe : ValidateProfile(p, opts)) {
    if (!r.ErrorNear(fe.field)) r.ErrorLine(fe.field, fe.ToString());
  }
  bool ok = !r.has_errors();
  for (std::string& e : r.TakeErrors()) out->errors.push_back(std::move(e));
  for (std::string& w : r.TakeWarnings()) out->warnings.push_back(std::move(w));
  if (ok) out->profiles.push_back(std::move(p));
}

void HandleObject(const Value& v, std::string_view source, const std::string& what,
                  const ProfileOptions& opts, ProfileParseResult* out) {
  std::string where = Origin(source, v);
  if (!v.is_object()) {
    out->errors.push_back(where + ": " + what + ": not an object (got " +
                          std::string(v.JsonTypeName()) + ")");
    return;
  }
  std::string kind = StringMember(v, "kind");
  std::string api_version = StringMember(v, "apiVersion");
  if (kind.empty()) {
    out->errors.push_back(where + ": " + what + ": Object 'Kind' is missing");
    return;
  }
  if (kind == "List" || kind == "AuditProfileList") {
    const Value* items = v.Find("items");
    if (items == nullptr || !items->is_array()) return;
    for (std::size_t i = 0; i < items->items().size(); ++i) {
      HandleObject(items->items()[i], source, what + " item " + std::to_string(i), opts, out);
    }
    return;
  }
  bool our_group = api_version.rfind("kaudit.io/", 0) == 0;
  if (kind != kProfileKind || !our_group) {
    std::string name = StringMember(v.Find("metadata") ? *v.Find("metadata") : Value(), "name");
    out->notes.push_back(where + ": " + what + " (" + api_version + " " + kind +
                         (name.empty() ? "" : " " + GoQuote(name)) +
                         ") is not an AuditProfile: skipped");
    return;
  }
  if (api_version != kProfileApiVersion) {
    out->errors.push_back(where + ": apiVersion: Unsupported value: " + GoQuote(api_version) +
                          ": supported values: " + GoQuote(std::string(kProfileApiVersion)));
    return;
  }
  DecodeOne(v, source, opts, out);
}

// Names are unique cluster-wide: a second document with the same name would replace the first.
void CheckUniqueNames(ProfileParseResult* out) {
  std::map<std::string, const AuditProfile*> seen;
  for (const AuditProfile& p : out->profiles) {
    auto [it, inserted] = seen.emplace(p.name, &p);
    if (!inserted) {
      out->errors.push_back(p.origin + ": metadata.name: Duplicate value: " + GoQuote(p.name) +
                            ": also defined at " + it->second->origin);
    }
  }
}

}  // namespace

ProfileParseResult ParseProfiles(std::string_view data, std::string_view source_name,
                                 const ProfileOptions& opts) {
  ProfileParseResult out;
  StatusOr<std::vector<kyaml::Document>> docs = kyaml::ParseAllDocuments(data);
  if (!docs.ok()) {
    out.errors.push_back(std::string(source_name) + ": " + docs.status().message());
    return out;
  }
  for (std::size_t i = 0; i < docs->size(); ++i) {
    HandleObject((*docs)[i].root, source_name, "document " + std::to_string(i + 1), opts, &out);
  }
  CheckUniqueNames(&out);
  return out;
}

ProfileParseResult DecodeProfile(const Value& object, std::string_view source_name,
                                 const ProfileOptions& opts) {
  ProfileParseResult out;
  std::string where = Origin(source_name, object);
  if (!object.is_object() || StringMember(object, "kind") != kProfileKind ||
      StringMember(object, "apiVersion") != kProfileApiVersion) {
    out.errors.push_back(where + ": not a " + std::string(kProfileApiVersion) + " " +
                         std::string(kProfileKind));
    return out;
  }
  DecodeOne(object, source_name, opts, &out);
  return out;
}

}  // namespace kaudit::policy
