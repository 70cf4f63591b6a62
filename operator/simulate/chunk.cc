#include "simulate/chunk.h"

#include <algorithm>
#include <cstring>

namespace kaudit::simulate {

Buffer::Buffer(std::size_t capacity)
    : data_(new char[capacity + kBufferPadding]), capacity_(capacity) {
  std::memset(data_.get() + capacity_, 0, kBufferPadding);
}

void Buffer::Grow(std::size_t n, std::size_t keep) {
  if (n <= capacity_) return;
  std::unique_ptr<char[]> bigger(new char[n + kBufferPadding]);
  std::memcpy(bigger.get(), data_.get(), keep);
  std::memset(bigger.get() + n, 0, kBufferPadding);
  data_ = std::move(bigger);
  capacity_ = n;
}

void Buffer::ShrinkTo(std::size_t n) {
  if (capacity_ <= n) return;
  data_.reset(new char[n + kBufferPadding]);
  std::memset(data_.get() + n, 0, kBufferPadding);
  capacity_ = n;
}

BufferPool::BufferPool(std::size_t count, std::size_t buffer_bytes) : buffer_bytes_(buffer_bytes) {
  for (std::size_t i = 0; i < count; ++i) free_.push_back(std::make_unique<Buffer>(buffer_bytes));
}

std::unique_ptr<Buffer> BufferPool::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !free_.empty(); });
  std::unique_ptr<Buffer> b = std::move(free_.back());
  free_.pop_back();
  return b;
}

void BufferPool::Release(std::unique_ptr<Buffer> b) {
  if (b == nullptr) return;
  b->ShrinkTo(buffer_bytes_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(b));
  }
  cv_.notify_one();
}

ChunkReader::ChunkReader(std::vector<std::string> paths, BufferPool* pool,
                         std::size_t max_line_bytes)
    : paths_(std::move(paths)),
      pool_(pool),
      max_line_bytes_(std::max(max_line_bytes, pool->buffer_bytes())) {}

Status ChunkReader::OpenNext() {
  StatusOr<std::unique_ptr<InputFile>> f = InputFile::Open(paths_[next_path_]);
  if (!f.ok()) return f.status();
  file_ = std::move(f.value());
  ++next_path_;
  FileSummary s;
  s.path = file_->path();
  s.compressed = file_->compressed();
  files_.push_back(std::move(s));
  carry_.clear();
  return Status::Ok();
}

void ChunkReader::FinishFile() {
  FileSummary& s = files_.back();
  s.raw_bytes = file_->raw_bytes();
  s.warning = file_->warning();
  file_.reset();
}

StatusOr<std::size_t> ChunkReader::Fill(Buffer* buf, std::size_t filled, bool* eof) {
  while (filled < buf->capacity()) {
    StatusOr<std::size_t> got = file_->Read(buf->data() + filled, buf->capacity() - filled);
    if (!got.ok()) return got.status();
    if (*got == 0) {
      *eof = true;
      break;
    }
    filled += *got;
    files_.back().decoded_bytes += *got;
  }
  return filled;
}

Status ChunkReader::SkipRestOfLine(Chunk* chunk, bool* eof) {
  Buffer* buf = chunk->buffer.get();
  ++chunk->oversized_lines;
  chunk->oversized_bytes += buf->capacity();
  while (!*eof) {
    StatusOr<std::size_t> n = Fill(buf, 0, eof);
    if (!n.ok()) return n.status();
    const char* nl = static_cast<const char*>(std::memchr(buf->data(), '\n', *n));
    if (nl == nullptr) {
      chunk->oversized_bytes += *n;
      continue;
    }
    std::size_t line_end = static_cast<std::size_t>(nl - buf->data()) + 1;
    chunk->oversized_bytes += line_end;
    carry_.assign(buf->data() + line_end, *n - line_end);
    return Status::Ok();
  }
  carry_.clear();
  return Status::Ok();
}

StatusOr<Chunk> ChunkReader::Next() {
  while (file_ == nullptr) {
    if (next_path_ == static_cast<int>(paths_.size())) return Chunk{};
    KAUDIT_RETURN_IF_ERROR(OpenNext());
  }
  Chunk c;
  c.seq = seq_++;
  c.file_index = next_path_ - 1;
  c.buffer = pool_->Acquire();
  Buffer* buf = c.buffer.get();
  bool eof = false;
  for (;;) {
    // The carry holds no newline, so only bytes after it need searching.
    buf->Grow(carry_.size(), 0);
    std::memcpy(buf->data(), carry_.data(), carry_.size());
    std::size_t scanned = carry_.size();
    std::size_t filled = carry_.size();
    carry_.clear();
    for (;;) {
      StatusOr<std::size_t> n = Fill(buf, filled, &eof);
      if (!n.ok()) return n.status();
      filled = *n;
      const void* nl = memrchr(buf->data() + scanned, '\n', filled - scanned);
      if (nl != nullptr) {
        c.size = static_cast<std::size_t>(static_cast<const char*>(nl) - buf->data()) + 1;
        carry_.assign(buf->data() + c.size, filled - c.size);
        break;
      }
      scanned = filled;
      if (eof) {
        c.size = filled;
        c.unterminated_tail = filled > 0;
        break;
      }
      if (buf->capacity() >= max_line_bytes_) break;  // one line fills the largest buffer
      buf->Grow(std::min(buf->capacity() * 2, max_line_bytes_), filled);
    }
    if (c.size > 0 || eof) break;
    KAUDIT_RETURN_IF_ERROR(SkipRestOfLine(&c, &eof));
    if (eof && carry_.empty()) break;
  }
  if (eof && carry_.empty()) {
    c.last_of_file = true;
    FinishFile();
  }
  return c;
}

}  // namespace kaudit::simulate
