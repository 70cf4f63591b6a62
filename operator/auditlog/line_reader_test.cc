#include "auditlog/line_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "auditlog/event.h"

namespace kaudit::auditlog {
namespace {

// Hands out the data a few bytes at a time, so that lines straddle every possible boundary.
class ChunkedSource : public ByteSource {
 public:
  ChunkedSource(std::string data, std::size_t step) : data_(std::move(data)), step_(step) {}
  StatusOr<std::size_t> Read(char* buf, std::size_t n) override {
    std::size_t k = std::min({n, step_, data_.size() - pos_});
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::string data_;
  std::size_t step_;
  std::size_t pos_ = 0;
};

class FailingSource : public ByteSource {
 public:
  StatusOr<std::size_t> Read(char*, std::size_t) override {
    return Status::Internal("read: Input/output error");
  }
};

std::vector<Line> ReadAll(LineReader& r, std::vector<std::string>* texts) {
  std::vector<Line> lines;
  Line l;
  while (r.Next(&l)) {
    lines.push_back(l);
    texts->emplace_back(l.text);
  }
  return lines;
}

TEST(LineReaderTest, SplitsLinesAcrossEveryChunkBoundary) {
  const std::string data = "first\n\nthird line\r\n  \nlast without newline";
  for (std::size_t step : {1U, 2U, 3U, 7U, 100U}) {
    for (std::size_t chunk : {16U, 32U, 4096U}) {
      ChunkedSource src(data, step);
      LineReader r(&src, chunk);
      std::vector<std::string> texts;
      std::vector<Line> lines = ReadAll(r, &texts);
      EXPECT_TRUE(r.status().ok());
      ASSERT_EQ(texts, (std::vector<std::string>{"first", "", "third line\r", "  ",
                                                 "last without newline"}))
          << "step " << step << " chunk " << chunk;
      for (std::size_t i = 0; i < lines.size(); ++i) {
        EXPECT_EQ(lines[i].number, i + 1);
        EXPECT_EQ(lines[i].bytes, texts[i].size());
        EXPECT_FALSE(lines[i].too_long);
      }
    }
  }
}

TEST(LineReaderTest, EmptyInputAndTrailingNewline) {
  ChunkedSource empty("", 4);
  LineReader r1(&empty);
  Line l;
  EXPECT_FALSE(r1.Next(&l));
  EXPECT_TRUE(r1.status().ok());

  ChunkedSource one("a\n", 4);
  LineReader r2(&one);
  std::vector<std::string> texts;
  ReadAll(r2, &texts);
  EXPECT_EQ(texts, std::vector<std::string>{"a"});  // no phantom empty line after the last \n
}

TEST(LineReaderTest, LongLinesGrowTheBufferUpToTheLimit) {
  const std::string longline(1000, 'x');
  ChunkedSource src("a\n" + longline + "\nb\n", 64);
  LineReader r(&src, 16, 1000);  // exactly the limit is fine
  std::vector<std::string> texts;
  ReadAll(r, &texts);
  EXPECT_EQ(texts, (std::vector<std::string>{"a", longline, "b"}));
}

TEST(LineReaderTest, LinesOverTheLimitAreSkippedAndCounted) {
  const std::string huge(5000, 'y');
  for (std::size_t step : {1U, 64U, 10000U}) {
    ChunkedSource src("a\n" + huge + "\nb\n" + huge, step);
    LineReader r(&src, 16, 1000);
    std::vector<std::string> texts;
    std::vector<Line> lines = ReadAll(r, &texts);
    ASSERT_EQ(lines.size(), 4U) << step;
    EXPECT_EQ(texts[0], "a");
    EXPECT_TRUE(lines[1].too_long);
    EXPECT_EQ(lines[1].bytes, 5000U);
    EXPECT_EQ(lines[1].text, "");
    EXPECT_EQ(lines[1].number, 2U);
    EXPECT_EQ(texts[2], "b");
    EXPECT_EQ(lines[2].number, 3U);
    EXPECT_TRUE(lines[3].too_long);  // the last line, without '\n'
    EXPECT_EQ(lines[3].bytes, 5000U);
    EXPECT_TRUE(r.status().ok());
  }
}

TEST(LineReaderTest, ReadErrorsStopWithTheStatus) {
  FailingSource src;
  LineReader r(&src);
  Line l;
  EXPECT_FALSE(r.Next(&l));
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

TEST(LineReaderTest, LinesCanBeParsedInPlace) {
  // Each line is parsed where it lies in the reader's buffer; under ASan this proves the
  // padding promise (a read past the buffer would be reported).
  std::string data;
  for (int i = 0; i < 50; ++i) {
    data += R"({"verb":"get","user":{"username":"u)" + std::to_string(i) +
            R"("},"requestURI":"/healthz"})";
    if (i % 7 != 6)
      data += "\n";
    else
      data += "\r\n";
  }
  ChunkedSource src(data, 13);
  LineReader r(&src, 64);
  EventParser parser;
  ParsedEvent ev;
  Line l;
  int n = 0;
  while (r.Next(&l)) {
    ASSERT_TRUE(parser.ParsePadded(l.text, &ev).ok()) << l.text;
    EXPECT_EQ(ev.attrs.user, "u" + std::to_string(n));
    ++n;
  }
  EXPECT_EQ(n, 50);
}

}  // namespace
}  // namespace kaudit::auditlog
