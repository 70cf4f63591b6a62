// Chunks: the unit of work of the simulator. A chunk is a run of whole log lines from one input
// file, held in a pooled buffer, tagged with its position so that results computed out of order
// (by several workers) can be put back in log order.
//
// ChunkReader turns the input files, in the order given, into chunks: it reads with large
// buffers, never splits a line across chunks, grows a buffer for a line longer than the chunk
// size (up to max_line_bytes; a longer line is skipped and reported), and returns buffers to a
// fixed pool, so memory stays bounded whatever the size of the log.
//
// Thread safety: BufferPool is thread-safe (Acquire blocks while all buffers are out).
// ChunkReader is used by one thread; the chunks it returns may be handed to other threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "simulate/input.h"

namespace kaudit::simulate {

// simdjson reads up to 64 bytes past the end of its input; every buffer keeps that much spare.
inline constexpr std::size_t kBufferPadding = 64;

class Buffer {
 public:
  explicit Buffer(std::size_t capacity);
  char* data() { return data_.get(); }
  const char* data() const { return data_.get(); }
  std::size_t capacity() const { return capacity_; }  // usable bytes, padding excluded
  // Grows to at least n usable bytes, keeping the first `keep` bytes.
  void Grow(std::size_t n, std::size_t keep);
  void ShrinkTo(std::size_t n);

 private:
  std::unique_ptr<char[]> data_;
  std::size_t capacity_ = 0;
};

class BufferPool {
 public:
  BufferPool(std::size_t count, std::size_t buffer_bytes);
  std::unique_ptr<Buffer> Acquire();
  // Oversized buffers (grown for a long line) are shrunk back so the pool stays bounded.
  void Release(std::unique_ptr<Buffer> b);
  std::size_t buffer_bytes() const { return buffer_bytes_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Buffer>> free_;
  std::size_t buffer_bytes_;
};

struct Chunk {
  uint64_t seq = 0;    // 0, 1, 2, ... across all files, in log order
  int file_index = 0;  // index into the input list
  bool last_of_file = false;
  // The file ended without a final newline: the last line of this chunk may be cut off.
  bool unterminated_tail = false;
  std::unique_ptr<Buffer> buffer;
  std::size_t size = 0;  // bytes of whole lines at buffer->data()
  // Lines longer than max_line_bytes dropped while filling this chunk (before its lines).
  uint64_t oversized_lines = 0;
  uint64_t oversized_bytes = 0;
  std::string_view text() const { return {buffer->data(), size}; }
};

struct FileSummary {
  std::string path;
  bool compressed = false;
  uint64_t raw_bytes = 0;      // as stored
  uint64_t decoded_bytes = 0;  // after decompression
  std::string warning;         // e.g. truncated gzip data
};

class ChunkReader {
 public:
  ChunkReader(std::vector<std::string> paths, BufferPool* pool, std::size_t max_line_bytes);

  // The next chunk, or a chunk with a null buffer at the end of all input. Errors opening or
  // reading a file are returned (the caller decides; simulate stops: a missing file is a usage
  // problem, not a property of the log).
  StatusOr<Chunk> Next();

  // One entry per file opened so far.
  const std::vector<FileSummary>& files() const { return files_; }

 private:
  Status OpenNext();
  // Reads into buf from `filled` until full or end of file; returns the new fill.
  StatusOr<std::size_t> Fill(Buffer* buf, std::size_t filled, bool* eof);
  // Skips the rest of an over-long line (the part already read was discarded).
  Status SkipRestOfLine(Chunk* chunk, bool* eof);
  void FinishFile();

  std::vector<std::string> paths_;
  BufferPool* pool_;
  std::size_t max_line_bytes_;
  std::vector<FileSummary> files_;
  std::unique_ptr<InputFile> file_;
  int next_path_ = 0;
  uint64_t seq_ = 0;
  // The unfinished last line of the previous read, carried into the next chunk.
  std::string carry_;
};

}  // namespace kaudit::simulate
