// End-to-end tests of GET /backup and `sundial restore`: the real binary, curl, GNU tar, bsdtar
// and rclone (when installed) used the way the README's recipes use them.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <thread>

#include "tests/e2e/restored_server.h"
#include "tests/http/server_harness.h"
#include "tests/testutil/temp_dir.h"

namespace sundial::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

int64_t QueryNumber(int port, const std::string& sql) {
  static const std::regex re("\"dataset\":\\[\\[(-?[0-9]+)");
  HttpResponse r = Exec(port, sql);
  std::smatch m;
  if (r.status != 200 || !std::regex_search(r.body, m, re)) return -1;
  return std::stoll(m[1].str());
}

int Sh(const std::string& cmd) {
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

bool Have(const std::string& tool) { return Sh("command -v " + tool + " >/dev/null 2>&1") == 0; }

constexpr int kBatch = 1000;
// Batch `b`: rows with ids b*kBatch .. b*kBatch+kBatch-1, in time order.
std::string Batch(int b) {
  std::string body;
  for (int i = 0; i < kBatch; ++i) {
    const int64_t id = static_cast<int64_t>(b) * kBatch + i;
    body += "ticks,src=s" + std::to_string(id % 7) + " id=" + std::to_string(id) +
            "i,v=" + std::to_string(id % 1000) + ".5 " +
            std::to_string(1'700'000'000'000'000'000 + id * 100'000'000) + "\n";
  }
  return body;
}

class BackupStreamE2eTest : public ::testing::Test {
 protected:
  void StartOrFail() { ASSERT_TRUE(server_.Start()) << server_.Log(); }
  int port() const { return server_.http_port(); }
  std::string Url(const std::string& target = "/backup") const {
    return "http://127.0.0.1:" + std::to_string(port()) + target;
  }
  std::string Bin() const { return Server::BinaryPath(); }
  void Ingest(int batches) {
    for (int b = 0; b < batches; ++b) ASSERT_EQ(Post(port(), "/write", Batch(b)).status, 204);
  }
  // A root built from an archive starts, verifies, and holds exactly `n` whole batches' rows.
  void ExpectRoot(const std::string& dir, int64_t lo, int64_t hi, const std::string& what) {
    EXPECT_EQ(Sh(Bin() + " verify " + dir + " >/dev/null"), 0) << what;
    RestoredServer r(dir);
    ASSERT_TRUE(r.Start()) << what << ": " << r.Log();
    const int64_t n = QueryNumber(r.port(), "SELECT count() FROM ticks");
    EXPECT_GE(n, lo) << what;
    EXPECT_LE(n, hi) << what;
    EXPECT_EQ(n % kBatch, 0) << what << ": a commit is split";
    if (n > 0) {
      EXPECT_EQ(QueryNumber(r.port(), "SELECT max(id) FROM ticks"), n - 1) << what;
      EXPECT_EQ(QueryNumber(r.port(), "SELECT count_distinct(id) FROM ticks"), n) << what;
    }
  }
  bool TrashEmpty() {
    const std::string trash = server_.root() + "/db/.trash";
    return !fs::exists(trash) || fs::is_empty(trash);
  }

  Server server_;
  testutil::TempDir tmp_{"sundial-stream"};
};

TEST_F(BackupStreamE2eTest, CurlTarAndRestoreGiveRootsThatStart) {
  StartOrFail();
  Ingest(20);
  const std::string tar = tmp_.Sub("b.tar");
  ASSERT_EQ(Sh("curl -fsS -o " + tar + " " + Url()), 0);
  // GNU tar and bsdtar read it; the extracted directory is a root.
  ASSERT_EQ(Sh("mkdir " + tmp_.Sub("gnu") + " && tar -xf " + tar + " -C " + tmp_.Sub("gnu")), 0);
  ExpectRoot(tmp_.Sub("gnu"), 20 * kBatch, 20 * kBatch, "gnu tar");
  if (Have("bsdtar")) {
    ASSERT_EQ(Sh("mkdir " + tmp_.Sub("bsd") + " && bsdtar -xf " + tar + " -C " + tmp_.Sub("bsd")),
              0);
    ExpectRoot(tmp_.Sub("bsd"), 20 * kBatch, 20 * kBatch, "bsdtar");
  }
  // sundial restore from the file, from stdin, and from the URL.
  ASSERT_EQ(Sh(Bin() + " restore " + tar + " -d " + tmp_.Sub("r/file") + " 2>/dev/null"), 0);
  ExpectRoot(tmp_.Sub("r/file"), 20 * kBatch, 20 * kBatch, "restore file");
  ASSERT_EQ(Sh(Bin() + " restore - -d " + tmp_.Sub("r/stdin") + " < " + tar + " 2>/dev/null"), 0);
  ExpectRoot(tmp_.Sub("r/stdin"), 20 * kBatch, 20 * kBatch, "restore stdin");
  ASSERT_EQ(Sh(Bin() + " restore " + Url() + " -d " + tmp_.Sub("r/url") + " 2>/dev/null"), 0);
  ExpectRoot(tmp_.Sub("r/url"), 20 * kBatch, 20 * kBatch, "restore url");
  // A cut archive is refused and leaves nothing; so is an unknown table.
  ASSERT_EQ(Sh("head -c 100000 " + tar + " | " + Bin() + " restore - -d " + tmp_.Sub("r/cut") +
               " 2>/dev/null"),
            1);
  EXPECT_TRUE(fs::is_empty(tmp_.Sub("r")) || !fs::exists(tmp_.Sub("r/cut")));
  for (const auto& e : fs::directory_iterator(tmp_.Sub("r"))) {
    EXPECT_EQ(e.path().filename().string().find("cut"), std::string::npos) << e.path();
  }
  // A restore killed midway (its input stalls after 100 kB) leaves no DIR.
  ASSERT_EQ(
      Sh("sh -c '(head -c 100000 " + tar + "; sleep 2) | " + Bin() + " restore - -d " +
         tmp_.Sub("r/killed") + " 2>/dev/null & p=$!; sleep 1; kill -9 $p; wait $p' 2>/dev/null"),
      137);
  EXPECT_FALSE(fs::exists(tmp_.Sub("r/killed")));
  HttpResponse bad = Get(port(), "/backup?tables=ticks,nope");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, "{\"error\":\"table does not exist [table=nope]\"}");
  EXPECT_EQ(Post(port(), "/backup", "").status, 405);
  HttpResponse one = Get(port(), "/backup?tables=ticks");
  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(one.Header("content-type"), "application/x-tar");
  EXPECT_TRUE(one.chunked);
}

