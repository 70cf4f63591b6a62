#include "kyaml/resolve.h"

#include <gtest/gtest.h>

namespace kaudit::kyaml::internal {
namespace {

using Kind = Resolved::Kind;

// go-yaml v2 resolves plain scalars with YAML 1.1 rules (resolve.go).
TEST(ResolveTest, Yaml11Booleans) {
  for (const char* t : {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}) {
    Resolved r = ResolvePlain(t);
    EXPECT_EQ(r.kind, Kind::kBool) << t;
    EXPECT_TRUE(r.b) << t;
  }
  for (const char* t : {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}) {
    Resolved r = ResolvePlain(t);
    EXPECT_EQ(r.kind, Kind::kBool) << t;
    EXPECT_FALSE(r.b) << t;
  }
  // Not in the table: mixed case stays a string.
  EXPECT_EQ(ResolvePlain("yEs").kind, Kind::kString);
  EXPECT_EQ(ResolvePlain("oN").kind, Kind::kString);
}

TEST(ResolveTest, NullForms) {
  for (const char* t : {"", "~", "null", "Null", "NULL"}) EXPECT_EQ(ResolvePlain(t).kind, Kind::kNull) << t;
  EXPECT_EQ(ResolvePlain("nULL").kind, Kind::kString);
}

TEST(ResolveTest, IntegersWithGoBase0Rules) {
  struct Case { const char* in; long long want; } cases[] = {
      {"42", 42}, {"-7", -7}, {"+3", 3}, {"0x1F", 31}, {"0o17", 15}, {"017", 15},
      {"0b101", 5}, {"-0b11", -3}, {"1_000", 1000}, {"0", 0},
  };
  for (const auto& c : cases) {
    Resolved r = ResolvePlain(c.in);
    EXPECT_EQ(r.kind, Kind::kInt) << c.in;
    EXPECT_EQ(r.i, c.want) << c.in;
  }
  // Too large for int64 but fits uint64.
  Resolved big = ResolvePlain("18446744073709551615");
  EXPECT_EQ(big.kind, Kind::kUint);
}

TEST(ResolveTest, FloatsAndSpecials) {
  EXPECT_EQ(ResolvePlain("1.5").kind, Kind::kFloat);
  EXPECT_EQ(ResolvePlain(".5").kind, Kind::kFloat);
  EXPECT_EQ(ResolvePlain("1e3").kind, Kind::kFloat);
  // "08" is not octal, but it is a yamlStyleFloat: go-yaml v2 gives 8.0.
  Resolved r = ResolvePlain("08");
  EXPECT_EQ(r.kind, Kind::kFloat);
  EXPECT_DOUBLE_EQ(r.f, 8.0);
  EXPECT_EQ(ResolvePlain(".inf").kind, Kind::kFloat);
  EXPECT_EQ(ResolvePlain("-.Inf").kind, Kind::kFloat);
  EXPECT_EQ(ResolvePlain(".nan").kind, Kind::kFloat);
  // Things that look numeric but are strings.
  for (const char* t : {"1.2.3", "v1", "1e", "0x", "2024-01-01", "1:30", "Infinity", "inf"}) {
    EXPECT_EQ(ResolvePlain(t).kind, Kind::kString) << t;
  }
  EXPECT_EQ(ResolvePlain("<<").kind, Kind::kMerge);
}

TEST(ResolveTest, JsonValueOfSpecialFloatsFails) {
  auto inf = ToJsonValue(ResolvePlain(".inf"), ".inf", {});
  ASSERT_FALSE(inf.ok());
  EXPECT_EQ(inf.status().message(), "json: unsupported value: +Inf");
  auto nan = ToJsonValue(ResolvePlain(".nan"), ".nan", {});
  ASSERT_FALSE(nan.ok());
  EXPECT_EQ(nan.status().message(), "json: unsupported value: NaN");
}

TEST(ResolveTest, KeysBecomeStrings) {
  EXPECT_EQ(*ToJsonKey(ResolvePlain("on"), "on"), "true");
  EXPECT_EQ(*ToJsonKey(ResolvePlain("0x10"), "0x10"), "16");
  EXPECT_EQ(*ToJsonKey(ResolvePlain(".inf"), ".inf"), ".inf");
  EXPECT_FALSE(ToJsonKey(ResolvePlain("~"), "~").ok());
}

TEST(ResolveTest, JsonFloatFormattingMatchesGo) {
  // encoding/json: 'f' between 1e-6 and 1e21, else 'e' with at least two exponent digits.
  EXPECT_EQ(FormatJsonFloat(100.0), "100");
  EXPECT_EQ(FormatJsonFloat(1.5), "1.5");
  EXPECT_EQ(FormatJsonFloat(1e21), "1e+21");
  EXPECT_EQ(FormatJsonFloat(1e-7), "1e-07");
}

}  // namespace
}  // namespace kaudit::kyaml::internal
