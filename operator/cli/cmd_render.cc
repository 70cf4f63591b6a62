// kaudit render -f PROFILE...: the effective audit Policy of a set of AuditProfiles, and with
// --out-dir every file a node needs (policy.yaml, flags.json, revision, webhook.kubeconfig).
// Output format and composition rules: docs/auditprofile.md, docs/presets.md.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/profile_files.h"
#include "common/file.h"
#include "common/time.h"
#include "policy/render.h"

namespace kaudit::cli {
namespace {

namespace fs = std::filesystem;

struct RenderCliOptions {
  std::vector<std::string> inputs;
  std::string out_dir;
  std::string now;
  std::string webhook_kubeconfig;
  std::string allowed_log_root = std::string(policy::kDefaultAllowedLogRoot);
  bool strict = false;
  bool no_locked_preamble = false;
};

// The files an -f argument stands for, or an error line.
std::vector<std::string> Expand(const std::string& input, std::vector<std::string>* errors) {
  std::error_code ec;
  if (input == "-" || !fs::is_directory(input, ec)) return {input};
  std::vector<std::string> files;
  for (const fs::directory_entry& e : fs::directory_iterator(input, ec)) {
    std::string ext = e.path().extension().string();
    if (e.is_regular_file(ec) && (ext == ".yaml" || ext == ".yml" || ext == ".json")) {
      files.push_back(e.path().string());
    }
  }
  if (ec) errors->push_back(input + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

void PrintLines(const std::vector<std::string>& lines, const char* prefix) {
  for (const std::string& l : lines) std::cerr << prefix << l << "\n";
}

void PrintMultiline(const std::string& message, const char* prefix) {
  std::size_t start = 0;
  while (start <= message.size()) {
    std::size_t nl = message.find('\n', start);
    std::cerr << prefix << message.substr(start, nl - start) << "\n";
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
}

// Writes path through a temporary file and a rename, so a reader never sees half a file.
Status WriteFile(const fs::path& path, const std::string& data, fs::perms perms) {
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << data;
    out.close();
    if (!out) return Status::Internal(tmp.string() + ": write failed");
  }
  std::error_code ec;
  fs::permissions(tmp, perms, ec);
  if (!ec) fs::rename(tmp, path, ec);
  if (ec) return Status::Internal(path.string() + ": " + ec.message());
  return Status::Ok();
}

Status WriteOutDir(const fs::path& dir, const policy::RenderedConfig& r) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::Internal(dir.string() + ": " + ec.message());
  constexpr fs::perms kPublic = fs::perms::owner_read | fs::perms::owner_write |
                                fs::perms::group_read | fs::perms::others_read;
  KAUDIT_RETURN_IF_ERROR(WriteFile(dir / "policy.yaml", r.policy_yaml, kPublic));
  KAUDIT_RETURN_IF_ERROR(WriteFile(dir / "flags.json", r.flags_json, kPublic));
  fs::path kubeconfig = dir / "webhook.kubeconfig";
  if (r.webhook_kubeconfig) {
    // It may hold the sink's client credentials.
    KAUDIT_RETURN_IF_ERROR(WriteFile(kubeconfig, *r.webhook_kubeconfig,
                                     fs::perms::owner_read | fs::perms::owner_write));
  } else {
    fs::remove(kubeconfig, ec);  // a stale one would be taken for this revision's
  }
  // Last, so a reader that sees the new revision finds the files it names.
  return WriteFile(dir / "revision", r.revision + "\n", kPublic);
}

StatusOr<policy::RenderOptions> MakeRenderOptions(const RenderCliOptions& o) {
  policy::RenderOptions ro;
  ro.now = std::chrono::system_clock::now();
  if (!o.now.empty()) {
    std::optional<SystemTime> t = ParseRfc3339(o.now);
    if (!t) return Status::InvalidArgument("--now: not an RFC 3339 time: " + o.now);
    ro.now = *t;
  }
  ro.locked_preamble = !o.no_locked_preamble;
  ro.allowed_log_root = o.allowed_log_root;
  ro.allow_missing_webhook_kubeconfig = o.out_dir.empty();
  if (!o.webhook_kubeconfig.empty()) {
    StatusOr<std::string> data = ReadFileLimited(o.webhook_kubeconfig);
    if (!data.ok()) return data.status();
    ro.webhook_kubeconfig = std::move(*data);
  }
  return ro;
}

int Run(const RenderCliOptions& o) {
  policy::ProfileOptions popts;
  popts.strict = o.strict;
  popts.allowed_log_root = o.allowed_log_root;
  policy::ProfileParseResult parsed = ReadProfileFiles(o.inputs, popts);
  PrintLines(parsed.notes, "note: ");
  PrintLines(parsed.warnings, "warning: ");
  PrintLines(parsed.errors, "error: ");
  if (!parsed.ok()) return kExitInvalid;
  if (parsed.profiles.empty()) {
    std::cerr << "error: no " << policy::kProfileApiVersion << " " << policy::kProfileKind
              << " in the input\n";
    return kExitInvalid;
  }
  StatusOr<policy::RenderOptions> ro = MakeRenderOptions(o);
  if (!ro.ok()) {
    std::cerr << "error: " << ro.status().message() << "\n";
    return kExitInvalid;
  }
  StatusOr<policy::RenderedConfig> r = policy::Render(parsed.profiles, *ro);
  if (!r.ok()) {
    PrintMultiline(r.status().message(), "error: ");
    return kExitInvalid;
  }
  PrintLines(r->notes, "note: ");
  for (const policy::Conflict& c : r->conflicts) std::cerr << "warning: " << c.message << "\n";
  if (o.out_dir.empty()) {
    std::cout << r->policy_yaml;
    return kExitOk;
  }
  Status written = WriteOutDir(o.out_dir, *r);
  if (!written.ok()) {
    std::cerr << "error: " << written.message() << "\n";
    return kExitInvalid;
  }
  std::cout << r->revision << "\n";
  return kExitOk;
}

}  // namespace

policy::ProfileParseResult ReadProfileFiles(const std::vector<std::string>& inputs,
                                            const policy::ProfileOptions& opts) {
  policy::ProfileParseResult all;
  auto append = [](std::vector<std::string>* dest, const std::vector<std::string>& src) {
    dest->insert(dest->end(), src.begin(), src.end());
  };
  std::map<std::string, std::string> origin_of;  // profile name -> where an earlier file has it
  for (const std::string& input : inputs) {
    for (const std::string& file : Expand(input, &all.errors)) {
      StatusOr<std::string> data = ReadFileLimited(file);
      if (!data.ok()) {
        all.errors.push_back(data.status().message());
        continue;
      }
      policy::ProfileParseResult one =
          policy::ParseProfiles(*data, file == "-" ? "<stdin>" : file, opts);
      append(&all.errors, one.errors);
      append(&all.warnings, one.warnings);
      append(&all.notes, one.notes);
      for (const policy::AuditProfile& p : one.profiles) {
        if (auto it = origin_of.find(p.name); it != origin_of.end()) {
          all.errors.push_back(p.origin + ": metadata.name: Duplicate value: \"" + p.name +
                               "\": also defined at " + it->second);
        }
      }
      for (policy::AuditProfile& p : one.profiles) {
        origin_of.emplace(p.name, p.origin);
        all.profiles.push_back(std::move(p));
      }
    }
  }
  return all;
}

void RegisterRender(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<RenderCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "render",
      "Print the effective audit Policy of AuditProfiles; with --out-dir, write policy.yaml,\n"
      "flags.json, revision (and webhook.kubeconfig) for a node. Exit 1 on invalid input.");
  cmd->add_option("-f,--filename", o->inputs,
                  "AuditProfile file(s) or directories, YAML or JSON, several documents each; "
                  "- for stdin")
      ->required();
  cmd->add_option("--out-dir", o->out_dir,
                  "write policy.yaml, flags.json, revision and webhook.kubeconfig here (stdout "
                  "then shows the revision) instead of printing the policy");
  cmd->add_option("--now", o->now,
                  "the time rules' expiresAt is compared with (RFC 3339; default: now)");
  cmd->add_option("--webhook-kubeconfig", o->webhook_kubeconfig,
                  "the kubeconfig the webhook backend's Secret holds (needed with --out-dir "
                  "when a profile sets spec.backends.webhook)");
  cmd->add_option("--allowed-log-root", o->allowed_log_root,
                  "spec.backends.log.path must lie under this directory")
      ->capture_default_str();
  cmd->add_flag("--strict", o->strict, "treat unknown and duplicate fields as errors");
  cmd->add_flag("--no-locked-preamble", o->no_locked_preamble,
                "leave out the locked preamble (Secrets at Metadata, AuditProfile writes at "
                "RequestResponse); the operator's own switch, never a profile's");
  cmd->callback([o, &ctx] { ctx.exit_code = Run(*o); });
}

}  // namespace kaudit::cli