TEST_F(BackupStreamE2eTest, StreamsDuringIngestHoldAWholeCommitPrefix) {
  StartOrFail();
  Ingest(1);
  std::atomic<int> acked{1};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int b = 1; !stop && b < 3000; ++b) {
      HttpResponse r = Post(port(), "/write", Batch(b));
      if (r.status != 204) {
        ADD_FAILURE() << "write " << b << " got " << r.status << " " << r.body;
        return;
      }
      acked = b + 1;
    }
  });
  struct Taken {
    std::string dir;
    int64_t lo, hi;
  };
  std::vector<Taken> taken;
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(150ms);
    const int64_t lo = int64_t{acked} * kBatch;
    const std::string dir = tmp_.Sub("during" + std::to_string(i));
    // The archive is pinned when the request arrives; rows go on arriving while it streams.
    ASSERT_EQ(Sh(Bin() + " restore " + Url() + " -d " + dir + " 2>/dev/null"), 0);
    const int64_t hi = (int64_t{acked} + 1) * kBatch;
    taken.push_back({dir, lo, hi});
  }
  stop = true;
  writer.join();
  for (const auto& t : taken) ExpectRoot(t.dir, t.lo, t.hi, t.dir);
}

TEST_F(BackupStreamE2eTest, TwoConcurrentDownloads) {
  StartOrFail();
  Ingest(30);
  const std::string a = tmp_.Sub("a.tar"), b = tmp_.Sub("b.tar");
  ASSERT_EQ(
      Sh("curl -fsS -o " + a + " " + Url() + " & curl -fsS -o " + b + " " + Url() + " & wait"), 0);
  ASSERT_EQ(Sh(Bin() + " restore " + a + " -d " + tmp_.Sub("ra") + " 2>/dev/null"), 0);
  ASSERT_EQ(Sh(Bin() + " restore " + b + " -d " + tmp_.Sub("rb") + " 2>/dev/null"), 0);
  EXPECT_EQ(Sh("diff -r " + tmp_.Sub("ra/db") + " " + tmp_.Sub("rb/db")), 0);
  ExpectRoot(tmp_.Sub("ra"), 30 * kBatch, 30 * kBatch, "a");
}

