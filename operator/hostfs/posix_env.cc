#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "hostfs/env.h"

namespace kaudit::hostfs {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_;
};

class PosixLock : public FileLock {
 public:
  explicit PosixLock(int fd) : fd_(fd) {}
  ~PosixLock() override {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }

 private:
  int fd_;
};

class PosixEnvImpl : public Env {
 public:
  StatusOr<std::string> ReadFile(const std::string& path, std::size_t max_bytes) override {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (fd.get() < 0) return ErrnoStatus(errno, "open", path);
    std::string out;
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoStatus(errno, "read", path);
      if (n == 0) break;
      out.append(buf, static_cast<std::size_t>(n));
      if (out.size() > max_bytes) {
        return Status::ResourceExhausted(path + ": larger than " + std::to_string(max_bytes) +
                                         " bytes");
      }
    }
    return out;
  }

  Status WriteFile(const std::string& path, std::string_view data, mode_t mode) override {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode));
    if (fd.get() < 0) return ErrnoStatus(errno, "create", path);
    if (::fchmod(fd.get(), mode) != 0) return ErrnoStatus(errno, "chmod", path);
    std::size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoStatus(errno, "write", path);
      off += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) return ErrnoStatus(errno, "fsync", path);
    if (::close(fd.release()) != 0) return ErrnoStatus(errno, "close", path);
    return Status::Ok();
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return ErrnoStatus(errno, "rename", from);
    return Status::Ok();
  }

  Status Remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return ErrnoStatus(errno, "remove", path);
    return Status::Ok();
  }

  Status RemoveDir(const std::string& path) override {
    if (::rmdir(path.c_str()) != 0) return ErrnoStatus(errno, "rmdir", path);
    return Status::Ok();
  }

  Status SyncDir(const std::string& path) override {
    Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return ErrnoStatus(errno, "open directory", path);
    if (::fsync(fd.get()) != 0) return ErrnoStatus(errno, "fsync directory", path);
    return Status::Ok();
  }

  Status MakeDir(const std::string& path, mode_t mode) override {
    if (::mkdir(path.c_str(), mode) != 0) {
      if (errno == EEXIST) return Status::AlreadyExists(path);
      return ErrnoStatus(errno, "mkdir", path);
    }
    return Status::Ok();
  }

  StatusOr<FileInfo> Stat(const std::string& path) override {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return ErrnoStatus(errno, "stat", path);
    FileInfo fi;
    fi.type = S_ISREG(st.st_mode)   ? FileInfo::Type::kFile
              : S_ISDIR(st.st_mode) ? FileInfo::Type::kDirectory
              : S_ISLNK(st.st_mode) ? FileInfo::Type::kSymlink
                                    : FileInfo::Type::kOther;
    fi.size = static_cast<std::uint64_t>(st.st_size);
    fi.mtime_unix = static_cast<std::int64_t>(st.st_mtime);
    fi.mode = st.st_mode & 07777;
    return fi;
  }

  StatusOr<std::string> ReadLink(const std::string& path) override {
    char buf[4096];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
    if (n < 0) return ErrnoStatus(errno, "readlink", path);
    return std::string(buf, static_cast<std::size_t>(n));
  }

  StatusOr<std::vector<std::string>> ListDir(const std::string& path) override {
    DIR* d = ::opendir(path.c_str());
    if (!d) return ErrnoStatus(errno, "list", path);
    std::vector<std::string> out;
    while (struct dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
  }

  StatusOr<std::unique_ptr<FileLock>> Lock(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return ErrnoStatus(errno, "open lock file", path);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) {
        return Status::Unavailable("another kaudit process is working on this node (lock " +
                                   path + " is held)");
      }
      return ErrnoStatus(err, "lock", path);
    }
    return std::unique_ptr<FileLock>(new PosixLock(fd));
  }
};

}  // namespace

Env* PosixEnv() {
  static PosixEnvImpl* env = new PosixEnvImpl();
  return env;
}

Status ErrnoStatus(int err, std::string_view op, const std::string& path) {
  std::string msg = std::string(op) + " " + path + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
      return Status::NotFound(msg);
    case EACCES:
    case EPERM:
    case EROFS:
      return Status::PermissionDenied(msg);
    case ENOSPC:
    case EDQUOT:
      return Status::ResourceExhausted(msg);
    case EBUSY:  // e.g. rmdir of a mount point
      return Status::FailedPrecondition(msg);
    default:
      return Status::Internal(msg);
  }
}

}  // namespace kaudit::hostfs
