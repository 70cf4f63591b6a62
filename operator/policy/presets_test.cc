// The presets: each one's exact rule list (golden files written and reviewed by hand in
// tests/fixtures/render/), that kube-apiserver loads it, and what it does to typical requests
// (expected levels worked out from the rule lists and audit-semantics.md §3).
#include "policy/presets.h"

#include <gtest/gtest.h>

#include "policy/loader.h"
#include "policy/render.h"
#include "policy/render_testing.h"

namespace kaudit::policy {
namespace {

using testing::As;
using testing::LevelOf;
using testing::Request;
using testing::Res;
using testing::Url;

constexpr Preset kAll[] = {Preset::kNone, Preset::kMetadata, Preset::kWriteRequestBodies,
                           Preset::kAllRequestBodies, Preset::kRecommended};

RenderedConfig RenderPreset(Preset p, bool preamble) {
  RenderOptions opts;
  opts.locked_preamble = preamble;
  StatusOr<RenderedConfig> r = Render({testing::Profile("p", p)}, opts);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : RenderedConfig{};
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

TEST(PresetsTest, NamesRoundTripAndAreCaseSensitive) {
  for (Preset p : kAll) EXPECT_EQ(ParsePreset(PresetName(p)), p);
  EXPECT_FALSE(ParsePreset("recommended"));
  EXPECT_FALSE(ParsePreset("Default"));
  EXPECT_FALSE(ParsePreset(""));
}

TEST(PresetsTest, EachPresetMatchesItsHandWrittenGolden) {
  for (Preset p : kAll) {
    SCOPED_TRACE(PresetName(p));
    std::string golden = testing::ReadFixture("preset-" + Lower(PresetName(p)) + ".yaml");
    EXPECT_EQ(RenderPreset(p, false).policy_yaml, golden);
  }
}

TEST(PresetsTest, EveryPresetEndsWithACatchAll) {
  for (Preset p : kAll) {
    const PolicyRule& last = PresetRules(p).back().rule;
    PolicyRule catch_all;
    catch_all.level = last.level;
    catch_all.omit_stages = last.omit_stages;
    EXPECT_EQ(last, catch_all) << PresetName(p);
  }
}

TEST(PresetsTest, EveryPresetLoadsInKubeApiserverWithAndWithoutThePreamble) {
  for (Preset p : kAll) {
    for (bool preamble : {false, true}) {
      SCOPED_TRACE(std::string(PresetName(p)) + (preamble ? " with preamble" : ""));
      RenderedConfig r = RenderPreset(p, preamble);
      LoadResult loaded = LoadPolicy(r.policy_yaml, {.strict = true});
      EXPECT_TRUE(loaded.ok) << (loaded.errors.empty() ? "" : loaded.errors[0]);
      EXPECT_TRUE(loaded.warnings.empty());
      EXPECT_EQ(loaded.policy, r.policy);
    }
  }
}

TEST(PresetsTest, EveryPurposeIsOneLine) {
  for (Preset p : kAll) {
    for (const CuratedRule& r : PresetRules(p)) {
      EXPECT_FALSE(r.purpose.empty());
      EXPECT_EQ(r.purpose.find('\n'), std::string::npos);
    }
  }
}

// Without the preamble: every preset must already keep credentials out of the log by itself.
TEST(PresetsTest, CredentialsNeverAboveMetadataEvenWithoutThePreamble) {
  const Request credentials[] = {Res("create", "", "secrets"), Res("list", "", "secrets"),
                                 Res("create", "", "serviceaccounts", "token"),
                                 Res("create", "authentication.k8s.io", "tokenreviews")};
  for (Preset p : kAll) {
    Policy policy = RenderPreset(p, false).policy;
    for (const Request& req : credentials) {
      Level want = p == Preset::kNone ? Level::kNone : Level::kMetadata;
      EXPECT_EQ(LevelOf(policy, req), want)
          << PresetName(p) << " " << req.verb << " " << req.resource;
    }
  }
}

struct Row {
  const char* what;
  Request req;
  Level metadata, write_bodies, all_bodies, recommended;
};

TEST(PresetsTest, LevelsOfTypicalRequests) {
  const Request probe = As(Url("get", "/readyz"), "system:anonymous", {"system:unauthenticated"});
  Request bad_token = Url("get", "/healthz");
  bad_token.has_user = false;
  using L = Level;
  const Row rows[] = {
      {"kubelet readiness probe", probe, L::kNone, L::kNone, L::kNone, L::kNone},
      {"probe with a bad token", bad_token, L::kMetadata, L::kMetadata, L::kRequestResponse,
       L::kMetadata},
      {"discovery", Url("get", "/apis/apps/v1"), L::kNone, L::kNone, L::kNone, L::kNone},
      {"metrics scrape", Url("get", "/metrics"), L::kMetadata, L::kMetadata, L::kRequestResponse,
       L::kMetadata},
      {"event write", Res("create", "events.k8s.io", "events"), L::kNone, L::kNone, L::kNone,
       L::kNone},
      {"deployment create", Res("create", "apps", "deployments"), L::kMetadata, L::kRequestResponse,
       L::kRequestResponse, L::kRequestResponse},
      {"pod read", Res("get", "", "pods"), L::kMetadata, L::kMetadata, L::kRequestResponse,
       L::kRequest},
      {"pod exec", Res("create", "", "pods", "exec"), L::kMetadata, L::kRequestResponse,
       L::kRequestResponse, L::kRequestResponse},
      {"configmap update", Res("update", "", "configmaps"), L::kMetadata, L::kRequestResponse,
       L::kRequestResponse, L::kMetadata},
      {"custom resource create", Res("create", "example.com", "widgets"), L::kMetadata,
       L::kRequestResponse, L::kRequestResponse, L::kMetadata},
      {"admin updates a lease", Res("update", "coordination.k8s.io", "leases"), L::kMetadata,
       L::kRequestResponse, L::kRequestResponse, L::kRequestResponse},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(LevelOf(RenderPreset(Preset::kMetadata, false).policy, row.req), row.metadata)
        << row.what;
    EXPECT_EQ(LevelOf(RenderPreset(Preset::kWriteRequestBodies, false).policy, row.req),
              row.write_bodies)
        << row.what;
    EXPECT_EQ(LevelOf(RenderPreset(Preset::kAllRequestBodies, false).policy, row.req),
              row.all_bodies)
        << row.what;
    EXPECT_EQ(LevelOf(RenderPreset(Preset::kRecommended, false).policy, row.req), row.recommended)
        << row.what;
  }
}

TEST(PresetsTest, RecommendedDropsHeartbeatsButKeepsPeople) {
  Policy rec = RenderPreset(Preset::kRecommended, false).policy;
  const std::vector<std::string> node = {"system:nodes", "system:authenticated"};
  const std::vector<std::string> sa = {
      "system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"};
  const std::string proxy = "system:serviceaccount:kube-system:kube-proxy";
  EXPECT_EQ(LevelOf(rec, As(Res("watch", "discovery.k8s.io", "endpointslices"), proxy, sa)),
            Level::kNone);
  EXPECT_EQ(LevelOf(rec, As(Res("watch", "", "services"), "system:kube-proxy", {})), Level::kNone);
  EXPECT_EQ(
      LevelOf(rec, As(Res("update", "coordination.k8s.io", "leases"), "system:node:n1", node)),
      Level::kNone);
  EXPECT_EQ(LevelOf(rec, As(Res("update", "coordination.k8s.io", "leases"), "system:kube-scheduler",
                            {"system:authenticated"})),
            Level::kNone);
  EXPECT_EQ(LevelOf(rec, As(Res("patch", "", "nodes", "status"), "system:node:n1", node)),
            Level::kNone);
  EXPECT_EQ(LevelOf(rec, As(Res("get", "", "nodes"), "system:node:n1", node)), Level::kNone);
  // Not heartbeats: kept.
  EXPECT_EQ(LevelOf(rec, As(Res("patch", "", "pods", "status"), "system:node:n1", node)),
            Level::kRequest);
  EXPECT_EQ(LevelOf(rec, As(Res("delete", "", "nodes"), "system:node:n1", node)),
            Level::kRequestResponse);
  EXPECT_EQ(
      LevelOf(rec, As(Res("create", "coordination.k8s.io", "leases"), "system:node:n1", node)),
      Level::kRequestResponse);
  EXPECT_EQ(LevelOf(rec, Res("watch", "", "services")), Level::kRequest);  // alice, not kube-proxy
}

TEST(PresetsTest, BodyLevelsSkipTheRequestReceivedStage) {
  Policy rec = RenderPreset(Preset::kRecommended, false).policy;
  Decision d = testing::Decide(rec, Res("create", "apps", "deployments"));
  EXPECT_TRUE(d.Omits(Stage::kRequestReceived));
  EXPECT_FALSE(d.Omits(Stage::kResponseComplete));
}

}  // namespace
}  // namespace kaudit::policy
