// The kube client against the emulator over real HTTPS: CRUD, pagination, selectors, every
// error class, conflicts, patches, server-side apply, the status subresource.
#include <thread>

#include "kube/errors.h"
#include "kube_fixture.h"

namespace kaudit::kube::testing {
namespace {

class KubeClientTest : public KubeFixture {};

TEST_F(KubeClientTest, CrudRoundTripAndTypedErrors) {
  auto cm = resources::ConfigMaps();
  auto created = admin_->Create(cm, "default", ConfigMap("default", "one", {{"k", "v"}}));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  std::string uid = (*created)["metadata"]["uid"];
  std::string rv1 = (*created)["metadata"]["resourceVersion"];
  EXPECT_FALSE(uid.empty());

  auto again = admin_->Create(cm, "default", ConfigMap("default", "one"));
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(again.status()), "AlreadyExists");
  EXPECT_EQ(RetryClassOf(again.status()), RetryClass::kNever);

  Json next = *created;
  next["data"]["k"] = "v2";
  auto updated = admin_->Update(cm, next);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_NE((*updated)["metadata"]["resourceVersion"], rv1);

  auto stale = admin_->Update(cm, next);  // still carries rv1
  EXPECT_EQ(stale.status().code(), StatusCode::kAborted);
  EXPECT_EQ(ReasonOf(stale.status()), "Conflict");
  EXPECT_EQ(RetryClassOf(stale.status()), RetryClass::kReread);

  auto missing = admin_->Get(cm, "default", "nope");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("configmaps \"nope\" not found"), std::string::npos);

  DeleteOptions wrong_uid;
  wrong_uid.precondition_uid = "not-the-uid";
  Status del = admin_->Delete(cm, "default", "one", wrong_uid);
  EXPECT_EQ(del.code(), StatusCode::kAborted);
  EXPECT_NE(del.message().find("Precondition failed: UID"), std::string::npos);
  DeleteOptions stale_rv;
  stale_rv.precondition_resource_version = rv1;
  EXPECT_EQ(admin_->Delete(cm, "default", "one", stale_rv).code(), StatusCode::kAborted);
  DeleteOptions right;
  right.precondition_uid = uid;
  EXPECT_TRUE(admin_->Delete(cm, "default", "one", right).ok());
  EXPECT_TRUE(IsNotFound(admin_->Get(cm, "default", "one").status()));
}

