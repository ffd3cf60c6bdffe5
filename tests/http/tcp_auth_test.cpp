// Who may write over line protocol on TCP: the decision per configuration, the key file and the
// challenge/response handshake (http/tcp_auth.h), and the real server over real sockets
// (tests/http/server_harness.h): read-only mode and HTTP auth without TCP keys close the port;
// with a key file only signed connections write; with no auth at all, writes work.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "http/server_config.h"
#include "http/tcp_auth.h"
#include "tests/http/server_harness.h"
#include "tests/http/tcp_auth_test_util.h"

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
  Server server;
  server.SetConf("line.tcp.commit.interval.default", "100");
  for (const auto& [k, v] : c.conf) server.SetConf(k, v);
  int tcp_port = -1;
  bool started = false;
  for (int attempt = 0; attempt < 3 && !started; ++attempt) {  // the port may be taken meanwhile
    tcp_port = FreePort();
    ASSERT_GT(tcp_port, 0);
    server.SetConf("line.tcp.net.bind.to", "127.0.0.1:" + std::to_string(tcp_port));
    started = server.Start();
  }
  ASSERT_TRUE(started) << server.Log();
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
        Case{"ReadOnlyWithKeyFile",
             {{"http.security.readonly", "true"}, {"line.tcp.auth.db.path", "conf/none.txt"}},
             false,
             "reason=http.security.readonly is true"},
        Case{"ReadOnlyAndHttpAuth",
             {{"http.user", "admin"}, {"http.password", "quest"}, {"http.security.readonly", "true"}},
             false,
             "reason=http.security.readonly is true"}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });


// --- Key file and handshake (http/tcp_auth.h) ---

const TestKey kAlice = TestKey::FromSeed("alice", "alice seed");
const TestKey kBob = TestKey::FromSeed("bob", "bob seed");

TEST(TcpAuthKeysTest, ParsesQuestDbKeyFiles) {
  auto keys = http::ParseTcpAuthKeys("# comment\n\n  " + kAlice.AuthLine() + "   # trailing\r\n" +
                                     "\t" + kBob.AuthLine() + "\n   \n#" + kAlice.AuthLine());
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_EQ(keys->by_id.size(), 2u);
  EXPECT_EQ(keys->by_id.at("alice").x, kAlice.pub.x);
  EXPECT_EQ(keys->by_id.at("bob").y, kBob.pub.y);
  EXPECT_TRUE(http::ParseTcpAuthKeys("").ok());
}

TEST(TcpAuthKeysTest, RefusesBadLinesNamingTheLine) {
  const std::string x = Base64Encode(Bytes(kAlice.pub.x), true);
  const std::string y = Base64Encode(Bytes(kAlice.pub.y), true);
  const std::string off_curve_y = Base64Encode(Bytes(kBob.pub.y), true);
  struct Bad {
    std::string line;
    std::string message;
  };
  for (const Bad& b : std::vector<Bad>{
           {"alice ec-p-256-sha256 " + x, "found 3 tokens"},
           {"alice ec-p-256-sha256 " + x + " " + y + " extra", "found 5 tokens"},
           {"alice rsa " + x + " " + y, "unknown key type 'rsa'"},
           {"alice ec-p-256-sha256 " + x + "! " + y, "base64url"},
           {"alice ec-p-256-sha256 " + x + x + " " + y, "base64url"},
           {"alice ec-p-256-sha256 " + x + " " + off_curve_y, "not a point of the P-256 curve"},
           {kBob.AuthLine() + "\n" + kBob.AuthLine(), "duplicate key id 'bob'"},
       }) {
    auto keys = http::ParseTcpAuthKeys("# keys\n" + b.line + "\n");
    ASSERT_FALSE(keys.ok()) << b.line;
    const std::string m = keys.status().message();
    EXPECT_NE(m.find(b.message), std::string::npos) << m;
    EXPECT_EQ(m.rfind("line ", 0), 0u) << m;
  }
}

