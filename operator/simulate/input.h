// InputFile: one audit log as a byte stream, whatever its form on disk. A plain file, standard
// input ("-"), or a gzip file as kube-apiserver's --audit-log-compress leaves after rotation
// (detected by its magic bytes, not its name; several gzip members in a row are read as one
// stream, as gzip(1) does).
//
// A damaged or cut-off gzip file is not fatal: what was decoded up to the damage is returned and
// the problem is kept in warning() for the report, because a log being rotated or copied while we
// read it is normal and the rest of the data is still worth reading.
//
// Thread safety: none; one thread reads an InputFile.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"

namespace kaudit::simulate {

class InputFile {
 public:
  // Opens path ("-" = standard input). kNotFound / kPermissionDenied / kInvalidArgument (a
  // directory) name the path.
  static StatusOr<std::unique_ptr<InputFile>> Open(const std::string& path);

  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile();

  // Reads up to n decoded bytes into dst. Returns 0 at the end of the data (also after damage,
  // see warning()). A read error on the underlying file is an error Status.
  StatusOr<std::size_t> Read(char* dst, std::size_t n);

  const std::string& path() const { return path_; }
  bool compressed() const { return gzip_ != nullptr; }
  // Bytes taken from the file (compressed bytes for gzip input).
  uint64_t raw_bytes() const { return raw_bytes_; }
  // Empty, or why the data ended early ("gzip data is truncated", "gzip data is corrupt: ...").
  const std::string& warning() const { return warning_; }

 private:
  struct Gzip;
  InputFile(std::string path, int fd, bool owns_fd);
  StatusOr<std::size_t> ReadRaw(char* dst, std::size_t n);
  StatusOr<std::size_t> ReadGzip(char* dst, std::size_t n);
  Status FillGzipInput();
  Status DetectFormat();

  std::string path_;
  int fd_ = -1;
  bool owns_fd_ = false;
  uint64_t raw_bytes_ = 0;
  std::string warning_;
  bool ended_ = false;
  // Bytes read while sniffing the format that still have to be handed out (plain input).
  std::string pending_;
  std::size_t pending_pos_ = 0;
  std::unique_ptr<Gzip> gzip_;
};

}  // namespace kaudit::simulate
