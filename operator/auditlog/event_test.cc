#include "auditlog/event.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kaudit::auditlog {
namespace {

// A real-shaped kube-apiserver event (field order as upstream's encoder writes it).
constexpr std::string_view kResourceEvent =
    R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request",)"
    R"("auditID":"a906b18c-0cb5","stage":"ResponseComplete",)"
    R"("requestURI":"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/cp-0)"
    R"(?timeout=10s",)"
    R"("verb":"update","user":{"username":"system:node:cp-0","uid":"u1",)"
    R"("groups":["system:nodes","system:authenticated"],"extra":{"k":["v"]}},)"
    R"("impersonatedUser":{"username":"someone-else","groups":["system:masters"]},)"
    R"j("sourceIPs":["10.0.3.100"],"userAgent":"kubelet/v1.30.0 (linux/amd64)",)j"
    R"("objectRef":{"resource":"leases","namespace":"kube-node-lease","name":"cp-0",)"
    R"("apiGroup":"coordination.k8s.io","apiVersion":"v1","subresource":"status"},)"
    R"("responseStatus":{"metadata":{},"code":200},)"
    R"("requestObject":{"kind":"Lease","metadata":{"name":"cp-0","managedFields":[{"m":"k"}]}},)"
    R"("requestReceivedTimestamp":"2026-01-12T09:30:00.306068Z",)"
    R"("stageTimestamp":"2026-01-12T09:30:00.335423Z","annotations":{"a":"b"}})";

std::string Event(std::string_view extra_members) {
  std::string s = R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"get",)";
  s += extra_members;
  s += "}";
  return s;
}

Status ParseStr(EventParser& p, const std::string& line, ParsedEvent* ev) {
  return p.Parse(line, ev);
}

TEST(EventParserTest, ResourceEventFields) {
  EventParser p;
  ParsedEvent ev;
  ASSERT_TRUE(p.Parse(kResourceEvent, &ev).ok());
  EXPECT_EQ(ev.audit_id, "a906b18c-0cb5");
  EXPECT_EQ(ev.stage, "ResponseComplete");
  EXPECT_EQ(ev.level, "Request");
  EXPECT_EQ(ev.verb, "update");
  EXPECT_EQ(ev.user_agent, "kubelet/v1.30.0 (linux/amd64)");
  EXPECT_EQ(ev.request_received_timestamp, "2026-01-12T09:30:00.306068Z");
  EXPECT_EQ(ev.stage_timestamp, "2026-01-12T09:30:00.335423Z");
  EXPECT_EQ(ev.request_uri,
            "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/cp-0?timeout=10s");
  EXPECT_EQ(ev.username, "system:node:cp-0");
  EXPECT_EQ(ev.resource, "leases");
  EXPECT_EQ(ev.namespace_, "kube-node-lease");
  EXPECT_EQ(ev.api_group, "coordination.k8s.io");
  EXPECT_EQ(ev.line_bytes, kResourceEvent.size());
  EXPECT_FALSE(ev.is_legacy_format);

  const policy::RequestAttributes& a = ev.attrs;
  EXPECT_TRUE(a.has_user);
  EXPECT_EQ(a.user, "system:node:cp-0");  // not impersonatedUser
  ASSERT_EQ(a.groups.size(), 2U);
  EXPECT_EQ(a.groups[0], "system:nodes");
  EXPECT_EQ(a.groups[1], "system:authenticated");
  EXPECT_EQ(a.verb, "update");
  EXPECT_TRUE(a.is_resource_request);
  EXPECT_EQ(a.api_group, "coordination.k8s.io");
  EXPECT_EQ(a.namespace_, "kube-node-lease");
  EXPECT_EQ(a.resource, "leases");
  EXPECT_EQ(a.subresource, "status");
  EXPECT_EQ(a.name, "cp-0");
  // {"kind":"Lease", (16) "metadata": (11) {"name":"cp-0", (15) "managedFields": (16)
  // [{"m":"k"}] (11) }} (2): 71 bytes, of which managedFields 11.
  EXPECT_EQ(ev.request_object_bytes, 71U);
  EXPECT_EQ(ev.response_object_bytes, 0U);
  EXPECT_EQ(ev.managed_fields_bytes, 11U);
}

TEST(EventParserTest, NonResourcePathIsDecodedWithoutQuery) {
  EventParser p;
  ParsedEvent ev;
  ASSERT_TRUE(
      ParseStr(p, Event(R"("user":{"username":"u"},"requestURI":"/api%2Fv1?x=%zz")"), &ev).ok());
  EXPECT_FALSE(ev.attrs.is_resource_request);
  EXPECT_EQ(ev.attrs.path, "/api/v1");  // the query is not decoded, so its bad escape is fine
  EXPECT_EQ(ev.request_uri, "/api%2Fv1?x=%zz");
  EXPECT_EQ(ev.resource, "");

  ASSERT_TRUE(
      ParseStr(p, Event(R"("user":{"username":"u"},"requestURI":"/logs/kube%2dapi+x.log")"), &ev)
          .ok());
  EXPECT_EQ(ev.attrs.path, "/logs/kube-api+x.log");  // lower-case hex; '+' stays '+'
}

