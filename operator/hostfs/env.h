// Env: every file-system operation kaudit performs on a node, as an interface (LevelDB's Env
// pattern), so tests can inject write errors (ENOSPC, EROFS, EACCES) and crash points.
//
// Paths given to an Env are real paths of the process (already under --host-root); HostFs
// (host.h) does the mapping and confinement.
//
// Thread safety: PosixEnv is safe from several threads; FaultEnv is for one test thread.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace kaudit::hostfs {

struct FileInfo {
  enum class Type { kFile, kDirectory, kSymlink, kOther };
  Type type = Type::kOther;
  std::uint64_t size = 0;
  std::int64_t mtime_unix = 0;
  mode_t mode = 0;
};

// A held advisory lock; released when destroyed (or when the process dies).
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;

  // Whole-file read; kNotFound when missing, kResourceExhausted above max_bytes.
  virtual StatusOr<std::string> ReadFile(const std::string& path, std::size_t max_bytes) = 0;
  // Creates or truncates path with `mode`, writes data, fsyncs and closes it.
  virtual Status WriteFile(const std::string& path, std::string_view data, mode_t mode) = 0;
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // Unlinks a file; kNotFound when missing.
  virtual Status Remove(const std::string& path) = 0;
  // Removes an empty directory.
  virtual Status RemoveDir(const std::string& path) = 0;
  // fsync of a directory, so a rename or unlink in it survives a power loss.
  virtual Status SyncDir(const std::string& path) = 0;
  // Creates one directory (its parent must exist); kAlreadyExists when it does.
  virtual Status MakeDir(const std::string& path, mode_t mode) = 0;
  // lstat: a symlink is reported as kSymlink.
  virtual StatusOr<FileInfo> Stat(const std::string& path) = 0;
  virtual StatusOr<std::string> ReadLink(const std::string& path) = 0;
  // Names in a directory, without "." and "..", sorted.
  virtual StatusOr<std::vector<std::string>> ListDir(const std::string& path) = 0;
  // An exclusive lock on path (created 0600 if missing); kUnavailable when another process
  // (or another open of the file) holds it.
  virtual StatusOr<std::unique_ptr<FileLock>> Lock(const std::string& path) = 0;
};

// The real file system.
Env* PosixEnv();

// Maps errno to a Status: ENOENT kNotFound, EACCES/EPERM/EROFS kPermissionDenied, ENOSPC/EDQUOT
// kResourceExhausted, else kInternal; the message names the operation and the path.
Status ErrnoStatus(int err, std::string_view op, const std::string& path);

}  // namespace kaudit::hostfs
