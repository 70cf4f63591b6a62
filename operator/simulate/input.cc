#include "simulate/input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace kaudit::simulate {
namespace {

constexpr std::size_t kGzipInputBytes = 1 << 20;

Status ErrnoStatus(const std::string& path, int err) {
  std::string m = path + ": " + std::strerror(err);
  if (err == ENOENT) return Status::NotFound(m);
  if (err == EACCES || err == EPERM) return Status::PermissionDenied(m);
  return Status::InvalidArgument(m);
}

}  // namespace

struct InputFile::Gzip {
  z_stream zs{};
  std::vector<unsigned char> in = std::vector<unsigned char>(kGzipInputBytes);
  bool input_eof = false;
  bool member_done = false;  // the last inflate() call ended a gzip member
  uint64_t members = 0;
  ~Gzip() { inflateEnd(&zs); }
};

InputFile::InputFile(std::string path, int fd, bool owns_fd)
    : path_(std::move(path)), fd_(fd), owns_fd_(owns_fd) {}

InputFile::~InputFile() {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
}

StatusOr<std::unique_ptr<InputFile>> InputFile::Open(const std::string& path) {
  std::unique_ptr<InputFile> f;
  if (path == "-") {
    f.reset(new InputFile("<stdin>", STDIN_FILENO, false));
  } else {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(path, errno);
    f.reset(new InputFile(path, fd, true));
    struct stat st {};
    if (::fstat(fd, &st) != 0) return ErrnoStatus(path, errno);
    if (S_ISDIR(st.st_mode)) return Status::InvalidArgument(path + ": is a directory");
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  KAUDIT_RETURN_IF_ERROR(f->DetectFormat());
  return f;
}

StatusOr<std::size_t> InputFile::ReadRaw(char* dst, std::size_t n) {
  for (;;) {
    ssize_t got = ::read(fd_, dst, n);
    if (got >= 0) {
      raw_bytes_ += static_cast<uint64_t>(got);
      return static_cast<std::size_t>(got);
    }
    if (errno != EINTR) return ErrnoStatus(path_, errno);
  }
}

// Sniffs the first two bytes (pipes may deliver them one at a time).
Status InputFile::DetectFormat() {
  char head[2];
  std::size_t have = 0;
  while (have < 2) {
    StatusOr<std::size_t> got = ReadRaw(head + have, 2 - have);
    if (!got.ok()) return got.status();
    if (*got == 0) break;
    have += *got;
  }
  bool is_gzip = have == 2 && static_cast<unsigned char>(head[0]) == 0x1f &&
                 static_cast<unsigned char>(head[1]) == 0x8b;
  if (!is_gzip) {
    pending_.assign(head, have);
    return Status::Ok();
  }
  gzip_ = std::make_unique<Gzip>();
  // 16 + MAX_WBITS: gzip wrapper only; a zlib or raw stream is not what kube-apiserver writes.
  if (inflateInit2(&gzip_->zs, 16 + MAX_WBITS) != Z_OK) {
    return Status::Internal(path_ + ": zlib initialisation failed");
  }
  std::memcpy(gzip_->in.data(), head, 2);
  gzip_->zs.next_in = gzip_->in.data();
  gzip_->zs.avail_in = 2;
  return Status::Ok();
}

StatusOr<std::size_t> InputFile::Read(char* dst, std::size_t n) {
  if (ended_ || n == 0) return std::size_t{0};
  if (pending_pos_ < pending_.size()) {
    std::size_t k = std::min(n, pending_.size() - pending_pos_);
    std::memcpy(dst, pending_.data() + pending_pos_, k);
    pending_pos_ += k;
    return k;
  }
  if (gzip_ == nullptr) return ReadRaw(dst, n);
  return ReadGzip(dst, n);
}

// Refills the compressed input buffer, keeping bytes not yet consumed.
Status InputFile::FillGzipInput() {
  Gzip& g = *gzip_;
  if (g.input_eof) return Status::Ok();
  std::size_t keep = g.zs.avail_in;
  if (keep > 0 && g.zs.next_in != g.in.data()) std::memmove(g.in.data(), g.zs.next_in, keep);
  StatusOr<std::size_t> got =
      ReadRaw(reinterpret_cast<char*>(g.in.data() + keep), g.in.size() - keep);
  if (!got.ok()) return got.status();
  if (*got == 0) g.input_eof = true;
  g.zs.next_in = g.in.data();
  g.zs.avail_in = static_cast<uInt>(keep + *got);
  return Status::Ok();
}

StatusOr<std::size_t> InputFile::ReadGzip(char* dst, std::size_t n) {
  Gzip& g = *gzip_;
  g.zs.next_out = reinterpret_cast<unsigned char*>(dst);
  g.zs.avail_out = static_cast<uInt>(std::min<std::size_t>(n, 1U << 30));
  const uInt want = g.zs.avail_out;
  while (g.zs.avail_out == want) {
    if (g.zs.avail_in == 0) KAUDIT_RETURN_IF_ERROR(FillGzipInput());
    if (g.member_done) {
      // Another member follows only if there is more input; rotation writes one member, but
      // `cat a.gz b.gz` is a valid gzip file too.
      if (g.zs.avail_in == 0) break;
      inflateReset(&g.zs);
      g.member_done = false;
    }
    if (g.zs.avail_in == 0 && g.input_eof) {
      warning_ = "gzip data is truncated (the file ends inside a compressed stream)";
      break;
    }
    int rc = inflate(&g.zs, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      g.member_done = true;
      ++g.members;
    } else if (rc == Z_BUF_ERROR && g.zs.avail_in == 0) {
      continue;  // needs more input
    } else if (rc != Z_OK) {
      warning_ = std::string("gzip data is corrupt: ") + (g.zs.msg ? g.zs.msg : "inflate failed");
      break;
    }
  }
  std::size_t produced = want - g.zs.avail_out;
  if (produced == 0) ended_ = true;
  return produced;
}

}  // namespace kaudit::simulate