http::TcpAuthKeys Keys() {
  auto keys = http::ParseTcpAuthKeys(kAlice.AuthLine() + "\n" + kBob.AuthLine() + "\n");
  EXPECT_TRUE(keys.ok());
  return std::move(keys).value();
}

// Feeds `bytes` one at a time; returns the final step and sets *consumed_total.
TEST(TcpAuthHandshakeTest, ByteByByteThenLineProtocolFollows) {
  const http::TcpAuthKeys keys = Keys();
  for (bool der : {true, false}) {
    http::TcpAuthHandshake h(&keys);
    std::string in = "alice\n";
    size_t used = 0;
    for (size_t n = 1; n < in.size(); ++n) {
      EXPECT_EQ(h.Feed(in.data(), n, &used), http::TcpAuthHandshake::Step::kNeedMore);
      EXPECT_EQ(used, 0u);
    }
    ASSERT_EQ(h.Feed(in.data(), in.size(), &used), http::TcpAuthHandshake::Step::kSend);
    EXPECT_EQ(used, in.size());
    const std::string challenge = h.reply().substr(0, h.reply().size() - 1);
    ASSERT_EQ(h.reply().size(), http::kTcpAuthChallengeBytes + 1);
    EXPECT_EQ(h.reply().back(), '\n');
    for (char ch : challenge) ASSERT_TRUE(ch >= 0x20 && ch <= 0x7e) << int(ch);
    in = Base64Encode(kAlice.Sign(challenge, der), false) + "\nt v=1i\n";
    const size_t sig_len = in.find('\n') + 1;
    for (size_t n = 1; n < sig_len; ++n) {
      EXPECT_EQ(h.Feed(in.data(), n, &used), http::TcpAuthHandshake::Step::kNeedMore);
    }
    ASSERT_EQ(h.Feed(in.data(), in.size(), &used), http::TcpAuthHandshake::Step::kDone);
    EXPECT_EQ(used, sig_len);
    EXPECT_TRUE(h.done());
    EXPECT_EQ(h.key_id(), "alice");
  }
}

TEST(TcpAuthHandshakeTest, ChallengesDiffer) {
  const http::TcpAuthKeys keys = Keys();
  http::TcpAuthHandshake a(&keys), b(&keys);
  size_t used;
  ASSERT_EQ(a.Feed("alice\n", 6, &used), http::TcpAuthHandshake::Step::kSend);
  ASSERT_EQ(b.Feed("alice\n", 6, &used), http::TcpAuthHandshake::Step::kSend);
  EXPECT_NE(a.reply(), b.reply());
}

// Wrong key, unknown key id, a signature of another challenge, garbage, too long input: failed.
TEST(TcpAuthHandshakeTest, EveryWrongAnswerFails) {
  const http::TcpAuthKeys keys = Keys();
  struct Attempt {
    std::string id;
    std::function<std::string(const std::string&)> answer;
    std::string error;
  };
  const std::vector<Attempt> attempts = {
      {"alice", [](const std::string& c) { return Base64Encode(kBob.Sign(c), false); },
       "signature does not verify"},
      {"carol", [](const std::string& c) { return Base64Encode(kAlice.Sign(c), false); },
       "unknown key id"},
      {"alice", [](const std::string& c) { return Base64Encode(kAlice.Sign(c + "x"), false); },
       "signature does not verify"},
      {"alice", [](const std::string&) { return std::string("t v=1i"); },
       "signature is not base64"},
      {"alice", [](const std::string&) { return std::string(97, 'A'); }, "signature too long"},
      {"alice", [](const std::string&) { return std::string(""); }, "signature does not verify"},
      {"alice",
       [](const std::string& c) {
         std::string sig = kAlice.Sign(c);
         sig[10] = static_cast<char>(sig[10] ^ 1);
         return Base64Encode(sig, false);
       },
       "signature does not verify"},
  };
  for (const Attempt& a : attempts) {
    http::TcpAuthHandshake h(&keys);
    size_t used;
    std::string in = a.id + "\n";
    ASSERT_EQ(h.Feed(in.data(), in.size(), &used), http::TcpAuthHandshake::Step::kSend);
    in = a.answer(h.reply().substr(0, http::kTcpAuthChallengeBytes)) + "\n";
    EXPECT_EQ(h.Feed(in.data(), in.size(), &used), http::TcpAuthHandshake::Step::kFailed) << a.error;
    EXPECT_EQ(h.error(), a.error);
    EXPECT_FALSE(h.done());
  }
  http::TcpAuthHandshake h(&keys);
  size_t used;
  const std::string long_id(2000, 'k');
  EXPECT_EQ(h.Feed(long_id.data(), long_id.size(), &used), http::TcpAuthHandshake::Step::kFailed);
}

