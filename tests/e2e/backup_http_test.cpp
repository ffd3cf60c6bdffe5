// End-to-end backup tests: the real `sundial` binary, driven over HTTP the way its users drive
// it (curl to /exec and /write), restored by starting a second server with `-d <backup>`.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <thread>

#include "cairo/backup_manifest.h"
#include "core/file_system.h"
#include "tests/e2e/restored_server.h"
#include "tests/http/server_harness.h"

namespace sundial::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// First number of the first row of a /exec answer (`"dataset":[[N...`), or -1.
int64_t FirstNumber(const HttpResponse& r) {
  static const std::regex re("\"dataset\":\\[\\[(-?[0-9]+)");
  std::smatch m;
  if (r.status != 200 || !std::regex_search(r.body, m, re)) return -1;
  return std::stoll(m[1].str());
}

int64_t QueryNumber(int port, const std::string& sql) { return FirstNumber(Exec(port, sql)); }

// Batch `b` of the ingest stream: rows with ids b*kBatch .. b*kBatch+kBatch-1, in time order.
constexpr int kBatch = 500;
std::string Batch(int b) {
  std::string body;
  for (int i = 0; i < kBatch; ++i) {
    int64_t id = static_cast<int64_t>(b) * kBatch + i;
    body += "ticks,src=s" + std::to_string(id % 7) + " id=" + std::to_string(id) +
            "i,v=" + std::to_string(id % 1000) + ".5 " +
            std::to_string(1'700'000'000'000'000'000 + id * 1'000'000'000) + "\n";
  }
  return body;
}

// The final-named backup directories under `root` (everything but the staging dir).
std::vector<std::string> FinalBackups(const std::string& root) {
  std::vector<std::string> out;
  if (!fs::exists(root)) return out;
  for (const auto& e : fs::directory_iterator(root)) {
    std::string name = e.path().filename();
    if (e.is_directory() && name != "tmp" && name != "_history") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class BackupHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backup_root_ = fs::path(server_.root()).parent_path() / "backups";
    server_.SetConf("cairo.sql.backup.root", backup_root_);
  }
  void StartOrFail() { ASSERT_TRUE(server_.Start()) << server_.Log(); }
  int port() const { return server_.http_port(); }

  // The restored table must hold exactly the first `n` rows of the stream, for some n that is a
  // whole number of batches within [lo, hi] — the rows committed at one instant, nothing else.
  void ExpectPrefixOfStream(int rport, int64_t lo, int64_t hi, const std::string& what) {
    int64_t n = QueryNumber(rport, "SELECT count() FROM ticks");
    ASSERT_GE(n, lo) << what;
    ASSERT_LE(n, hi) << what;
    ASSERT_EQ(n % kBatch, 0) << what << ": a commit is split";
    if (n == 0) return;
    EXPECT_EQ(QueryNumber(rport, "SELECT max(id) FROM ticks"), n - 1) << what;
    EXPECT_EQ(QueryNumber(rport, "SELECT count_distinct(id) FROM ticks"), n) << what;
    EXPECT_EQ(QueryNumber(rport, "SELECT sum(id) FROM ticks"), n * (n - 1) / 2) << what;
  }

  Server server_;
  std::string backup_root_;
};

TEST_F(BackupHttpTest, BackupDuringIngestRestoresExactlyTheRowsAtItsPin) {
  StartOrFail();
  ASSERT_EQ(Post(port(), "/write", Batch(0)).status, 204);
  std::atomic<int> acked{1};  // batches acknowledged with 204
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int b = 1; !stop && b < 4000; ++b) {
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
    std::this_thread::sleep_for(100ms);
    int64_t lo = int64_t{acked} * kBatch;
    std::vector<std::string> before = FinalBackups(backup_root_);
    HttpResponse r = Exec(port(), "BACKUP DATABASE;");
    int64_t hi = (int64_t{acked} + 1) * kBatch;  // a batch in flight may have been pinned
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, "{\"ddl\":\"OK\"}");
    std::vector<std::string> after = FinalBackups(backup_root_);
    ASSERT_EQ(after.size(), before.size() + 1);
    std::string dir;
    for (const auto& d : after) {
      if (std::find(before.begin(), before.end(), d) == before.end()) dir = d;
    }
    taken.push_back({dir, lo, hi});
  }
  stop = true;
  writer.join();
  // Same-day names: <date>, <date>.1, <date>.2.
  ASSERT_EQ(taken.size(), 3u);
  EXPECT_EQ(taken[1].dir, taken[0].dir + ".1");
  EXPECT_EQ(taken[2].dir, taken[0].dir + ".2");
  auto fsys = core::NewPosixFileSystem();
  for (const auto& t : taken) {
    EXPECT_TRUE(cairo::VerifyBackup(*fsys, t.dir).ok()) << t.dir;
    EXPECT_TRUE(fs::exists(t.dir + "/conf/server.conf")) << t.dir;
    RestoredServer restored(t.dir);
    ASSERT_TRUE(restored.Start()) << restored.Log();
    ExpectPrefixOfStream(restored.port(), t.lo, t.hi, t.dir);
    // The restored server accepts new writes.
    EXPECT_EQ(Post(restored.port(), "/write", "ticks,src=new id=-1i,v=0.5\n").status, 204);
    EXPECT_EQ(QueryNumber(restored.port(), "SELECT count() FROM ticks WHERE id = -1"), 1);
  }
  // The live server lost nothing.
  EXPECT_EQ(QueryNumber(port(), "SELECT count() FROM ticks"), int64_t{acked} * kBatch);
}

