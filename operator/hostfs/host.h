// HostFs: the host's file system as kaudit sees it under --host-root, with every path confined
// to that root.
//
// Callers name files by their host path ("/etc/kubernetes/manifests/kube-apiserver.yaml");
// HostFs maps them under the root, refusing relative paths and ".." segments, and follows
// symlinks the way the host itself would (an absolute target is a host path, so it is looked up
// under the root again), refusing any that climbs out of the root.
//
// Thread safety: as safe as its Env; HostFs itself holds no mutable state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "hostfs/env.h"

namespace kaudit::hostfs {

class HostFs {
 public:
  // root: the host's "/" as this process sees it ("/" when running on the node itself).
  HostFs(Env* env, std::string root);

  Env* env() const { return env_; }
  const std::string& root() const { return root_; }

  // The process path of a host path (see above). A missing tail is fine.
  StatusOr<std::string> Resolve(std::string_view host_path) const;
  // The host path after following symlinks ("/var/log/kubernetes" -> "/data/logs").
  StatusOr<std::string> Canonical(std::string_view host_path) const;

  StatusOr<std::string> Read(std::string_view host_path, std::size_t max_bytes) const;
  StatusOr<FileInfo> Stat(std::string_view host_path) const;
  StatusOr<std::vector<std::string>> List(std::string_view host_path) const;
  // Creates the directory and any missing parents with `mode`.
  Status MkdirAll(std::string_view host_path, mode_t mode) const;

  // Replaces the file atomically: writes ".<name>.kaudit-tmp" in the same directory (a dot-file,
  // which kubelet never reads), fsyncs it, renames it over the file and fsyncs the directory.
  // On any error the file is untouched and the temporary file removed.
  Status AtomicWrite(std::string_view host_path, std::string_view data, mode_t mode) const;
  // Puts content back so that a watcher sees the file go and come again (kubelet: a remove
  // then a create): the temporary file is written and synced first, then the file is removed
  // and the temporary file renamed into place. A crash in between leaves the temporary file,
  // which RecoverTemp() renames into place.
  Status Recreate(std::string_view host_path, std::string_view data, mode_t mode) const;
  // If host_path is missing and its temporary file exists complete (equal to `expected`),
  // renames it into place; always removes a leftover temporary file. True when it restored.
  StatusOr<bool> RecoverTemp(std::string_view host_path, std::string_view expected) const;
  Status Remove(std::string_view host_path) const;
  // Removes a directory tree (no symlinks are followed). A directory that cannot go because it
  // is a mount point (EBUSY) is emptied and left in place.
  Status RemoveTree(std::string_view host_path) const;

  // ".kube-apiserver.yaml.kaudit-tmp" for "/etc/kubernetes/manifests/kube-apiserver.yaml".
  static std::string TempPathFor(std::string_view host_path);

 private:
  StatusOr<std::vector<std::string>> Walk(std::string_view host_path) const;
  Status RemoveTreeReal(const std::string& real) const;

  Env* env_;
  std::string root_;  // cleaned, no trailing slash ("" for "/")
};

}  // namespace kaudit::hostfs
