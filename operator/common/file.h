// Reading whole files with a size cap, for the offline commands (policy, profile and event
// files). Node-side file work (atomic replace, backups, locks) lives in hostfs/.
// Thread safety: pure functions over the file system.
#pragma once

#include <cstddef>
#include <string>

#include "common/status.h"

namespace kaudit {

// Default cap for human-written input files; kube-apiserver itself reads policies whole, and no
// sane policy or profile comes near this.
inline constexpr std::size_t kMaxInputFileBytes = 3 * 1024 * 1024;

// Reads path ("-" = standard input) into memory. Fails with kResourceExhausted when the file is
// larger than max_bytes, kNotFound when it does not exist, kInvalidArgument for a directory.
StatusOr<std::string> ReadFileLimited(const std::string& path,
                                      std::size_t max_bytes = kMaxInputFileBytes);

}  // namespace kaudit
