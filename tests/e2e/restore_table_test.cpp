// End-to-end RESTORE TABLE through the real binary over HTTP: restore, restore AS, OVERWRITE
// under a concurrent reader, every error, read-only mode, and a differential — the answers of
// a set of queries on the restored table equal those on the original at backup time.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "core/crc32c.h"
#include "tests/http/server_harness.h"

namespace sundial::testing {
namespace {

namespace fs = std::filesystem;

// The answer of a query without its echo of the query text: columns, rows, count.
std::string Answer(int port, const std::string& sql) {
  HttpResponse r = Exec(port, sql);
  EXPECT_EQ(r.status, 200) << sql << ": " << r.body;
  const size_t at = r.body.find("\"columns\"");
  return at == std::string::npos ? r.body : r.body.substr(at);
}

// Queries whose answers describe a table `T` completely enough to tell any difference in rows,
// schema, symbols or partitions.
std::vector<std::string> Queries(const std::string& t) {
  return {
      "SELECT count() FROM " + t,
      "SELECT sum(v), min(v), max(v), sum(n), min(n), max(n), min(ts), max(ts), "
      "count(name), min(name), max(name) FROM " + t,
      "SELECT s, count(), sum(v), min(n), max(n) FROM " + t + " GROUP BY s ORDER BY s",
      "SELECT * FROM " + t,
      "SHOW COLUMNS FROM " + t,
      "SELECT DISTINCT s FROM " + t + " ORDER BY s",
  };
}

class RestoreTableE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backup_root_ = fs::path(server_.root()).parent_path() / "backups";
    server_.SetConf("cairo.sql.backup.root", backup_root_);
    ASSERT_TRUE(server_.Start()) << server_.Log();
  }
  int port() const { return server_.http_port(); }

