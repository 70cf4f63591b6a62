// kaudit simulate (--policy POLICY | -f PROFILE...) --log FILE... [--format table|json|markdown]
//   [--disk-budget SIZE] [--explain-user NAME] [--explain-resource RESOURCE] ...
// Replays audit logs through a candidate policy and reports what it would log: events and bytes
// before and after, per day, top users/resources/namespaces/verbs, per rule, what stops being
// logged, estimates kept apart from measurements, retention for a disk budget. See
// docs/simulate.md.
//
// Exit codes: 0 report written (lines of the log that are not events are counted in the report,
// never fatal); 1 the policy or profiles are invalid, or a log file cannot be read; 2 usage.
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/profile_files.h"
#include "common/file.h"
#include "common/time.h"
#include "policy/eval.h"
#include "policy/loader.h"
#include "policy/render.h"
#include "simulate/format.h"
#include "simulate/report.h"
#include "simulate/simulator.h"

namespace kaudit::cli {
namespace {

struct SimulateCliOptions {
  std::string policy;
  std::vector<std::string> profiles;
  std::vector<std::string> logs;
  std::string format = "table";
  std::string disk_budget;
  std::string explain_user, explain_resource;
  std::string decisions;
  std::string now;
  std::size_t top = 10;
  int threads = 0;
  std::size_t max_line_mib = 256;
  std::size_t chunk_kib = 0;  // 0: the library's default
};

struct Candidate {
  policy::Policy policy;
  std::string source;
};

void PrintLines(const std::vector<std::string>& lines, const char* prefix) {
  for (const std::string& l : lines) std::cerr << prefix << l << "\n";
}

std::optional<Candidate> LoadPolicyFile(const std::string& path) {
  StatusOr<std::string> data = ReadFileLimited(path);
  if (!data.ok()) {
    std::cerr << "error: --policy: " << data.status().message() << "\n";
    return std::nullopt;
  }
  policy::LoadResult loaded = policy::LoadPolicy(*data);
  for (const std::string& w : loaded.warnings) std::cerr << path << ": warning: " << w << "\n";
  if (!loaded.ok) {
    for (const std::string& e : loaded.errors) std::cerr << path << ": " << e << "\n";
    std::cerr << "error: --policy: kube-apiserver would not load " << path << "\n";
    return std::nullopt;
  }
  return Candidate{std::move(loaded.policy), path == "-" ? "<stdin>" : path};
}

std::optional<Candidate> RenderProfiles(const SimulateCliOptions& o) {
  policy::ProfileParseResult parsed = ReadProfileFiles(o.profiles, policy::ProfileOptions{});
  PrintLines(parsed.notes, "note: ");
  PrintLines(parsed.warnings, "warning: ");
  PrintLines(parsed.errors, "error: ");
  if (!parsed.ok()) return std::nullopt;
  if (parsed.profiles.empty()) {
    std::cerr << "error: -f: no " << policy::kProfileApiVersion << " " << policy::kProfileKind
              << " in the input\n";
    return std::nullopt;
  }
  policy::RenderOptions ro;
  ro.now = std::chrono::system_clock::now();
  if (!o.now.empty()) {
    std::optional<SystemTime> t = ParseRfc3339(o.now);
    if (!t) {
      std::cerr << "error: --now: not an RFC 3339 time: " << o.now << "\n";
      return std::nullopt;
    }
    ro.now = *t;
  }
  ro.allow_missing_webhook_kubeconfig = true;  // only the policy matters here
  StatusOr<policy::RenderedConfig> r = policy::Render(parsed.profiles, ro);
  if (!r.ok()) {
    std::cerr << "error: " << r.status().message() << "\n";
    return std::nullopt;
  }
  std::string source = "profiles";
  for (const auto& p : r->sources) source += (source == "profiles" ? " " : ", ") + p.name;
  return Candidate{std::move(r->policy), source};
}

// Usage problems found before any work: exit 2 with the message.
std::optional<std::string> CheckUsage(const SimulateCliOptions& o) {
  if (o.policy.empty() == o.profiles.empty()) {
    return "give the candidate policy either with --policy POLICY or with -f PROFILE...";
  }
  if (o.logs.empty()) return "--log: at least one audit log file is required";
  int stdin_uses =
      (o.policy == "-") + static_cast<int>(std::count(o.logs.begin(), o.logs.end(), "-"));
  for (const std::string& p : o.profiles) stdin_uses += p == "-";
  if (stdin_uses > 1) return "standard input (-) can be used only once";
  if (!simulate::ParseFormat(o.format)) {
    return "--format: \"" + o.format + "\" is not one of table, json, markdown";
  }
  if (o.top == 0) return "--top: must be at least 1";
  if (o.threads < 0) return "--threads: must be 0 (one per core) or more";
  if (o.max_line_mib == 0 || o.max_line_mib > 4096) return "--max-line-mib: must be 1..4096";
  if (o.chunk_kib > 1u << 20) return "--chunk-kib: must be at most 1048576 (1 GiB)";
  return std::nullopt;
}

int Run(const SimulateCliOptions& o) {
  if (std::optional<std::string> usage = CheckUsage(o)) {
    std::cerr << "kaudit simulate: " << *usage << "\n";
    return kExitUsage;
  }
  std::optional<uint64_t> budget;
  if (!o.disk_budget.empty()) {
    StatusOr<uint64_t> b = simulate::ParseSize(o.disk_budget);
    if (!b.ok()) {
      std::cerr << "kaudit simulate: " << b.status().message() << "\n";
      return kExitUsage;
    }
    budget = *b;
  }
  std::optional<Candidate> cand = o.policy.empty() ? RenderProfiles(o) : LoadPolicyFile(o.policy);
  if (!cand) return kExitInvalid;
  StatusOr<policy::CompiledPolicy> compiled = policy::CompiledPolicy::Compile(cand->policy);
  if (!compiled.ok()) {
    std::cerr << "error: " << compiled.status().message() << "\n";
    return kExitInvalid;
  }
  simulate::SimulateOptions so;
  so.logs = o.logs;
  so.threads = o.threads;
  so.max_line_bytes = o.max_line_mib << 20;
  if (o.chunk_kib > 0) so.chunk_bytes = o.chunk_kib << 10;
  so.process.explain_user = o.explain_user;
  so.process.explain_user_set = !o.explain_user.empty();
  so.process.explain_resource = o.explain_resource;
  so.process.explain_resource_set = !o.explain_resource.empty();
  std::ofstream decisions;
  if (!o.decisions.empty()) {
    decisions.open(o.decisions, std::ios::binary | std::ios::trunc);
    if (!decisions) {
      std::cerr << "error: --decisions: cannot write " << o.decisions << "\n";
      return kExitInvalid;
    }
    so.process.record_decisions = true;
    so.decisions = &decisions;
  }
  StatusOr<simulate::SimulationResult> result = simulate::Simulate(*compiled, so);
  if (!result.ok()) {
    std::cerr << "error: --log: " << result.status().message() << "\n";
    return kExitInvalid;
  }
  simulate::ReportOptions ro;
  ro.policy_source = cand->source;
  ro.top = o.top;
  ro.disk_budget_bytes = budget;
  ro.explain_user = o.explain_user;
  ro.explain_user_set = so.process.explain_user_set;
  ro.explain_resource = o.explain_resource;
  ro.explain_resource_set = so.process.explain_resource_set;
  simulate::Report report = simulate::BuildReport(*result, cand->policy, ro);
  simulate::WriteReport(report, *simulate::ParseFormat(o.format), std::cout);
  std::cout.flush();
  if (!std::cout || (decisions.is_open() && !decisions.flush())) {
    std::cerr << "error: writing the report failed\n";
    return kExitInvalid;
  }
  return kExitOk;
}

}  // namespace

void RegisterSimulate(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<SimulateCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "simulate",
      "Replay audit logs through a candidate policy: events and bytes before and after, per\n"
      "day, per user/resource/namespace/verb and per rule, what stops being logged, and with\n"
      "--disk-budget the retention it gives. Estimates (bodies the log never held) are shown\n"
      "apart from measurements. See docs/simulate.md.");
  cmd->add_option("--policy", o->policy, "candidate audit.k8s.io/v1 Policy file; - for stdin");
  cmd->add_option("-f,--filename", o->profiles,
                  "candidate AuditProfile files or directories (rendered as `kaudit render`)");
  cmd->add_option("--log", o->logs,
                  "audit log files in time order (oldest first); gzip files are read as such; "
                  "- for stdin")
      ->expected(1, -1);
  cmd->add_option("--format", o->format, "table (default), json or markdown");
  cmd->add_option("--disk-budget", o->disk_budget,
                  "disk space for the audit log, e.g. 20GiB: retention and rotation settings");
  cmd->add_option("--explain-user", o->explain_user,
                  "break down one user's events by the rule that decides their level");
  cmd->add_option("--explain-resource", o->explain_resource,
                  "the same for one resource, spelled as kubectl does: secrets, "
                  "deployments.apps, pods/log");
  cmd->add_option("--top", o->top, "rows in each top list (default 10)");
  cmd->add_option("--decisions", o->decisions,
                  "also write each event's level and omitted stages to FILE, one line per "
                  "non-blank log line, as `kaudit eval` prints them");
  cmd->add_option("--now", o->now, "with -f: the time for expiresAt (RFC 3339; default: now)");
  cmd->add_option("--threads", o->threads, "worker threads (default 0: one per core)");
  cmd->add_option("--max-line-mib", o->max_line_mib,
                  "longest log line read, in MiB (default 256); longer lines are skipped");
  cmd->add_option("--chunk-kib", o->chunk_kib,
                  "tuning: bytes of log handed to a worker at a time, in KiB (default 512)");
  cmd->callback([o, &ctx] { ctx.exit_code = Run(*o); });
}

}  // namespace kaudit::cli
