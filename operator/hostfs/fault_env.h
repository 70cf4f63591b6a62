// FaultEnv: an Env wrapper that fails or "crashes" at a chosen mutating operation, for tests of
// what a node is left with after a write error or a crash at every step.
//
// Mutating operations (WriteFile, Rename, Remove, RemoveDir, SyncDir, MakeDir) are numbered from
// 1. FailAt(n, errno) makes the n-th fail with that errno and lets later ones through (the
// process carries on and must clean up). CrashAt(n) makes the n-th the last thing the process
// did: a WriteFile at that point leaves only the first half of its data, and from then on every
// operation, reads included, fails with kAborted, as if the process had been killed.
//
// Thread safety: none; one test thread.
#pragma once

#include <string>

#include "hostfs/env.h"

namespace kaudit::hostfs {

class FaultEnv : public Env {
 public:
  explicit FaultEnv(Env* base) : base_(base) {}

  void FailAt(int n, int err) {
    fail_at_ = n;
    fail_errno_ = err;
  }
  // Every mutating operation on a path containing `part` fails with err.
  void FailPath(std::string part, int err) {
    fail_path_ = std::move(part);
    fail_path_errno_ = err;
  }
  void CrashAt(int n) { crash_at_ = n; }
  int mutations() const { return mutations_; }
  bool crashed() const { return crashed_; }

  StatusOr<std::string> ReadFile(const std::string& path, std::size_t max_bytes) override;
  Status WriteFile(const std::string& path, std::string_view data, mode_t mode) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Remove(const std::string& path) override;
  Status RemoveDir(const std::string& path) override;
  Status SyncDir(const std::string& path) override;
  Status MakeDir(const std::string& path, mode_t mode) override;
  StatusOr<FileInfo> Stat(const std::string& path) override;
  StatusOr<std::string> ReadLink(const std::string& path) override;
  StatusOr<std::vector<std::string>> ListDir(const std::string& path) override;
  StatusOr<std::unique_ptr<FileLock>> Lock(const std::string& path) override;

 private:
  // Counts a mutation; returns non-OK when it must not happen (a failure or the crash).
  Status Mutate(const std::string& path, bool* crash_now);
  Status Dead() const { return Status::Aborted("process crashed (fault injection)"); }

  Env* base_;
  int mutations_ = 0;
  int fail_at_ = 0;
  int fail_errno_ = 0;
  int crash_at_ = 0;
  bool crashed_ = false;
  std::string fail_path_;
  int fail_path_errno_ = 0;
};

}  // namespace kaudit::hostfs
