// Reading AuditProfiles from the -f arguments of the offline commands (render, lint, node
// apply), the way `kubectl apply -f` reads them: each argument is a file, "-" for standard
// input, or a directory whose *.yaml, *.yml and *.json files are read in name order (not
// recursively). Files may hold several documents; other kinds are skipped with a note.
// Defined in cmd_render.cc (the cli folder builds cmd_*.cc files only).
//
// Thread safety: reads the file system and standard input; call from one thread.
#pragma once

#include <string>
#include <vector>

#include "policy/profile.h"

namespace kaudit::cli {

// Every profile, error, warning and note of every input. An unreadable input is an error line;
// profiles with the same name in two files are an error naming both places.
policy::ProfileParseResult ReadProfileFiles(const std::vector<std::string>& inputs,
                                            const policy::ProfileOptions& opts);

}  // namespace kaudit::cli
