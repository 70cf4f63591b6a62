// The check a patched manifest must pass before it is written (design.md step 5): what kubelet
// checks when it reads a static-pod file (one Pod, unique container and volume names, unique
// mount paths, every mount backed by a volume, hostPath types that hold on the host) and what
// kube-apiserver checks at start-up for the audit flags (values that parse and validate, files
// that exist and are visible inside a mount, a writable log directory). Every problem is
// reported, each naming its field or flag.
//
// Thread safety: pure functions; the HostView is only read.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kaudit::manifest {

// What the check needs to know about the host file system (absolute host paths).
class HostView {
 public:
  enum class Kind { kMissing, kFile, kDirectory, kOther };
  virtual ~HostView() = default;
  virtual Kind Stat(const std::string& host_path) const = 0;
};

// host may be nullptr: then only the manifest itself is checked.
std::vector<std::string> CheckManifest(std::string_view text, const HostView* host);

}  // namespace kaudit::manifest
