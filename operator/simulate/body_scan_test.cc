// The vectorised body scan against the auditlog parser's own (scalar, independently written)
// measurement, on hand-made edge cases and on many random events whose strings are full of
// quotes, backslashes and brackets placed across 64-byte block boundaries.
#include "simulate/body_scan.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "auditlog/event.h"
#include "simulate/test_util.h"

namespace kaudit::simulate {
namespace {

using testing::EventLine;
using testing::EventSpec;

BodySpans Scan(const std::string& line) {
  std::string padded = line + std::string(kBodyScanPadding, 'x');  // garbage after the line
  return ScanBodies(std::string_view(padded.data(), line.size()));
}

// What the parser measures (request, response, managed fields in both).
struct Reference {
  std::size_t request = 0, response = 0, managed = 0;
};

Reference Parse(const std::string& line) {
  auditlog::EventParser parser;  // measure_bodies defaults to on
  auditlog::ParsedEvent e;
  Status s = parser.Parse(line, &e);
  EXPECT_TRUE(s.ok()) << s.ToString() << "\n" << line;
  return Reference{e.request_object_bytes, e.response_object_bytes, e.managed_fields_bytes};
}

void ExpectAgrees(const std::string& line) {
  BodySpans got = Scan(line);
  Reference want = Parse(line);
  EXPECT_TRUE(got.balanced) << line;
  EXPECT_EQ(got.request_bytes, want.request) << line;
  EXPECT_EQ(got.response_bytes, want.response) << line;
  EXPECT_EQ(got.request_managed_bytes + got.response_managed_bytes, want.managed) << line;
  // With the bodies cut out the line still parses, to the same request.
  std::string padded = line + std::string(kBodyScanPadding, ' ');
  std::string cut = padded.substr(0, CutBodies(padded.data(), line.size(), got));
  auditlog::EventParser parser;
  auditlog::ParsedEvent a, b;
  ASSERT_TRUE(parser.Parse(line, &a).ok());
  std::string user_a(a.username), verb_a(a.verb), resource_a(a.resource);
  Status s = parser.Parse(cut, &b);
  ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << cut;
  EXPECT_EQ(b.username, user_a);
  EXPECT_EQ(b.verb, verb_a);
  EXPECT_EQ(b.resource, resource_a);
}

TEST(BodyScanTest, HandWorkedSpans) {
  EventSpec e;
  e.level = "RequestResponse";
  const std::string mf_req = R"([{"manager":"kubectl","fieldsV1":{"f:data":{}}}])";
  const std::string mf_resp = R"([{"manager":"a"},{"manager":"b"}])";
  e.request_object = R"({"kind":"ConfigMap","metadata":{"name":"x","managedFields":)" + mf_req +
                     R"(},"data":{"k":"v with \"quotes\" and {braces}"}})";
  e.response_object = R"({"metadata":{"managedFields":)" + mf_resp + R"(}})";
  BodySpans b = Scan(EventLine(e));
  EXPECT_EQ(b.request_bytes, e.request_object.size());
  EXPECT_EQ(b.response_bytes, e.response_object.size());
  EXPECT_EQ(b.request_managed_bytes, mf_req.size());
  EXPECT_EQ(b.response_managed_bytes, mf_resp.size());
  ExpectAgrees(EventLine(e));
}

TEST(BodyScanTest, ListsPatchesNullsAndLookalikes) {
  EventSpec list;
  list.level = "RequestResponse";
  list.verb = "list";
  const std::string mf = R"([{"m":1}])";
  list.response_object = R"({"kind":"PodList","metadata":{"resourceVersion":"1"},"items":[)"
                         R"({"metadata":{"name":"a","managedFields":)" +
                         mf +
                         R"(}},)"
                         R"({"metadata":{"name":"b"},"spec":{"managedFields":[1,2,3]}},)"
                         R"({"metadata":{"name":"c","managedFields":)" +
                         mf + R"(}}]})";
  BodySpans b = Scan(EventLine(list));
  EXPECT_EQ(b.response_bytes, list.response_object.size());
  EXPECT_EQ(b.response_managed_bytes, 2 * mf.size());  // not spec.managedFields
  ExpectAgrees(EventLine(list));

  EventSpec patch;
  patch.level = "Request";
  patch.verb = "patch";
  patch.request_object = R"([{"op":"replace","path":"/metadata/labels/a","value":"}]"}])";
  b = Scan(EventLine(patch));
  EXPECT_EQ(b.request_bytes, patch.request_object.size());
  ExpectAgrees(EventLine(patch));

  // null bodies count as absent; a user.extra key named requestObject is not the body.
  EventSpec tricky;
  tricky.level = "RequestResponse";
  tricky.groups = R"(["g"],"extra":{"requestObject":["{not a body}"]})";
  tricky.request_object = "null";
  tricky.response_object = R"({"a":"\\\"requestObject\\\":{}"})";
  b = Scan(EventLine(tricky));
  EXPECT_EQ(b.request_bytes, 0u);
  EXPECT_EQ(b.response_bytes, tricky.response_object.size());
  ExpectAgrees(EventLine(tricky));
}

