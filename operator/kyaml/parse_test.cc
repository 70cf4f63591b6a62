#include "kyaml/parse.h"

#include <gtest/gtest.h>

#include <string>

namespace kaudit::kyaml {
namespace {

Value Root(std::string_view text) {
  auto doc = ParseFirstDocument(text);
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  return doc.ok() ? doc->root : Value();
}

TEST(ParseTest, ConvertsYamlToJsonValues) {
  Value v = Root("a: no\nb: '0x1F'\nc: 0x1F\nd: [1, ~, x]\n");
  EXPECT_EQ(v.ToJson(), R"({"a":false,"b":"0x1F","c":31,"d":[1,null,"x"]})");
}

TEST(ParseTest, KeepsMembersInOrderWithDuplicatesAndReportsThem) {
  auto doc = ParseFirstDocument("b: 1\na: 2\nb: 3\n");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->root.ToJson(), R"({"b":1,"a":2,"b":3})");
  ASSERT_EQ(doc->strict_errors.size(), 1u);
  EXPECT_EQ(doc->strict_errors[0], "line 3: key \"b\" already set in map");
  EXPECT_EQ(doc->root.Find("b")->text(), "3");
  EXPECT_EQ(doc->root.CollapsedAndSorted().ToJson(), R"({"a":2,"b":3})");
}

TEST(ParseTest, OnlyTheFirstDocumentIsRead) {
  EXPECT_EQ(Root("a: 1\n---\nb: 2\n").ToJson(), R"({"a":1})");
  auto all = ParseAllDocuments("a: 1\n---\n---\nb: 2\n");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].root.ToJson(), R"({"b":2})");
}

TEST(ParseTest, EmptyInputIsNull) {
  EXPECT_TRUE(Root("").is_null());
  EXPECT_TRUE(Root("\n# only a comment\n").is_null());
}

TEST(ParseTest, SyntaxErrorsUseGoYamlWording) {
  // Scanner errors report the 1-based line; parser errors the 0-based problem line (go-yaml v2).
  auto tab = ParseFirstDocument("a:\n  b: 1\n\tc: 2\n");
  ASSERT_FALSE(tab.ok());
  EXPECT_EQ(tab.status().message(), "yaml: line 3: found a tab character that violates indentation");
  auto key = ParseFirstDocument("a: 1\nb: [1] x\n");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().message(), "yaml: line 1: did not find expected key");
  // On the first line the 0-based line is 0, and go-yaml then names no line at all.
  auto first = ParseFirstDocument("a: [1] x\n");
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().message(), "yaml: did not find expected key");
}

TEST(ParseTest, InfinityAsValueFailsButAsKeyIsFine) {
  auto bad = ParseFirstDocument("a: [.inf]\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "json: unsupported value: +Inf");
  EXPECT_EQ(Root(".inf: 1\n").ToJson(), R"({".inf":1})");
}

TEST(ParseTest, AnchorsAliasesAndMerge) {
  EXPECT_EQ(Root("a: &x [1, 2]\nb: *x\n").ToJson(), R"({"a":[1,2],"b":[1,2]})");
  Value merged = Root("base: &b {k: 1, m: 2}\nc:\n  <<: *b\n  m: 3\n").Find("c")->CollapsedAndSorted();
  EXPECT_EQ(merged.ToJson(), R"({"k":1,"m":3})");
  // YAML 1.1: the key `y` is the boolean true, so it becomes the JSON key "true".
  EXPECT_EQ(Root("y: 1\n").ToJson(), R"({"true":1})");
  EXPECT_FALSE(ParseFirstDocument("a: *nope\n").ok());
}

TEST(ParseTest, AliasBombIsStopped) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'k'; ++c, ++prev) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + prev;
    bomb += "]\n";
  }
  auto doc = ParseFirstDocument(bomb);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), StatusCode::kResourceExhausted);
}

TEST(ParseTest, DeepNestingIsStopped) {
  std::string deep(100000, '[');
  auto doc = ParseFirstDocument(deep);
  EXPECT_FALSE(doc.ok());
  std::string deep_json = "{\"a\":" + std::string(100000, '[');
  EXPECT_FALSE(ParseFirstDocument(deep_json).ok());
}

TEST(ParseTest, SizeLimit) {
  ParseOptions opts;
  opts.max_bytes = 10;
  auto doc = ParseFirstDocument("a: 123456789\n", opts);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), StatusCode::kResourceExhausted);
}

TEST(ParseTest, InvalidUtf8InYamlIsRefused) {
  auto doc = ParseFirstDocument("a: \xff\xfe\n");
  EXPECT_FALSE(doc.ok());
}

TEST(ParseTest, JsonInputIsStrictJsonWithGoMessages) {
  EXPECT_EQ(Root(R"({"a": [1, "x"], "a": true})").ToJson(), R"({"a":[1,"x"],"a":true})");
  auto trailing = ParseFirstDocument(R"({"a": 1} tra)");
  ASSERT_FALSE(trailing.ok());
  EXPECT_EQ(trailing.status().message(), "invalid character 't' after top-level value");
  auto nan = ParseFirstDocument(R"({"a": NaN})");
  ASSERT_FALSE(nan.ok());
  EXPECT_EQ(nan.status().message(), "invalid character 'N' looking for beginning of value");
  auto comment = ParseFirstDocument("{\"a\": 1 # c\n}");
  ASSERT_FALSE(comment.ok());
  EXPECT_EQ(comment.status().message(), "invalid character '#' after object key:value pair");
  auto eof = ParseFirstDocument(R"({"a": )");
  ASSERT_FALSE(eof.ok());
  EXPECT_EQ(eof.status().message(), "unexpected end of JSON input");
  // Go accepts invalid UTF-8 inside strings (it becomes U+FFFD).
  EXPECT_EQ(Root("{\"a\": \"x\xffy\"}").Find("a")->text(), "x\xEF\xBF\xBDy");
}

}  // namespace
}  // namespace kaudit::kyaml
