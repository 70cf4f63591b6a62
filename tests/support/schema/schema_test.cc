// Unit tests of kaudit_schema. Expected values come from the upstream behaviour each function
// imitates (Go's time.ParseDuration, kube-openapi's strfmt and validators, cel-go), worked out
// by hand.
#include "support/schema/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/schema/cel.h"
#include "support/schema/formats.h"
#include "support/schema/go_duration.h"

namespace kaudit::schema {
namespace {

using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

cel::Value Eval(const std::string& expr, const json& self) {
  cel::ParseResult p = cel::Parse(expr);
  EXPECT_TRUE(p.root) << expr << ": " << p.error;
  if (!p.root) return cel::Value::Error("parse");
  return cel::Evaluate(*p.root, self);
}

bool EvalBool(const std::string& expr, const json& self) {
  cel::Value v = Eval(expr, self);
  EXPECT_EQ(v.type, cel::Value::Type::kBool) << expr << ": " << v.s;
  return v.b;
}

TEST(GoDuration, ParsesWhatGoParses) {
  EXPECT_EQ(ParseGoDuration("1h30m"), int64_t{5400} * 1000000000);
  EXPECT_EQ(ParseGoDuration("1.5s"), int64_t{1500000000});
  EXPECT_EQ(ParseGoDuration(".5s"), int64_t{500000000});
  EXPECT_EQ(ParseGoDuration("1.s"), int64_t{1000000000});
  EXPECT_EQ(ParseGoDuration("+5s"), int64_t{5000000000});
  EXPECT_EQ(ParseGoDuration("-2m"), int64_t{-120000000000});
  EXPECT_EQ(ParseGoDuration("0"), int64_t{0});
  EXPECT_EQ(ParseGoDuration("-0"), int64_t{0});
  EXPECT_EQ(ParseGoDuration("300ms"), int64_t{300000000});
  EXPECT_EQ(ParseGoDuration("2\xC2\xB5s"), int64_t{2000});
  EXPECT_EQ(ParseGoDuration("2\xCE\xBCs"), int64_t{2000});
  EXPECT_EQ(ParseGoDuration("9223372036854775807ns"), INT64_MAX);
  EXPECT_EQ(ParseGoDuration("-9223372036854775808ns"), INT64_MIN);
}

TEST(GoDuration, RefusesWhatGoRefuses) {
  for (const char* bad : {"", "1", "5", "1d", "1 s", "s", ".s", "-", "1m5", "1hm", "0s0",
                          "9223372036854775808ns", "2562048h", "1e3s", "five minutes"}) {
    EXPECT_EQ(ParseGoDuration(bad), std::nullopt) << bad;
  }
  // "0s0": an element needs a unit; Go: "time: missing unit in duration".
}

TEST(Formats, DateTimeAsKubeOpenApi) {
  EXPECT_TRUE(IsDateTime("2024-05-01T10:00:00Z"));
  EXPECT_TRUE(IsDateTime("2024-05-01t10:00:00z"));
  EXPECT_TRUE(IsDateTime("2024-05-01T10:00:00.123456789+02:00"));
  EXPECT_TRUE(IsDateTime("2024-02-29T00:00:00Z"));
  // Upstream quirks: the offset is not range-checked, and "." before the fraction is any char.
  EXPECT_TRUE(IsDateTime("2024-05-01T10:00:00+99:99"));
  EXPECT_TRUE(IsDateTime("2024-05-01T10:00:00x5Z"));
  EXPECT_FALSE(IsDateTime("2023-02-29T00:00:00Z"));
  EXPECT_FALSE(IsDateTime("2024-04-31T00:00:00Z"));
  EXPECT_FALSE(IsDateTime("2024-05-01T24:00:00Z"));
  EXPECT_FALSE(IsDateTime("2024-05-01T10:60:00Z"));
  EXPECT_FALSE(IsDateTime("2024-05-01T10:00:00"));
  EXPECT_FALSE(IsDateTime("2024-05-01T10:00:00+0200"));
  EXPECT_FALSE(IsDateTime("2024-05-01 10:00:00Z"));
  EXPECT_FALSE(IsDateTime("next tuesday"));
}

TEST(Formats, RunesAndNames) {
  EXPECT_EQ(RuneCount("abc"), 3u);
  EXPECT_EQ(RuneCount("\xC3\xA9t\xC3\xA9"), 3u);  // "été"
  EXPECT_TRUE(IsDnsSubdomain("rbac.authorization.k8s.io"));
  EXPECT_FALSE(IsDnsSubdomain("rbac.authorization.k8s.io/v1"));
  EXPECT_FALSE(IsDnsSubdomain("Apps"));
  EXPECT_FALSE(IsDnsSubdomain("-a"));
  EXPECT_FALSE(IsDnsSubdomain(std::string(254, 'a')));
}

TEST(Cel, RefusesWhatItDoesNotImplement) {
  for (const char* expr : {"self.all(x, x > 0)", "self.exists(x, x == 'a')", "self.matches('^a')",
                           "oldSelf == self", "{'a': 1} == self", "self == r'raw'",
                           "self == '''x'''", "self == 1u", "self.lowerAscii() == 'a'",
                           "size(self) > 0 &&", "has(self)"}) {
    cel::ParseResult p = cel::Parse(expr);
    EXPECT_FALSE(p.root) << expr;
    EXPECT_FALSE(p.error.empty()) << expr;
  }
}

TEST(Cel, EvaluatesTheSubset) {
  json self = {{"a", 3}, {"s", "/var/log"}, {"l", {"x", "y"}}, {"m", {{"k", true}}}};
  EXPECT_TRUE(EvalBool("has(self.a) && self.a == 3", self));
  EXPECT_FALSE(EvalBool("has(self.b)", self));
  EXPECT_TRUE(EvalBool("has(self.m.k) && self.m.k", self));
  EXPECT_TRUE(EvalBool("size(self.l) == 2 && self.l.size() == 2", self));
  EXPECT_TRUE(EvalBool("self.s.startsWith('/') && self.s.endsWith('log') && self.s.contains('r/l')",
                       self));
  EXPECT_TRUE(EvalBool("'y' in self.l && !('z' in self.l) && 2 in [1, 2]", self));
  EXPECT_TRUE(EvalBool("(has(self.b) ? self.b : 10) >= self.a * 3 + 1", self));
  EXPECT_TRUE(EvalBool("duration('90s') > duration('1m') && duration('1h') == duration('60m')",
                       self));
  EXPECT_TRUE(EvalBool("size('\xC3\xA9t\xC3\xA9') == 3", self));  // code points, not bytes
  EXPECT_TRUE(EvalBool("self.a != 'x' && !(self.a == 3.5)", self));  // different types: unequal
}

TEST(Cel, ErrorsFollowCelSemantics) {
  json self = {{"a", 1}};
  // A missing field is an error, absorbed only when the other side decides.
  EXPECT_TRUE(Eval("self.b > 0", self).is_error());
  EXPECT_FALSE(EvalBool("self.b > 0 && false", self));
  EXPECT_TRUE(EvalBool("self.b > 0 || true", self));
  EXPECT_TRUE(Eval("self.b > 0 || false", self).is_error());
  EXPECT_THAT(Eval("self.b", self).s, HasSubstr("no such key: b"));
  EXPECT_TRUE(Eval("duration('soon') > duration('1s')", self).is_error());
  EXPECT_TRUE(Eval("9223372036854775807 + 1 > 0", self).is_error());
  EXPECT_TRUE(Eval("self.a / 0 == 1", self).is_error());
  EXPECT_TRUE(Eval("self.a < 'x'", self).is_error());
}

// A small schema exercising each check once.
json TestSchema() {
  return json::parse(R"J({
    "type": "object",
    "properties": {
      "apiVersion": {"type": "string"}, "kind": {"type": "string"},
      "metadata": {"type": "object"},
      "spec": {
        "type": "object",
        "required": ["level"],
        "properties": {
          "level": {"type": "string", "enum": ["None", "Metadata"]},
          "count": {"type": "integer", "minimum": 1, "maximum": 10},
          "qps": {"type": "number", "minimum": 0, "exclusiveMinimum": true},
          "when": {"type": "string", "format": "date-time", "maxLength": 64},
          "urls": {"type": "array", "maxItems": 2,
                   "items": {"type": "string", "maxLength": 8, "pattern": "^(\\*|/[^*]*\\*?)$"}},
          "conds": {"type": "array", "maxItems": 4, "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["type"],
                    "items": {"type": "object", "required": ["type"],
                              "properties": {"type": {"type": "string", "maxLength": 16}}}},
          "pair": {"type": "object",
                   "x-kubernetes-validations": [
                     {"rule": "!has(self.b) || has(self.a)", "message": "b needs a",
                      "fieldPath": ".b"},
                     {"rule": "!has(self.a) || self.a != 'x'", "reason": "FieldValueForbidden",
                      "message": "a may not be x"}],
                   "properties": {"a": {"type": "string", "maxLength": 4},
                                  "b": {"type": "string", "maxLength": 4}}}
        }
      }
    }
  })J");
}

json Object(json spec) {
  return {{"apiVersion", "x.io/v1"}, {"kind", "X"}, {"metadata", {{"name", "n"}}},
          {"spec", std::move(spec)}};
}

TEST(Validate, AcceptsAValidObject) {
  Result r = ValidateObject(TestSchema(), Object({{"level", "None"},
                                                  {"count", 10},
                                                  {"qps", 0.5},
                                                  {"when", "2024-05-01T10:00:00Z"},
                                                  {"urls", {"/metrics", "*"}},
                                                  {"pair", {{"a", "y"}, {"b", "z"}}}}));
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_THAT(r.pruned, IsEmpty());
}

TEST(Validate, ValueErrorsLikeKubeOpenApi) {
  Result r = ValidateObject(TestSchema(), Object({{"level", "metadata"},
                                                  {"count", 11},
                                                  {"qps", 0},
                                                  {"when", "next tuesday"},
                                                  {"urls", {"logs", "/a/*/b", "/x"}}}));
  EXPECT_THAT(
      r.errors,
      ElementsAre(
          "spec.count: Invalid value: 11: spec.count in body should be less than or equal to 10",
          "spec.level: Unsupported value: \"metadata\": supported values: \"None\", \"Metadata\"",
          "spec.qps: Invalid value: 0: spec.qps in body should be greater than 0",
          "spec.urls: Too many: 3: must have at most 2 items",
          "spec.urls[0]: Invalid value: \"logs\": spec.urls[0] in body should match "
          "'^(\\*|/[^*]*\\*?)$'",
          "spec.urls[1]: Invalid value: \"/a/*/b\": spec.urls[1] in body should match "
          "'^(\\*|/[^*]*\\*?)$'",
          "spec.when: Invalid value: \"next tuesday\": spec.when in body must be of type "
          "date-time: \"next tuesday\""));
}

TEST(Validate, RequiredNullsAndPruning) {
  Result r = ValidateObject(TestSchema(), Object({{"level", nullptr},
                                                  {"levle", "None"},
                                                  {"pair", {{"a", "y"}, {"c", 1}}}}));
  // A null for a non-nullable field is dropped, so level is missing.
  EXPECT_THAT(r.errors, ElementsAre("spec.level: Required value"));
  EXPECT_THAT(r.pruned, ElementsAre("spec.levle", "spec.pair.c"));
  EXPECT_FALSE(r.object["spec"].contains("levle"));
  EXPECT_FALSE(r.object["spec"].contains("level"));
}

TEST(Validate, TypeErrorsBlockCel) {
  Result r = ValidateObject(TestSchema(),
                            Object({{"level", "None"}, {"count", "3"}, {"pair", {{"b", "z"}}}}));
  EXPECT_THAT(r.errors,
              ElementsAre("spec.count: Invalid value: \"string\": spec.count in body must be of "
                          "type integer: \"string\"",
                          HasSubstr("some validation rules were not checked")));
}

TEST(Validate, IntegralFloatsAreIntegers) {
  EXPECT_THAT(Validate(TestSchema(), Object({{"level", "None"}, {"count", 5.0}})), IsEmpty());
  EXPECT_THAT(Validate(TestSchema(), Object({{"level", "None"}, {"count", 5.5}})),
              ElementsAre(HasSubstr("must be of type integer"), HasSubstr("not checked")));
}

TEST(Validate, CelRulesWithFieldPathAndReason) {
  EXPECT_THAT(Validate(TestSchema(), Object({{"level", "None"}, {"pair", {{"b", "z"}}}})),
              ElementsAre("spec.pair.b: Invalid value: \"object\": b needs a"));
  EXPECT_THAT(Validate(TestSchema(), Object({{"level", "None"}, {"pair", {{"a", "x"}}}})),
              ElementsAre("spec.pair: Forbidden: a may not be x"));
}

TEST(Validate, ListMapKeysAreUnique) {
  EXPECT_THAT(
      Validate(TestSchema(),
               Object({{"level", "None"}, {"conds", {{{"type", "A"}}, {{"type", "A"}}}}})),
      ElementsAre("spec.conds[1]: Duplicate value: [\"A\"]"));
}

TEST(Validate, MaxLengthCountsRunes) {
  std::string eight_runes = "/\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9";  // 15 bytes
  EXPECT_THAT(Validate(TestSchema(), Object({{"level", "None"}, {"urls", {eight_runes}}})),
              IsEmpty());
  EXPECT_THAT(Validate(TestSchema(), Object({{"level", "None"}, {"urls", {"/123456789"}}})),
              ElementsAre("spec.urls[0]: Too long: may not be more than 8 bytes"));
}

TEST(Metadata, NameIsADnsSubdomain) {
  EXPECT_THAT(ValidateMetadataName(Object(json::object())), IsEmpty());
  EXPECT_THAT(ValidateMetadataName(json::object()), ElementsAre(HasSubstr("Required value")));
  json bad = Object(json::object());
  bad["metadata"]["name"] = "Debug_Rule";
  EXPECT_THAT(ValidateMetadataName(bad), ElementsAre(HasSubstr("RFC 1123 subdomain")));
}

TEST(CheckCelRules, CostsAndCardinality) {
  CelReport r = CheckCelRules(TestSchema());
  EXPECT_THAT(r.errors, IsEmpty());
  ASSERT_EQ(r.rules.size(), 2u);
  EXPECT_EQ(r.rules[0].path, "spec.pair");
  EXPECT_EQ(r.rules[0].cardinality, 1u);
  // !has(self.b) || has(self.a): two presence tests of one selection each (2 + 2) and the !.
  EXPECT_EQ(r.rules[0].expression_cost, 5u);
}

TEST(CheckCelRules, RefusesUnboundedAndUnknown) {
  json s = json::parse(R"J({
    "type": "object",
    "properties": {
      "spec": {"type": "object", "properties": {
        "items": {"type": "array", "items": {"type": "object",
          "x-kubernetes-validations": [{"rule": "self.name.startsWith('a')"},
                                       {"rule": "has(self.nmae)", "fieldPath": ".nope"},
                                       {"rule": "self.all(x, true)"}],
          "properties": {"name": {"type": "string"}}}}}}}})J");
  CelReport r = CheckCelRules(s);
  EXPECT_THAT(r.errors, testing::Contains(HasSubstr("a list above this rule has no maxItems")));
  EXPECT_THAT(r.errors, testing::Contains(HasSubstr("spec.items[*].name has no maxLength")));
  EXPECT_THAT(r.errors, testing::Contains(HasSubstr("undefined field 'nmae'")));
  EXPECT_THAT(r.errors, testing::Contains(HasSubstr("fieldPath \".nope\" does not name a field")));
  EXPECT_THAT(r.errors, testing::Contains(HasSubstr("unsupported macro 'all'")));
}