TEST(BodyScanTest, WhitespaceAroundKeysAndColons) {
  std::string line =
      R"({ "kind" : "Event", "level":"RequestResponse", "verb":"get", "requestURI":"/x",)"
      R"( "user" : {"username":"u"},)"
      R"( "requestObject" : { "metadata" : { "managedFields" : [ 1 ] } } ,)"
      R"( "responseObject":{"items":[ { "metadata": {"managedFields":[2, 3]} } ]} })";
  BodySpans b = Scan(line);
  EXPECT_EQ(b.request_bytes, std::string(R"({ "metadata" : { "managedFields" : [ 1 ] } })").size());
  EXPECT_EQ(b.request_managed_bytes, 5u);   // [ 1 ]
  EXPECT_EQ(b.response_managed_bytes, 6u);  // [2, 3]
  ExpectAgrees(line);
}

TEST(BodyScanTest, CutBodiesLeavesEmptyObjectsAndTheRestOfTheLine) {
  EventSpec e;
  e.level = "RequestResponse";
  e.request_object = R"({"kind":"Secret","data":{"k":"a \"quoted\" {value}"}})";
  e.response_object = R"([{"op":"add"}])";
  std::string line = EventLine(e);
  std::string padded = line + std::string(kBodyScanPadding, ' ');
  BodySpans b = ScanBodies(std::string_view(padded.data(), line.size()));
  ASSERT_TRUE(b.balanced);
  std::size_t n = CutBodies(padded.data(), line.size(), b);
  EventSpec cut = e;
  cut.request_object = "{}";
  cut.response_object = "{}";
  EXPECT_EQ(padded.substr(0, n), EventLine(cut));
}

TEST(BodyScanTest, BalancedOnlyWhenTheEventObjectEndsTheLine) {
  EventSpec e;
  e.level = "Request";
  e.request_object = R"({"a":1})";
  std::string line = EventLine(e);
  EXPECT_TRUE(Scan(line).balanced);
  EXPECT_TRUE(Scan(line + " \r").balanced);
  EXPECT_FALSE(Scan(line.substr(0, line.size() - 10)).balanced);  // cut off
  EXPECT_FALSE(Scan(line + "{}").balanced);                       // something after it
  EXPECT_FALSE(Scan("not json at all").balanced);
}

TEST(BodyScanTest, PeekLevel) {
  EventSpec e;
  e.level = "RequestResponse";
  EXPECT_EQ(PeekLevel(EventLine(e)), "RequestResponse");
  EXPECT_EQ(PeekLevel(R"({"kind":"Event"})"), "");
  EXPECT_EQ(PeekLevel("2024-05-01T10:00:00Z AUDIT: id=\"x\""), "");
}

// Random JSON whose strings are hostile to a quote/bracket scanner.
class RandomJson {
 public:
  explicit RandomJson(uint32_t seed) : rng_(seed) {}

  std::string String() {
    static const char kChars[] = {'"', '\\', '{', '}', '[', ']', ':', ',', 'a', ' ', 'n'};
    std::string raw;
    std::size_t n = rng_() % 90;
    for (std::size_t i = 0; i < n; ++i) raw += kChars[rng_() % sizeof kChars];
    std::string out = "\"";
    for (char c : raw) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  }

  std::string Value(int depth) {
    switch (depth > 4 ? rng_() % 3 : rng_() % 6) {
      case 0:
        return String();
      case 1:
        return std::to_string(rng_() % 100000);
      case 2:
        return rng_() % 2 ? "null" : "true";
      case 3:
        return Array(depth + 1);
      default:
        return Object(depth + 1, false);
    }
  }

  std::string Array(int depth) {
    std::string out = "[";
    for (std::size_t i = 0, n = rng_() % 4; i < n; ++i) out += (i ? "," : "") + Value(depth);
    return out + "]";
  }

  // with_k8s: sometimes add metadata.managedFields and items, the keys the scan looks for.
  std::string Object(int depth, bool with_k8s) {
    std::string out = "{";
    std::size_t n = rng_() % 5;
    for (std::size_t i = 0; i < n; ++i) {
      out += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\":" + Value(depth);
    }
    if (with_k8s && rng_() % 2) {
      out += std::string(n ? "," : "") + "\"metadata\":{\"name\":" + String() +
             ",\"managedFields\":" + Array(depth + 2) + "}";
      n = 1;
    }
    if (with_k8s && rng_() % 3 == 0) {
      out += std::string(n ? "," : "") + "\"items\":[";
      for (int i = 0, k = static_cast<int>(rng_() % 3); i < k; ++i) {
        out += std::string(i ? "," : "") + "{\"metadata\":{\"managedFields\":" + Array(depth + 3) +
               "},\"x\":" + String() + "}";
      }
      out += "]";
    }
    return out + "}";
  }

 private:
  std::mt19937 rng_;
};

TEST(BodyScanTest, AgreesWithTheParserOnRandomEvents) {
  RandomJson gen(20240501);
  for (int i = 0; i < 3000; ++i) {
    EventSpec e;
    e.level = "RequestResponse";
    e.user = "u" + std::to_string(i);
    if (i % 4 != 0) e.request_object = gen.Object(1, true);
    if (i % 3 != 0) e.response_object = gen.Object(1, true);
    if (i % 11 == 0) e.request_object = gen.Array(1);
    ExpectAgrees(EventLine(e));
    if (HasFailure()) return;
  }
}

TEST(BodyScanTest, AgreesWithTheParserOnTheConformanceEvents) {
  auditlog::EventParser parser;
  std::ifstream in("tests/fixtures/conformance/eval/events.jsonl");
  ASSERT_TRUE(in.good());
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (auditlog::IsBlankLine(line)) continue;
    ExpectAgrees(line);
    ++n;
  }
  EXPECT_GT(n, 1000);
}

}  // namespace
}  // namespace kaudit::simulate
