// kaudit validate POLICY...: would kube-apiserver load this audit policy file?
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "common/file.h"
#include "policy/loader.h"

namespace kaudit::cli {
namespace {

struct ValidateOptions {
  std::vector<std::string> files;
  bool strict = false;
  bool quiet = false;
};

// Returns true when the file loads. Errors go to stdout (they are the answer), warnings to
// stderr, as kube-apiserver logs them.
bool ValidateOne(const std::string& path, const ValidateOptions& opts, bool name_files) {
  std::string prefix = name_files ? path + ": " : "";
  auto data = ReadFileLimited(path);
  if (!data.ok()) {
    std::cout << prefix << "failed to read file path " << path << ": "
              << data.status().message() << "\n";
    return false;
  }
  policy::LoadResult r = policy::LoadPolicy(*data, {.strict = opts.strict});
  for (const std::string& w : r.warnings) std::cerr << prefix << "warning: " << w << "\n";
  // Errors as "file:line:col: message" where the place is known, like a compiler.
  for (std::size_t i = 0; i < r.errors.size(); ++i) {
    kyaml::Mark m = i < r.error_marks.size() ? r.error_marks[i] : kyaml::Mark{};
    std::cout << (m.line ? path + ":" + std::to_string(m.line) + ":" + std::to_string(m.column) + ": "
                         : prefix)
              << r.errors[i] << "\n";
  }
  if (r.ok && !opts.quiet) {
    std::cout << prefix << "OK: kube-apiserver would load this policy (" << r.policy.rules.size()
              << (r.policy.rules.size() == 1 ? " rule" : " rules") << ")\n";
  }
  return r.ok;
}

}  // namespace

void RegisterValidate(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<ValidateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "validate",
      "Check audit policy files exactly as kube-apiserver 1.28-1.35 loads them.\n"
      "Exit 0 when every file would load, 1 when kube-apiserver would refuse to start.");
  cmd->add_option("POLICY", opts->files, "audit.k8s.io/v1 Policy file(s), YAML or JSON; - for stdin")
      ->required();
  cmd->add_flag("--strict", opts->strict,
                "treat unknown and duplicate fields as errors (kube-apiserver only warns and "
                "drops them, which can widen a rule)");
  cmd->add_flag("-q,--quiet", opts->quiet, "print nothing for files that load");
  cmd->callback([opts, &ctx] {
    bool all_ok = true;
    for (const std::string& f : opts->files) {
      all_ok = ValidateOne(f, *opts, opts->files.size() > 1) && all_ok;
    }
    ctx.exit_code = all_ok ? kExitOk : kExitInvalid;
  });
}

}  // namespace kaudit::cli
