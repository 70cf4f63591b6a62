// kaudit uninstall: asks the running controller to roll out "no kaudit auditing" to every
// control-plane node and waits until every agent reports nothing of kaudit's on disk. What the
// Helm chart's pre-delete hook runs (docs/operations.md "Uninstalling", docs/cli.md).
//
// The request is the ConfigMap kaudit-uninstall (controller/uninstall.h says why the controller
// trusts it and when it deletes one). The controller stays the only writer of kaudit-rollout:
// the nodes are reverted by the same node-by-node rollout, health checks and rollback as any
// spec change.
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "cli/commands.h"
#include "common/time.h"
#include "controller/uninstall.h"
#include "controller/world.h"
#include "kube/client.h"
#include "kube/config.h"
#include "kube/errors.h"
#include "kube/transport.h"
#include "observability/logging.h"
#include "policy/duration.h"

namespace kaudit::cli {
namespace {

using controller::Json;
using controller::UninstallAssessment;
using Clock = std::chrono::steady_clock;
using Outcome = controller::UninstallAssessment::Outcome;

constexpr const char* kRecovery =
    "to remove kaudit's settings from a node by hand, see docs/install.md, \"Recovering a node "
    "by hand\" (`kaudit node revert --host-root /` on the node)";

struct UninstallFlags {
  std::string kubeconfig;
  std::string namespace_name;
  std::string timeout = "10m", poll = "2s";
  std::string leader_election_id = "kaudit-controller";
};

std::string Hostname() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) return "unknown";
  return host;
}

// The leader Lease as this process watches it: when its renewTime last moved, by our clock.
class LeaseWatch {
 public:
  controller::LeaseView Update(const Json& lease, const std::string& where) {
    Clock::time_point now = Clock::now();
    std::string renew = lease.is_object()
                            ? lease.value("spec", Json::object()).value("renewTime", std::string())
                            : std::string();
    if (!seen_) {
      seen_ = true;
      first_ = now;
      renew_ = renew;
    } else if (renew != renew_) {
      changed_ = now;
      renew_ = renew;
    }
    policy::Duration since = now - changed_.value_or(first_);
    return controller::ViewLease(lease, where, std::chrono::system_clock::now(),
                                 changed_.has_value(), since);
  }

 private:
  bool seen_ = false;
  std::string renew_;
  Clock::time_point first_{};
  std::optional<Clock::time_point> changed_;
};

class Uninstaller {
 public:
  Uninstaller(kube::Client* c, std::string ns, const UninstallFlags& f)
      : c_(c), ns_(std::move(ns)), lease_name_(f.leader_election_id) {}

  // Creates the request, or renews it (a changed annotation tells the controller somebody waits).
  Status EnsureMarker() {
    const std::string name(controller::kUninstallName);
    const std::string now = FormatRfc3339Micro(std::chrono::system_clock::now());
    return kube::RetryOnConflict([&]() -> Status {
      StatusOr<Json> cur = c_->Get(kube::resources::ConfigMaps(), ns_, name);
      StatusOr<Json> r = Status::Internal("unset");
      if (kube::IsNotFound(cur.status())) {
        Json cm = {
            {"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata",
             {{"name", name},
              {"namespace", ns_},
              {"labels",
               {{std::string(controller::kLabelManagedBy), "kaudit"},
                {std::string(controller::kLabelComponent), "uninstall"}}},
              {"annotations", {{std::string(controller::kAnnotationUninstallRenewed), now}}}}},
            {"data",
             {{"requestedAt", FormatRfc3339(std::chrono::system_clock::now())},
              {"requestedBy", Hostname()}}}};
        r = c_->Create(kube::resources::ConfigMaps(), ns_, cm);
        // Someone created it meanwhile: read it again and renew that one.
        if (kube::IsAlreadyExists(r.status())) return Status::Aborted("created meanwhile");
      } else if (cur.ok()) {
        Json cm = *cur;
        cm["metadata"]["annotations"][std::string(controller::kAnnotationUninstallRenewed)] = now;
        r = c_->Update(kube::resources::ConfigMaps(), cm);
      } else {
        return cur.status();
      }
      if (!r.ok()) return r.status();
      marker_uid_ = r->value("metadata", Json::object()).value("uid", std::string());
      return Status::Ok();
    });
  }

