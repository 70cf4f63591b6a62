// Shared set-up for the kube integration tests: an emulator on 127.0.0.1 and clients built
// from the kubeconfigs it writes, exactly as a process would build them.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "kube/client.h"
#include "kube/config.h"
#include "support/emulator.h"

namespace kaudit::kube::testing {

// Polls pred every 10 ms until it holds or timeout passes; the caller asserts on the result.
inline bool WaitUntil(const std::function<bool()>& pred,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

class KubeFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    emulator::EmulatorOptions o;
    o.bookmark_interval = std::chrono::milliseconds(200);
    emu_ = std::make_unique<emulator::Emulator>(o);
    Status st = emu_->Start();
    ASSERT_TRUE(st.ok()) << st.ToString();
    admin_ = ClientForKubeconfig(emu_->KubeconfigForToken(emu_->admin_token()));
  }

  static RestConfig ConfigFrom(const std::string& kubeconfig) {
    auto cfg = ParseKubeconfig(kubeconfig, "", "");
    EXPECT_TRUE(cfg.ok()) << cfg.status().ToString();
    cfg->qps = 0;  // the tests measure the server, not the limiter
    return *cfg;
  }

  std::unique_ptr<Client> ClientForKubeconfig(const std::string& kubeconfig,
                                              std::chrono::seconds request_timeout =
                                                  std::chrono::seconds(10)) {
    TransportOptions t;
    t.request_timeout = request_timeout;
    t.watch_timeout = std::chrono::seconds(60);
    auto c = NewClientFromConfig(ConfigFrom(kubeconfig), t);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return std::move(*c);
  }

  std::unique_ptr<Client> ClientForToken(const std::string& token) {
    return ClientForKubeconfig(emu_->KubeconfigForToken(token));
  }

  static Json ConfigMap(const std::string& ns, const std::string& name, Json data = Json::object(),
                        Json labels = Json::object()) {
    return {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
            {"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}},
            {"data", data}};
  }

  int CountRequests(const std::string& method, const std::string& contains) const {
    int n = 0;
    for (const auto& r : emu_->Requests()) {
      if (r.method == method && r.target.find(contains) != std::string::npos) ++n;
    }
    return n;
  }

  std::unique_ptr<emulator::Emulator> emu_;
  std::unique_ptr<Client> admin_;
};

}  // namespace kaudit::kube::testing
