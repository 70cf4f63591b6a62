// Internal to auditlog: the `--audit-log-format=legacy` line, as upstream's audit.EventString
// writes it:
//   <RFC3339Nano> AUDIT: id="…" stage="…" ip="…" method="…" user="…" groups="\"g1\",\"g2\""
//   as="…" asgroups="…" user-agent="…" namespace="…" uri="…" response="…"
// Values are Go %q strings; "<none>" stands for an absent user, groups and namespace.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "auditlog/event.h"

namespace kaudit::auditlog::internal {

// True when line looks like a legacy-format event (" AUDIT: " after the timestamp).
bool LooksLegacy(std::string_view line);

// Fills the legacy fields of *out (see ParsedEvent::is_legacy_format). Unquoted values go to
// *buf, whose capacity is reserved up front so that the views stay valid; groups to *groups.
// Returns false (and leaves *out partly filled) when the line does not have that shape.
bool ParseLegacyLine(std::string_view line, std::string* buf, std::vector<std::string_view>* groups,
                     ParsedEvent* out);

// Go's strconv.Unquote for a double-quoted literal starting at s[0] == '"'. Appends the value to
// *buf and returns the number of input bytes consumed, or 0 when s is not such a literal.
std::size_t GoUnquotePrefix(std::string_view s, std::string* buf);

}  // namespace kaudit::auditlog::internal
