// kaudit lint POLICY | -f PROFILE...: findings about an audit policy that kube-apiserver accepts
// but that probably does not do what its author meant (policy/lint.h, docs/lint.md).
//
// Output, one line per finding, in a stable order:
//   SEVERITY rules[N] code: message (fix: ...)
// ("policy" instead of rules[N] for findings about the whole policy; notes passed through from
// decoding and rendering have no fix). With -f, N indexes the effective policy `kaudit render`
// prints, and the line ends with where that rule comes from: [profile NAME spec.rules[K]].
// Exit codes: 0, or 1 when a finding reaches --fail-on (default error) or the input is invalid;
// 2 on a usage error.
#include <chrono>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/profile_files.h"
#include "common/file.h"
#include "common/time.h"
#include "policy/lint.h"
#include "policy/loader.h"
#include "policy/render.h"

namespace kaudit::cli {
namespace {

struct LintCliOptions {
  std::string policy_file;
  std::vector<std::string> profiles;
  std::string format = "text";
  std::string fail_on = "error";
  std::string now;
  bool strict = false;
  bool no_locked_preamble = false;
};

// A finding as printed: the library's finding plus, with -f, where its rule comes from.
struct Reported {
  policy::Finding finding;
  std::optional<policy::RuleOrigin> origin;
};

// What the input produced: either errors (invalid input) or a policy and its findings.
struct LintRun {
  std::vector<std::string> errors;
  std::vector<Reported> reported;
  std::size_t rules = 0;
};

// Findings the command adds for what decoding and rendering only warn about.
policy::Finding InputFinding(policy::Severity sev, std::string code, std::string message,
                             std::string fix) {
  policy::Finding f;
  f.severity = sev;
  f.code = std::move(code);
  f.message = std::move(message);
  f.fix = std::move(fix);
  return f;
}

void AddLint(const policy::Policy& p, const std::vector<policy::RuleOrigin>* origins,
             LintRun* run) {
  run->rules = p.rules.size();
  for (policy::Finding& f : policy::Lint(p)) {
    Reported r{std::move(f), std::nullopt};
    if (origins && r.finding.rule_index >= 0 &&
        static_cast<std::size_t>(r.finding.rule_index) < origins->size()) {
      r.origin = (*origins)[static_cast<std::size_t>(r.finding.rule_index)];
    }
    run->reported.push_back(std::move(r));
  }
}

LintRun LintPolicyFile(const LintCliOptions& o) {
  LintRun run;
  StatusOr<std::string> data = ReadFileLimited(o.policy_file);
  if (!data.ok()) {
    run.errors.push_back("failed to read file path " + o.policy_file + ": " +
                         data.status().message());
    return run;
  }
  policy::LoadResult r = policy::LoadPolicy(*data, {.strict = o.strict});
  if (!r.ok) {
    run.errors = r.errors;
    return run;
  }
  for (const std::string& w : r.warnings) {
    run.reported.push_back({InputFinding(policy::Severity::kWarning, "decode-warning", w,
                                         "fix the field; kube-apiserver drops it, which can "
                                         "widen the rule"),
                            std::nullopt});
  }
  AddLint(r.policy, nullptr, &run);
  return run;
}

LintRun LintProfiles(const LintCliOptions& o) {
  LintRun run;
  policy::ProfileOptions popts;
  popts.strict = o.strict;
  policy::ProfileParseResult parsed = ReadProfileFiles(o.profiles, popts);
  for (const std::string& w : parsed.warnings) {
    run.reported.push_back({InputFinding(policy::Severity::kWarning, "decode-warning", w,
                                         "fix the field; it is dropped"),
                            std::nullopt});
  }
  for (const std::string& n : parsed.notes) {
    run.reported.push_back(
        {InputFinding(policy::Severity::kInfo, "render-note", n, ""), std::nullopt});
  }
  run.errors = parsed.errors;
  if (!parsed.ok()) return run;
  if (parsed.profiles.empty()) {
    run.errors.push_back("no " + std::string(policy::kProfileApiVersion) + " " +
                         std::string(policy::kProfileKind) + " in the input");
    return run;
  }
  policy::RenderOptions ro;
  ro.now = std::chrono::system_clock::now();
  if (!o.now.empty()) {
    std::optional<SystemTime> t = ParseRfc3339(o.now);
    if (!t) {
      run.errors.push_back("--now: not an RFC 3339 time: " + o.now);
      return run;
    }
    ro.now = *t;
  }
  ro.locked_preamble = !o.no_locked_preamble;
  ro.allow_missing_webhook_kubeconfig = true;  // lint looks at the policy only
  StatusOr<policy::RenderedConfig> r = policy::Render(parsed.profiles, ro);
  if (!r.ok()) {
    run.errors.push_back(r.status().message());
    return run;
  }
  for (const std::string& n : r->notes) {
    run.reported.push_back(
        {InputFinding(policy::Severity::kInfo, "render-note", n, ""), std::nullopt});
  }
  for (const policy::Conflict& c : r->conflicts) {
    run.reported.push_back({InputFinding(policy::Severity::kWarning, "profile-conflict", c.message,
                                         "set " + c.field + " in one profile only, or make " +
                                             c.profile + " agree with " + c.winner),
                            std::nullopt});
  }
  AddLint(r->policy, &r->origins, &run);
  return run;
}

std::string OriginText(const policy::RuleOrigin& o) {
  using K = policy::RuleOrigin::Kind;
  switch (o.kind) {
    case K::kPreamble:
      return "locked preamble rule " + std::to_string(o.rule_index);
    case K::kPreset:
      return "preset of profile " + o.profile + ", rule " + std::to_string(o.rule_index);
    case K::kProfile:
      return "profile " + o.profile + " spec.rules[" + std::to_string(o.rule_index) + "]";
  }
  return "";
}

nlohmann::ordered_json OriginJson(const policy::RuleOrigin& o) {
  using K = policy::RuleOrigin::Kind;
  nlohmann::ordered_json j;
  j["kind"] = o.kind == K::kPreamble ? "preamble" : o.kind == K::kPreset ? "preset" : "profile";
  if (o.kind != K::kPreamble) j["profile"] = o.profile;
  j["index"] = o.rule_index;
  return j;
}

void PrintText(const LintRun& run) {
  for (const Reported& r : run.reported) {
    const policy::Finding& f = r.finding;
    std::cout << policy::SeverityName(f.severity) << " "
              << (f.rule_index < 0 ? std::string("policy")
                                   : "rules[" + std::to_string(f.rule_index) + "]")
              << " " << f.code << ": " << f.message;
    if (!f.fix.empty()) std::cout << " (fix: " << f.fix << ")";
    if (r.origin) std::cout << " [" << OriginText(*r.origin) << "]";
    std::cout << "\n";
  }
}

void PrintJson(const LintRun& run, bool failed) {
  nlohmann::ordered_json out;
  out["valid"] = run.errors.empty();
  out["errors"] = run.errors;
  out["rules"] = run.rules;
  nlohmann::ordered_json findings = nlohmann::ordered_json::array();
  nlohmann::ordered_json summary = {{"error", 0}, {"warning", 0}, {"info", 0}};
  for (const Reported& r : run.reported) {
    const policy::Finding& f = r.finding;
    nlohmann::ordered_json j;
    j["severity"] = policy::SeverityName(f.severity);
    j["code"] = f.code;
    j["rule"] =
        f.rule_index < 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f.rule_index);
    j["message"] = f.message;
    j["fix"] = f.fix;
    if (r.origin) j["origin"] = OriginJson(*r.origin);
    findings.push_back(std::move(j));
    summary[std::string(policy::SeverityName(f.severity))] =
        summary[std::string(policy::SeverityName(f.severity))].get<int>() + 1;
  }
  out["findings"] = std::move(findings);
  out["summary"] = std::move(summary);
  out["failed"] = failed;
  std::cout << out.dump(2) << "\n";
}

int Run(const LintCliOptions& o) {
  LintRun run = o.policy_file.empty() ? LintProfiles(o) : LintPolicyFile(o);
  // --fail-on was checked at parse time; "never" maps to no threshold.
  std::optional<policy::Severity> threshold = policy::ParseSeverity(o.fail_on);
  bool failed = !run.errors.empty();
  for (const Reported& r : run.reported) {
    if (threshold && r.finding.severity >= *threshold) failed = true;
  }
  if (o.format == "json") {
    PrintJson(run, failed);
  } else {
    for (const std::string& e : run.errors) std::cerr << "error: " << e << "\n";
    PrintText(run);
  }
  return failed ? kExitInvalid : kExitOk;
}

}  // namespace

