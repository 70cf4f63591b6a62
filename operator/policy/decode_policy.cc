#include "policy/decode_policy.h"

namespace kaudit::policy {
namespace {

using kyaml::Decoder;
using kyaml::Value;

void DecodeGroupResources(const Value& v, const std::string& path, Decoder* d,
                          GroupResources* gr) {
  static constexpr std::string_view kS = "GroupResources";
  d->DecodeObject(v, "PolicyRule", path, "v1.GroupResources",
                  {
                      {"group", [&](const Value& x, const std::string& p) {
                         d->String(x, kS, p, "string", &gr->group);
                       }},
                      {"resources", [&](const Value& x, const std::string& p) {
                         d->StringList(x, kS, p, "string", &gr->resources);
                       }},
                      {"resourceNames", [&](const Value& x, const std::string& p) {
                         d->StringList(x, kS, p, "string", &gr->resource_names);
                       }},
                  });
}

// Go decodes a JSON array into an existing slice element by element, merging into structs that
// are already there, then truncates: reproduced so duplicate keys in JSON input behave alike.
template <typename T, typename F>
void DecodeStructList(const Value& v, std::string_view parent_struct, const std::string& path,
                      std::string_view slice_type, Decoder* d, std::vector<T>* out, F decode_one) {
  if (v.is_null()) {
    out->clear();
    return;
  }
  if (!v.is_array()) return d->TypeError(v, parent_struct, path, slice_type);
  out->resize(v.items().size());
  for (std::size_t i = 0; i < v.items().size(); ++i) {
    decode_one(v.items()[i], path + "[" + std::to_string(i) + "]", &(*out)[i]);
  }
}

// ObjectMeta is only there for API interop; check the types of the common fields, accept the
// rest (unknown fields inside still count as strict findings).
void DecodeObjectMeta(const Value& v, const std::string& path, Decoder* d) {
  static constexpr std::string_view kS = "ObjectMeta";
  std::string sink;
  auto str = [&](const Value& x, const std::string& p) { d->String(x, kS, p, "string", &sink); };
  auto any = [](const Value&, const std::string&) {};
  d->DecodeObject(v, "Policy", path, "v1.ObjectMeta",
                  {{"name", str}, {"generateName", str}, {"namespace", str}, {"selfLink", str},
                   {"uid", str}, {"resourceVersion", str}, {"generation", any},
                   {"creationTimestamp", any}, {"deletionTimestamp", any},
                   {"deletionGracePeriodSeconds", any}, {"labels", any}, {"annotations", any},
                   {"ownerReferences", any}, {"finalizers", any}, {"managedFields", any}});
}

}  // namespace

void DecodePolicyRule(const Value& v, const std::string& path, std::string_view parent_struct,
                      Decoder* d, PolicyRule* r) {
  static constexpr std::string_view kS = "PolicyRule";
  auto strings = [&](std::vector<std::string>* out, std::string_view elem) {
    return [d, out, elem](const Value& x, const std::string& p) {
      d->StringList(x, kS, p, elem, out);
    };
  };
  d->DecodeObject(
      v, parent_struct, path, "v1.PolicyRule",
      {
          {"level", [&](const Value& x, const std::string& p) {
             d->String(x, kS, p, "v1.Level", &r->level);
           }},
          {"users", strings(&r->users, "string")},
          {"userGroups", strings(&r->user_groups, "string")},
          {"verbs", strings(&r->verbs, "string")},
          {"resources", [&](const Value& x, const std::string& p) {
             DecodeStructList(x, kS, p, "[]v1.GroupResources", d, &r->resources,
                              [&](const Value& e, const std::string& ep, GroupResources* gr) {
                                DecodeGroupResources(e, ep, d, gr);
                              });
           }},
          {"namespaces", strings(&r->namespaces, "string")},
          {"nonResourceURLs", strings(&r->non_resource_urls, "string")},
          {"omitStages", strings(&r->omit_stages, "v1.Stage")},
          {"omitManagedFields", [&](const Value& x, const std::string& p) {
             d->OptionalBool(x, kS, p, &r->omit_managed_fields);
           }},
      });
}

void DecodePolicy(const Value& root, Decoder* d, Policy* policy) {
  static constexpr std::string_view kS = "Policy";
  std::string sink;
  d->DecodeObject(
      root, "", "", "v1.Policy",
      {
          {"apiVersion", [&](const Value& x, const std::string& p) {
             d->String(x, kS, p, "string", &sink);
           }},
          {"kind", [&](const Value& x, const std::string& p) {
             d->String(x, kS, p, "string", &sink);
           }},
          {"metadata", [&](const Value& x, const std::string& p) { DecodeObjectMeta(x, p, d); }},
          {"rules", [&](const Value& x, const std::string& p) {
             DecodeStructList(x, kS, p, "[]v1.PolicyRule", d, &policy->rules,
                              [&](const Value& e, const std::string& ep, PolicyRule* r) {
                                DecodePolicyRule(e, ep, kS, d, r);
                              });
           }},
          {"omitStages", [&](const Value& x, const std::string& p) {
             d->StringList(x, kS, p, "v1.Stage", &policy->omit_stages);
           }},
          {"omitManagedFields", [&](const Value& x, const std::string& p) {
             d->Bool(x, kS, p, &policy->omit_managed_fields);
           }},
      });
}

}  // namespace kaudit::policy
