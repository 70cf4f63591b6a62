// Go's time.ParseDuration / Duration.String behaviour, worked out from the Go documentation.
#include "policy/duration.h"

#include <gtest/gtest.h>

namespace kaudit::policy {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

TEST(DurationTest, ParsesGoSyntax) {
  EXPECT_EQ(ParseGoDuration("0"), Duration{0});
  EXPECT_EQ(ParseGoDuration("90s"), seconds(90));
  EXPECT_EQ(ParseGoDuration("5m"), minutes(5));
  EXPECT_EQ(ParseGoDuration("1h30m"), minutes(90));
  EXPECT_EQ(ParseGoDuration("1.5h"), minutes(90));
  EXPECT_EQ(ParseGoDuration(".5s"), milliseconds(500));
  EXPECT_EQ(ParseGoDuration("1.s"), seconds(1));
  EXPECT_EQ(ParseGoDuration("250ms"), milliseconds(250));
  EXPECT_EQ(ParseGoDuration("3us"), nanoseconds(3000));
  EXPECT_EQ(ParseGoDuration("3\xC2\xB5s"), nanoseconds(3000));
  EXPECT_EQ(ParseGoDuration("7ns"), nanoseconds(7));
  EXPECT_EQ(ParseGoDuration("+2s"), seconds(2));
  EXPECT_EQ(ParseGoDuration("-2s"), seconds(-2));
  EXPECT_EQ(ParseGoDuration("1h1m1s1ms"), hours(1) + minutes(1) + seconds(1) + milliseconds(1));
  EXPECT_EQ(ParseGoDuration("9223372036854775807ns"), nanoseconds(INT64_MAX));
}

TEST(DurationTest, RefusesWhatGoRefuses) {
  for (const char* bad : {"", "5", "s", "1d", "1 s", "1s ", "--1s", "+", ".", ".s", "1.2.3s", "1sm",
                          "9223372036854775808ns", "2562048h", "1e3s"}) {
    EXPECT_FALSE(ParseGoDuration(bad).has_value()) << bad;
  }
}

TEST(DurationTest, FormatsLikeGo) {
  EXPECT_EQ(FormatGoDuration(Duration{0}), "0s");
  EXPECT_EQ(FormatGoDuration(seconds(90)), "1m30s");
  EXPECT_EQ(FormatGoDuration(minutes(5)), "5m0s");
  EXPECT_EQ(FormatGoDuration(hours(1)), "1h0m0s");
  EXPECT_EQ(FormatGoDuration(hours(26) + seconds(3)), "26h0m3s");
  EXPECT_EQ(FormatGoDuration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(FormatGoDuration(milliseconds(250)), "250ms");
  EXPECT_EQ(FormatGoDuration(nanoseconds(1500)), "1.5\xC2\xB5s");
  EXPECT_EQ(FormatGoDuration(nanoseconds(999)), "999ns");
  EXPECT_EQ(FormatGoDuration(seconds(10)), "10s");
  EXPECT_EQ(FormatGoDuration(seconds(-61)), "-1m1s");
  EXPECT_EQ(FormatGoDuration(nanoseconds(INT64_MIN)), "-2562047h47m16.854775808s");
}

}  // namespace
}  // namespace kaudit::policy