  StatusOr<controller::UninstallSnapshot> Read() {
    controller::UninstallSnapshot s;
    s.now = std::chrono::system_clock::now();
    s.marker_uid = marker_uid_;
    kube::ListOptions nodes;
    nodes.label_selector = std::string(controller::kControlPlaneLabel);
    StatusOr<Json> n = c_->List(kube::resources::Nodes(), "", nodes);
    if (!n.ok()) return n.status().WithContext("listing control-plane Nodes");
    for (const Json& node : n->value("items", Json::array())) {
      if (!controller::IsControlPlane(node)) continue;
      s.control_plane_nodes.push_back(node["metadata"].value("name", std::string()));
    }
    kube::ListOptions states;
    states.label_selector = std::string(controller::kLabelComponent) + "=node-state";
    StatusOr<Json> cms = c_->List(kube::resources::ConfigMaps(), ns_, states);
    if (!cms.ok()) return cms.status().WithContext("listing node-state ConfigMaps");
    for (const Json& cm : cms->value("items", Json::array())) {
      StatusOr<controller::NodeState> st = controller::NodeStateFromConfigMap(cm);
      if (st.ok()) s.node_states[st->node] = std::move(*st);
    }
    StatusOr<Json> ro =
        c_->Get(kube::resources::ConfigMaps(), ns_, std::string(controller::kRolloutName));
    if (ro.ok()) {
      s.rollout = controller::RolloutFromConfigMap(*ro);
    } else if (!kube::IsNotFound(ro.status())) {
      return ro.status().WithContext("reading ConfigMap " + std::string(controller::kRolloutName));
    }
    return s;
  }

  // The leader Lease (null when missing); read errors count as "unknown", reported as such.
  controller::LeaseView Lease() {
    StatusOr<Json> l = c_->Get(kube::resources::Leases(), ns_, lease_name_);
    if (!l.ok() && !kube::IsNotFound(l.status())) {
      return {true, "Lease " + where_lease() + " could not be read: " + l.status().message()};
    }
    return lease_.Update(l.ok() ? *l : Json(), where_lease());
  }

  std::string where_lease() const { return ns_ + "/" + lease_name_; }
  const std::string& marker_uid() const { return marker_uid_; }

 private:
  kube::Client* const c_;
  const std::string ns_;
  const std::string lease_name_;
  std::string marker_uid_;
  LeaseWatch lease_;
};

void PrintFailure(const std::string& head, const UninstallAssessment& a,
                  const controller::LeaseView& lease, const std::string& last_error) {
  std::cerr << "error: " << head << "\n";
  for (const std::string& p : a.pending) std::cerr << "  " << p << "\n";
  if (!lease.running) {
    std::cerr << "  the kaudit controller is not running (" << lease.description
              << "): nothing reverts the nodes until it runs again\n";
  } else if (!a.acknowledged) {
    std::cerr << "  the controller (" << lease.description
              << ") has not taken up the request: is it watching this namespace?\n";
  }
  if (!last_error.empty()) std::cerr << "  last API error: " << last_error << "\n";
  std::cerr << "  " << kRecovery << "\n";
}

// The exit code when the assessment ends the wait.
std::optional<int> Finished(const UninstallAssessment& a, const controller::LeaseView& lease) {
  if (a.outcome == Outcome::kNothingToDo || a.outcome == Outcome::kDone) {
    if (!a.skipped.empty()) {
      std::cout << "note: no kaudit agent ever reported on control-plane node(s)";
      for (const std::string& n : a.skipped) std::cout << " " << n;
      std::cout << "; kaudit changed nothing there" << std::endl;
    }
    std::cout << "uninstall complete: " << a.summary << std::endl;
    return kExitOk;
  }
  if (a.outcome == Outcome::kHalted) {
    PrintFailure(a.summary, a, lease, "");
    return kExitInvalid;
  }
  return std::nullopt;
}

struct Timing {
  policy::Duration timeout;
  policy::Duration poll;
};

