// `sundial ping` (the health check of the container image), systemd's readiness protocol
// (core/sd_notify.h, sent by the real server) and pkg/systemd/sundial.service checked by
// `systemd-analyze verify`.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "core/sd_notify.h"
#include "tests/e2e/restored_server.h"
#include "tests/http/server_harness.h"
#include "tests/pkg/shell.h"
#include "tests/testutil/temp_dir.h"

namespace sundial::testing {
namespace {

ShellResult Ping(const std::string& args, const std::string& env = "") {
  return RunShell(env + " " + ShellQuote(Server::BinaryPath()) + " ping " + args);
}

// A server whose every answer is `status_line` (one connection at a time, until destroyed).
class FakeHttpServer {
 public:
  explicit FakeHttpServer(std::string status_line) : status_line_(std::move(status_line)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    ::listen(fd_, 8);
    socklen_t len = sizeof(a);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeHttpServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      char buf[4096];
      std::string request;
      while (request.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::recv(c, buf, sizeof(buf), 0);
        if (n <= 0) break;
        request.append(buf, static_cast<size_t>(n));
      }
      const std::string answer =
          status_line_ + "\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy";
      ssize_t sent = ::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
      (void)sent;
      ::close(c);
    }
  }
  std::string status_line_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(PingCommandTest, AnswersZeroForARunningServerAndOneWithTheReasonOnceItStopped) {
  Server server;
  ASSERT_TRUE(server.Start()) << server.Log();
  const std::string address = "127.0.0.1:" + std::to_string(server.http_port());
  ShellResult up = Ping(address);
  EXPECT_EQ(up.exit_code, 0) << up.output;
  EXPECT_EQ(up.output, "");  // quiet when healthy
  ASSERT_EQ(server.Stop(), 0);
  ShellResult down = Ping(address);
  EXPECT_EQ(down.exit_code, 1) << down.output;
  EXPECT_NE(down.output.find("ping failed"), std::string::npos) << down.output;
  EXPECT_NE(down.output.find("connection refused"), std::string::npos) << down.output;
}

TEST(PingCommandTest, FindsThePortInTheRootsConfigAndTheEnvironment) {
  const int port = FreePort();
  Server server;
  server.SetConf("http.bind.to", "0.0.0.0:" + std::to_string(port));  // asked on 127.0.0.1
  ASSERT_TRUE(server.Start()) << server.Log();
  ASSERT_EQ(server.http_port(), port);
  ShellResult by_dir = Ping("-d " + ShellQuote(server.root()));
  EXPECT_EQ(by_dir.exit_code, 0) << by_dir.output;
  ShellResult by_default_root = Ping("", "SUNDIAL_ROOT=" + ShellQuote(server.root()));
  EXPECT_EQ(by_default_root.exit_code, 0) << by_default_root.output;

  testutil::TempDir empty("sundial-ping");
  const std::string env = "SUNDIAL_ROOT=" + ShellQuote(empty.path());
  // No config there: the default port 9000, where this server is not.
  ShellResult default_port =
      Ping("", env + " QDB_HTTP_BIND_TO=127.0.0.1:" + std::to_string(FreePort()));
  EXPECT_EQ(default_port.exit_code, 1) << default_port.output;
  ShellResult by_env = Ping("", env + " QDB_HTTP_BIND_TO=127.0.0.1:" + std::to_string(port));
  EXPECT_EQ(by_env.exit_code, 0) << by_env.output;
  // The command only reads: nothing was created in the empty root.
  EXPECT_EQ(RunShell("ls -A " + ShellQuote(empty.path())).output, "");
}

TEST(PingCommandTest, AnAnswerOtherThan204Or200IsAFailureNamingTheStatus) {
  FakeHttpServer busy("HTTP/1.1 503 Service Unavailable");
  ShellResult r = Ping("127.0.0.1:" + std::to_string(busy.port()));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("http status 503"), std::string::npos) << r.output;
  FakeHttpServer ok("HTTP/1.1 200 OK");
  ShellResult fine = Ping("127.0.0.1:" + std::to_string(ok.port()));
  EXPECT_EQ(fine.exit_code, 0) << fine.output;
}

TEST(PingCommandTest, BadArgumentsAreUsageErrors) {
  for (const char* args : {"nonsense", "127.0.0.1:0", "127.0.0.1:65536", "a:1 b:2", "-x"}) {
    ShellResult r = Ping(args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.output;
    EXPECT_FALSE(r.output.empty()) << args;
  }
  testutil::TempDir dir("sundial-ping");
  RunShell("mkdir -p " + ShellQuote(dir.Sub("conf")) + " && echo 'no equals sign' > " +
           ShellQuote(dir.Sub("conf/server.conf")));
  ShellResult bad_conf = Ping("-d " + ShellQuote(dir.path()));
  EXPECT_EQ(bad_conf.exit_code, 1) << bad_conf.output;
  EXPECT_NE(bad_conf.output.find("invalid config"), std::string::npos) << bad_conf.output;
}

// A unix datagram socket standing in for systemd's notification socket.
class NotifySocket {
 public:
  // `name` is a path, or an abstract name when it starts with '@'.
  explicit NotifySocket(std::string name) : name_(std::move(name)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, name_.data(), name_.size());
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name_.size());
    if (name_[0] == '@') {
      addr.sun_path[0] = '\0';
    } else {
      len += 1;
    }
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0;
  }
  ~NotifySocket() { ::close(fd_); }
  bool bound() const { return bound_; }
  const std::string& name() const { return name_; }
  // The next datagram, or "" after `timeout_ms`.
  std::string Receive(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return "";
    char buf[512];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }

 private:
  std::string name_;
  int fd_ = -1;
  bool bound_ = false;
};