TEST(EventParserTest, InvalidPercentEscapeIsAnError) {
  EventParser p;
  ParsedEvent ev;
  Status s = ParseStr(p, Event(R"("user":{"username":"u"},"requestURI":"/a%zz/b")"), &ev);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), R"(requestURI: invalid URL escape "%zz")");
  s = ParseStr(p, Event(R"("user":{"username":"u"},"requestURI":"/a%4")"), &ev);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), R"(requestURI: invalid URL escape "%4")");
  // A resource request's path is not needed, so it is not checked.
  EXPECT_TRUE(ParseStr(p,
                       Event(R"("user":{"username":"u"},"requestURI":"/a%zz",)"
                             R"("objectRef":{"resource":"pods"})"),
                       &ev)
                  .ok());
}

TEST(EventParserTest, HasUser) {
  EventParser p;
  ParsedEvent ev;
  const std::string uri = R"(,"requestURI":"/")";
  ASSERT_TRUE(ParseStr(p, Event(R"("user":{})" + uri), &ev).ok());
  EXPECT_FALSE(ev.attrs.has_user);  // failed authentication
  ASSERT_TRUE(ParseStr(p, Event(R"("user":null)" + uri), &ev).ok());
  EXPECT_FALSE(ev.attrs.has_user);
  ASSERT_TRUE(ParseStr(p, Event(R"("user":{"username":"system:anonymous"})" + uri), &ev).ok());
  EXPECT_TRUE(ev.attrs.has_user);
  EXPECT_TRUE(ev.attrs.groups.empty());
  ASSERT_TRUE(ParseStr(p, Event(R"("user":{"groups":["g"]})" + uri), &ev).ok());
  EXPECT_TRUE(ev.attrs.has_user);
  EXPECT_EQ(ev.attrs.user, "");
}

TEST(EventParserTest, ObjectRefNullIsANonResourceRequest) {
  EventParser p;
  ParsedEvent ev;
  ASSERT_TRUE(
      ParseStr(p, Event(R"("user":{"username":"u"},"requestURI":"/healthz","objectRef":null)"), &ev)
          .ok());
  EXPECT_FALSE(ev.attrs.is_resource_request);
  EXPECT_EQ(ev.attrs.path, "/healthz");
  // An empty objectRef is a resource request with every field "".
  ASSERT_TRUE(
      ParseStr(p, Event(R"("user":{"username":"u"},"requestURI":"/x","objectRef":{})"), &ev).ok());
  EXPECT_TRUE(ev.attrs.is_resource_request);
  EXPECT_EQ(ev.attrs.resource, "");
}

TEST(EventParserTest, StringEscapesAreDecoded) {
  EventParser p;
  ParsedEvent ev;
  ASSERT_TRUE(ParseStr(p,
                       Event(R"("user":{"username":"jos\u00e9","groups":["\u003cg\u003e"]},)"
                             R"("requestURI":"/\u0061pi")"),
                       &ev)
                  .ok());
  EXPECT_EQ(ev.attrs.user, "jos\xc3\xa9");
  ASSERT_EQ(ev.attrs.groups.size(), 1U);
  EXPECT_EQ(ev.attrs.groups[0], "<g>");
  EXPECT_EQ(ev.attrs.path, "/api");
}

TEST(EventParserTest, MemberOrderAndDuplicates) {
  EventParser p;
  ParsedEvent ev;
  // objectRef first, user last, verb twice: the last duplicate wins as in Go.
  ASSERT_TRUE(p.Parse(R"({"objectRef":{"name":"n","resource":"pods"},"verb":"get",)"
                      R"("requestURI":"/api/v1/pods","verb":"list","user":{"username":"a"}})",
                      &ev)
                  .ok());
  EXPECT_EQ(ev.attrs.verb, "list");
  EXPECT_EQ(ev.attrs.resource, "pods");
  EXPECT_EQ(ev.attrs.name, "n");
  EXPECT_EQ(ev.attrs.user, "a");
}

