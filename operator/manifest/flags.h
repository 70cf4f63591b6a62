// kube-apiserver's command line as a static-pod manifest spells it: flags in `command` or
// `args`, written `--name=value` or `--name value`, parsed the way pflag (with
// component-base's WordSepNormalizeFunc, which reads `_` as `-`) parses them.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kaudit::manifest {

// One flag on the command line.
struct FlagUse {
  std::string name;       // normalised: no leading dashes, '_' read as '-'
  std::size_t index = 0;  // item holding the flag
  std::size_t count = 1;  // items it occupies: 2 for `--name value`
  bool has_value = false;
  bool separate = false;  // `--name value`
  std::string value;
};

// Splits a list of arguments into flags. Items that are neither flags nor flag values
// (the program name, anything after `--`) are skipped. A flag without `=` takes the next item
// as its value when it is a known non-boolean audit flag (whatever that item looks like, as
// pflag does: `--audit-log-path -`), or, for other flags, when the next item does not start
// with '-'.
std::vector<FlagUse> ScanFlags(const std::vector<std::string>& args);

std::string NormalizeFlagName(std::string_view raw);

// Every flag whose name starts with "audit-": kaudit owns all of them.
bool IsAuditFlag(std::string_view name);
// The audit flags kube-apiserver 1.28-1.31 knows; anything else under audit- is refused.
bool IsKnownAuditFlag(std::string_view name);
bool IsBoolAuditFlag(std::string_view name);

// The flag-value checks kube-apiserver runs at start-up (pflag parsing of each value, then
// AuditOptions.Validate). `flags` are name/value pairs in command-line order (the last one of
// a name wins, as in pflag). Returns one message per problem, naming the flag.
std::vector<std::string> ValidateAuditFlagValues(
    const std::vector<std::pair<std::string, std::string>>& flags);

// Go's time.ParseDuration grammar ("10s", "1m30s", "0").
bool IsGoDuration(std::string_view s);

}  // namespace kaudit::manifest
