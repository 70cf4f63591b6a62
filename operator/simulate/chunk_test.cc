// Reading logs: plain files, gzip (one or several members, cut off, corrupt), several files in
// order, chunk boundaries never splitting a line, lines longer than a chunk, lines longer than
// the limit, a missing final newline, empty files.
#include "simulate/chunk.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "simulate/input.h"
#include "simulate/test_util.h"

namespace kaudit::simulate {
namespace {

using testing::TempDir;
using testing::WriteFile;
using testing::WriteGzip;

std::string ReadAll(InputFile& f) {
  std::string out;
  char buf[7];  // small on purpose: exercises partial reads
  for (;;) {
    StatusOr<std::size_t> n = f.Read(buf, sizeof buf);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    if (!n.ok() || *n == 0) return out;
    out.append(buf, *n);
  }
}

struct Collected {
  std::vector<std::string> chunks;
  std::vector<bool> unterminated, last_of_file;
  std::vector<int> file_index;
  uint64_t oversized_lines = 0, oversized_bytes = 0;
};

Collected Collect(std::vector<std::string> paths, std::size_t chunk_bytes, std::size_t max_line) {
  BufferPool pool(2, chunk_bytes);
  ChunkReader reader(std::move(paths), &pool, max_line);
  Collected c;
  for (;;) {
    StatusOr<Chunk> chunk = reader.Next();
    EXPECT_TRUE(chunk.ok()) << chunk.status().ToString();
    if (!chunk.ok() || chunk->buffer == nullptr) break;
    c.chunks.emplace_back(chunk->text());
    c.unterminated.push_back(chunk->unterminated_tail);
    c.last_of_file.push_back(chunk->last_of_file);
    c.file_index.push_back(chunk->file_index);
    c.oversized_lines += chunk->oversized_lines;
    c.oversized_bytes += chunk->oversized_bytes;
    pool.Release(std::move(chunk->buffer));
  }
  return c;
}

TEST(InputFileTest, PlainFileIsReadAsIs) {
  TempDir dir;
  std::string p = WriteFile(dir.File("a.log"), "line one\nline two\n");
  auto f = InputFile::Open(p);
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE((*f)->compressed());
  EXPECT_EQ(ReadAll(**f), "line one\nline two\n");
  EXPECT_EQ((*f)->raw_bytes(), 18u);
}

TEST(InputFileTest, GzipIsDetectedByContentNotName) {
  TempDir dir;
  std::string p = WriteGzip(dir.File("audit.log.1"), {"{\"a\":1}\n{\"b\":2}\n"});
  auto f = InputFile::Open(p);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE((*f)->compressed());
  EXPECT_EQ(ReadAll(**f), "{\"a\":1}\n{\"b\":2}\n");
  EXPECT_EQ((*f)->warning(), "");
}

TEST(InputFileTest, ConcatenatedGzipMembersAreOneStream) {
  TempDir dir;
  std::string p = WriteGzip(dir.File("x.gz"), {"first\n", "second\n", "third\n"});
  auto f = InputFile::Open(p);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(ReadAll(**f), "first\nsecond\nthird\n");
  EXPECT_EQ((*f)->warning(), "");
}

TEST(InputFileTest, TruncatedGzipReturnsWhatWasDecodedAndWarns) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "event number " + std::to_string(i) + "\n";
  std::string full = dir.File("full.gz");
  WriteGzip(full, {text});
  std::ifstream in(full, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string cut = WriteFile(dir.File("cut.gz"), bytes.substr(0, bytes.size() / 2));
  auto f = InputFile::Open(cut);
  ASSERT_TRUE(f.ok());
  std::string got = ReadAll(**f);
  EXPECT_FALSE(got.empty());
  EXPECT_LT(got.size(), text.size());
  EXPECT_EQ(got, text.substr(0, got.size()));  // a prefix, never garbage
  EXPECT_NE((*f)->warning().find("truncated"), std::string::npos) << (*f)->warning();
}

TEST(InputFileTest, CorruptGzipWarnsAndStops) {
  TempDir dir;
  std::string p = dir.File("bad.gz");
  WriteGzip(p, {std::string(5000, 'x') + "\n"});
  std::ifstream in(p, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t i = 12; i < 30 && i < bytes.size(); ++i) bytes[i] = static_cast<char>(0xff);
  WriteFile(p, bytes);
  auto f = InputFile::Open(p);
  ASSERT_TRUE(f.ok());
  ReadAll(**f);
  EXPECT_NE((*f)->warning().find("corrupt"), std::string::npos) << (*f)->warning();
}

TEST(InputFileTest, MissingFileAndDirectoryAreErrorsNamingThePath) {
  TempDir dir;
  auto missing = InputFile::Open(dir.File("nope.log"));
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_NE(missing.status().message().find("nope.log"), std::string::npos);
  auto d = InputFile::Open(dir.File(""));
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("is a directory"), std::string::npos);
}

TEST(ChunkReaderTest, ChunksHoldWholeLinesOnly) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 500; ++i) text += "line-" + std::to_string(i * 7919 % 1000) + "\n";
  std::string p = WriteFile(dir.File("a.log"), text);
  Collected c = Collect({p}, 64, 1 << 20);
  ASSERT_GT(c.chunks.size(), 10u);
  std::string joined;
  for (const std::string& ch : c.chunks) {
    ASSERT_FALSE(ch.empty());
    EXPECT_EQ(ch.back(), '\n') << "a chunk ends inside a line";
    joined += ch;
  }
  EXPECT_EQ(joined, text);
  EXPECT_TRUE(c.last_of_file.back());
}