TEST(EventParserTest, BodySizesAndManagedFields) {
  EventParser p;
  ParsedEvent ev;
  // requestObject is a JSON-patch array (no metadata); responseObject a list whose items carry
  // managedFields: [1] is 3 bytes, [22,{}] is 7.
  std::string line = Event(
      R"("user":{"username":"u"},"requestURI":"/api/v1/pods","objectRef":{"resource":"pods"},)"
      R"("requestObject":[{"op":"add"}],)"
      R"("responseObject":{"kind":"PodList","metadata":{"resourceVersion":"1"},"items":[)"
      R"({"metadata":{"name":"a","managedFields":[1]}},{"metadata":{"managedFields":[22,{}]}},)"
      R"({"spec":{}}]})");
  ASSERT_TRUE(p.Parse(line, &ev).ok());
  EXPECT_EQ(ev.request_object_bytes, std::string_view(R"([{"op":"add"}])").size());
  EXPECT_EQ(
      ev.response_object_bytes,
      std::string_view(
          R"({"kind":"PodList","metadata":{"resourceVersion":"1"},"items":[)"
          R"({"metadata":{"name":"a","managedFields":[1]}},{"metadata":{"managedFields":[22,{}]}},)"
          R"({"spec":{}}]})")
          .size());
  EXPECT_EQ(ev.managed_fields_bytes, 10U);

  // Whitespace inside a body counts (it is in the log); null is absent.
  ASSERT_TRUE(ParseStr(p,
                       Event(R"("user":{"username":"u"},"requestURI":"/",)"
                             R"("requestObject":{ "a" : 1 },"responseObject":null)"),
                       &ev)
                  .ok());
  EXPECT_EQ(ev.request_object_bytes, 11U);
  EXPECT_EQ(ev.response_object_bytes, 0U);
  EXPECT_EQ(ev.managed_fields_bytes, 0U);
}

TEST(EventParserTest, ParserIsReusedWithoutLeakingFields) {
  EventParser p;
  ParsedEvent ev;
  ASSERT_TRUE(p.Parse(kResourceEvent, &ev).ok());
  ASSERT_TRUE(ParseStr(p, Event(R"("user":{},"requestURI":"/metrics")"), &ev).ok());
  EXPECT_FALSE(ev.attrs.is_resource_request);
  EXPECT_FALSE(ev.attrs.has_user);
  EXPECT_TRUE(ev.attrs.groups.empty());
  EXPECT_EQ(ev.attrs.name, "");
  EXPECT_EQ(ev.attrs.subresource, "");
  EXPECT_EQ(ev.audit_id, "");
  EXPECT_EQ(ev.request_object_bytes, 0U);
  EXPECT_EQ(ev.managed_fields_bytes, 0U);
  EXPECT_EQ(ev.attrs.path, "/metrics");
}

TEST(EventParserTest, SurroundingWhitespaceAndCarriageReturnAreAccepted) {
  EventParser p;
  ParsedEvent ev;
  std::string line = "  " + Event(R"("user":{"username":"u"},"requestURI":"/")") + " \r";
  ASSERT_TRUE(p.Parse(line, &ev).ok());
  EXPECT_EQ(ev.line_bytes, line.size());
}

struct BadCase {
  std::string line;
  std::string message_part;
};

TEST(EventParserTest, InvalidEventsNameTheProblem) {
  const std::string ok_user = R"("user":{"username":"u"},"requestURI":"/")";
  const std::vector<BadCase> cases = {
      {"not json at all", "not an audit event"},
      {"[1,2]", "expected a JSON object"},
      {R"({"verb":"get")", "not valid JSON"},
      {Event(ok_user) + " {}", "not valid JSON"},  // a second value after the event
      {R"({"kind":"Pod","verb":"get","user":{},"requestURI":"/"})", R"(kind: "Pod")"},
      {R"({"apiVersion":"v1","verb":"get","user":{},"requestURI":"/"})", R"(apiVersion: "v1")"},
      {R"({"user":{},"requestURI":"/"})", "verb: required field is missing"},
      {R"({"verb":"get","requestURI":"/"})", "user: required field is missing"},
      {R"({"verb":"get","user":{}})", "requestURI: required field is missing"},
      {Event(R"("user":"alice","requestURI":"/")"), "user: expected an object, got a string"},
      {Event(R"("user":{"groups":"g"},"requestURI":"/")"),
       "user.groups: expected an array of strings, got a string"},
      {Event(R"("user":{"groups":["a",1]},"requestURI":"/")"),
       "user.groups: expected an array of strings, got a number"},
      {Event(R"("user":{"username":7},"requestURI":"/")"),
       "user.username: expected a string, got a number"},
      {Event(ok_user + R"(,"objectRef":{"name":true})"),
       "objectRef.name: expected a string, got a boolean"},
      {Event(ok_user + R"(,"objectRef":[])"), "objectRef: expected an object, got an array"},
      {R"({"verb":5,"user":{},"requestURI":"/"})", "verb: expected a string, got a number"},
      {Event(R"("user":{},"requestURI":"/\xff")"), "not valid JSON"},
  };
  EventParser p;
  for (const BadCase& c : cases) {
    ParsedEvent ev;
    Status s = p.Parse(c.line, &ev);
    ASSERT_FALSE(s.ok()) << c.line;
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.line;
    EXPECT_NE(s.message().find(c.message_part), std::string::npos)
        << c.line << "\n  got: " << s.message();
  }
  // The parser still works after errors.
  ParsedEvent ev;
  EXPECT_TRUE(p.Parse(kResourceEvent, &ev).ok());
}

