// The kaudit command line: one Register* function per subcommand, each in its own cmd_*.cc.
// A subcommand's callback stores its exit code in the shared context:
//   0 ok, 1 the input is invalid or a check failed, 2 usage error, 3 rolled back (node apply).
#pragma once

#include <CLI/CLI.hpp>

namespace kaudit::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitRolledBack = 3;

struct Context {
  int exit_code = kExitOk;
};

void RegisterValidate(CLI::App& app, Context& ctx);
void RegisterEval(CLI::App& app, Context& ctx);
void RegisterRender(CLI::App& app, Context& ctx);
void RegisterLint(CLI::App& app, Context& ctx);
void RegisterNode(CLI::App& app, Context& ctx);
void RegisterSimulate(CLI::App& app, Context& ctx);
void RegisterController(CLI::App& app, Context& ctx);
void RegisterAgent(CLI::App& app, Context& ctx);
void RegisterUninstall(CLI::App& app, Context& ctx);

}  // namespace kaudit::cli
