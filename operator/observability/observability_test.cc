// The text format as Prometheus documents it, and the HTTP server over a real loopback socket.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <limits>

#include "observability/http_server.h"
#include "observability/metrics.h"

namespace kaudit::observability {
namespace {

TEST(Metrics, EncodesFamiliesInNameOrderWithHelpTypeAndEscapedLabels) {
  Registry r;
  r.GetCounter("b_total", "Things.\nSecond line", {{"result", "success"}}).Inc(2);
  r.GetCounter("b_total", "ignored", {{"result", "error"}}).Inc();
  r.GetGauge("a_gauge", "A gauge.", {{"node", "cp\"1\\"}}).Set(1.5);
  EXPECT_EQ(r.Encode(),
            "# HELP a_gauge A gauge.\n"
            "# TYPE a_gauge gauge\n"
            "a_gauge{node=\"cp\\\"1\\\\\"} 1.5\n"
            "# HELP b_total Things.\\nSecond line\n"
            "# TYPE b_total counter\n"
            "b_total{result=\"error\"} 1\n"
            "b_total{result=\"success\"} 2\n");
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInf) {
  Registry r;
  Histogram& h = r.GetHistogram("t_seconds", "Time.", {{"c", "x"}}, {0.1, 1});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(3);
  EXPECT_EQ(r.Encode(),
            "# HELP t_seconds Time.\n"
            "# TYPE t_seconds histogram\n"
            "t_seconds_bucket{c=\"x\",le=\"0.1\"} 1\n"
            "t_seconds_bucket{c=\"x\",le=\"1\"} 2\n"
            "t_seconds_bucket{c=\"x\",le=\"+Inf\"} 3\n"
            "t_seconds_sum{c=\"x\"} 3.55\n"
            "t_seconds_count{c=\"x\"} 3\n");
}

TEST(Metrics, ResetGaugesDropsSeriesAndCountersNeverGoDown) {
  Registry r;
  r.GetGauge("g", "G.", {{"phase", "Healthy"}}).Set(3);
  r.ResetGauges("g");
  r.GetGauge("g", "G.", {{"phase", "Applying"}}).Set(1);
  Counter& c = r.GetCounter("c_total", "C.");
  c.Inc(-5);
  EXPECT_EQ(r.Encode(),
            "# HELP c_total C.\n# TYPE c_total counter\nc_total 0\n"
            "# HELP g G.\n# TYPE g gauge\ng{phase=\"Applying\"} 1\n");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
}

TEST(Metrics, ProcessCollectorReportsResidentMemory) {
  Registry r;
  AddProcessCollector(r);
  std::string text = r.Encode();
  EXPECT_NE(text.find("# TYPE process_resident_memory_bytes gauge\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
}

std::string Get(int port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return "connect failed";
  }
  ::send(fd, request.data(), request.size(), 0);
  std::string out;
  char buf[1024];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

TEST(HttpServer, ServesHandlersAnd404And405) {
  HttpServer s("127.0.0.1:0");
  bool ready = false;
  s.Handle("/readyz", [&] {
    return ready ? HttpResponse{200, "text/plain", "ok\n"} : HttpResponse{503, "text/plain", "no\n"};
  });
  ASSERT_TRUE(s.Start().ok());
  ASSERT_GT(s.port(), 0);
  std::string r = Get(s.port(), "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u) << r;
  ready = true;
  r = Get(s.port(), "GET /readyz?verbose HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("Content-Length: 3\r\n"), std::string::npos);
  EXPECT_EQ(r.substr(r.size() - 3), "ok\n");
  EXPECT_EQ(Get(s.port(), "GET /nope HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(Get(s.port(), "POST /readyz HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 405", 0), 0u);
  s.Stop();
}

TEST(HttpServer, RefusesABadBindAddress) {
  HttpServer s("nonsense");
  EXPECT_FALSE(s.Start().ok());
}

}  // namespace
}  // namespace kaudit::observability