TEST(CheckCelRules, RefusesOverBudget) {
  // 5000 x 5000 elements, each rule traversing a 4096-byte string: far above 10M.
  json s = json::parse(R"J({"type": "object", "properties": {"a": {"type": "array",
    "maxItems": 5000, "items": {"type": "array", "maxItems": 5000, "items": {
      "type": "string", "maxLength": 1024,
      "x-kubernetes-validations": [{"rule": "self.contains('x')"}]}}}}})J");
  CelReport r = CheckCelRules(s);
  EXPECT_THAT(r.errors, testing::Contains(HasSubstr("exceeds the per-rule budget")));
  EXPECT_THAT(r.errors, testing::Contains(HasSubstr("exceeds the per-CRD budget")));
}

TEST(CheckStructural, FlagsWhatIsNotStructural) {
  json s = json::parse(R"J({"type": "object", "properties": {
    "a": {"description": "no type"},
    "b": {"type": "string", "$ref": "#/x"},
    "c": {"type": "array"},
    "d": {"type": "string", "format": "email"},
    "e": {"type": "array", "items": {"type": "string"}, "uniqueItems": true}}})J");
  std::vector<std::string> errs = CheckStructural(s);
  EXPECT_THAT(errs, testing::Contains("a: type: Required value"));
  EXPECT_THAT(errs, testing::Contains("b: unsupported keyword \"$ref\""));
  EXPECT_THAT(errs, testing::Contains("c: items: Required value (type array)"));
  EXPECT_THAT(errs, testing::Contains(HasSubstr("format \"email\"")));
  EXPECT_THAT(errs, testing::Contains("e: uniqueItems cannot be true"));
}

}  // namespace
}  // namespace kaudit::schema