int Wait(Uninstaller& u, const Timing& t) {
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + t.timeout;
  Clock::time_point next_renew = start + controller::kUninstallRenewEvery;
  UninstallAssessment last;
  controller::LeaseView lease{true, ""};
  std::string last_error, last_line;
  bool warned_lease = false;
  for (;;) {
    if (Clock::now() >= next_renew) {
      Status r = u.EnsureMarker();  // also re-creates a deleted request (with a new uid)
      if (!r.ok()) last_error = "renewing the request: " + r.ToString();
      next_renew = Clock::now() + controller::kUninstallRenewEvery;
    }
    StatusOr<controller::UninstallSnapshot> snap = u.Read();
    if (snap.ok()) {
      last = controller::AssessUninstall(*snap);
      last_error.clear();
    } else {
      // Transient (the API server restarting on a single-node cluster): keep polling.
      if (snap.status().ToString() != last_error) {
        std::cout << "warning: reading the cluster: " << snap.status().ToString() << std::endl;
      }
      last_error = snap.status().ToString();
    }
    lease = u.Lease();
    std::string line = last.summary;
    for (const std::string& p : last.pending) line += "\n  " + p;
    if (snap.ok() && line != last_line) std::cout << line << std::endl;
    last_line = line;
    if (std::optional<int> code = snap.ok() ? Finished(last, lease) : std::nullopt) return *code;
    if (!lease.running && !warned_lease) {
      std::cout << "warning: the kaudit controller does not seem to be running ("
                << lease.description << "); waiting until --timeout anyway" << std::endl;
      warned_lease = true;
    }
    Clock::time_point now = Clock::now();
    if (now >= deadline) {
      PrintFailure("kaudit uninstall timed out after " + policy::FormatGoDuration(t.timeout) +
                       ": " +
                       (last.summary.empty() ? "the cluster could not be read" : last.summary),
                   last, lease, last_error);
      return kExitInvalid;
    }
    std::this_thread::sleep_for(std::min<Clock::duration>(t.poll, deadline - now));
  }
}

StatusOr<policy::Duration> Positive(const std::string& flag, const std::string& v) {
  std::optional<policy::Duration> d = policy::ParseGoDuration(v);
  if (!d || d->count() <= 0) {
    return Status::InvalidArgument(flag + ": want a positive duration such as 10m, got \"" + v +
                                   "\"");
  }
  return *d;
}

int Run(const UninstallFlags& f) {
  StatusOr<policy::Duration> timeout = Positive("--timeout", f.timeout);
  StatusOr<policy::Duration> poll = Positive("--poll", f.poll);
  for (const Status& s : {timeout.status(), poll.status()}) {
    if (!s.ok()) {
      std::cerr << "error: " << s.message() << "\n";
      return kExitUsage;
    }
  }
  (void)observability::SetupLogging("text", "warn");  // the client's own chatter only when wrong
  // One request at a time: cpprestsdk's default pool of 40 threads would be waste.
  kube::ConfigureHttpThreadPool(2);
  const char* pod_ns = std::getenv("POD_NAMESPACE");
  std::string ns = !f.namespace_name.empty() ? f.namespace_name
                   : (pod_ns && *pod_ns)     ? pod_ns
                                             : "kaudit-system";
  StatusOr<kube::RestConfig> cfg = kube::LoadDefaultConfig(f.kubeconfig, "");
  if (!cfg.ok()) {
    std::cerr << "error: loading the API server configuration: " << cfg.status().ToString() << "\n";
    return kExitInvalid;
  }
  cfg->user_agent = "kaudit-uninstall";
  StatusOr<std::unique_ptr<kube::Client>> client = kube::NewClientFromConfig(*cfg);
  if (!client.ok()) {
    std::cerr << "error: creating the API client: " << client.status().ToString() << "\n";
    return kExitInvalid;
  }
  Uninstaller u(client->get(), ns, f);
  Status marker = u.EnsureMarker();
  if (!marker.ok()) {
    std::cerr << "error: requesting the uninstall (ConfigMap " << ns << "/"
              << controller::kUninstallName << "): " << marker.ToString() << "\n";
    return kExitInvalid;
  }
  std::cout << "uninstall requested: ConfigMap " << ns << "/" << controller::kUninstallName
            << " (uid " << u.marker_uid() << "); waiting up to "
            << policy::FormatGoDuration(*timeout)
            << " for the controller to revert every control-plane node, one at a time" << std::endl;
  return Wait(u, {*timeout, *poll});
}

}  // namespace

void RegisterUninstall(CLI::App& app, Context& ctx) {
  auto f = std::make_shared<UninstallFlags>();
  CLI::App* cmd =
      app.add_subcommand("uninstall",
                         "Ask the controller to remove kaudit's audit settings from every "
                         "control-plane node and wait until it has (the Helm pre-delete hook)");
  cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  cmd->add_option("--kubeconfig", f->kubeconfig,
                  "kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)");
  cmd->add_option("--namespace", f->namespace_name,
                  "namespace of kaudit's objects (default: $POD_NAMESPACE, else kaudit-system)");
  cmd->add_option("--timeout", f->timeout, "give up after this long, exit 1 (default 10m)");
  cmd->add_option("--poll", f->poll, "how often to look at the nodes (default 2s)");
  cmd->add_option("--leader-election-id", f->leader_election_id,
                  "the controller's leader Lease, to tell whether it runs (default "
                  "kaudit-controller)");
  cmd->callback([f, &ctx] { ctx.exit_code = Run(*f); });
}

}  // namespace kaudit::cli