TEST_F(BackupHttpTest, BackupTableOfSeveralTablesIsAWholeRoot) {
  StartOrFail();
  ASSERT_EQ(Exec(port(), "CREATE TABLE a (ts TIMESTAMP, x LONG) TIMESTAMP(ts) PARTITION BY DAY").status, 200);
  ASSERT_EQ(Exec(port(), "CREATE TABLE b (ts TIMESTAMP, s SYMBOL) TIMESTAMP(ts) PARTITION BY HOUR").status, 200);
  ASSERT_EQ(Exec(port(), "CREATE TABLE c (x INT)").status, 200);
  ASSERT_EQ(Exec(port(), "INSERT INTO a VALUES ('2026-11-20T10:00:00Z', 1), ('2026-11-21T10:00:00Z', 2)").status, 200);
  ASSERT_EQ(Exec(port(), "INSERT INTO b VALUES ('2026-11-21T10:00:00Z', 'p'), ('2026-11-21T11:00:00Z', 'q')").status, 200);
  HttpResponse r = Exec(port(), "BACKUP TABLE a, b;");
  ASSERT_EQ(r.status, 200) << r.body;
  auto dirs = FinalBackups(backup_root_);
  ASSERT_EQ(dirs.size(), 1u);
  EXPECT_TRUE(fs::exists(dirs[0] + "/conf/server.conf"));
  EXPECT_FALSE(fs::exists(dirs[0] + "/db/c"));
  RestoredServer restored(dirs[0]);
  ASSERT_TRUE(restored.Start()) << restored.Log();
  EXPECT_EQ(QueryNumber(restored.port(), "SELECT sum(x) FROM a"), 3);
  EXPECT_EQ(QueryNumber(restored.port(), "SELECT count() FROM b WHERE s = 'q'"), 1);
  EXPECT_EQ(Exec(restored.port(), "SELECT * FROM c").status, 400);
}

TEST_F(BackupHttpTest, ABackupOfANewerFormatIsRefusedAtStart) {
  StartOrFail();
  ASSERT_EQ(Post(port(), "/write", Batch(0)).status, 204);
  ASSERT_EQ(Exec(port(), "BACKUP DATABASE").status, 200);
  auto dirs = FinalBackups(backup_root_);
  ASSERT_EQ(dirs.size(), 1u);
  std::string manifest_path = dirs[0] + "/" + cairo::kBackupManifestName;
  std::ifstream in(manifest_path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  size_t at = text.find("format_version 1\n");
  ASSERT_NE(at, std::string::npos) << text.substr(0, 200);
  text.replace(at, 17, "format_version 9\n");
  std::ofstream(manifest_path, std::ios::trunc) << text;
  RestoredServer restored(dirs[0]);
  EXPECT_FALSE(restored.Start());
  EXPECT_NE(restored.Log().find("refusing to start"), std::string::npos) << restored.Log();
  // The refusal changed nothing: the table directory is still there as backed up.
  EXPECT_TRUE(fs::exists(dirs[0] + "/db/ticks/_txn"));
}

TEST_F(BackupHttpTest, ErrorsAreClearAndLeaveNothing) {
  StartOrFail();
  ASSERT_EQ(Exec(port(), "CREATE TABLE a (x INT)").status, 200);
  HttpResponse unknown = Exec(port(), "BACKUP TABLE a, nope");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("table does not exist [table=nope]"), std::string::npos) << unknown.body;
  EXPECT_TRUE(FinalBackups(backup_root_).empty());
  HttpResponse syntax = Exec(port(), "backup something");
  EXPECT_EQ(syntax.status, 400);
  EXPECT_NE(syntax.body.find("\"position\":7"), std::string::npos) << syntax.body;
  // COMPLETE without PREPARE succeeds quietly; a second PREPARE is QuestDB's error.
  EXPECT_EQ(Exec(port(), "SNAPSHOT COMPLETE").status, 200);
  EXPECT_EQ(Exec(port(), "SNAPSHOT PREPARE").status, 200);
  HttpResponse twice = Exec(port(), "SNAPSHOT PREPARE");
  EXPECT_EQ(twice.status, 400);
  EXPECT_NE(twice.body.find("Waiting for SNAPSHOT COMPLETE to be called"), std::string::npos);
  EXPECT_EQ(Exec(port(), "SNAPSHOT COMPLETE").status, 200);
}

