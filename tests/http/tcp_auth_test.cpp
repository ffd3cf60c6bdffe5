// Who may write over line protocol on TCP, against the real server (tests/http/server_harness.h):
// read-only mode and HTTP auth without TCP keys close the port; with neither, writes work.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "http/server_config.h"
#include "tests/http/server_harness.h"

namespace sundial::testing {
namespace {

using namespace std::chrono_literals;

const std::string kAdminAuth = "Authorization: Basic YWRtaW46cXVlc3Q=\r\n";  // admin:quest

// A loopback port that was free a moment ago.
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof(a);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

// Sends `lines` to the line protocol port if it accepts a connection; true if it did.
bool TrySendLines(int port, const std::string& lines) {
  int fd = ConnectTcp(port);
  if (fd < 0) return false;
  SendAll(fd, lines);
  ::shutdown(fd, SHUT_WR);
  char b;
  while (::recv(fd, &b, 1, 0) > 0) {
  }
  ::close(fd);
  return true;
}

// The row count of `table` once it reaches `want` (within the commit interval), or the last
// answer: -1 if the table does not exist, -2 on any other answer.
int64_t CountRows(int http_port, const std::string& table, int64_t want, const std::string& auth,
                  int timeout_ms = 3000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int64_t last = -2;
  do {
    HttpResponse r = Exec(http_port, "select count() from " + table, "", auth);
    if (r.status == 200) {
      size_t p = r.body.find("\"dataset\":[[");
      last = p == std::string::npos ? -2 : std::atoll(r.body.c_str() + p + 12);
    } else if (r.body.find("table does not exist") != std::string::npos) {
      last = -1;
    } else {
      last = -2;
    }
    if (last == want) return last;
    std::this_thread::sleep_for(50ms);
  } while (std::chrono::steady_clock::now() < deadline);
  return last;
}

TEST(TcpAccessTest, DecisionForEveryCombination) {
  using http::TcpAccess;
  for (int mask = 0; mask < 16; ++mask) {
    http::ServerConfig c;
    c.line_tcp_enabled = (mask & 1) == 0;
    c.http_readonly = (mask & 2) != 0;
    if (mask & 4) {
      c.http_user = "admin";
      c.http_password = "quest";
    }
    if (mask & 8) c.line_tcp_auth_db_path = "conf/auth.txt";
    TcpAccess want = !c.line_tcp_enabled ? TcpAccess::kDisabled
                     : c.http_readonly   ? TcpAccess::kRefusedReadOnly
                     : (mask & 8)        ? TcpAccess::kKeyAuth
                     : (mask & 4)        ? TcpAccess::kRefusedNoKeys
                                         : TcpAccess::kOpen;
    EXPECT_EQ(http::DecideTcpAccess(c), want) << mask;
    EXPECT_FALSE(http::DescribeTcpAccess(want).empty());
  }
}

// The line protocol port is configured on a known port; `conf` decides who may write.
struct Case {
  const char* name;
  std::vector<std::pair<std::string, std::string>> conf;
  bool open;
  const char* log;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class TcpAccessServerTest : public ::testing::TestWithParam<Case> {};

TEST_P(TcpAccessServerTest, WritesOnlyWhereAllowed) {
  const Case& c = GetParam();
  const int tcp_port = FreePort();
  ASSERT_GT(tcp_port, 0);
  Server server;
  server.SetConf("line.tcp.net.bind.to", "127.0.0.1:" + std::to_string(tcp_port));
  server.SetConf("line.tcp.commit.interval.default", "100");
  for (const auto& [k, v] : c.conf) server.SetConf(k, v);
  ASSERT_TRUE(server.Start()) << server.Log();
  const std::string auth = server.Log().find("auth=basic") != std::string::npos ? kAdminAuth : "";
  const bool accepted = TrySendLines(tcp_port, "tcp_access,host=a v=1i 1700000000000000000\n"
                                               "tcp_access,host=b v=2i 1700000001000000000\n");
  EXPECT_EQ(accepted, c.open);
  EXPECT_EQ(server.tcp_port(), c.open ? tcp_port : 0);
  EXPECT_EQ(CountRows(server.http_port(), "tcp_access", c.open ? 2 : -1, auth), c.open ? 2 : -1)
      << server.Log();
  EXPECT_NE(server.Log().find(c.log), std::string::npos) << server.Log();
  EXPECT_EQ(server.Stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Combinations, TcpAccessServerTest,
    ::testing::Values(
        Case{"NoAuth", {}, true, "line tcp port open to anyone who can connect"},
        Case{"ReadOnly",
             {{"http.security.readonly", "true"}},
             false,
             "line tcp port closed, not listening [reason=http.security.readonly is true"},
        Case{"HttpAuthWithoutKeys",
             {{"http.user", "admin"}, {"http.password", "quest"}},
             false,
             "line tcp port closed, not listening [reason=http.user is set"},
        Case{"ReadOnlyAndHttpAuth",
             {{"http.user", "admin"}, {"http.password", "quest"}, {"http.security.readonly", "true"}},
             false,
             "reason=http.security.readonly is true"}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace sundial::testing
