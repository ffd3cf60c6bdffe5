// End-to-end backups to an object store through the real `sundial` binary: npm's s3rver on
// loopback (request log on, so uploads are counted from s3rver's own log), `backup.enabled` +
// `backup.object.store` in server.conf, BACKUP DATABASE over HTTP, backups(), an incremental
// second backup, `sundial restore 's3::...;backup=NAME' -d DIR` and the `_backup_restore`
// trigger giving roots that answer the same queries, and start-up refusals.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "tests/core/s3rver_process.h"
#include "tests/e2e/restored_server.h"
#include "tests/http/server_harness.h"
#include "tests/testutil/temp_dir.h"

namespace sundial::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kBucket[] = "sundial-e2e";

int Sh(const std::string& cmd) {
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// The first cell of a /exec answer as text ("" when there is none).
std::string FirstCell(int port, const std::string& sql) {
  static const std::regex re("\"dataset\":\\[\\[\"?([^\",\\]]*)");
  HttpResponse r = Exec(port, sql);
  std::smatch m;
  if (r.status != 200 || !std::regex_search(r.body, m, re)) return "<" + r.body + ">";
  return m[1].str();
}

constexpr int kBatch = 1000;
std::string Batch(int b) {
  std::string body;
  for (int i = 0; i < kBatch; ++i) {
    const int64_t id = static_cast<int64_t>(b) * kBatch + i;
    body += "ticks,src=s" + std::to_string(id % 7) + " id=" + std::to_string(id) +
            "i,v=" + std::to_string(id % 1000) + ".5 " +
            std::to_string(1'700'000'000'000'000'000 + id * 1'000'000'000) + "\n";
  }
  return body;
}

const std::vector<std::string> kQueries = {
    "SELECT count() FROM ticks", "SELECT max(id) FROM ticks", "SELECT sum(v) FROM ticks",
    "SELECT count() FROM ticks WHERE src = 's3'", "SELECT min(timestamp) FROM ticks"};

std::vector<std::string> Answers(int port) {
  std::vector<std::string> out;
  for (const auto& q : kQueries) out.push_back(FirstCell(port, q));
  return out;
}

class BackupStoreE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    bool skip = false;
    s3_ = S3rverProcess::Start(kBucket, &why, &skip, /*log_requests=*/true);
    if (skip) GTEST_SKIP() << why;
    ASSERT_NE(s3_, nullptr) << why;
    store_ = s3_->Config(kBucket, "prod");
  }
  int Blobs() const { return s3_->StoredObjects(kBucket, "prod/blobs/"); }
  std::string Bin() const { return Server::BinaryPath(); }

  std::unique_ptr<S3rverProcess> s3_;
  std::string store_;
  testutil::TempDir tmp_{"sundial-store-e2e"};
};

TEST_F(BackupStoreE2eTest, BackupToS3rverAndRestoreGiveTheSameAnswers) {
  Server server;
  server.SetConf("backup.enabled", "true");
  server.SetConf("backup.object.store", store_);
  ASSERT_TRUE(server.Start()) << server.Log();
  const int port = server.http_port();
  for (int b = 0; b < 20; ++b) ASSERT_EQ(Post(port, "/write", Batch(b)).status, 204);
  HttpResponse first = Exec(port, "BACKUP DATABASE");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(FirstCell(port, "SELECT status FROM backups()"), "backup complete");
  const std::string name1 = FirstCell(port, "SELECT name FROM backups()");
  const std::vector<std::string> answers1 = Answers(port);
  const int blobs1 = Blobs();
  ASSERT_GT(blobs1, 5);
  // A second backup after rows into the newest partition only uploads what changed.
  for (int b = 20; b < 22; ++b) ASSERT_EQ(Post(port, "/write", Batch(b)).status, 204);
  HttpResponse second = Exec(port, "BACKUP DATABASE");
  ASSERT_EQ(second.status, 200) << second.body;
  const int blobs2 = Blobs() - blobs1;
  EXPECT_GT(blobs2, 0);
  EXPECT_LT(blobs2, blobs1);
  const std::vector<std::string> answers2 = Answers(port);
  EXPECT_NE(answers1, answers2);
  EXPECT_EQ(FirstCell(port, "SELECT count() FROM backups()"), "2");
  // VERIFY BACKUP downloads and checks every file; RESTORE TABLE answers clearly.
  HttpResponse verify = Exec(port, "VERIFY BACKUP '" + name1 + "'");
  EXPECT_EQ(verify.status, 200) << verify.body;
  EXPECT_NE(verify.body.find("\"count\":0"), std::string::npos) << verify.body;
  HttpResponse restore_table = Exec(port, "RESTORE TABLE ticks FROM BACKUP '" + name1 + "' AS t2");
  EXPECT_NE(restore_table.body.find("not supported for object-store backups"), std::string::npos)
      << restore_table.body;

  // sundial restore, a named backup and the latest.
  ASSERT_EQ(Sh(Bin() + " restore '" + store_ + "backup=" + name1 + "' -d " + tmp_.Sub("r1") +
               " 2>" + tmp_.Sub("r1.err")),
            0)
      << name1 << ": " << ReadAll(tmp_.Sub("r1.err"));
  ASSERT_EQ(Sh(Bin() + " restore '" + store_ + "' -d " + tmp_.Sub("latest") + " 2>/dev/null"), 0);
  {
    RestoredServer r(tmp_.Sub("r1"));
    ASSERT_TRUE(r.Start()) << r.Log();
    EXPECT_EQ(Answers(r.port()), answers1);
  }
  {
    RestoredServer r(tmp_.Sub("latest"));
    ASSERT_TRUE(r.Start()) << r.Log();
    EXPECT_EQ(Answers(r.port()), answers2);
  }
  // An unknown backup fails and leaves no directory.
  EXPECT_EQ(
      Sh(Bin() + " restore '" + store_ + "backup=nope' -d " + tmp_.Sub("nope") + " 2>/dev/null"),
      1);
  EXPECT_FALSE(fs::exists(tmp_.Sub("nope")));

  // The trigger file: an empty root restores the backup it names at start, then serves.
  const std::string root = tmp_.Sub("triggered");
  fs::create_directories(root);
  std::ofstream(root + "/_backup_restore")
      << "backup.object.store=" << store_ << "\nbackup.restore.name=" << name1 << "\n";
  {
    RestoredServer r(root);
    ASSERT_TRUE(r.Start()) << r.Log();
    EXPECT_EQ(Answers(r.port()), answers1);
  }
  EXPECT_FALSE(fs::exists(root + "/_backup_restore"));
  EXPECT_FALSE(fs::exists(root + "/_restore_failed"));
  // A trigger naming a missing backup: the server refuses to start, the trigger stays and
  // _restore_failed says why.
  const std::string bad = tmp_.Sub("bad");
  fs::create_directories(bad);
  std::ofstream(bad + "/_backup_restore")
      << "backup.object.store=" << store_ << "\nbackup.restore.name=nope\n";
  {
    RestoredServer r(bad);
    EXPECT_FALSE(r.Start());
    EXPECT_EQ(r.exit_code(), 1) << r.Log();
    EXPECT_NE(r.Log().find("restore from the object store failed"), std::string::npos) << r.Log();
  }
  EXPECT_TRUE(fs::exists(bad + "/_backup_restore"));
  EXPECT_NE(ReadAll(bad + "/_restore_failed").find("backup not found"), std::string::npos);
  // A root with tables is never overwritten by a trigger.
  std::ofstream(tmp_.Sub("latest") + "/_backup_restore")
      << "backup.object.store=" << store_ << "\n";
  {
    RestoredServer r(tmp_.Sub("latest"));
    EXPECT_FALSE(r.Start());
    EXPECT_NE(ReadAll(tmp_.Sub("latest") + "/_restore_failed").find("already holds tables"),
              std::string::npos);
  }
}

