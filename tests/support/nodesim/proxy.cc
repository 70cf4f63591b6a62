#include "nodesim/proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace kaudit::nodesim {
namespace {

int Connect(const std::string& host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &a.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

Status TcpProxy::Start(int port, const std::string& upstream_host, int upstream_port) {
  host_ = upstream_host;
  upstream_port_ = upstream_port;
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(listen_fd_, 64) != 0) {
    close(listen_fd_);
    listen_fd_ = -1;
    return Status::Unavailable("api proxy: cannot listen on 127.0.0.1:" + std::to_string(port));
  }
  accept_thread_ = std::thread([this] { AcceptLoop(); });
  return Status::Ok();
}

void TcpProxy::SetOpen(bool open) {
  bool was = open_.exchange(open);
  if (was && !open) {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : conns_) shutdown(fd, SHUT_RDWR);  // the API vanishes mid-request too
  }
}

void TcpProxy::Stop() {
  if (stop_.exchange(true)) return;
  if (accept_thread_.joinable()) accept_thread_.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : conns_) shutdown(fd, SHUT_RDWR);
    workers.swap(workers_);
  }
  for (auto& t : workers) t.join();
  if (listen_fd_ >= 0) close(listen_fd_);
}

void TcpProxy::AcceptLoop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    int c = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    if (!open_) {
      linger l{1, 0};  // reset: what a client sees when nothing listens
      setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      close(c);
      continue;
    }
    std::lock_guard<std::mutex> lock(mu_);
    conns_.insert(c);
    workers_.emplace_back([this, c] { Pump(c); });
  }
}

void TcpProxy::Pump(int client) {
  int up = Connect(host_, upstream_port_);
  char buf[16384];
  if (up >= 0) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      conns_.insert(up);
    }
    pollfd p[2] = {{client, POLLIN, 0}, {up, POLLIN, 0}};
    while (!stop_ && open_) {
      if (poll(p, 2, 200) < 0) break;
      bool done = false;
      for (int i = 0; i < 2 && !done; ++i) {
        if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t n = read(p[i].fd, buf, sizeof buf);
        done = n <= 0 || write(p[1 - i].fd, buf, static_cast<size_t>(n)) != n;
      }
      if (done) break;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  conns_.erase(client);
  close(client);
  if (up >= 0) {
    conns_.erase(up);
    close(up);
  }
}

}  // namespace kaudit::nodesim
