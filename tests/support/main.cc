// kaudit-emulator: the kube-apiserver emulator as a standalone process (see
// docs/development.md). Prints the kubeconfig path and serves until SIGINT/SIGTERM.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "support/emulator.h"

int main(int argc, char** argv) {
  CLI::App app{"kaudit-emulator: a kube-apiserver emulator for tests and demos"};
  kaudit::emulator::EmulatorOptions opts;
  int bookmark_ms = 5000;
  app.add_option("--port", opts.port, "port on 127.0.0.1 (0 = pick a free one)");
  app.add_option("--data-dir", opts.data_dir,
                 "folder for kubeconfig, ca.crt and emulator.json")->required();
  app.add_option("--token", opts.admin_token, "the admin bearer token (default: random)");
  app.add_option("--bookmark-interval-ms", bookmark_ms, "how often watches get a BOOKMARK");
  app.add_option("--max-history", opts.max_history, "changes kept for watches (older: 410)");
  app.add_flag("-v,--verbose", opts.verbose, "log every request to stderr");
  CLI11_PARSE(app, argc, argv);
  opts.bookmark_interval = std::chrono::milliseconds(bookmark_ms);

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // every thread inherits this; main waits below
  signal(SIGPIPE, SIG_IGN);

  kaudit::emulator::Emulator emu(opts);
  auto st = emu.Start();
  if (!st.ok()) {
    std::cerr << "kaudit-emulator: " << st.ToString() << "\n";
    return 1;
  }
  std::cout << "kaudit-emulator: serving " << emu.server() << "\n"
            << "kubeconfig: " << emu.kubeconfig_path() << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  emu.Stop();
  return 0;
}
