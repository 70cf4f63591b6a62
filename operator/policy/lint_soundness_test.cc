// Soundness of lint's claims, checked against the evaluator (eval.h, upstream's checker) on
// random policies and every request of a small universe: whatever lint calls shadowed must make
// no difference to any decision when removed, and a policy lint passes for credentials must
// never log them with their bodies. The seed is fixed, so a failure reproduces.
#include <gtest/gtest.h>

// Rules are written as designated initializers naming only the fields a case is about.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <random>
#include <span>
#include <string>
#include <vector>

#include "policy/eval.h"
#include "policy/lint.h"
#include "policy/lint_match.h"

namespace kaudit::policy {
namespace {

using lint_internal::AnalyzeCoverage;
using lint_internal::Coverage;
using lint_internal::Element;
using lint_internal::Selector;
using lint_internal::ToSelector;

// A request with its own storage; Attributes() points into it.
struct Request {
  bool has_user = false;
  std::string user;
  std::vector<std::string> groups;
  std::vector<std::string_view> group_views;
  std::string verb;
  bool resource = false;
  std::string api_group, ns, res, sub, name, path;

  RequestAttributes Attributes() const {
    RequestAttributes a;
    a.has_user = has_user;
    a.user = user;
    a.groups = group_views;
    a.verb = verb;
    a.is_resource_request = resource;
    a.api_group = api_group;
    a.namespace_ = ns;
    a.resource = res;
    a.subresource = sub;
    a.name = name;
    a.path = path;
    return a;
  }
};

std::vector<Request> Universe() {
  struct User {
    bool has;
    const char* name;
    std::vector<std::string> groups;
  };
  const std::vector<User> users = {{false, "", {}},
                                   {true, "alice", {"g1"}},
                                   {true, "bob", {"g2"}},
                                   {true, "carol", {"g1", "g2"}}};
  struct Target {
    const char* group;
    const char* res;
    const char* sub;
  };
  const std::vector<Target> targets = {{"", "pods", ""},
                                       {"", "pods", "log"},
                                       {"", "pods", "status"},
                                       {"", "secrets", ""},
                                       {"", "serviceaccounts", "token"},
                                       {"", "configmaps", ""},
                                       {"apps", "deployments", ""},
                                       {"apps", "deployments", "scale"},
                                       {"authentication.k8s.io", "tokenreviews", ""}};
  const std::vector<std::string> paths = {"/metrics", "/api",          "/apis",   "/apis/apps",
                                          "/healthz", "/healthz/etcd", "/version"};
  std::vector<Request> out;
  for (const User& u : users) {
    for (const char* verb : {"get", "list", "watch", "create", "update", "delete", "post"}) {
      Request base;
      base.has_user = u.has;
      base.user = u.name;
      base.groups = u.groups;
      base.verb = verb;
      for (const Target& t : targets) {
        for (const char* ns : {"", "a", "b"}) {
          for (const char* name : {"", "x", "y"}) {
            Request r = base;
            r.resource = true;
            r.api_group = t.group;
            r.res = t.res;
            r.sub = t.sub;
            r.ns = ns;
            r.name = name;
            out.push_back(std::move(r));
          }
        }
      }
      for (const std::string& p : paths) {
        Request r = base;
        r.path = p;
        out.push_back(std::move(r));
      }
    }
  }
  for (Request& r : out) r.group_views.assign(r.groups.begin(), r.groups.end());
  return out;
}

class RandomPolicies {
 public:
  explicit RandomPolicies(unsigned seed) : rng_(seed) {}

  Policy Next() {
    Policy p;
    int n = 2 + Int(4);
    for (int i = 0; i < n; ++i) {
      if (i > 0 && Int(10) < 3) {
        p.rules.push_back(Mutate(p.rules[static_cast<std::size_t>(Int(i))]));
      } else {
        p.rules.push_back(Fresh());
      }
    }
    return p;
  }