// Random bytes in random pieces never authenticate and never read past what they are given.
TEST(TcpAuthHandshakeTest, RandomInputNeverAuthenticates) {
  const http::TcpAuthKeys keys = Keys();
  std::mt19937 rng(11);
  for (int round = 0; round < 300; ++round) {
    http::TcpAuthHandshake h(&keys);
    std::string pending;
    http::TcpAuthHandshake::Step step = http::TcpAuthHandshake::Step::kNeedMore;
    for (int piece = 0; piece < 20 && step != http::TcpAuthHandshake::Step::kFailed; ++piece) {
      size_t n = rng() % 80;
      for (size_t i = 0; i < n; ++i) {
        pending.push_back(rng() % 8 == 0 ? '\n' : static_cast<char>(rng()));
      }
      size_t used = 0;
      step = h.Feed(pending.data(), pending.size(), &used);
      ASSERT_LE(used, pending.size());
      pending.erase(0, used);
      ASSERT_NE(step, http::TcpAuthHandshake::Step::kDone) << round;
    }
  }
}

// --- Against the real server ---

// The client side of the handshake on a socket: sends the key id, reads the challenge line,
// answers with `key`'s signature followed by `lines`. Returns the challenge ("" if none came).
std::string Handshake(int fd, const std::string& key_id, const TestKey& key, const std::string& lines,
                      bool der = true) {
  if (!SendAll(fd, key_id + "\n")) return "";
  std::string challenge;
  char b;
  while (challenge.size() <= http::kTcpAuthChallengeBytes && ::recv(fd, &b, 1, 0) == 1) {
    if (b == '\n') break;
    challenge.push_back(b);
  }
  SendAll(fd, Base64Encode(key.Sign(challenge, der), false) + "\n" + lines);
  return challenge;
}

// True if the server closes the connection (EOF or reset) within a few seconds; what it sends
// before (a challenge) is skipped.
bool ServerCloses(int fd) {
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  char b[1024];
  ssize_t n;
  while ((n = ::recv(fd, b, sizeof(b), 0)) > 0) {
  }
  return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}

class TcpAuthServerTest : public ::testing::Test {
 protected:
  // Starts a server with HTTP Basic auth and the key file `keys` at conf/auth.txt.
  void StartWithKeys(const std::string& keys, const std::string& path = "conf/auth.txt") {
    ::mkdir(server_.root().c_str(), 0755);
    ::mkdir((server_.root() + "/conf").c_str(), 0755);
    const std::string file = path[0] == '/' ? path : server_.root() + "/" + path;
    std::ofstream(file) << keys;
    server_.SetConf("http.user", "admin");
    server_.SetConf("http.password", "quest");
    server_.SetConf("line.tcp.auth.db.path", path);
    server_.SetConf("line.tcp.commit.interval.default", "100");
    ASSERT_TRUE(server_.Start()) << server_.Log();
    ASSERT_GT(server_.tcp_port(), 0) << server_.Log();
  }
  int64_t Rows(const std::string& table, int64_t want) {
    return CountRows(server_.http_port(), table, want, kAdminAuth);
  }
  Server server_;
};