TEST(ChunkReaderTest, LineLongerThanTheChunkGrowsTheBuffer) {
  TempDir dir;
  std::string big(3u << 20, 'y');  // 3 MiB: over the 1 MiB the issue names
  std::string text = "short\n" + big + "\nafter\n";
  std::string p = WriteFile(dir.File("a.log"), text);
  Collected c = Collect({p}, 4096, 8u << 20);
  std::string joined;
  for (const std::string& ch : c.chunks) joined += ch;
  EXPECT_EQ(joined, text);
  EXPECT_EQ(c.oversized_lines, 0u);
}

TEST(ChunkReaderTest, LineOverTheLimitIsSkippedAndCounted) {
  TempDir dir;
  std::string big(100000, 'z');
  std::string text = "before\n" + big + "\nafter\n";
  std::string p = WriteFile(dir.File("a.log"), text);
  Collected c = Collect({p}, 4096, 16384);
  std::string joined;
  for (const std::string& ch : c.chunks) joined += ch;
  EXPECT_EQ(joined, "before\nafter\n");
  EXPECT_EQ(c.oversized_lines, 1u);
  EXPECT_EQ(c.oversized_bytes, big.size() + 1);
}

TEST(ChunkReaderTest, MissingFinalNewlineIsFlagged) {
  TempDir dir;
  std::string p = WriteFile(dir.File("a.log"), "one\ntwo");
  Collected c = Collect({p}, 4096, 1 << 20);
  std::string joined;
  for (const std::string& ch : c.chunks) joined += ch;
  EXPECT_EQ(joined, "one\ntwo");
  EXPECT_TRUE(c.unterminated.back());
}

TEST(ChunkReaderTest, SeveralFilesInOrderIncludingGzipAndEmpty) {
  TempDir dir;
  std::string a = WriteGzip(dir.File("audit-1.log.gz"), {"a1\na2\n"});
  std::string b = WriteFile(dir.File("empty.log"), "");
  std::string c = WriteFile(dir.File("audit.log"), "c1\n");
  Collected got = Collect({a, b, c}, 4096, 1 << 20);
  std::string joined;
  for (const std::string& ch : got.chunks) joined += ch;
  EXPECT_EQ(joined, "a1\na2\nc1\n");
  ASSERT_EQ(got.file_index.size(), 3u);  // the empty file still yields its (empty) chunk
  EXPECT_EQ(got.file_index[0], 0);
  EXPECT_EQ(got.file_index[1], 1);
  EXPECT_EQ(got.file_index[2], 2);
}

TEST(ChunkReaderTest, MissingSecondFileIsAnError) {
  TempDir dir;
  std::string a = WriteFile(dir.File("a.log"), "x\n");
  BufferPool pool(2, 4096);
  ChunkReader reader({a, dir.File("missing.log")}, &pool, 1 << 20);
  StatusOr<Chunk> first = reader.Next();
  ASSERT_TRUE(first.ok());
  pool.Release(std::move(first->buffer));
  StatusOr<Chunk> second = reader.Next();
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("missing.log"), std::string::npos);
}

}  // namespace
}  // namespace kaudit::simulate
