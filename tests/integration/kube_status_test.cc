// Custom resources through a CRD created over the API: the status subresource, generation,
// and server-side apply of status.
#include "kube/errors.h"
#include "kube_fixture.h"

namespace kaudit::kube::testing {
namespace {

Json WidgetCrd() {
  return Json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.kaudit.io"},
    "spec": {"group": "example.kaudit.io", "scope": "Cluster",
             "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
             "versions": [{"name": "v1", "served": true, "storage": true,
                           "subresources": {"status": {}},
                           "schema": {"openAPIV3Schema": {"type": "object",
                              "x-kubernetes-preserve-unknown-fields": true}}}]}})");
}

const ResourceType kWidgets{"example.kaudit.io", "v1", "widgets", "Widget", false};

class KubeStatusTest : public KubeFixture {
 protected:
  void SetUp() override {
    KubeFixture::SetUp();
    auto crd = admin_->Create(resources::CustomResourceDefinitions(), "", WidgetCrd());
    ASSERT_TRUE(crd.ok()) << crd.status().ToString();
    EXPECT_EQ((*crd)["status"]["conditions"][1]["type"], "Established");
  }
  static Json Widget(const std::string& name, int size) {
    return {{"apiVersion", "example.kaudit.io/v1"}, {"kind", "Widget"},
            {"metadata", {{"name", name}}}, {"spec", {{"size", size}}},
            {"status", {{"phase", "ignored-on-create"}}}};
  }
};

TEST_F(KubeStatusTest, StatusOnlyThroughTheSubresourceAndGenerationOnlyOnSpec) {
  auto w = admin_->Create(kWidgets, "", Widget("w1", 1));
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_FALSE(w->contains("status"));  // dropped on create
  EXPECT_EQ((*w)["metadata"]["generation"], 1);

  Json st = *w;
  st["status"] = {{"observedGeneration", 1}, {"phase", "Ready"}};
  st["spec"]["size"] = 99;  // ignored by the status endpoint
  auto after_status = admin_->UpdateStatus(kWidgets, st);
  ASSERT_TRUE(after_status.ok()) << after_status.status().ToString();
  EXPECT_EQ((*after_status)["status"]["phase"], "Ready");
  EXPECT_EQ((*after_status)["spec"]["size"], 1);
  EXPECT_EQ((*after_status)["metadata"]["generation"], 1);

  Json spec = *after_status;
  spec["spec"]["size"] = 2;
  spec["status"]["phase"] = "ignored-on-main-resource";
  auto after_spec = admin_->Update(kWidgets, spec);
  ASSERT_TRUE(after_spec.ok()) << after_spec.status().ToString();
  EXPECT_EQ((*after_spec)["metadata"]["generation"], 2);
  EXPECT_EQ((*after_spec)["status"]["phase"], "Ready");

  Json labels_only = *after_spec;
  labels_only["metadata"]["labels"] = {{"x", "y"}};
  auto after_labels = admin_->Update(kWidgets, labels_only);
  ASSERT_TRUE(after_labels.ok());
  EXPECT_EQ((*after_labels)["metadata"]["generation"], 2);  // metadata is not spec

  PatchOptions sub;
  sub.subresource = "status";
  auto patched = admin_->Patch(kWidgets, "", "w1", PatchType::kMerge,
                               {{"status", {{"observedGeneration", 2}}}}, sub);
  ASSERT_TRUE(patched.ok()) << patched.status().ToString();
  EXPECT_EQ((*patched)["status"], (Json{{"observedGeneration", 2}, {"phase", "Ready"}}));

  Json no_rv = *patched;
  no_rv["metadata"].erase("resourceVersion");
  EXPECT_EQ(admin_->Update(kWidgets, no_rv).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(admin_->Patch(kWidgets, "", "w1", PatchType::kStrategicMerge, Json::object())
                .status().code(), StatusCode::kInternal);  // 415: no SMP for custom resources
}

TEST_F(KubeStatusTest, ApplyToStatusSubresource) {
  ASSERT_TRUE(admin_->Create(kWidgets, "", Widget("w2", 5)).ok());
  Json intent = {{"metadata", {{"name", "w2"}}},
                 {"status", {{"observedGeneration", 1},
                             {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
  PatchOptions po;
  po.field_manager = "kaudit-controller";
  po.subresource = "status";
  po.force = true;
  auto applied = admin_->Patch(kWidgets, "", "w2", PatchType::kApply,
                               Json{{"apiVersion", "example.kaudit.io/v1"}, {"kind", "Widget"},
                                    {"metadata", intent["metadata"]}, {"status", intent["status"]}},
                               po);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ((*applied)["status"]["conditions"][0]["status"], "True");
  EXPECT_EQ((*applied)["spec"]["size"], 5);
  EXPECT_EQ((*applied)["metadata"]["generation"], 1);
}

TEST_F(KubeStatusTest, DeletingTheCrdRemovesItsResources) {
  ASSERT_TRUE(admin_->Create(kWidgets, "", Widget("w3", 1)).ok());
  ASSERT_TRUE(admin_->Delete(resources::CustomResourceDefinitions(), "",
                             "widgets.example.kaudit.io").ok());
  auto gone = admin_->List(kWidgets, "", {});
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound);
}

TEST_F(KubeStatusTest, FinalizersHoldDeletionUntilRemoved) {
  Json w = Widget("w4", 1);
  w["metadata"]["finalizers"] = {"kaudit.io/cleanup"};
  auto created = admin_->Create(kWidgets, "", w);
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(admin_->Delete(kWidgets, "", "w4").ok());
  auto held = admin_->Get(kWidgets, "", "w4");
  ASSERT_TRUE(held.ok());
  EXPECT_TRUE((*held)["metadata"].contains("deletionTimestamp"));
  Json release = *held;
  release["metadata"]["finalizers"] = Json::array();
  ASSERT_TRUE(admin_->Update(kWidgets, release).ok());
  EXPECT_TRUE(IsNotFound(admin_->Get(kWidgets, "", "w4").status()));
}

}  // namespace
}  // namespace kaudit::kube::testing