 private:
  int Int(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  std::vector<std::string> Some(const std::vector<std::string>& vocab, bool may_be_empty = true) {
    if (may_be_empty && Int(2) == 0) return {};
    std::vector<std::string> out;
    int n = 1 + Int(2);
    for (int i = 0; i < n; ++i)
      out.push_back(vocab[static_cast<std::size_t>(Int(static_cast<int>(vocab.size())))]);
    return out;
  }

  PolicyRule Fresh() {
    static const std::vector<std::string> kLevels = {"None", "Metadata", "Request",
                                                     "RequestResponse"};
    PolicyRule r;
    r.level = kLevels[static_cast<std::size_t>(Int(4))];
    r.users = Some({"alice", "bob"});
    r.user_groups = Some({"g1", "g2"});
    r.verbs = Some({"get", "list", "watch", "create", "post"});
    if (Int(3) == 0) r.omit_stages = {"RequestReceived"};
    switch (Int(3)) {
      case 0:
        r.namespaces = Some({"", "a"});
        for (int k = Int(3); k > 0 || (r.namespaces.empty() && r.resources.empty()); --k) {
          r.resources.push_back(Entry());
        }
        break;
      case 1:
        r.non_resource_urls =
            Some({"/metrics", "/api*", "/apis/*", "/healthz*", "/healthz", "*", "/api"}, false);
        break;
      default:
        break;  // matches every kind of request
    }
    return r;
  }

  GroupResources Entry() {
    GroupResources gr;
    gr.group = Some({"", "apps", "authentication.k8s.io"}, false)[0];
    if (Int(4) == 0) return gr;  // the whole group
    gr.resources =
        Some({"pods", "pods/log", "pods/*", "*/log", "*", "secrets", "deployments", "deployments/*",
              "*/scale", "*/*", "serviceaccounts/token", "configmaps", "tokenreviews"},
             false);
    gr.resource_names = Int(3) == 0 ? Some({"", "x"}, false) : std::vector<std::string>{};
    return gr;
  }

  // An earlier rule narrowed (a list gains a restriction) or widened (a list is emptied), so
  // that subsumption is common.
  PolicyRule Mutate(PolicyRule r) {
    static const std::vector<std::string> kLevels = {"None", "Metadata", "Request",
                                                     "RequestResponse"};
    if (Int(2) == 0) r.level = kLevels[static_cast<std::size_t>(Int(4))];
    switch (Int(5)) {
      case 0:
        r.verbs = Some({"get", "list", "watch"}, false);
        break;
      case 4:
        // Same group, other resource strings: pattern against pattern.
        if (!r.resources.empty()) {
          r.resources[0].resources = Entry().resources;
          if (r.resources[0].resources.empty()) r.resources[0].resources = {"pods/*"};
        }
        break;
      case 1:
        r.users = Int(2) ? std::vector<std::string>{} : Some({"alice", "bob"}, false);
        break;
      case 2:
        r.user_groups = Some({"g1", "g2"});
        break;
      default:
        if (!r.resources.empty()) r.resources.pop_back();
        if (r.resources.empty() && r.namespaces.empty() && Int(2)) r.namespaces = {"a"};
        break;
    }
    return r;
  }

  std::mt19937 rng_;
};

struct Decisions {
  std::vector<Decision> all;
};

Decisions EvaluateAll(const Policy& p, const std::vector<RequestAttributes>& reqs) {
  StatusOr<CompiledPolicy> c = CompiledPolicy::Compile(p);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  Decisions d;
  if (!c.ok()) return d;
  for (const RequestAttributes& r : reqs) d.all.push_back(c->Evaluate(r));
  return d;
}

bool SameEffect(const Decision& a, const Decision& b) {
  return a.level == b.level && a.omit_stages == b.omit_stages &&
         a.omit_managed_fields == b.omit_managed_fields;
}

// The policy with one listed element of rule j removed, as the partially-shadowed fix says.
Policy WithoutElement(Policy p, std::size_t j, const Element& e) {
  PolicyRule& r = p.rules[j];
  auto drop = [&](std::vector<std::string>& v) { v.erase(v.begin() + e.index); };
  switch (e.dim) {
    case Element::Dim::kUsers:
      drop(r.users);
      break;
    case Element::Dim::kGroups:
      drop(r.user_groups);
      break;
    case Element::Dim::kVerbs:
      drop(r.verbs);
      break;
    case Element::Dim::kNamespaces:
      drop(r.namespaces);
      break;
    case Element::Dim::kUrls:
      drop(r.non_resource_urls);
      break;
    case Element::Dim::kResources: {
      GroupResources& gr = r.resources[static_cast<std::size_t>(e.index)];
      if (e.pattern >= 0 && gr.resources.size() > 1) {
        gr.resources.erase(gr.resources.begin() + e.pattern);
      } else {
        r.resources.erase(r.resources.begin() + e.index);
      }
      break;
    }
  }
  return p;
}

class LintSoundnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    requests_ = Universe();
    for (const Request& r : requests_) attrs_.push_back(r.Attributes());
  }
  std::vector<Request> requests_;
  std::vector<RequestAttributes> attrs_;
};

TEST_F(LintSoundnessTest, ShadowedRulesAndPartsChangeNoDecision) {
  RandomPolicies gen(20240501);
  int whole = 0, parts = 0, redundant = 0;
  for (int iter = 0; iter < 500; ++iter) {
    Policy p = gen.Next();
    Decisions before = EvaluateAll(p, attrs_);
    ASSERT_EQ(before.all.size(), attrs_.size());
    std::vector<Selector> sels;
    for (const PolicyRule& r : p.rules) sels.push_back(ToSelector(r));
    for (std::size_t j = 1; j < p.rules.size(); ++j) {
      Coverage c = AnalyzeCoverage(sels[j], std::span(sels).first(j), 1024);
      if (c.all_covered) {
        ++whole;
        Policy without = p;
        without.rules.erase(without.rules.begin() + static_cast<std::ptrdiff_t>(j));
        Decisions after = EvaluateAll(without, attrs_);
        for (std::size_t k = 0; k < attrs_.size(); ++k) {
          ASSERT_NE(before.all[k].rule_index, static_cast<int>(j)) << "iteration " << iter;
          ASSERT_TRUE(SameEffect(before.all[k], after.all[k])) << "iteration " << iter;
        }
      }
      for (const Coverage::Part& part : c.covered_parts) {
        ++parts;
        Decisions after = EvaluateAll(WithoutElement(p, j, part.element), attrs_);
        for (std::size_t k = 0; k < attrs_.size(); ++k) {
          ASSERT_TRUE(SameEffect(before.all[k], after.all[k])) << "iteration " << iter;
          ASSERT_EQ(before.all[k].rule_index, after.all[k].rule_index) << "iteration " << iter;
        }
      }
    }
    // Severity: an info "shadowed-rule" claims the rule's requests get its own effect anyway.
    for (const Finding& f : Lint(p)) {
      if (f.code != kCodeShadowedRule || f.severity != Severity::kInfo) continue;
      ++redundant;
      Policy alone;
      alone.omit_stages = p.omit_stages;
      alone.rules = {p.rules[static_cast<std::size_t>(f.rule_index)]};
      Decisions own = EvaluateAll(alone, attrs_);
      for (std::size_t k = 0; k < attrs_.size(); ++k) {
        if (own.all[k].rule_index != 0) continue;
        ASSERT_TRUE(SameEffect(own.all[k], before.all[k])) << "iteration " << iter;
      }
    }
  }
  // The generator must actually produce the cases under test.
  EXPECT_GT(whole, 100);
  EXPECT_GT(parts, 30);
  EXPECT_GT(redundant, 30);
}

// A credential request is logged with a body when the level is RequestResponse (any verb but
// watch) or Request on a verb whose request body is the object.
bool LeaksBody(const Request& r, const Decision& d) {
  bool credential =
      r.resource && ((r.api_group.empty() && r.res == "secrets" && r.sub.empty()) ||
                     (r.api_group.empty() && r.res == "serviceaccounts" && r.sub == "token") ||
                     (r.api_group == "authentication.k8s.io" && r.res == "tokenreviews"));
  if (!credential) return false;
  if (d.level == Level::kRequestResponse) return r.verb != "watch";
  bool token_request = r.res == "serviceaccounts";  // its request body holds no token
  return d.level == Level::kRequest && !token_request &&
         (r.verb == "create" || r.verb == "update" || r.verb == "patch");
}

TEST_F(LintSoundnessTest, NoSensitiveErrorMeansNoCredentialBodies) {
  RandomPolicies gen(7);
  int passed = 0, flagged = 0;
  for (int iter = 0; iter < 300; ++iter) {
    Policy p = gen.Next();
    std::vector<Finding> findings = Lint(p);
    bool error = std::any_of(findings.begin(), findings.end(), [](const Finding& f) {
      return f.code == kCodeSensitiveBody && f.severity == Severity::kError;
    });
    if (error) {
      ++flagged;
      continue;
    }
    ++passed;
    Decisions d = EvaluateAll(p, attrs_);
    for (std::size_t k = 0; k < attrs_.size(); ++k) {
      ASSERT_FALSE(LeaksBody(requests_[k], d.all[k]))
          << "iteration " << iter << ": rule " << d.all[k].rule_index << " leaks "
          << requests_[k].res << " on " << requests_[k].verb;
    }
  }
  EXPECT_GT(passed, 50);
  EXPECT_GT(flagged, 50);
}

// Which of the requests a one-rule policy matches.
std::vector<bool> Matches(const PolicyRule& rule, const std::vector<RequestAttributes>& reqs) {
  Policy p;
  p.rules = {rule};
  Decisions d = EvaluateAll(p, reqs);
  std::vector<bool> out;
  for (const Decision& x : d.all) out.push_back(x.rule_index == 0);
  return out;
}

// Every pair of resource strings: PatternCovers must never claim a cover the evaluator
// contradicts (sound), and for strings it classifies it must find every cover (precise), over
// requests that include literal '*' resource and subresource names.
TEST(LintPatternAgreementTest, ResourcePatternsAgreeWithTheEvaluator) {
  const std::vector<std::string> vocab = {"*",
                                          "pods",
                                          "pods/log",
                                          "pods/*",
                                          "*/log",
                                          "*/scale",
                                          "*/*",
                                          "*/**",
                                          "deployments/scale",
                                          "deployments/*",
                                          "a/b/c",
                                          "pods/",
                                          "pod*",
                                          "**/log",
                                          "x*/*",
                                          "*/"};
  std::vector<Request> reqs;
  for (const char* res : {"pods", "deployments", "*", "pod*", "**", "x*", "a"}) {
    for (const char* sub : {"", "log", "scale", "*", "**"}) {
      Request r;
      r.has_user = true;
      r.user = "u";
      r.verb = "get";
      r.resource = true;
      r.res = res;
      r.sub = sub;
      reqs.push_back(r);
    }
  }
  std::vector<RequestAttributes> attrs;
  for (const Request& r : reqs) attrs.push_back(r.Attributes());
  for (const std::string& outer : vocab) {
    std::vector<bool> m_out =
        Matches(PolicyRule{.level = "Metadata", .resources = {{.resources = {outer}}}}, attrs);
    for (const std::string& inner : vocab) {
      std::vector<bool> m_in =
          Matches(PolicyRule{.level = "Metadata", .resources = {{.resources = {inner}}}}, attrs);
      bool witnessed_gap = false;
      for (std::size_t k = 0; k < attrs.size(); ++k) witnessed_gap |= m_in[k] && !m_out[k];
      lint_internal::ResourcePattern po = lint_internal::ClassifyResource(outer);
      lint_internal::ResourcePattern pi = lint_internal::ClassifyResource(inner);
      bool covers = lint_internal::PatternCovers(po, pi);
      if (covers) {
        EXPECT_FALSE(witnessed_gap) << outer << " claimed to cover " << inner;
      }
      using K = lint_internal::ResourcePattern::Kind;
      if (!covers && po.kind != K::kOpaque && pi.kind != K::kOpaque) {
        EXPECT_TRUE(witnessed_gap) << outer << " does cover " << inner << " (missed)";
      }
      // Overlap: IntersectPatterns may only say "none" when no request matches both.
      bool both = false;
      for (std::size_t k = 0; k < attrs.size(); ++k) both |= m_in[k] && m_out[k];
      if (!lint_internal::IntersectPatterns(po, pi)) {
        EXPECT_FALSE(both) << outer << " and " << inner << " do overlap";
      }
    }
  }
}

TEST(LintPatternAgreementTest, UrlPatternsAgreeWithTheEvaluator) {
  const std::vector<std::string> vocab = {
      "*",     "**",        "/api*",    "/apis/*",       "/api",
      "/apis", "/healthz*", "/healthz", "/healthz/etcd", "/healthz/*"};
  std::vector<Request> reqs;
  for (const char* path : {"/api", "/apis", "/apis/x", "/api/v1", "/healthz", "/healthz/",
                           "/healthz/etcd", "/healthzz", "/x", "*", "/api*", ""}) {
    Request r;
    r.has_user = true;
    r.user = "u";
    r.verb = "get";
    r.path = path;
    reqs.push_back(r);
  }
  std::vector<RequestAttributes> attrs;
  for (const Request& r : reqs) attrs.push_back(r.Attributes());
  for (const std::string& outer : vocab) {
    std::vector<bool> m_out =
        Matches(PolicyRule{.level = "Metadata", .non_resource_urls = {outer}}, attrs);
    for (const std::string& inner : vocab) {
      std::vector<bool> m_in =
          Matches(PolicyRule{.level = "Metadata", .non_resource_urls = {inner}}, attrs);
      bool gap = false;
      for (std::size_t k = 0; k < attrs.size(); ++k) gap |= m_in[k] && !m_out[k];
      bool covers = lint_internal::UrlCovers(lint_internal::ClassifyUrl(outer),
                                             lint_internal::ClassifyUrl(inner));
      EXPECT_EQ(covers, !gap) << outer << " vs " << inner;
    }
  }
}

}  // namespace
}  // namespace kaudit::policy