std::string UniqueAbstractName() {
  std::random_device rd;
  return "@sundial-notify-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
}

TEST(ServiceNotifyTest, SendsToAPathAndToAnAbstractName) {
  testutil::TempDir dir("sundial-notify");
  NotifySocket path_socket(dir.Sub("notify"));
  ASSERT_TRUE(path_socket.bound());
  ASSERT_TRUE(core::NotifyServiceManager(path_socket.name().c_str(), "READY=1").ok());
  EXPECT_EQ(path_socket.Receive(5000), "READY=1");
  NotifySocket abstract_socket(UniqueAbstractName());
  ASSERT_TRUE(abstract_socket.bound());
  ASSERT_TRUE(core::NotifyServiceManager(abstract_socket.name().c_str(), "STOPPING=1").ok());
  EXPECT_EQ(abstract_socket.Receive(5000), "STOPPING=1");
}

TEST(ServiceNotifyTest, NoSocketIsNotAnErrorAndABadOneIsAClearOne) {
  EXPECT_TRUE(core::NotifyServiceManager(nullptr, "READY=1").ok());
  EXPECT_TRUE(core::NotifyServiceManager("", "READY=1").ok());
  core::Status relative = core::NotifyServiceManager("run/notify", "READY=1");
  EXPECT_EQ(relative.code(), core::StatusCode::kInvalidArgument) << relative.ToString();
  core::Status too_long = core::NotifyServiceManager(("/" + std::string(200, 'x')).c_str(), "x");
  EXPECT_EQ(too_long.code(), core::StatusCode::kInvalidArgument) << too_long.ToString();
  testutil::TempDir dir("sundial-notify");
  core::Status missing = core::NotifyServiceManager(dir.Sub("nobody").c_str(), "READY=1");
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.ToString().find("could not notify the service manager"), std::string::npos)
      << missing.ToString();
}

TEST(ServiceNotifyTest, ServerSendsReadyOnlyWhenPingAnswersAndStoppingOnSigterm) {
  NotifySocket notify(UniqueAbstractName());
  ASSERT_TRUE(notify.bound());
  const int port = FreePort();
  Server server;
  server.SetConf("http.bind.to", "127.0.0.1:" + std::to_string(port));
  server.SetEnv("NOTIFY_SOCKET", notify.name());
  // Start() waits for the server's log; the datagram is received meanwhile, and /ping is asked
  // the moment it arrives.
  std::atomic<bool> started{false};
  std::thread starter([&] { started = server.Start(); });
  const std::string ready = notify.Receive(15000);
  const int ping_status = Get(port, "/ping").status;
  starter.join();
  ASSERT_TRUE(started.load()) << server.Log();
  EXPECT_EQ(ready, "READY=1") << server.Log();
  EXPECT_EQ(ping_status, 204);
  EXPECT_EQ(notify.Receive(100), "");  // once
  EXPECT_EQ(server.Stop(), 0);
  EXPECT_EQ(notify.Receive(5000), "STOPPING=1");
}

TEST(ServiceNotifyTest, AServerThatCannotServeNeverSaysReady) {
  NotifySocket notify(UniqueAbstractName());
  ASSERT_TRUE(notify.bound());
  // The HTTP port is taken: the server refuses to start.
  const int taken = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(taken, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ASSERT_EQ(::listen(taken, 1), 0);
  socklen_t len = sizeof(a);
  ::getsockname(taken, reinterpret_cast<sockaddr*>(&a), &len);
  Server server;
  server.SetConf("http.bind.to", "127.0.0.1:" + std::to_string(ntohs(a.sin_port)));
  server.SetEnv("NOTIFY_SOCKET", notify.name());
  EXPECT_NE(server.RunExpectExit(), 0) << server.Log();
  ::close(taken);
  EXPECT_EQ(notify.Receive(200), "") << server.Log();
}

// pkg/systemd/sundial.service as systemd reads it. ExecStart must name an existing executable
// for `verify`, so a copy points at the built binary; nothing else is changed.
TEST(SystemdUnitTest, VerifiesCleanWithSystemdAnalyze) {
  if (RunShell("command -v systemd-analyze").exit_code != 0) {
    GTEST_SKIP() << "systemd-analyze not found (Debian package systemd)";
  }
  const char* src = std::getenv("SUNDIAL_SOURCE_DIR");
  ASSERT_NE(src, nullptr);
  testutil::TempDir dir("sundial-unit");
  const std::string unit = dir.Sub("sundial.service");
  const std::string bad = dir.Sub("sundial-bad.service");
  ShellResult copy = RunShell(
      "sed 's|^ExecStart=/usr/local/bin/sundial |ExecStart=" + Server::BinaryPath() + " |' " +
      ShellQuote(std::string(src) + "/pkg/systemd/sundial.service") + " > " + ShellQuote(unit) +
      " && grep -q '^ExecStart=" + Server::BinaryPath() + " -d /var/lib/sundial$' " +
      ShellQuote(unit) + " && sed 's/^Type=notify$/Tpye=notify/' " + ShellQuote(unit) + " > " +
      ShellQuote(bad));
  ASSERT_EQ(copy.exit_code, 0) << copy.output;
  ShellResult verify = RunShell("systemd-analyze verify " + ShellQuote(unit));
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_EQ(verify.output, "");
  EXPECT_EQ(RunShell("grep -c '^Type=notify$' " + ShellQuote(unit)).output, "1\n");
  // The check can fail: a misspelt key is reported.
  ShellResult broken = RunShell("systemd-analyze verify " + ShellQuote(bad));
  EXPECT_NE(broken.output.find("Unknown key"), std::string::npos) << broken.output;
}

}  // namespace
}  // namespace sundial::testing
