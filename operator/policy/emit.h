// Writing an audit.k8s.io/v1 Policy as YAML, deterministically and safely.
//
// kaudit does not use yaml-cpp's emitter: it leaves strings such as "no", "on", "1e3" or "~"
// unquoted, and kube-apiserver (YAML 1.1) would then read a boolean, a number or null. Here every
// string value is double-quoted and escaped, so each one reads back as exactly that string; keys
// and the fixed enum-free scaffolding are plain. Field order follows upstream's struct order;
// empty lists are left out (empty and absent mean the same thing to the apiserver).
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.h"

namespace kaudit::policy {

// A YAML double-quoted scalar for s: "..." with \" \\ and non-printable characters escaped
// (\t, \n, \uXXXX ...). Invalid UTF-8 bytes become U+FFFD (they cannot come from a parsed file).
std::string YamlQuote(std::string_view s);

// The policy as a YAML document ending in a newline. rule_comments, when not empty, holds one
// single-line comment per rule (shown above it; "" for none). header is written first as
// comment lines when not empty.
std::string EmitPolicyYaml(const Policy& policy, const std::vector<std::string>& rule_comments = {},
                           std::string_view header = {});

}  // namespace kaudit::policy
