// Splitting a stream of audit events into lines in constant memory, with every line followed by
// EventParser::kPadding readable bytes so the parser can read it in place (no copy per line).
//
// Memory: one buffer of chunk_bytes, grown only while a single line is longer than that, never
// past max_line_bytes (a longer line is skipped and reported, not held).
//
// Thread safety: a LineReader (and a ByteSource) is used by one thread at a time.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace kaudit::auditlog {

// Where the bytes come from: a file descriptor here; a decompressor can implement it too.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to n bytes into buf; 0 means end of input.
  virtual StatusOr<std::size_t> Read(char* buf, std::size_t n) = 0;
};

// Reads a file descriptor it does not own (retrying EINTR).
class FdSource : public ByteSource {
 public:
  explicit FdSource(int fd) : fd_(fd) {}
  StatusOr<std::size_t> Read(char* buf, std::size_t n) override;

 private:
  int fd_;
};

struct Line {
  std::string_view text;   // without the '\n'; empty when too_long
  std::size_t number = 0;  // 1-based
  std::size_t bytes = 0;   // length without the '\n', also for a skipped line
  bool too_long = false;   // longer than max_line_bytes: skipped, text is empty
};

class LineReader {
 public:
  static constexpr std::size_t kDefaultChunkBytes = 1 << 20;
  static constexpr std::size_t kDefaultMaxLineBytes = 256u << 20;

  explicit LineReader(ByteSource* source, std::size_t chunk_bytes = kDefaultChunkBytes,
                      std::size_t max_line_bytes = kDefaultMaxLineBytes);

  // The next line, valid until the next call. Returns false at the end of input or on a read
  // error; status() tells which. A last line without '\n' is still a line.
  bool Next(Line* line);
  const Status& status() const { return status_; }

 private:
  // Makes room and reads once; false at end of input or on error.
  bool Fill();
  bool SkipRestOfLine(Line* line);

  ByteSource* source_;
  std::size_t max_line_bytes_;
  std::vector<char> buf_;  // data in [begin_, end_), then at least kPadding spare bytes
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::size_t line_number_ = 0;
  bool eof_ = false;
  Status status_;
};

}  // namespace kaudit::auditlog
