#include "auditlog/line_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "auditlog/event.h"

namespace kaudit::auditlog {

StatusOr<std::size_t> FdSource::Read(char* buf, std::size_t n) {
  for (;;) {
    ssize_t got = ::read(fd_, buf, n);
    if (got >= 0) return static_cast<std::size_t>(got);
    if (errno != EINTR) return Status::Internal(std::string("read: ") + std::strerror(errno));
  }
}

LineReader::LineReader(ByteSource* source, std::size_t chunk_bytes, std::size_t max_line_bytes)
    : source_(source),
      max_line_bytes_(max_line_bytes),
      buf_(std::max<std::size_t>(chunk_bytes, 16) + EventParser::kPadding) {}

bool LineReader::Fill() {
  if (begin_ == end_) {
    begin_ = end_ = 0;
  } else if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  std::size_t capacity = buf_.size() - EventParser::kPadding;
  if (end_ == capacity) {
    // One line fills the buffer: grow, but only as far as the longest line we accept needs.
    std::size_t grown = std::min(capacity * 2, max_line_bytes_ + 1);
    buf_.resize(std::max(grown, capacity) + EventParser::kPadding);
    capacity = buf_.size() - EventParser::kPadding;
  }
  StatusOr<std::size_t> got = source_->Read(buf_.data() + end_, capacity - end_);
  if (!got.ok()) {
    status_ = got.status();
    return false;
  }
  if (*got == 0) eof_ = true;
  end_ += *got;
  return true;
}

bool LineReader::SkipRestOfLine(Line* line) {
  std::size_t bytes = end_ - begin_;
  begin_ = end_ = 0;
  for (;;) {
    if (!eof_ && !Fill()) return false;
    const void* nl = std::memchr(buf_.data() + begin_, '\n', end_ - begin_);
    if (nl != nullptr) {
      std::size_t pos = static_cast<std::size_t>(static_cast<const char*>(nl) - buf_.data());
      bytes += pos - begin_;
      begin_ = pos + 1;
      break;
    }
    bytes += end_ - begin_;
    begin_ = end_ = 0;
    if (eof_) break;
  }
  *line = Line{std::string_view(), ++line_number_, bytes, true};
  return true;
}

bool LineReader::Next(Line* line) {
  std::size_t scanned = 0;  // bytes after begin_ already known to hold no '\n'
  for (;;) {
    const char* start = buf_.data() + begin_;
    const void* nl = std::memchr(start + scanned, '\n', end_ - begin_ - scanned);
    if (nl != nullptr) {
      std::size_t len = static_cast<std::size_t>(static_cast<const char*>(nl) - start);
      *line = Line{std::string_view(start, len), ++line_number_, len, false};
      begin_ += len + 1;
      return true;
    }
    scanned = end_ - begin_;
    if (scanned > max_line_bytes_) return SkipRestOfLine(line);
    if (eof_) {
      if (scanned == 0) return false;
      *line = Line{std::string_view(start, scanned), ++line_number_, scanned, false};
      begin_ = end_;
      return true;
    }
    if (!Fill()) return false;
  }
}

}  // namespace kaudit::auditlog
