// kaudit-emulator: the kube-apiserver emulator as a standalone process (see
// docs/development.md). Writes its kubeconfig and serves until SIGINT/SIGTERM.
#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "support/emulator.h"

namespace {

constexpr char kUsage[] =
    "usage: kaudit-emulator --data-dir DIR [--port N] [--token T] [--bookmark-interval-ms N]\n"
    "                       [--max-history N] [--authorization-mode MODE]\n"
    "                       [--user-token TOKEN=USER[,GROUP...]]... [-v]\n"
    "  --data-dir DIR            where kubeconfig, ca.crt and emulator.json are written\n"
    "  --port N                  port on 127.0.0.1 (default 0: pick a free one)\n"
    "  --token T                 the admin bearer token (default: random)\n"
    "  --bookmark-interval-ms N  how often watches get a BOOKMARK (default 5000)\n"
    "  --max-history N           changes kept for watches; older versions answer 410\n"
    "  --authorization-mode M    AlwaysAllow (default) or RBAC: Roles, ClusterRoles and their\n"
    "                            bindings decide, as kube-apiserver; the admin token's user is in\n"
    "                            system:masters; /_emulator calls need system:masters\n"
    "  --user-token T=U[,G...]   also accept bearer token T for user U (groups G, and for\n"
    "                            system:serviceaccount:NS:NAME the ServiceAccount groups); repeatable\n"
    "  -v, --verbose             log every request to stderr\n";

// Parses "--flag value" and "--flag=value"; false (after a message) on a usage error.
struct UserToken {
  std::string token, user;
  std::vector<std::string> groups;
};

bool ParseArgs(int argc, char** argv, kaudit::emulator::EmulatorOptions* o,
               std::vector<UserToken>* tokens) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (arg == "-v" || arg == "--verbose") {
      o->verbose = true;
      continue;
    }
    auto eq = arg.find('=');
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      std::cerr << "kaudit-emulator: " << arg << " needs a value\n" << kUsage;
      return false;
    }
    try {
      if (arg == "--data-dir") o->data_dir = value;
      else if (arg == "--port") o->port = std::stoi(value);
      else if (arg == "--token") o->admin_token = value;
      else if (arg == "--bookmark-interval-ms")
        o->bookmark_interval = std::chrono::milliseconds(std::stol(value));
      else if (arg == "--max-history") o->max_history = std::stoul(value);
      else if (arg == "--authorization-mode") {
        if (value != "AlwaysAllow" && value != "RBAC") {
          std::cerr << "kaudit-emulator: --authorization-mode: \"" << value
                    << "\" is not AlwaysAllow or RBAC\n";
          return false;
        }
        o->authorization_mode = value;
      } else if (arg == "--user-token") {
        auto eq2 = value.find('=');
        if (eq2 == std::string::npos || eq2 == 0 || eq2 + 1 == value.size()) {
          std::cerr << "kaudit-emulator: --user-token wants TOKEN=USER[,GROUP...]\n";
          return false;
        }
        UserToken t{value.substr(0, eq2), "", {}};
        std::stringstream ss(value.substr(eq2 + 1));
        for (std::string part; std::getline(ss, part, ',');) {
          if (t.user.empty()) t.user = part;
          else if (!part.empty()) t.groups.push_back(part);
        }
        tokens->push_back(t);
      }
      else {
        std::cerr << "kaudit-emulator: unknown flag " << arg << "\n" << kUsage;
        return false;
      }
    } catch (const std::exception&) {
      std::cerr << "kaudit-emulator: " << arg << ": \"" << value << "\" is not a number\n";
      return false;
    }
  }
  if (o->data_dir.empty()) {
    std::cerr << "kaudit-emulator: --data-dir is required\n" << kUsage;
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  kaudit::emulator::EmulatorOptions opts;
  std::vector<UserToken> tokens;
  if (!ParseArgs(argc, argv, &opts, &tokens)) return 2;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // every thread inherits this; main waits below

  kaudit::emulator::Emulator emu(opts);
  for (const auto& t : tokens) emu.AddToken(t.token, t.user, t.groups);
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
