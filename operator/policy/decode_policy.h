// Decoding an audit.k8s.io/v1 Policy (or a list of PolicyRules inside another object) from a
// kyaml::Value with sigs.k8s.io/json semantics. Shared by the loader and the AuditProfile
// parser so both read rules exactly as kube-apiserver does.
// Thread safety: pure functions over the given Decoder.
#pragma once

#include <string>

#include "kyaml/decode.h"
#include "kyaml/value.h"
#include "policy/policy.h"

namespace kaudit::policy {

// Decodes one PolicyRule object at path (e.g. "rules[2]") into *rule. parent_struct names the
// struct holding the rules list, for type errors ("Policy").
void DecodePolicyRule(const kyaml::Value& v, const std::string& path,
                      std::string_view parent_struct, kyaml::Decoder* d, PolicyRule* rule);

// Decodes a whole v1.Policy object (apiVersion, kind, metadata, rules, omitStages,
// omitManagedFields).
void DecodePolicy(const kyaml::Value& root, kyaml::Decoder* d, Policy* policy);

}  // namespace kaudit::policy
