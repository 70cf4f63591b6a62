// TcpProxy: a byte-for-byte TCP forwarder from 127.0.0.1:port to an upstream host:port, that can
// be closed (new connections are reset, open ones cut) and opened again. It stands for the API
// endpoint of a single control-plane cluster, which is reachable only while that node's
// apiserver is up. TLS passes through untouched.
//
// Thread safety: SetOpen from any thread; Start/Stop from one controlling thread.
#pragma once

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"

namespace kaudit::nodesim {

class TcpProxy {
 public:
  ~TcpProxy() { Stop(); }
  Status Start(int port, const std::string& upstream_host, int upstream_port);
  void SetOpen(bool open);
  void Stop();

 private:
  void AcceptLoop();
  void Pump(int client);

  int listen_fd_ = -1;
  std::string host_;
  int upstream_port_ = 0;
  std::atomic<bool> open_{false};
  std::atomic<bool> stop_{false};
  std::thread accept_thread_;
  std::mutex mu_;
  std::set<int> conns_;               // guarded by mu_
  std::vector<std::thread> workers_;  // guarded by mu_
};

}  // namespace kaudit::nodesim