  // `rows` rows from id `first`, over several days, every fifth one out of order.
  void Ingest(const std::string& table, int first, int rows) {
    std::string body;
    for (int i = first; i < first + rows; ++i) {
      const int64_t ts = 1'700'000'000'000'000'000 + int64_t{i} * 90'000'000'000 -
                         (i % 5 == 0 ? int64_t{86'400} * 1'000'000'000 : 0);
      body += table + ",s=k" + std::to_string(i % 6) + " v=" + std::to_string(i % 977) +
              ".25,n=" + std::to_string(i) + "i,name=\"n" + std::to_string(i % 31) + "\" " +
              std::to_string(ts) + "\n";
    }
    ASSERT_EQ(Post(port(), "/write", body).status, 204);
  }
  void CreateAndFill(const std::string& table, int rows) {
    ASSERT_EQ(Exec(port(), "CREATE TABLE " + table +
                               " (ts TIMESTAMP, s SYMBOL, v DOUBLE, n LONG, name VARCHAR) "
                               "TIMESTAMP(ts) PARTITION BY DAY").status, 200);
    Ingest(table, 0, rows);
  }
  std::vector<std::string> Answers(const std::string& table) {
    std::vector<std::string> out;
    for (const auto& q : Queries(table)) out.push_back(Answer(port(), q));
    return out;
  }
  // BACKUP DATABASE; returns the new backup's directory name.
  std::string Backup() {
    std::set<std::string> before = Names();
    HttpResponse r = Exec(port(), "BACKUP DATABASE");
    EXPECT_EQ(r.status, 200) << r.body;
    for (const auto& n : Names()) {
      if (before.count(n) == 0) return n;
    }
    ADD_FAILURE() << "no new backup";
    return "";
  }
  std::set<std::string> Names() const {
    std::set<std::string> out;
    if (!fs::exists(backup_root_)) return out;
    for (const auto& e : fs::directory_iterator(backup_root_)) {
      if (e.is_directory() && e.path().filename() != "tmp") out.insert(e.path().filename());
    }
    return out;
  }
  HttpResponse Restore(const std::string& rest) { return Exec(port(), "RESTORE TABLE " + rest); }
  void ExpectClean(const std::string& name) {
    HttpResponse v = Exec(port(), "VERIFY BACKUP '" + name + "'");
    EXPECT_EQ(v.status, 200) << v.body;
    EXPECT_NE(v.body.find("\"dataset\":[]"), std::string::npos) << v.body;
  }

  Server server_;
  std::string backup_root_;
};

TEST_F(RestoreTableE2eTest, RestoredTablesAnswerAsTheOriginalDidAtBackupTime) {
  CreateAndFill("trades", 4000);
  const std::vector<std::string> at_backup = Answers("trades");
  const std::string name = Backup();
  // The live table moves on: more rows, an UPDATE, a new column.
  Ingest("trades", 10'000, 500);
  ASSERT_EQ(Exec(port(), "UPDATE trades SET v = v * 2 WHERE n < 100").status, 200);
  ASSERT_EQ(Exec(port(), "ALTER TABLE trades ADD COLUMN extra INT").status, 200);
  ASSERT_NE(Answers("trades"), at_backup);

  HttpResponse as = Restore("trades FROM BACKUP '" + name + "' AS trades_copy");
  ASSERT_EQ(as.status, 200) << as.body;
  EXPECT_NE(as.body.find("\"ddl\":\"OK\""), std::string::npos) << as.body;
  EXPECT_EQ(Answers("trades_copy"), at_backup);

  HttpResponse exists = Restore("TRADES FROM BACKUP '" + name + "'");
  EXPECT_EQ(exists.status, 400) << exists.body;
  EXPECT_NE(exists.body.find("table already exists [table=trades]"), std::string::npos)
      << exists.body;

  HttpResponse over = Restore("Trades FROM BACKUP '" + name + "' OVERWRITE");
  ASSERT_EQ(over.status, 200) << over.body;
  EXPECT_EQ(Answers("trades"), at_backup);

  // Writing to the restored tables leaves the backup as it was; they survive a restart.
  Ingest("trades", 20'000, 300);
  Ingest("trades_copy", 30'000, 300);
  ASSERT_EQ(Exec(port(), "UPDATE trades_copy SET v = 0").status, 200);
  ExpectClean(name);
  const std::vector<std::string> copy_now = Answers("trades_copy");
  ASSERT_EQ(server_.Stop(), 0);
  ASSERT_TRUE(server_.Start()) << server_.Log();
  EXPECT_EQ(Answers("trades_copy"), copy_now);
  ExpectClean(name);
}

TEST_F(RestoreTableE2eTest, OverwriteUnderAConcurrentReaderGivesOldOrNewAnswersOnly) {
  CreateAndFill("t", 3000);
  const std::string b1 = Backup();
  const std::string a1 = Answer(port(), "SELECT count(), sum(n), max(v) FROM t");
  Ingest("t", 5000, 2000);
  const std::string b2 = Backup();
  const std::string a2 = Answer(port(), "SELECT count(), sum(n), max(v) FROM t");
  ASSERT_NE(a1, a2);

  std::atomic<bool> stop{false};
  std::atomic<int> reads{0}, bad{0};
  std::string first_bad;
  std::thread reader([&] {
    while (!stop.load()) {
      HttpResponse r = Exec(port(), "SELECT count(), sum(n), max(v) FROM t");
      const size_t at = r.body.find("\"columns\"");
      const std::string got = at == std::string::npos ? r.body : r.body.substr(at);
      reads++;
      if (r.status != 200 || (got != a1 && got != a2)) {
        if (bad++ == 0) first_bad = std::to_string(r.status) + " " + r.body;
      }
    }
  });
  for (int i = 0; i < 10; ++i) {
    HttpResponse r = Restore("t FROM BACKUP '" + (i % 2 == 0 ? b1 : b2) + "' OVERWRITE");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Answer(port(), "SELECT count(), sum(n), max(v) FROM t"), i % 2 == 0 ? a1 : a2);
  }
  stop = true;
  reader.join();
  EXPECT_EQ(bad.load(), 0) << first_bad;
  EXPECT_GT(reads.load(), 10);
  ExpectClean(b1);
  ExpectClean(b2);
  std::printf("reads during 10 overwrites: %d\n", reads.load());
}

TEST_F(RestoreTableE2eTest, EveryErrorIsClearAndChangesNothing) {
  CreateAndFill("t", 500);
  const std::string name = Backup();
  const std::string before = Answer(port(), "SELECT count(), sum(n) FROM t");
  // `at`: the text the error's position points at (the statement's start when empty).
  auto expect = [&](const std::string& rest, int status, const std::string& text,
                    const std::string& at = "") {
    HttpResponse r = Restore(rest);
    EXPECT_EQ(r.status, status) << rest << ": " << r.body;
    EXPECT_NE(r.body.find(text), std::string::npos) << rest << ": " << r.body;
    const size_t pos = at.empty() ? 0 : std::string("RESTORE TABLE ").size() + rest.find(at);
    EXPECT_NE(r.body.find("\"position\":" + std::to_string(pos)), std::string::npos)
        << rest << ": " << r.body;
    EXPECT_EQ(Answer(port(), "SELECT count(), sum(n) FROM t"), before);
    EXPECT_EQ(Exec(port(), "SELECT count() FROM x").status, 400);  // never created
  };
  expect("t FROM BACKUP 'no-such-backup' AS x", 400, "backup does not exist", "'no-such");
  expect("t FROM BACKUP '..' AS x", 400, "directly inside the backup root", "'..'");
  expect("t FROM BACKUP '" + name + "/db' AS x", 400, "directly inside the backup root",
         "'" + name);
  expect("t FROM BACKUP '/etc' AS x", 400, "directly inside the backup root", "'/etc'");
  fs::create_directory_symlink("/", backup_root_ + "/escape");
  expect("t FROM BACKUP 'escape' AS x", 400, "leads out of the backup root", "'escape'");
  expect("nope FROM BACKUP '" + name + "' AS x", 400,
         "table is not in the backup [table=nope, backup=" + name + "]", "nope");
  expect("t FROM BACKUP '" + name + "'", 400, "table already exists [table=t]", "t FROM");
  expect("t FROM BACKUP '" + name + "' AS 'a/b'", 400, "'/' is not allowed in a table name",
         "'a/b'");

  // Damage names the file.
  const std::string dir = backup_root_ + "/" + name;
  std::string victim;
  for (const auto& e : fs::recursive_directory_iterator(dir + "/db/t")) {
    if (e.is_regular_file() && e.path().filename() == "n.d") {
      victim = fs::relative(e.path(), dir).string();
    }
  }
  ASSERT_FALSE(victim.empty());
  {
    std::fstream f(dir + "/" + victim, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(3);
    f.put('\x7f');
  }
  expect("t FROM BACKUP '" + name + "' AS x", 400, "backup is damaged [file=" + victim);

  // A backup of a newer format.
  fs::create_directories(backup_root_ + "/newer");
  {
    const std::string body = "sundial-backup-manifest\nformat_version 9\n";
    char crc[16];
    std::snprintf(crc, sizeof crc, "%08x", core::Crc32c(body));
    std::ofstream(backup_root_ + "/newer/backup.manifest") << body << "crc " << crc << "\n";
  }
  expect("t FROM BACKUP 'newer' AS x", 400, "backup was written by a newer version of Sundial");

  // Read-only mode: 403, as for every write.
  Server ro;
  ro.SetConf("cairo.sql.backup.root", backup_root_);
  ro.SetConf("http.security.readonly", "true");
  ASSERT_TRUE(ro.Start()) << ro.Log();
  HttpResponse denied = Exec(ro.http_port(), "RESTORE TABLE t FROM BACKUP 'newer' AS x");
  EXPECT_EQ(denied.status, 403) << denied.body;

  // No backup root.
  Server none;
  ASSERT_TRUE(none.Start()) << none.Log();
  HttpResponse disabled = Exec(none.http_port(), "RESTORE TABLE t FROM BACKUP '" + name + "'");
  EXPECT_EQ(disabled.status, 400) << disabled.body;
  EXPECT_NE(disabled.body.find("backup is disabled, server.conf property "
                               "'cairo.sql.backup.root' is not set"),
            std::string::npos)
      << disabled.body;
}

}  // namespace
}  // namespace sundial::testing