TEST(EventParserTest, V1beta1EventsAndMissingKindAreAccepted) {
  EventParser p;
  ParsedEvent ev;
  EXPECT_TRUE(p.Parse(R"({"apiVersion":"audit.k8s.io/v1beta1","kind":"Event","verb":"get",)"
                      R"("user":{},"requestURI":"/"})",
                      &ev)
                  .ok());
  EXPECT_TRUE(p.Parse(R"({"verb":"get","user":{},"requestURI":"/"})", &ev).ok());
}

TEST(EventParserTest, LegacyFormatLine) {
  // As upstream's EventString writes it (groups are %q-quoted twice).
  const std::string line =
      R"(2026-01-12T09:30:00.306068Z AUDIT: id="a9-06" stage="ResponseComplete" )"
      R"(ip="10.0.3.100" method="get" user="system:node:cp-0" )"
      R"(groups="\"system:nodes\",\"system:authenticated\"" as="<self>" asgroups="<lookup>" )"
      R"(user-agent="kubelet/v1.30 \"q\"" namespace="kube-node-lease" )"
      R"(uri="/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/cp-0" response="200")";
  EventParser p;
  ParsedEvent ev;
  ASSERT_TRUE(p.Parse(line, &ev).ok());
  EXPECT_TRUE(ev.is_legacy_format);
  EXPECT_EQ(ev.request_received_timestamp, "2026-01-12T09:30:00.306068Z");
  EXPECT_EQ(ev.audit_id, "a9-06");
  EXPECT_EQ(ev.stage, "ResponseComplete");
  EXPECT_EQ(ev.verb, "get");
  EXPECT_EQ(ev.username, "system:node:cp-0");
  EXPECT_EQ(ev.user_agent, "kubelet/v1.30 \"q\"");
  EXPECT_EQ(ev.namespace_, "kube-node-lease");
  EXPECT_EQ(ev.request_uri, "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/cp-0");
  ASSERT_EQ(ev.attrs.groups.size(), 2U);
  EXPECT_EQ(ev.attrs.groups[0], "system:nodes");
  EXPECT_EQ(ev.attrs.groups[1], "system:authenticated");
  EXPECT_EQ(ev.line_bytes, line.size());

  const std::string anon =
      R"(2026-01-12T09:30:00Z AUDIT: id="x" stage="RequestReceived" ip="<unknown>" )"
      R"(method="get" user="<none>" groups="<none>" as="<self>" asgroups="<lookup>" )"
      R"(user-agent="curl" namespace="<none>" uri="/healthz" response="<deferred>")";
  ASSERT_TRUE(p.Parse(anon, &ev).ok());
  EXPECT_TRUE(ev.is_legacy_format);
  EXPECT_EQ(ev.username, "");
  EXPECT_EQ(ev.namespace_, "");
  EXPECT_FALSE(ev.attrs.has_user);
  EXPECT_TRUE(ev.attrs.groups.empty());

  EXPECT_FALSE(p.Parse(R"(2026-01-12T09:30:00Z AUDIT: id="unterminated)", &ev).ok());
}

TEST(EventParserTest, ParseAndParsePaddedAgree) {
  std::string padded(kResourceEvent);
  padded.append(EventParser::kPadding, '\0');
  EventParser p1, p2;
  ParsedEvent a, b;
  ASSERT_TRUE(p1.Parse(kResourceEvent, &a).ok());
  ASSERT_TRUE(p2.ParsePadded(std::string_view(padded.data(), kResourceEvent.size()), &b).ok());
  EXPECT_EQ(a.attrs.user, b.attrs.user);
  EXPECT_EQ(a.attrs.resource, b.attrs.resource);
  EXPECT_EQ(a.request_object_bytes, b.request_object_bytes);
  EXPECT_EQ(a.managed_fields_bytes, b.managed_fields_bytes);
  EXPECT_EQ(a.line_bytes, b.line_bytes);
}

TEST(EventParserTest, BlankLines) {
  EXPECT_TRUE(IsBlankLine(""));
  EXPECT_TRUE(IsBlankLine(" \t\r"));
  EXPECT_FALSE(IsBlankLine(" x "));
  EXPECT_FALSE(IsBlankLine("{}"));
}

}  // namespace
}  // namespace kaudit::auditlog