TEST_F(TcpAuthServerTest, SignedClientsWriteOthersAreClosedAndWriteNothing) {
  StartWithKeys("# test keys\n" + kAlice.AuthLine() + "\n" + kBob.AuthLine() + "\n");
  EXPECT_NE(server_.Log().find("line tcp port open to holders of a key in line.tcp.auth.db.path"),
            std::string::npos);
  // Alice (DER) and Bob (raw r||s) write; the lines follow the signature in the same packet.
  for (const auto& [key, der] : {std::pair{&kAlice, true}, std::pair{&kBob, false}}) {
    int fd = ConnectTcp(server_.tcp_port());
    ASSERT_GE(fd, 0);
    std::string challenge = Handshake(fd, key->id, *key, "tcp_ok,who=" + key->id + " v=1i\n", der);
    EXPECT_EQ(challenge.size(), http::kTcpAuthChallengeBytes);
    ::close(fd);
  }
  EXPECT_EQ(Rows("tcp_ok", 2), 2) << server_.Log();
  // Wrong key for the id, unknown id, and plain line protocol without a handshake.
  struct Attempt {
    std::string id;
    const TestKey* key;
  };
  for (const Attempt& a : {Attempt{"alice", &kBob}, Attempt{"carol", &kAlice}}) {
    int fd = ConnectTcp(server_.tcp_port());
    ASSERT_GE(fd, 0);
    std::string challenge = Handshake(fd, a.id, *a.key, "tcp_bad v=1i\n");
    EXPECT_EQ(challenge.size(), http::kTcpAuthChallengeBytes) << a.id;
    EXPECT_TRUE(ServerCloses(fd)) << a.id;
    ::close(fd);
  }
  {
    int fd = ConnectTcp(server_.tcp_port());
    ASSERT_GE(fd, 0);
    SendAll(fd, "tcp_bad v=1i\ntcp_bad v=2i\ntcp_bad v=3i\n");
    EXPECT_TRUE(ServerCloses(fd));
    ::close(fd);
  }
  // A connection that leaves during the handshake, after sending lines as its key id.
  {
    int fd = ConnectTcp(server_.tcp_port());
    ASSERT_GE(fd, 0);
    SendAll(fd, "tcp_bad v=4i");
    ::close(fd);
  }
  EXPECT_EQ(Rows("tcp_bad", -1), -1) << server_.Log();
  EXPECT_EQ(Rows("tcp_ok", 2), 2);
  const std::string log = server_.Log();
  EXPECT_NE(log.find("line tcp authentication failed, closing connection"), std::string::npos);
  EXPECT_NE(log.find("key_id=carol, reason=unknown key id"), std::string::npos) << log;
  EXPECT_NE(log.find("key_id=alice, reason=signature does not verify"), std::string::npos) << log;
  EXPECT_EQ(server_.Stop(), 0);
}

TEST_F(TcpAuthServerTest, AbsoluteKeyFilePath) {
  const std::string dir = server_.root().substr(0, server_.root().rfind('/'));
  StartWithKeys(kAlice.AuthLine() + "\n", dir + "/keys.txt");
  int fd = ConnectTcp(server_.tcp_port());
  ASSERT_GE(fd, 0);
  Handshake(fd, "alice", kAlice, "tcp_abs v=1i\n");
  ::close(fd);
  EXPECT_EQ(Rows("tcp_abs", 1), 1) << server_.Log();
}

// A key file that is missing or bad stops the server at start with the reason.
TEST(TcpAuthConfigTest, BadOrMissingKeyFileRefusesToStart) {
  {
    Server s;
    s.SetConf("line.tcp.auth.db.path", "conf/missing.txt");
    EXPECT_EQ(s.RunExpectExit(), 1);
    EXPECT_NE(s.Log().find("line.tcp.auth.db.path"), std::string::npos) << s.Log();
  }
  {
    Server s;
    ::mkdir(s.root().c_str(), 0755);
    ::mkdir((s.root() + "/conf").c_str(), 0755);
    std::ofstream(s.root() + "/conf/auth.txt") << kAlice.AuthLine() << "\nbob rsa x y\n";
    s.SetConf("line.tcp.auth.db.path", "conf/auth.txt");
    EXPECT_EQ(s.RunExpectExit(), 1);
    EXPECT_NE(s.Log().find("line 2: unknown key type 'rsa'"), std::string::npos) << s.Log();
  }
}

}  // namespace
}  // namespace sundial::testing
