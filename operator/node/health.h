// HealthChecker: "is the new apiserver up?" (design step 7), as an interface. The local mode of
// `kaudit node apply` polls a health URL; the cluster agent adds the mirror-pod check (the
// kubernetes.io/config.hash changed and the pod carries the new revision) in its own checker.
//
// Thread safety: implementations are used by one thread at a time.
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"
#include "node/https_probe.h"

namespace kaudit::node {

struct HealthTarget {
  std::string revision;         // the revision now in the manifest ("" after a revert)
  std::string manifest_sha256;  // of the manifest just written
};

class HealthChecker {
 public:
  virtual ~HealthChecker() = default;
  // Blocks until the apiserver running `target` is healthy (OK) or the deadline passes
  // (kDeadlineExceeded, the message saying what was last seen).
  virtual Status WaitHealthy(const HealthTarget& target,
                             std::chrono::steady_clock::time_point deadline) = 0;
};

// Local mode: the health URL answers 200 after the change was written. It cannot tell the old
// process from the new one (the agent's mirror-pod check can); kubelet usually notices a
// manifest change within seconds, and a broken revision never answers 200 at all.
class UrlHealthChecker : public HealthChecker {
 public:
  UrlHealthChecker(ProbeOptions probe, std::chrono::milliseconds interval)
      : probe_(std::move(probe)), interval_(interval) {}
  Status WaitHealthy(const HealthTarget& target,
                     std::chrono::steady_clock::time_point deadline) override;

 private:
  HttpsProbe probe_;
  std::chrono::milliseconds interval_;
};

// "5m", "90s", "1h30m", "250ms" -> milliseconds; nullopt when malformed.
StatusOr<std::chrono::milliseconds> ParseDurationFlag(const std::string& s);
std::string FormatDuration(std::chrono::milliseconds d);

}  // namespace kaudit::node