TEST(BackupHttpRootTest, UnsetRootAndUnusableRoot) {
  Server server;
  ASSERT_TRUE(server.Start()) << server.Log();
  HttpResponse r = Exec(server.http_port(), "BACKUP DATABASE;");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            "{\"query\":\"BACKUP DATABASE;\",\"error\":\"backup is disabled, server.conf property "
            "'cairo.sql.backup.root' is not set\",\"position\":0}");
  server.Stop();

  // A root below a regular file cannot be created, even by root: a clear error, no crash.
  Server bad;
  std::string file = fs::path(bad.root()).parent_path() / "plainfile";
  std::ofstream(file) << "x";
  bad.SetConf("cairo.sql.backup.root", file + "/backups");
  ASSERT_TRUE(bad.Start()) << bad.Log();
  ASSERT_EQ(Exec(bad.http_port(), "CREATE TABLE a (x INT)").status, 200);
  HttpResponse e = Exec(bad.http_port(), "BACKUP DATABASE");
  EXPECT_GE(e.status, 400) << e.body;
  EXPECT_NE(e.body.find("could not create directory"), std::string::npos) << e.body;
  EXPECT_NE(e.body.find("plainfile"), std::string::npos) << e.body;
  EXPECT_EQ(Get(bad.http_port(), "/ping").status, 204);
}

TEST_F(BackupHttpTest, DiskFullOnATmpfsRootIsAnErrorAndLeavesNoFinalDirectory) {
  fs::create_directories(backup_root_);
  std::string cmd = "mount -t tmpfs -o size=128k tmpfs " + backup_root_ + " 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "cannot mount a tmpfs here (not root?)";
  struct Unmount {
    std::string path;
    ~Unmount() { std::system(("umount " + path + " 2>/dev/null").c_str()); }
  } unmount{backup_root_};
  StartOrFail();
  const int kBatches = 30;  // ~0.5 MB of column data: does not fit in 128 KiB
  for (int b = 0; b < kBatches; ++b) ASSERT_EQ(Post(port(), "/write", Batch(b)).status, 204);
  HttpResponse r = Exec(port(), "BACKUP DATABASE");
  EXPECT_GE(r.status, 400) << r.body;
  // Refused up front (free space checked) or failed mid-copy with ENOSPC: either names space.
  EXPECT_NE(r.body.find("space"), std::string::npos) << r.body;
  EXPECT_TRUE(FinalBackups(backup_root_).empty());
  // The server goes on: ingest and queries work, and the table is intact.
  EXPECT_EQ(Post(port(), "/write", Batch(kBatches)).status, 204);
  EXPECT_EQ(QueryNumber(port(), "SELECT count() FROM ticks"), (kBatches + 1) * kBatch);
  server_.Stop();
}