// ASYNC, retention and a schedule apply to the store as to a local root.
TEST_F(BackupStoreE2eTest, AsyncBackupsWithRetentionKeepTheNewest) {
  Server server;
  server.SetConf("backup.enabled", "true");
  server.SetConf("backup.object.store", store_);
  server.SetConf("cairo.sql.backup.keep.latest.n", "2");
  server.SetConf("backup.schedule.cron", "0 3 * * *");  // accepted without a backup root
  ASSERT_TRUE(server.Start()) << server.Log();
  const int port = server.http_port();
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Post(port, "/write", Batch(i)).status, 204);
    HttpResponse r = Exec(port, "BACKUP DATABASE ASYNC");
    ASSERT_EQ(r.status, 200) << r.body;
    std::string status;
    for (int t = 0; t < 300; ++t) {
      status = FirstCell(port, "SELECT status FROM backups()");
      if (status == "cleanup complete") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(status, "cleanup complete");
  }
  EXPECT_EQ(FirstCell(port, "SELECT count() FROM backups()"), "3");
  EXPECT_EQ(FirstCell(port, "SELECT count() FROM backups() WHERE removed_ts IS NOT NULL"), "1");
  // The two kept backups are the newest: the latest restores with all three batches.
  ASSERT_EQ(Sh(Bin() + " restore '" + store_ + "' -d " + tmp_.Sub("r") + " 2>/dev/null"), 0);
  RestoredServer r(tmp_.Sub("r"));
  ASSERT_TRUE(r.Start()) << r.Log();
  EXPECT_EQ(FirstCell(r.port(), "SELECT count() FROM ticks"), std::to_string(3 * kBatch));
}

TEST_F(BackupStoreE2eTest, BadStoreSettingRefusesStartNamingTheKeyNotTheSecret) {
  Server server;
  server.SetConf("backup.enabled", "true");
  server.SetConf("backup.object.store",
                 "s3::bucket=b;region=r;endpoint=https://h:9000;access_key_id=AK;"
                 "secret_access_key=TOPSECRET;");
  EXPECT_EQ(server.RunExpectExit(), 1);
  EXPECT_NE(server.Log().find("backup.object.store"), std::string::npos) << server.Log();
  EXPECT_EQ(server.Log().find("TOPSECRET"), std::string::npos) << server.Log();
  // Without backup.enabled the setting is not used: the server starts, backups stay local.
  Server plain;
  plain.SetConf("backup.object.store", "s3::bucket=b;");
  ASSERT_TRUE(plain.Start()) << plain.Log();
}

TEST_F(BackupStoreE2eTest, MissingBucketIsBackupsError) {
  Server server;
  server.SetConf("backup.enabled", "true");
  server.SetConf("backup.object.store", s3_->Config("no-such-bucket", ""));
  ASSERT_TRUE(server.Start()) << server.Log();
  ASSERT_EQ(Post(server.http_port(), "/write", Batch(0)).status, 204);
  HttpResponse r = Exec(server.http_port(), "BACKUP DATABASE");
  EXPECT_NE(r.status, 200);
  EXPECT_NE(r.body.find("bucket does not exist"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace sundial::testing