// A client that stops reading holds no worker (queries still answer with one worker) but keeps
// its pins (a dropped table stays in db/.trash); once it disconnects the pins go and the
// dropped table is purged.
TEST_F(BackupStreamE2eTest, StalledThenDisconnectedClientCostsNoWorkerAndLeavesNoPin) {
  server_.SetConf("http.worker.count", "1");
  StartOrFail();
  Ingest(600);  // ~17 MB of column files: more than the socket buffers hold
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  int small = 4096;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port()));
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  const std::string req = "GET /backup HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
  char buf[4096];
  ASSERT_GT(::recv(fd, buf, sizeof(buf), 0), 0);  // the stream started
  std::this_thread::sleep_for(300ms);

  // The only worker is free: queries answer while the client stalls.
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(QueryNumber(port(), "SELECT count() FROM ticks"), 600 * kBatch);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  // The stream's pin keeps a dropped table's files.
  ASSERT_EQ(Exec(port(), "DROP TABLE ticks").status, 200);
  std::this_thread::sleep_for(6s);  // longer than the engine's purge interval (5 s)
  EXPECT_FALSE(TrashEmpty()) << "the stalled stream's pin was released";

  ::close(fd);  // the client goes away mid-stream
  bool purged = false;
  for (int i = 0; i < 150 && !purged; ++i) {
    std::this_thread::sleep_for(100ms);
    purged = TrashEmpty();
  }
  EXPECT_TRUE(purged) << "a pin outlived the client";
  EXPECT_EQ(Get(port(), "/ping").status, 204);
  EXPECT_NE(server_.Log().find("backup stream ended early, client gone"), std::string::npos);
}

TEST_F(BackupStreamE2eTest, BasicAuthAndReadOnlyMode) {
  server_.SetConf("http.user", "admin");
  server_.SetConf("http.password", "s3cret");
  StartOrFail();
  const std::string auth = "Authorization: Basic YWRtaW46czNjcmV0\r\n";  // admin:s3cret
  ASSERT_EQ(Post(port(), "/write", Batch(0), auth).status, 204);
  ASSERT_EQ(server_.Stop(), 0);
  server_.SetConf("http.security.readonly", "true");
  StartOrFail();
  EXPECT_EQ(Get(port(), "/backup").status, 401);
  EXPECT_EQ(Sh(Bin() + " restore " + Url() + " -d " + tmp_.Sub("noauth") + " 2>/dev/null"), 1);
  EXPECT_FALSE(fs::exists(tmp_.Sub("noauth")));
  EXPECT_EQ(Get(port(), "/backup", auth).status, 200);  // a read: allowed when read-only
  const std::string url = "http://admin:s3cret@127.0.0.1:" + std::to_string(port()) + "/backup";
  ASSERT_EQ(Sh(Bin() + " restore " + url + " -d " + tmp_.Sub("auth") + " 2>/dev/null"), 0);
  EXPECT_EQ(Sh(Bin() + " verify " + tmp_.Sub("auth") + " >/dev/null"), 0);
  // The restored root carries its own server.conf (auth and read-only included).
  RestoredServer r(tmp_.Sub("auth"));
  ASSERT_TRUE(r.Start()) << r.Log();
  EXPECT_EQ(Get(r.port(), "/backup").status, 401);
  HttpResponse count = Get(r.port(), "/exec?query=" + UrlEncode("SELECT count() FROM ticks"), auth);
  EXPECT_NE(count.body.find("\"dataset\":[[" + std::to_string(kBatch) + "]]"), std::string::npos)
      << count.body;
}

// The README's recipe: curl ... /backup | rclone rcat remote:..., and the way back.
TEST_F(BackupStreamE2eTest, RcloneRecipeBothWays) {
  if (!Have("rclone")) GTEST_SKIP() << "rclone is not installed";
  StartOrFail();
  Ingest(10);
  const std::string remote = ":local:" + tmp_.Sub("bucket") + "/sundial.tar";
  ASSERT_EQ(Sh("curl -fsS " + Url() + " | rclone -q rcat " + remote), 0);
  ASSERT_EQ(Sh("rclone -q cat " + remote + " | " + Bin() + " restore - -d " + tmp_.Sub("back") +
               " 2>/dev/null"),
            0);
  ExpectRoot(tmp_.Sub("back"), 10 * kBatch, 10 * kBatch, "rclone");
}

}  // namespace
}  // namespace sundial::testing
