#include "common/time.h"

#include <gtest/gtest.h>

namespace kaudit {
namespace {

TEST(TimeTest, ParsesUtcAndOffsets) {
  auto a = ParseRfc3339("2024-05-01T10:00:00Z");
  auto b = ParseRfc3339("2024-05-01T12:00:00+02:00");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(FormatRfc3339(*a), "2024-05-01T10:00:00Z");
  // 1714557600 = 2024-05-01T10:00:00Z (date -d @1714557600 -u).
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(a->time_since_epoch()).count(),
            1714557600);
}

TEST(TimeTest, KeepsMicroseconds) {
  auto t = ParseRfc3339("2024-05-01T10:00:00.123456Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(FormatRfc3339Micro(*t), "2024-05-01T10:00:00.123456Z");
}

// Kubernetes accepts any year 0000-9999 (Go's time); the nanosecond clock ends in 2262 and
// starts in 1677. Found by fuzz_profile_render: an expiresAt in 5892 overflowed.
TEST(TimeTest, YearsBeyondTheClockSaturate) {
  EXPECT_EQ(ParseRfc3339("5892-06-01T12:00:00Z"), SystemTime::max());
  EXPECT_EQ(ParseRfc3339("9999-12-31T23:59:59Z"), SystemTime::max());
  EXPECT_EQ(ParseRfc3339("0001-01-01T00:00:00Z"), SystemTime::min());
  auto last = ParseRfc3339("2262-04-11T23:47:15Z");
  ASSERT_TRUE(last.has_value());
  EXPECT_LT(*last, SystemTime::max());
  EXPECT_GT(*last, *ParseRfc3339("2262-04-11T23:47:14Z"));
}

TEST(TimeTest, RejectsMalformed) {
  for (const char* bad : {"next tuesday", "2024-05-01", "2024-05-01 10:00:00Z",
                          "2024-13-01T10:00:00Z", "2023-02-29T10:00:00Z", "2024-05-01T10:00:00",
                          "2024-05-01T10:00:00.Z", "2024-05-01T10:00:00Zjunk"}) {
    EXPECT_FALSE(ParseRfc3339(bad)) << bad;
  }
  EXPECT_TRUE(ParseRfc3339("2024-02-29T10:00:00Z"));
}

}  // namespace
}  // namespace kaudit
