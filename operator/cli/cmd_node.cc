// kaudit node apply|revert|status: the node agent's work on one node, without a cluster
// (design.md "Applying on a node"; docs/node.md).
#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/profile_files.h"
#include "common/file.h"
#include "hostfs/host.h"
#include "manifest/patch.h"
#include "node/health.h"
#include "node/node.h"
#include "node/revision.h"
#include "policy/render.h"

namespace kaudit::cli {
namespace {

struct NodeCliOptions {
  std::string host_root;
  std::string manifest = "/etc/kubernetes/manifests/kube-apiserver.yaml";
  std::string allowed_log_root = "/var/log/kubernetes";
  std::vector<std::string> profiles;
  std::string revision_dir;
  std::string webhook_kubeconfig;
  std::string health_url;
  std::string health_ca_file;
  bool insecure = false;
  std::string health_timeout = "5m";
  std::string health_interval = "1s";
  bool no_health_check = false;
  int keep_backups = 10;
  std::string output = "text";
};

void PrintError(const std::string& cmd, const std::string& msg) {
  std::cerr << "kaudit node " << cmd << ": " << msg << "\n";
}

StatusOr<node::Revision> RevisionFromProfiles(const NodeCliOptions& o) {
  policy::ProfileOptions popts;
  popts.allowed_log_root = o.allowed_log_root;
  policy::ProfileParseResult parsed = ReadProfileFiles(o.profiles, popts);
  for (const auto& w : parsed.warnings) std::cerr << "warning: " << w << "\n";
  if (!parsed.ok()) {
    std::string msg = "the profiles are invalid:";
    for (const auto& e : parsed.errors) msg += "\n  " + e;
    return Status::InvalidArgument(msg);
  }
  if (parsed.profiles.empty()) return Status::InvalidArgument("no AuditProfile in the input");
  policy::RenderOptions ro;
  ro.now = std::chrono::system_clock::now();
  ro.allowed_log_root = o.allowed_log_root;
  if (!o.webhook_kubeconfig.empty()) {
    auto data = ReadFileLimited(o.webhook_kubeconfig);
    if (!data.ok()) return data.status().WithContext("--webhook-kubeconfig");
    ro.webhook_kubeconfig = std::move(*data);
  }
  auto r = policy::Render(parsed.profiles, ro);
  if (!r.ok()) return r.status();
  return node::Revision{r->revision, r->policy_yaml, r->flags, r->webhook_kubeconfig};
}

std::string HostPath(const std::string& p) { return !p.empty() && p[0] == '/' ? p : "/" + p; }

// The health checker: --health-url, else the manifest's readiness probe; the CA from
// --health-ca-file, else the cluster CA the manifest names (--client-ca-file) on the host.
StatusOr<std::unique_ptr<node::HealthChecker>> MakeHealth(const NodeCliOptions& o,
                                                          const hostfs::HostFs& fs) {
  auto interval = node::ParseDurationFlag(o.health_interval);
  if (!interval.ok()) return interval.status().WithContext("--health-interval");
  node::ProbeOptions p;
  p.url = o.health_url;
  p.insecure = o.insecure;
  p.ca_file = o.health_ca_file;
  auto text = fs.Read(HostPath(o.manifest), 10 << 20);
  std::optional<manifest::ManifestInfo> info;
  if (text.ok()) {
    auto i = manifest::Inspect(*text);
    if (i.ok()) info = *i;
  }
  if (p.url.empty()) {
    if (!info) return Status::FailedPrecondition("cannot read the manifest to find the health URL; "
                                                 "pass --health-url");
    std::string host = info->probe_host.find(':') != std::string::npos
                           ? "[" + info->probe_host + "]"
                           : info->probe_host;
    p.url = info->probe_scheme + "://" + host + ":" + std::to_string(info->probe_port) + "/readyz";
  }
  if (p.ca_file.empty() && !p.insecure && p.url.rfind("https://", 0) == 0) {
    std::string ca = info && !info->client_ca_file.empty() ? info->client_ca_file
                                                           : "/etc/kubernetes/pki/ca.crt";
    auto real = fs.Resolve(ca);
    if (real.ok()) p.ca_file = *real;
  }
  return std::unique_ptr<node::HealthChecker>(new node::UrlHealthChecker(p, *interval));
}

StatusOr<node::NodeOptions> MakeNodeOptions(const NodeCliOptions& o) {
  node::NodeOptions n;
  n.manifest = HostPath(o.manifest);
  n.allowed_log_root = o.allowed_log_root;
  n.health_check = !o.no_health_check;
  n.keep_backups = o.keep_backups;
  auto t = node::ParseDurationFlag(o.health_timeout);
  if (!t.ok()) return t.status().WithContext("--health-timeout");
  n.health_timeout = *t;
  return n;
}

int Report(const std::string& cmd, const StatusOr<node::Outcome>& out) {
  if (!out.ok()) {
    PrintError(cmd, out.status().message());
    return kExitInvalid;
  }
  for (const auto& c : out->changes) std::cout << "  " << c << "\n";
  if (!out->surgical) {
    std::cerr << "note: the manifest was written again in kubeadm's layout (its comments and "
                 "custom formatting could not be kept)\n";
  }
  if (out->result == node::Result::kRolledBack) {
    PrintError(cmd, out->message);
    return kExitRolledBack;
  }
  std::cout << out->message << "\n";
  return kExitOk;
}

int RunApplyOrRevert(const NodeCliOptions& o, bool apply) {
  std::string cmd = apply ? "apply" : "revert";
  if (o.host_root.empty()) {
    PrintError(cmd, "--host-root is required");
    return kExitUsage;
  }
  std::optional<node::Revision> rev;
  if (apply) {
    if (o.profiles.empty() == o.revision_dir.empty()) {
      PrintError(cmd, "give exactly one of -f PROFILE... or --revision-dir DIR");
      return kExitUsage;
    }
    auto r = o.revision_dir.empty() ? RevisionFromProfiles(o) : node::LoadRevisionDir(o.revision_dir);
    if (!r.ok()) {
      PrintError(cmd, r.status().message());
      return kExitInvalid;
    }
    rev = std::move(*r);
  }
  auto nopts = MakeNodeOptions(o);
  if (!nopts.ok()) {
    PrintError(cmd, nopts.status().message());
    return kExitUsage;
  }
  hostfs::HostFs fs(hostfs::PosixEnv(), o.host_root);
  std::unique_ptr<node::HealthChecker> health;
  if (!o.no_health_check) {
    auto h = MakeHealth(o, fs);
    if (!h.ok()) {
      PrintError(cmd, h.status().message());
      return kExitInvalid;
    }
    health = std::move(*h);
  }
  node::NodeApplier applier(&fs, health.get(), *nopts);
  return Report(cmd, apply ? applier.Apply(*rev) : applier.Revert());
}

void PrintStatusText(const nlohmann::json& j) {
  auto str = [](const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : "-"; };
  std::cout << "manifest:        " << str(j["manifest"]) << "\n";
  if (j["manifestError"].is_string()) std::cout << "  error:         " << str(j["manifestError"]) << "\n";
  std::cout << "revision:        " << str(j["revision"]) << "\n";
  std::cout << "image:           " << str(j["image"]) << "\n";
  const auto& lkg = j["lastKnownGood"];
  std::cout << "last-known-good: "
            << (lkg.is_object() ? str(lkg["revision"]) + " (" + str(lkg["time"]) + ")" : "-")
            << "\n";
  std::cout << "drift:           "
            << (j["drift"]["drifted"].get<bool>() ? "yes: " + str(j["drift"]["message"]) : "no")
            << "\n";
  if (j["drift"].contains("missing")) {
    for (const auto& m : j["drift"]["missing"]) std::cout << "    " << str(m) << "\n";
  }
  if (j["pending"].is_object()) {
    std::cout << "interrupted:     an " << str(j["pending"]["phase"])
              << " run did not finish; the next apply or revert completes it\n";
  }
  const auto& last = j["lastResult"];
  if (last.is_object()) {
    std::cout << "last result:     " << str(last["result"]) << " " << str(last["revision"])
              << " at " << str(last["time"]) << ": " << str(last["message"]) << "\n";
  }
  const auto& log = j["auditLog"];
  if (log.is_object()) {
    std::cout << "audit log:       " << str(log["path"]);
    if (log.value("exists", false)) {
      std::cout << ", " << log["sizeBytes"].get<std::uint64_t>() << " bytes, last write "
                << str(log["lastWrite"]);
    } else if (log.contains("exists")) {
      std::cout << " (not written yet)";
    }
    std::cout << "\n";
  }
  std::cout << "backups:         " << j["backups"].size() << "\n";
  for (const auto& b : j["backups"]) {
    std::cout << "    " << str(b["path"]) << " (" << b["sizeBytes"].get<std::uint64_t>()
              << " bytes, " << str(b["time"]) << ")\n";
  }
}

int RunStatus(const NodeCliOptions& o) {
  if (o.host_root.empty()) {
    PrintError("status", "--host-root is required");
    return kExitUsage;
  }
  auto nopts = MakeNodeOptions(o);
  if (!nopts.ok()) {
    PrintError("status", nopts.status().message());
    return kExitUsage;
  }
  hostfs::HostFs fs(hostfs::PosixEnv(), o.host_root);
  node::NodeApplier applier(&fs, nullptr, *nopts);
  auto j = applier.Status();
  if (!j.ok()) {
    PrintError("status", j.status().message());
    return kExitInvalid;
  }
  if (o.output == "json") {
    std::cout << j->dump(2) << "\n";
  } else {
    PrintStatusText(*j);
  }
  return kExitOk;
}

void AddCommon(CLI::App* c, NodeCliOptions* o) {
  c->add_option("--host-root", o->host_root, "The host's / as seen here (e.g. /host in the agent)")
      ->required();
  c->add_option("--manifest", o->manifest, "Host path of the kube-apiserver static-pod manifest");
  c->add_option("--allowed-log-root", o->allowed_log_root,
                "Audit logs must lie below this host directory");
  c->add_option("--keep-backups", o->keep_backups, "Backups kept under /var/lib/kaudit/backups");
}

void AddHealth(CLI::App* c, NodeCliOptions* o) {
  c->add_option("--health-url", o->health_url,
                "Health URL (default: the manifest's readiness probe, path /readyz)");
  c->add_option("--health-ca-file", o->health_ca_file,
                "CA bundle for the health URL (default: the cluster CA the manifest names)");
  c->add_flag("--insecure-skip-tls-verify", o->insecure, "Do not verify the health URL's TLS");
  c->add_option("--health-timeout", o->health_timeout, "How long to wait for health (e.g. 5m)");
  c->add_option("--health-interval", o->health_interval, "Time between health probes");
  c->add_flag("--no-health-check", o->no_health_check, "Do not wait for health (no rollback)");
}

}  // namespace

void RegisterNode(CLI::App& app, Context& ctx) {
  auto* node = app.add_subcommand("node", "Apply, revert or inspect kaudit's change on this node");
  node->require_subcommand(1);
  auto o = std::make_shared<NodeCliOptions>();

  auto* apply = node->add_subcommand("apply", "Apply a revision to the kube-apiserver manifest");
  AddCommon(apply, o.get());
  AddHealth(apply, o.get());
  apply->add_option("-f,--filename", o->profiles, "AuditProfile files or directories");
  apply->add_option("--revision-dir", o->revision_dir, "Output of `kaudit render --out-dir`");
  apply->add_option("--webhook-kubeconfig", o->webhook_kubeconfig,
                    "Kubeconfig for a webhook backend (with -f)");
  apply->callback([o, &ctx] { ctx.exit_code = RunApplyOrRevert(*o, true); });

  auto* revert = node->add_subcommand("revert", "Remove exactly what kaudit added");
  AddCommon(revert, o.get());
  AddHealth(revert, o.get());
  revert->callback([o, &ctx] { ctx.exit_code = RunApplyOrRevert(*o, false); });

  auto* status = node->add_subcommand("status", "Show kaudit's state on this node");
  AddCommon(status, o.get());
  status->add_option("-o,--output", o->output, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  status->callback([o, &ctx] { ctx.exit_code = RunStatus(*o); });
}

}  // namespace kaudit::cli
