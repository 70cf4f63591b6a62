// kube informer benchmark (hack/bench/kube.sh): memory of a process holding an informer over
// N ConfigMaps, and the delay from a write until the informer's handler sees it.
//
//   kube_informer_bench populate --kubeconfig K --count 10000   # creates the ConfigMaps
//   kube_informer_bench measure  --kubeconfig K --writes 200    # prints the figures
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kube/client.h"
#include "kube/config.h"
#include "kube/errors.h"
#include "kube/informer.h"

using kaudit::kube::Json;
using Clock = std::chrono::steady_clock;

namespace {

long RssKb(const char* field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
  }
  return -1;
}

std::unique_ptr<kaudit::kube::Client> Connect(const std::string& kubeconfig) {
  kaudit::kube::KubeconfigOptions o;
  o.explicit_path = kubeconfig;
  auto cfg = kaudit::kube::LoadKubeconfig(o);
  if (!cfg.ok()) {
    std::cerr << cfg.status().ToString() << "\n";
    std::exit(1);
  }
  cfg->qps = 0;  // measure the path, not the client-side limiter
  auto c = kaudit::kube::NewClientFromConfig(*cfg);
  if (!c.ok()) {
    std::cerr << c.status().ToString() << "\n";
    std::exit(1);
  }
  return std::move(*c);
}

int Populate(const std::string& kubeconfig, int count) {
  auto client = Connect(kubeconfig);
  std::atomic<int> next{0}, failed{0};
  std::vector<std::thread> workers;
  auto start = Clock::now();
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      for (int i = next++; i < count; i = next++) {
        // A ConfigMap of the size kaudit writes for node state: a few short keys.
        Json cm = {{"metadata", {{"name", "bench-" + std::to_string(i)}, {"namespace", "default"},
                                 {"labels", {{"app", "kaudit-bench"}}}}},
                   {"data", {{"node", "node-" + std::to_string(i)},
                             {"revision", "3f2a9c41d0"},
                             {"phase", "Healthy"},
                             {"message", "audit log written 2s ago; 1234 events"}}}};
        auto r = client->Create(kaudit::kube::resources::ConfigMaps(), "default", cm);
        if (!r.ok() && !kaudit::kube::IsAlreadyExists(r.status())) ++failed;
      }
    });
  }
  for (auto& t : workers) t.join();
  auto secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("populate: %d ConfigMaps in %.1f s (%d failed)\n", count, secs, failed.load());
  return failed ? 1 : 0;
}

int Measure(const std::string& kubeconfig, int writes) {
  long before = RssKb("VmRSS:");
  auto client = Connect(kubeconfig);
  kaudit::kube::Informer inf(client.get(), kaudit::kube::resources::ConfigMaps(), "default");
  std::mutex mu;
  std::condition_variable cv;
  std::string want;
  Clock::time_point seen_at;
  inf.AddHandlers({nullptr,
                   [&](const Json&, const Json& now) {
                     std::lock_guard<std::mutex> l(mu);
                     if (now["data"].value("stamp", "") == want) {
                       seen_at = Clock::now();
                       cv.notify_all();
                     }
                   },
                   nullptr});
  auto sync_start = Clock::now();
  inf.Start();
  if (!inf.WaitForSync(std::chrono::minutes(5))) {
    std::cerr << "informer did not sync\n";
    return 1;
  }
  double sync_s = std::chrono::duration<double>(Clock::now() - sync_start).count();
  long after = RssKb("VmRSS:");
  std::printf("informer: %zu ConfigMaps synced in %.2f s; RSS %.1f MiB (%.1f MiB before the "
              "informer; peak %.1f MiB)\n",
              inf.Size(), sync_s, after / 1024.0, before / 1024.0, RssKb("VmHWM:") / 1024.0);
  std::vector<double> from_start, from_reply;
  auto writer = Connect(kubeconfig);
  for (int i = 0; i < writes; ++i) {
    std::string stamp = "w" + std::to_string(i);
    {
      std::lock_guard<std::mutex> l(mu);
      want = stamp;
      seen_at = {};
    }
    auto t0 = Clock::now();
    auto r = writer->Patch(kaudit::kube::resources::ConfigMaps(), "default", "bench-0",
                           kaudit::kube::PatchType::kMerge, {{"data", {{"stamp", stamp}}}});
    auto t1 = Clock::now();
    if (!r.ok()) {
      std::cerr << r.status().ToString() << "\n";
      return 1;
    }
    std::unique_lock<std::mutex> l(mu);
    if (!cv.wait_for(l, std::chrono::seconds(10), [&] { return seen_at != Clock::time_point{}; })) {
      std::cerr << "write " << i << " never reached the handler\n";
      return 1;
    }
    from_start.push_back(std::chrono::duration<double, std::milli>(seen_at - t0).count());
    from_reply.push_back(std::chrono::duration<double, std::milli>(seen_at - t1).count());
  }
  auto pct = [](std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
  };
  std::printf("write -> handler over %d writes: p50 %.2f ms, p99 %.2f ms, max %.2f ms "
              "(from the write's start; after its reply: p50 %.2f ms, p99 %.2f ms)\n",
              writes, pct(from_start, 0.5), pct(from_start, 0.99), pct(from_start, 1.0),
              pct(from_reply, 0.5), pct(from_reply, 0.99));
  inf.Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: kube_informer_bench populate|measure --kubeconfig K [--count N] "
                 "[--writes N]\n";
    return 2;
  }
  std::string mode = argv[1], kubeconfig;
  int count = 10000, writes = 200;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--kubeconfig") kubeconfig = argv[i + 1];
    else if (flag == "--count") count = std::stoi(argv[i + 1]);
    else if (flag == "--writes") writes = std::stoi(argv[i + 1]);
  }
  if (mode == "populate") return Populate(kubeconfig, count);
  if (mode == "measure") return Measure(kubeconfig, writes);
  std::cerr << "unknown mode " << mode << "\n";
  return 2;
}
