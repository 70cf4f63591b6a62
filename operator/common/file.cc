#include "common/file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sys/stat.h>

namespace kaudit {
namespace {

Status ErrnoStatus(const std::string& path, int err) {
  std::string m = path + ": " + std::strerror(err);
  if (err == ENOENT) return Status::NotFound(m);
  if (err == EACCES || err == EPERM) return Status::PermissionDenied(m);
  return Status::InvalidArgument(m);
}

StatusOr<std::string> ReadStream(std::istream& in, const std::string& path, std::size_t max) {
  std::string data;
  char buf[65536];
  while (in) {
    in.read(buf, sizeof buf);
    data.append(buf, static_cast<std::size_t>(in.gcount()));
    if (data.size() > max) {
      return Status::ResourceExhausted(path + ": file is larger than " + std::to_string(max) +
                                       " bytes");
    }
  }
  if (in.bad()) return Status::InvalidArgument(path + ": read error");
  return data;
}

}  // namespace

StatusOr<std::string> ReadFileLimited(const std::string& path, std::size_t max_bytes) {
  if (path == "-") return ReadStream(std::cin, "<stdin>", max_bytes);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return ErrnoStatus(path, errno);
  if (S_ISDIR(st.st_mode)) return Status::InvalidArgument(path + ": is a directory");
  if (S_ISREG(st.st_mode) && static_cast<std::size_t>(st.st_size) > max_bytes) {
    return Status::ResourceExhausted(path + ": file is larger than " + std::to_string(max_bytes) +
                                     " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return ErrnoStatus(path, errno ? errno : EIO);
  return ReadStream(in, path, max_bytes);
}

}  // namespace kaudit