TEST_F(KubeClientTest, ErrorClassesFromTheServer) {
  auto cm = resources::ConfigMaps();
  auto invalid = admin_->Create(cm, "default", ConfigMap("default", "Bad_Name"));
  EXPECT_EQ(invalid.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(invalid.status()), "Invalid");
  EXPECT_NE(invalid.status().message().find("metadata.name"), std::string::npos);

  auto no_ns = admin_->Create(cm, "ghost", ConfigMap("ghost", "x"));
  EXPECT_EQ(no_ns.status().code(), StatusCode::kNotFound);
  EXPECT_NE(no_ns.status().message().find("namespaces \"ghost\" not found"), std::string::npos);

  emu_->AddToken("bob-token", "bob");
  emu_->Deny("bob", "list", "configmaps");
  auto bob = ClientForToken("bob-token");
  auto forbidden = bob->List(cm, "default", {});
  EXPECT_EQ(forbidden.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(forbidden.status().message().find("User \"bob\" cannot list resource"),
            std::string::npos);
  EXPECT_TRUE(bob->Get(cm, "default", "x").status().code() == StatusCode::kNotFound);

  auto stranger = ClientForToken("no-such-token");
  auto unauth = stranger->Get(cm, "default", "x");
  EXPECT_EQ(unauth.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(RetryClassOf(unauth.status()), RetryClass::kReauth);

  emulator::FaultRule f;
  f.code = 503;
  emu_->AddFault(f);
  auto unavailable = admin_->Get(cm, "default", "x");
  EXPECT_EQ(unavailable.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(RetryClassOf(unavailable.status()), RetryClass::kBackoff);

  ListOptions bad;
  bad.label_selector = "a in (b";
  EXPECT_EQ(admin_->List(cm, "default", bad).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(KubeClientTest, PaginationAndSelectors) {
  auto cm = resources::ConfigMaps();
  for (int i = 0; i < 25; ++i) {
    std::string tier = i % 3 == 0 ? "db" : (i % 3 == 1 ? "web" : "cache");
    char name[16];
    snprintf(name, sizeof name, "cm-%02d", i);
    ASSERT_TRUE(admin_->Create(cm, "default", ConfigMap("default", name, Json::object(),
                                                        {{"tier", tier}, {"app", "x"}})).ok());
  }
  ListOptions page;
  page.limit = 10;
  auto first = admin_->ListPage(cm, "default", page);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ((*first)["items"].size(), 10u);
  EXPECT_EQ((*first)["metadata"]["remainingItemCount"], 15);
  EXPECT_EQ((*first)["items"][9]["metadata"]["name"], "cm-09");
  page.continue_token = (*first)["metadata"]["continue"];
  auto second = admin_->ListPage(cm, "default", page);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)["items"][0]["metadata"]["name"], "cm-10");
  EXPECT_EQ((*second)["metadata"]["resourceVersion"], (*first)["metadata"]["resourceVersion"]);

  ListOptions all;
  all.limit = 7;
  auto whole = admin_->List(cm, "default", all);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ((*whole)["items"].size(), 25u);
  EXPECT_EQ(CountRequests("GET", "limit=7"), 4);  // 7+7+7+4

  ListOptions sel;
  sel.label_selector = "tier in (db,cache),app=x";
  EXPECT_EQ((*admin_->List(cm, "default", sel))["items"].size(), 17u);  // 9 db + 8 cache
  sel.label_selector = "tier!=web";
  EXPECT_EQ((*admin_->List(cm, "default", sel))["items"].size(), 17u);
  sel.label_selector = "!tier";
  EXPECT_EQ((*admin_->List(cm, "default", sel))["items"].size(), 0u);
  ListOptions by_name;
  by_name.field_selector = "metadata.name=cm-04";
  auto one = admin_->List(cm, "default", by_name);
  ASSERT_EQ((*one)["items"].size(), 1u);
  EXPECT_EQ((*one)["items"][0]["metadata"]["labels"]["tier"], "web");
}

TEST_F(KubeClientTest, ExpiredContinueTokenFallsBackToAFullList) {
  auto cm = resources::ConfigMaps();
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(admin_->Create(cm, "default", ConfigMap("default", "c" + std::to_string(i))).ok());
  }
  ListOptions page;
  page.limit = 4;
  auto first = admin_->ListPage(cm, "default", page);
  ASSERT_TRUE(first.ok());
  emu_->ExpireHistory();
  page.continue_token = (*first)["metadata"]["continue"];
  auto expired = admin_->ListPage(cm, "default", page);
  EXPECT_TRUE(IsExpired(expired.status())) << expired.status().ToString();
  EXPECT_EQ(RetryClassOf(expired.status()), RetryClass::kRelist);
  // Expire between the first and the second page of one List(): the continue request is held
  // back by an injected delay until the history is gone.
  emulator::FaultRule hold;
  hold.path_contains = "continue=";
  hold.delay = std::chrono::milliseconds(700);
  emu_->AddFault(hold);
  emu_->ClearRequests();
  StatusOr<Json> whole = Status::Internal("not run");
  std::thread lister([&] {
    ListOptions all;
    all.limit = 4;
    whole = admin_->List(cm, "default", all);
  });
  ASSERT_TRUE(WaitUntil([&] { return CountRequests("GET", "limit=4") >= 1; }))
      << "the first page was never served";
  emu_->ExpireHistory();
  lister.join();
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_GE(CountRequests("GET", "continue="), 1);
  EXPECT_EQ((*whole)["items"].size(), 6u);
}

TEST_F(KubeClientTest, ConflictingWritersConvergeWithRetryOnConflict) {
  auto cm = resources::ConfigMaps();
  ASSERT_TRUE(admin_->Create(cm, "default", ConfigMap("default", "counter", {{"n", "0"}})).ok());
  auto other = ClientForToken(emu_->admin_token());
  std::atomic<int> conflicts{0};
  auto bump = [&](Client* c) {
    for (int i = 0; i < 10; ++i) {
      Status st = RetryOnConflict([&]() -> Status {
        auto got = c->Get(cm, "default", "counter");
        if (!got.ok()) return got.status();
        Json obj = *got;
        obj["data"]["n"] = std::to_string(std::stoi(obj["data"]["n"].get<std::string>()) + 1);
        auto res = c->Update(cm, obj);
        if (!res.ok() && IsConflict(res.status())) ++conflicts;
        return res.ok() ? Status::Ok() : res.status();
      }, 50);
      ASSERT_TRUE(st.ok()) << st.ToString();
    }
  };
  std::thread a(bump, admin_.get()), b(bump, other.get());
  a.join();
  b.join();
  EXPECT_EQ((*admin_->Get(cm, "default", "counter"))["data"]["n"], "20");  // no lost update
}

TEST_F(KubeClientTest, PatchKinds) {
  auto cm = resources::ConfigMaps();
  ASSERT_TRUE(admin_->Create(cm, "default", ConfigMap("default", "p", {{"a", "1"}, {"b", "2"}})).ok());
  auto merged = admin_->Patch(cm, "default", "p", PatchType::kMerge,
                              {{"data", {{"a", nullptr}, {"c", "3"}}}});
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ((*merged)["data"], (Json{{"b", "2"}, {"c", "3"}}));
  auto jp = admin_->Patch(cm, "default", "p", PatchType::kJson,
                          Json::array({{{"op", "replace"}, {"path", "/data/b"}, {"value", "22"}}}));
  ASSERT_TRUE(jp.ok()) << jp.status().ToString();
  EXPECT_EQ((*jp)["data"]["b"], "22");
  auto failed_test = admin_->Patch(cm, "default", "p", PatchType::kJson,
                                   Json::array({{{"op", "test"}, {"path", "/data/b"}, {"value", "0"}}}));
  EXPECT_EQ(failed_test.status().code(), StatusCode::kInvalidArgument);
  auto smp = admin_->Patch(cm, "default", "p", PatchType::kStrategicMerge,
                           {{"metadata", {{"labels", {{"l", "v"}}}}}});
  ASSERT_TRUE(smp.ok()) << smp.status().ToString();
  EXPECT_EQ((*smp)["metadata"]["labels"]["l"], "v");
  EXPECT_EQ((*smp)["data"]["c"], "3");
  auto stale = admin_->Patch(cm, "default", "p", PatchType::kMerge,
                             {{"metadata", {{"resourceVersion", "1"}}}, {"data", {{"x", "y"}}}});
  EXPECT_EQ(stale.status().code(), StatusCode::kAborted);
  EXPECT_TRUE(IsNotFound(admin_->Patch(cm, "default", "zz", PatchType::kMerge, Json::object()).status()));
}

TEST_F(KubeClientTest, ServerSideApplyOwnershipConflictsAndForce) {
  auto cm = resources::ConfigMaps();
  Json intent = ConfigMap("default", "ssa", {{"a", "1"}, {"b", "2"}});
  intent["metadata"].erase("labels");
  PatchOptions ctrl;
  ctrl.field_manager = "controller";
  auto applied = admin_->Apply(cm, intent, ctrl);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ((*applied)["data"], (Json{{"a", "1"}, {"b", "2"}}));

  Json rival = ConfigMap("default", "ssa", {{"a", "changed"}});
  rival["metadata"].erase("labels");
  PatchOptions other;
  other.field_manager = "other";
  auto conflict = admin_->Apply(cm, rival, other);
  EXPECT_EQ(conflict.status().code(), StatusCode::kAborted);
  EXPECT_NE(conflict.status().message().find("conflict with \"controller\": .data.a"),
            std::string::npos);

  Json agree = ConfigMap("default", "ssa", {{"b", "2"}});  // same value: shared, no conflict
  agree["metadata"].erase("labels");
  ASSERT_TRUE(admin_->Apply(cm, agree, other).ok());

  other.force = true;
  auto forced = admin_->Apply(cm, rival, other);
  ASSERT_TRUE(forced.ok()) << forced.status().ToString();
  EXPECT_EQ((*forced)["data"]["a"], "changed");

  // Apply is the manager's whole intent: "other" now intends only a, so it no longer shares b;
  // b belongs to the controller alone, and the controller dropping b from its intent removes
  // it. a stays: "other" owns it since the forced apply.
  Json smaller = ConfigMap("default", "ssa", {{"c", "3"}});
  smaller["metadata"].erase("labels");
  auto after = admin_->Apply(cm, smaller, ctrl);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ((*after)["data"], (Json{{"a", "changed"}, {"c", "3"}}));
  // "other" drops everything: a (owned by it alone) goes.
  Json nothing = ConfigMap("default", "ssa", Json::object());
  nothing["metadata"].erase("labels");
  nothing.erase("data");
  other.force = false;
  auto pruned = admin_->Apply(cm, nothing, other);
  ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
  EXPECT_EQ((*pruned)["data"], (Json{{"c", "3"}}));
}

}  // namespace
}  // namespace kaudit::kube::testing