TEST_F(BackupHttpTest, KillDuringBackupNeverLeavesAPartialFinalBackup) {
  StartOrFail();
  const int kBatches = 40;
  for (int b = 0; b < kBatches; ++b) ASSERT_EQ(Post(port(), "/write", Batch(b)).status, 204);
  server_.Stop();
  std::mt19937 rng(20261122);
  auto fsys = core::NewPosixFileSystem();
  const int kIterations = 50;
  int killed_mid_backup = 0;
  for (int it = 0; it < kIterations; ++it) {
    ASSERT_TRUE(server_.Start()) << server_.Log();
    ASSERT_EQ(QueryNumber(port(), "SELECT count() FROM ticks"), kBatches * kBatch) << "iteration " << it;
    Client c(port());
    ASSERT_TRUE(c.Send("GET /exec?query=BACKUP%20DATABASE HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 20000));
    size_t before = FinalBackups(backup_root_).size();
    server_.Stop(SIGKILL);
    if (FinalBackups(backup_root_).size() == before) ++killed_mid_backup;
    for (const auto& d : FinalBackups(backup_root_)) {
      auto v = cairo::VerifyBackup(*fsys, d);
      ASSERT_TRUE(v.ok()) << "iteration " << it << ": " << d << ": " << v.status().ToString();
    }
  }
  ASSERT_TRUE(server_.Start()) << server_.Log();
  EXPECT_EQ(QueryNumber(port(), "SELECT count() FROM ticks"), kBatches * kBatch);
  // A backup after all those kills works (leftover staging dirs never block it).
  ASSERT_EQ(Exec(port(), "BACKUP DATABASE").status, 200);
  std::cout << "[ e2e ] kill -9 during BACKUP: " << kIterations << " iterations, "
            << killed_mid_backup << " before the backup finished, every final-named dir whole\n";
}

TEST_F(BackupHttpTest, SnapshotCopyUnderIngestRestoresTheRowsAtPrepare) {
  StartOrFail();
  for (int b = 0; b < 4; ++b) ASSERT_EQ(Post(port(), "/write", Batch(b)).status, 204);
  std::atomic<int> acked{4};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int b = 4; !stop && b < 4000; ++b) {
      if (Post(port(), "/write", Batch(b)).status != 204) return;
      acked = b + 1;
    }
  });
  std::this_thread::sleep_for(100ms);
  int64_t lo = int64_t{acked} * kBatch;
  ASSERT_EQ(Exec(port(), "SNAPSHOT PREPARE").status, 200);
  int64_t hi = (int64_t{acked} + 1) * kBatch;
  std::this_thread::sleep_for(50ms);  // ingest goes on while the copy is taken
  std::string copy = fs::path(server_.root()).parent_path() / "copy";
  ASSERT_EQ(std::system(("cp -a " + server_.root() + " " + copy).c_str()), 0);
  ASSERT_EQ(Exec(port(), "SNAPSHOT COMPLETE").status, 200);
  stop = true;
  writer.join();
  EXPECT_FALSE(fs::exists(server_.root() + "/snapshot"));
  std::ofstream(copy + "/_restore").close();
  RestoredServer restored(copy);
  ASSERT_TRUE(restored.Start()) << restored.Log();
  ExpectPrefixOfStream(restored.port(), lo, hi, "snapshot copy");
  EXPECT_FALSE(fs::exists(copy + "/_restore"));
  EXPECT_FALSE(fs::exists(copy + "/snapshot"));
}

// SNAPSHOT PREPARE, out-of-order rows that rewrite the prepared partition, then the server
// restarts before the copy is taken: the snapshot is still open after the restart, the files it
// needs were kept, and the copy restores exactly the prepared rows.
TEST_F(BackupHttpTest, SnapshotSurvivesAServerRestartBeforeTheCopy) {
  StartOrFail();
  for (int b = 0; b < 10; ++b) ASSERT_EQ(Post(port(), "/write", Batch(b)).status, 204);
  ASSERT_EQ(Exec(port(), "SNAPSHOT PREPARE").status, 200);
  // 500 rows between the first ones (ids from 1,000,000): the partition is rewritten.
  std::string o3;
  for (int k = 100; k < 600; ++k) {
    o3 += "ticks,src=o id=" + std::to_string(1'000'000 + k) + "i,v=0.5 " +
          std::to_string(1'700'000'000'000'000'000 + int64_t{k} * 1'000'000'000 + 500'000'000) + "\n";
  }
  ASSERT_EQ(Post(port(), "/write", o3).status, 204);
  ASSERT_EQ(server_.Stop(), 0) << server_.Log();
  StartOrFail();
  std::string copy = fs::path(server_.root()).parent_path() / "copy";
  ASSERT_EQ(std::system(("cp -a " + server_.root() + " " + copy).c_str()), 0);
  ASSERT_EQ(Exec(port(), "SNAPSHOT COMPLETE").status, 200);
  EXPECT_FALSE(fs::exists(server_.root() + "/snapshot"));
  EXPECT_EQ(QueryNumber(port(), "SELECT count() FROM ticks"), 10 * kBatch + 500);

  std::ofstream(copy + "/_restore").close();
  RestoredServer restored(copy);
  ASSERT_TRUE(restored.Start()) << restored.Log();
  ExpectPrefixOfStream(restored.port(), 10 * kBatch, 10 * kBatch, "snapshot copy across a restart");
  EXPECT_FALSE(fs::exists(copy + "/snapshot"));
}

}  // namespace
}  // namespace sundial::testing
