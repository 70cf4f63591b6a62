#include "kube/leader.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <thread>

#include "common/time.h"
#include "kube/errors.h"
#include "kube/util.h"

namespace kaudit::kube {
namespace {

constexpr double kJitterFactor = 1.2;

int64_t CeilSeconds(std::chrono::milliseconds d) { return (d.count() + 999) / 1000; }

}  // namespace

Status ValidateLeaderElectionConfig(const LeaderElectionConfig& c) {
  if (c.identity.empty()) return Status::InvalidArgument("leader election: identity is required");
  if (c.lease_name.empty() || c.lease_namespace.empty()) {
    return Status::InvalidArgument("leader election: lease namespace and name are required");
  }
  if (c.lease_duration <= c.renew_deadline) {
    return Status::InvalidArgument("leader election: leaseDuration must be greater than "
                                   "renewDeadline");
  }
  if (static_cast<double>(c.renew_deadline.count()) <=
      kJitterFactor * static_cast<double>(c.retry_period.count())) {
    return Status::InvalidArgument("leader election: renewDeadline must be greater than "
                                   "retryPeriod*JitterFactor (1.2)");
  }
  if (c.retry_period.count() <= 0) {
    return Status::InvalidArgument("leader election: retryPeriod must be greater than zero");
  }
  return Status::Ok();
}

LeaderElector::LeaderElector(Client* client, LeaderElectionConfig config)
    : client_(client), cfg_(std::move(config)) {}

std::string LeaderElector::leader() const {
  std::lock_guard<std::mutex> lock(mu_);
  return observed_holder_;
}

bool LeaderElector::TryAcquireOrRenew() {
  auto rt = resources::Leases();
  std::string now = FormatRfc3339Micro(std::chrono::system_clock::now());
  Json desired = {{"holderIdentity", cfg_.identity},
                  {"leaseDurationSeconds", CeilSeconds(cfg_.lease_duration)},
                  {"acquireTime", now}, {"renewTime", now}, {"leaseTransitions", 0}};
  auto got = client_->Get(rt, cfg_.lease_namespace, cfg_.lease_name);
  auto steady_now = std::chrono::steady_clock::now();
  if (!got.ok()) {
    if (!IsNotFound(got.status())) return false;
    Json lease = {{"apiVersion", "coordination.k8s.io/v1"}, {"kind", "Lease"},
                  {"metadata", {{"name", cfg_.lease_name}, {"namespace", cfg_.lease_namespace}}},
                  {"spec", desired}};
    auto created = client_->Create(rt, cfg_.lease_namespace, lease);
    if (!created.ok()) return false;
    std::lock_guard<std::mutex> lock(mu_);
    observed_ = *created;
    observed_spec_ = (*created)["spec"].dump();
    observed_holder_ = cfg_.identity;
    observed_duration_s_ = CeilSeconds(cfg_.lease_duration);
    observed_time_ = steady_now;
    return true;
  }
  Json spec = got->contains("spec") ? (*got)["spec"] : Json::object();
  std::string holder = spec.value("holderIdentity", "");
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (spec.dump() != observed_spec_) {
      observed_spec_ = spec.dump();
      observed_holder_ = holder;
      observed_duration_s_ = spec.value("leaseDurationSeconds", int64_t{0});
      observed_time_ = steady_now;
    }
    bool valid = observed_time_ + std::chrono::seconds(observed_duration_s_) > steady_now;
    if (!holder.empty() && holder != cfg_.identity && valid) return false;
  }
  if (holder == cfg_.identity) {
    desired["acquireTime"] = spec.value("acquireTime", now);
    desired["leaseTransitions"] = spec.value("leaseTransitions", int64_t{0});
  } else {
    desired["leaseTransitions"] = spec.value("leaseTransitions", int64_t{0}) + 1;
  }
  Json lease = *got;
  lease["spec"] = desired;
  auto updated = client_->Update(rt, lease);  // carries the resourceVersion read: 409 if raced
  if (!updated.ok()) return false;
  std::lock_guard<std::mutex> lock(mu_);
  observed_ = *updated;
  observed_spec_ = (*updated)["spec"].dump();
  observed_holder_ = cfg_.identity;
  observed_duration_s_ = desired["leaseDurationSeconds"].get<int64_t>();
  observed_time_ = steady_now;
  return true;
}

void LeaderElector::Release() {
  Json lease;
  {
    std::lock_guard<std::mutex> lock(mu_);
    lease = observed_;
  }
  if (!lease.is_object()) return;
  std::string now = FormatRfc3339Micro(std::chrono::system_clock::now());
  lease["spec"] = {{"leaseDurationSeconds", 1}, {"acquireTime", now}, {"renewTime", now},
                   {"leaseTransitions", lease["spec"].value("leaseTransitions", int64_t{0})}};
  auto st = client_->Update(resources::Leases(), lease);
  if (!st.ok()) spdlog::warn("leader election: release failed: {}", st.status().ToString());
}

Status LeaderElector::Run(Canceller* stop) {
  KAUDIT_RETURN_IF_ERROR(ValidateLeaderElectionConfig(cfg_));
  std::string last_leader;
  auto notify_leader = [&] {
    std::string l = leader();
    if (!l.empty() && l != last_leader) {
      last_leader = l;
      if (cfg_.on_new_leader) cfg_.on_new_leader(l);
    }
  };
  // Acquire: retry every retry_period (jittered) until we hold the lease.
  while (!TryAcquireOrRenew()) {
    notify_leader();
    if (stop->WaitFor(Jitter(cfg_.retry_period, kJitterFactor))) return Status::Ok();
  }
  leading_ = true;
  notify_leader();
  spdlog::info("leader election: {} acquired lease {}/{}", cfg_.identity, cfg_.lease_namespace,
               cfg_.lease_name);
  Canceller lost;
  std::thread leading([&] {
    if (cfg_.on_started_leading) cfg_.on_started_leading(&lost);
  });
  // Renew on a separate thread so a hung request cannot keep us "leading": this thread only
  // watches the time of the last successful renewal.
  std::mutex m;
  std::condition_variable cv;
  auto last_renew = std::chrono::steady_clock::now();
  Canceller renewer_stop;
  std::thread renewer([&] {
    while (!renewer_stop.WaitFor(cfg_.retry_period)) {
      if (TryAcquireOrRenew()) {
        std::lock_guard<std::mutex> lock(m);
        last_renew = std::chrono::steady_clock::now();
      }
    }
  });
  CancelRegistration wake(stop, [&] { cv.notify_all(); });
  Status result = Status::Ok();
  {
    std::unique_lock<std::mutex> lock(m);
    for (;;) {
      if (stop->cancelled()) break;
      auto deadline = last_renew + cfg_.renew_deadline;
      if (std::chrono::steady_clock::now() >= deadline) {
        result = Status::Unavailable("leader election: lease " + cfg_.lease_name +
                                     " not renewed within the renew deadline; leadership lost");
        break;
      }
      cv.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() +
                                                 std::chrono::milliseconds(100)));
    }
  }
  leading_ = false;
  lost.Cancel();
  renewer_stop.Cancel();
  renewer.join();
  leading.join();
  if (result.ok() && cfg_.release_on_cancel) Release();
  if (!result.ok()) spdlog::error("{}", result.message());
  if (cfg_.on_stopped_leading) cfg_.on_stopped_leading();
  return result;
}

}  // namespace kaudit::kube