void RegisterLint(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<LintCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "lint",
      "Report rules that never match (shadowed, wrong group, typos), a missing catch-all,\n"
      "credentials logged with their bodies, and more (docs/lint.md). Lints a policy file,\n"
      "or with -f the effective policy of AuditProfiles. Exit 1 when a finding reaches\n"
      "--fail-on or the input is invalid.");
  auto* policy_opt = cmd->add_option("POLICY", o->policy_file,
                                     "audit.k8s.io/v1 Policy file, YAML or JSON; - for stdin");
  auto* profiles_opt = cmd->add_option(
      "-f,--filename", o->profiles,
      "AuditProfile file(s) or directories; lints the policy `kaudit render` would produce");
  policy_opt->excludes(profiles_opt);
  cmd->add_option("--format", o->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_option("--fail-on", o->fail_on,
                  "exit 1 when a finding has at least this severity: info, warning, error, or "
                  "never")
      ->check(CLI::IsMember({"info", "warning", "error", "never"}))
      ->capture_default_str();
  cmd->add_option("--now", o->now,
                  "with -f: the time rules' expiresAt is compared with (RFC 3339; default: now)");
  cmd->add_flag("--strict", o->strict, "treat unknown and duplicate fields as errors");
  cmd->add_flag("--no-locked-preamble", o->no_locked_preamble,
                "with -f: lint the policy without kaudit's locked preamble");
  cmd->callback([o, policy_opt, profiles_opt, cmd, &ctx] {
    if (policy_opt->count() == 0 && profiles_opt->count() == 0) {
      std::cerr << "lint: give a POLICY file or -f PROFILE...\n" << cmd->help();
      ctx.exit_code = kExitUsage;
      return;
    }
    ctx.exit_code = Run(*o);
  });
}

}  // namespace kaudit::cli
