// kaudit: one binary, many subcommands (design.md "Parts").
#include <iostream>

#include "cli/commands.h"

#ifndef KAUDIT_VERSION
#define KAUDIT_VERSION "dev"
#endif

int main(int argc, char** argv) {
  CLI::App app{"kaudit manages kube-apiserver auditing: render, check and roll out audit policies."};
  app.set_version_flag("--version", std::string("kaudit ") + KAUDIT_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  kaudit::cli::Context ctx;
  kaudit::cli::RegisterValidate(app, ctx);
  kaudit::cli::RegisterEval(app, ctx);
  kaudit::cli::RegisterRender(app, ctx);
  kaudit::cli::RegisterLint(app, ctx);
  kaudit::cli::RegisterNode(app, ctx);
  kaudit::cli::RegisterSimulate(app, ctx);
  kaudit::cli::RegisterController(app, ctx);
  kaudit::cli::RegisterAgent(app, ctx);
  kaudit::cli::RegisterUninstall(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kaudit::cli::kExitUsage;
  }
  return ctx.exit_code;
}
