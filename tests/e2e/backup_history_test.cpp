// End-to-end backup history through the real `sundial` binary over HTTP: backups() and SHOW
// BACKUPS, BACKUP ... ASYNC and BACKUP ABORT, read-only mode, Basic auth, no backup root, the
// history across a restart, and the incremental claim checked against the files on disk:
// a second backup after ingest into one partition copies that partition and links the rest;
// retention then removes the first and the second still verifies and restores.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "tests/e2e/restored_server.h"
#include "tests/http/server_harness.h"

namespace sundial::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr char kAuth[] = "Authorization: Basic YWRtaW46cXVlc3Q=\r\n";  // admin:quest

// The rows of a /exec answer's dataset as raw JSON texts, e.g. {"[\"a\",1]", ...}.
std::vector<std::string> DatasetRows(const std::string& body) {
  std::vector<std::string> rows;
  size_t at = body.find("\"dataset\":[");
  if (at == std::string::npos) return rows;
  at += 11;
  int depth = 0;
  bool in_str = false;
  size_t start = 0;
  for (size_t i = at; i < body.size(); ++i) {
    char c = body[i];
    if (in_str) {
      if (c == '\\') ++i;
      else if (c == '"') in_str = false;
      continue;
    }
    if (c == '"') in_str = true;
    else if (c == '[') {
      if (depth++ == 0) start = i;
    } else if (c == ']') {
      if (depth == 0) break;
      if (--depth == 0) rows.push_back(body.substr(start, i - start + 1));
    }
  }
  return rows;
}

// One cell of a one-column answer, e.g. `"backup complete"` -> backup complete (quotes off).
std::string Cell(const HttpResponse& r) {
  auto rows = DatasetRows(r.body);
  if (rows.empty()) return "<no row: " + r.body + ">";
  std::string v = rows[0].substr(1, rows[0].size() - 2);
  if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
  return v;
}

int64_t Number(const HttpResponse& r) {
  std::string c = Cell(r);
  return !c.empty() && (std::isdigit(static_cast<unsigned char>(c[0])) || c[0] == '-')
             ? std::stoll(c)
             : -1;
}

uint64_t FileBytes(const fs::path& p) { return fs::file_size(p); }

class BackupHistoryHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backup_root_ = fs::path(server_.root()).parent_path() / "backups";
    server_.SetConf("cairo.sql.backup.root", backup_root_);
  }
  int port() const { return server_.http_port(); }
  HttpResponse Q(const std::string& sql) { return Exec(port(), sql); }

  // Waits until the newest backup is no longer in progress; returns its status.
  std::string WaitDone(int p) {
    for (int i = 0; i < 3000; ++i) {
      std::string s = Cell(Exec(p, "SELECT status FROM backups() LIMIT 1"));
      if (s.find("in progress") == std::string::npos) return s;
      std::this_thread::sleep_for(10ms);
    }
    return "timeout";
  }

  // Days of rows (one partition a day) into `ticks`, `per_day` rows each.
  void Ingest(int first_day, int days, int per_day, int p = 0) {
    for (int d = first_day; d < first_day + days; ++d) {
      std::string body;
      for (int i = 0; i < per_day; ++i) {
        int64_t ts = (int64_t{1'699'920'000} + d * 86'400LL + i * (86'400LL / per_day)) *
                     1'000'000'000LL;
        body += "ticks,src=s" + std::to_string(i % 5) + " id=" + std::to_string(d * per_day + i) +
                "i,v=" + std::to_string(i) + ".25 " + std::to_string(ts) + "\n";
      }
      ASSERT_EQ(Post(p == 0 ? port() : p, "/write", body).status, 204);
    }
  }

  Server server_;
  std::string backup_root_;
};

TEST_F(BackupHistoryHttpTest, AsyncBackupsAppearInBackupsAndShowBackupsAndSurviveARestart) {
  ASSERT_TRUE(server_.Start()) << server_.Log();
  HttpResponse empty = Q("SELECT * FROM backups()");
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_TRUE(DatasetRows(empty.body).empty()) << empty.body;
  for (const char* col : {"name", "kind", "status", "progress_percent", "start_ts", "end_ts",
                          "duration_us", "tables", "rows", "bytes_copied", "bytes_linked",
                          "backup_error", "cleanup_error"}) {
    EXPECT_NE(empty.body.find("{\"name\":\"" + std::string(col) + "\""), std::string::npos) << col;
  }
  EXPECT_NE(empty.body.find("{\"name\":\"start_ts\",\"type\":\"TIMESTAMP\"}"), std::string::npos);
  Ingest(0, 3, 100);

  HttpResponse a = Q("BACKUP DATABASE ASYNC");
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_NE(a.body.find("\"columns\":[{\"name\":\"backup_timestamp\",\"type\":\"TIMESTAMP\"}]"),
            std::string::npos)
      << a.body;
  const std::string ts = Cell(a);
  EXPECT_EQ(WaitDone(port()), "backup complete");
  // The reply's timestamp is the backup's start_ts.
  EXPECT_EQ(Cell(Q("SELECT status FROM backups() WHERE start_ts = '" + ts + "'")), "backup complete");
  EXPECT_EQ(Number(Q("SELECT progress_percent FROM backups()")), 100);
  EXPECT_EQ(Number(Q("SELECT rows FROM backups()")), 300);
  EXPECT_EQ(Cell(Q("SELECT kind FROM backups()")), "database");

  HttpResponse t = Q("BACKUP TABLE ticks ASYNC;");
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(WaitDone(port()), "backup complete");
  EXPECT_EQ(Cell(Q("SELECT kind FROM backups() ORDER BY start_ts DESC LIMIT 1")), "table list");
  EXPECT_EQ(Cell(Q("SELECT tables FROM backups() LIMIT 1")), "ticks");
  // A synchronous one too; all newest first, SHOW BACKUPS the same rows.
  ASSERT_EQ(Q("BACKUP DATABASE").status, 200);
  HttpResponse all = Q("SELECT * FROM backups()");
  std::vector<std::string> rows = DatasetRows(all.body);
  ASSERT_EQ(rows.size(), 3u) << all.body;
  EXPECT_EQ(DatasetRows(Q("SHOW BACKUPS").body), rows);
  HttpResponse ordered = Q("SELECT start_ts FROM backups() ORDER BY start_ts DESC");
  EXPECT_EQ(DatasetRows(Q("SELECT start_ts FROM backups()").body), DatasetRows(ordered.body));
  EXPECT_EQ(Number(Q("SELECT count() FROM backups() WHERE status = 'backup complete'")), 3);
  // Names are the directories.
  for (const auto& n : {"SELECT name FROM backups() ORDER BY start_ts LIMIT 1"}) {
    std::string name = Cell(Q(n));
    EXPECT_TRUE(fs::is_directory(backup_root_ + "/" + name)) << name;
  }
  // Nothing running: ABORT says so.
  HttpResponse ab = Q("BACKUP ABORT");
  ASSERT_EQ(ab.status, 200) << ab.body;
  EXPECT_NE(ab.body.find("\"dataset\":[[\"not running\",null]]"), std::string::npos) << ab.body;
  EXPECT_NE(ab.body.find("{\"name\":\"backup_id\",\"type\":\"TIMESTAMP\"}"), std::string::npos);

  // Restart: the history is read back from the root.
  ASSERT_EQ(server_.Stop(), 0);
  ASSERT_TRUE(server_.Start()) << server_.Log();
  EXPECT_EQ(DatasetRows(Q("SHOW BACKUPS").body), rows);
}

TEST_F(BackupHistoryHttpTest, AbortStopsTheRunningBackupAndLeavesOnlyAFailedEntry) {
  ASSERT_TRUE(server_.Start()) << server_.Log();
  Ingest(0, 40, 2000);  // 40 partitions: many file boundaries
  std::string id;
  for (int attempt = 0; attempt < 20 && id.empty(); ++attempt) {
    HttpResponse a = Q("BACKUP DATABASE ASYNC");
    ASSERT_EQ(a.status, 200) << a.body;
    const std::string ts = Cell(a);
    HttpResponse ab = Q("BACKUP ABORT");
    ASSERT_EQ(ab.status, 200) << ab.body;
    if (ab.body.find("\"aborted\"") != std::string::npos) {
      EXPECT_NE(ab.body.find("\"" + ts + "\""), std::string::npos) << ab.body << " vs " << ts;
      id = ts;
    }
    WaitDone(port());
  }
  ASSERT_FALSE(id.empty()) << "no backup was still running when ABORT arrived";
  HttpResponse row = Q("SELECT status, backup_error, name FROM backups() WHERE start_ts = '" + id + "'");
  EXPECT_NE(row.body.find("[\"backup failed\",\"aborted\",null]"), std::string::npos) << row.body;
  // Its staging is gone, and no final directory is partial: every one verifies.
  for (int i = 0; i < 100 && fs::exists(backup_root_ + "/tmp") &&
                  !fs::is_empty(backup_root_ + "/tmp");
       ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(fs::is_empty(backup_root_ + "/tmp"));
  HttpResponse names = Q("SELECT name FROM backups() WHERE status = 'backup complete'");
  for (const auto& r : DatasetRows(names.body)) {
    std::string n = r.substr(2, r.size() - 4);
    HttpResponse v = Q("VERIFY BACKUP '" + n + "'");
    EXPECT_NE(v.body.find("\"dataset\":[]"), std::string::npos) << n << ": " << v.body;
  }
  // A second backup while one runs: the existing refusal.
  HttpResponse a = Q("BACKUP DATABASE ASYNC");
  ASSERT_EQ(a.status, 200);
  HttpResponse second = Q("BACKUP DATABASE");
  if (second.status != 200) {
    EXPECT_NE(second.body.find("backup already in progress"), std::string::npos) << second.body;
  }
  WaitDone(port());
}

TEST_F(BackupHistoryHttpTest, SigtermDuringAnAsyncBackupExitsCleanlyAndRecordsIt) {
  ASSERT_TRUE(server_.Start()) << server_.Log();
  Ingest(0, 40, 2000);
  HttpResponse a = Q("BACKUP DATABASE ASYNC");
  ASSERT_EQ(a.status, 200) << a.body;
  const std::string id = Cell(a);
  EXPECT_EQ(server_.Stop(), 0) << server_.Log();
  ASSERT_TRUE(server_.Start()) << server_.Log();
  std::string s = Cell(Q("SELECT status FROM backups() WHERE start_ts = '" + id + "'"));
  // Aborted at the next file boundary, or already renamed into place and finished.
  if (s == "backup failed") {
    EXPECT_EQ(Cell(Q("SELECT backup_error FROM backups()")),
              "aborted: the server stopped during the backup");
  } else {
    EXPECT_EQ(s, "backup complete");
  }
}

TEST_F(BackupHistoryHttpTest, DamagedHistoryRecordIsARowSayingSoNotACrash) {
  ASSERT_TRUE(server_.Start()) << server_.Log();
  Ingest(0, 1, 10);
  ASSERT_EQ(Q("BACKUP DATABASE").status, 200);
  ASSERT_EQ(Q("BACKUP DATABASE").status, 200);
  const std::string id = Cell(Q("SELECT start_ts FROM backups() ORDER BY start_ts LIMIT 1"));
  std::string record;
  for (const auto& e : fs::directory_iterator(backup_root_ + "/_history")) {
    if (record.empty() || e.path().string() < record) record = e.path().string();
  }
  std::string bytes = ReadAll(record);
  bytes[bytes.size() / 2] ^= 0x40;
  std::ofstream(record, std::ios::binary | std::ios::trunc) << bytes;
  HttpResponse h = Q("SELECT status, backup_error FROM backups() ORDER BY start_ts");
  ASSERT_EQ(h.status, 200) << h.body;
  auto rows = DatasetRows(h.body);
  ASSERT_EQ(rows.size(), 2u) << h.body;
  EXPECT_NE(rows[0].find("\"backup failed\",\"history record unreadable: "), std::string::npos)
      << rows[0];
  EXPECT_NE(rows[0].find("checksum mismatch"), std::string::npos) << rows[0];
  EXPECT_EQ(Cell(Q("SELECT start_ts FROM backups() ORDER BY start_ts LIMIT 1")), id);
  EXPECT_NE(rows[1].find("backup complete"), std::string::npos);
  // Backups go on; a restart keeps the damaged record visible.
  ASSERT_EQ(Q("BACKUP DATABASE").status, 200);
  ASSERT_EQ(server_.Stop(), 0);
  ASSERT_TRUE(server_.Start()) << server_.Log();
  EXPECT_EQ(Number(Q("SELECT count() FROM backups() WHERE backup_error LIKE 'history record unreadable%'")), 1);
}

TEST_F(BackupHistoryHttpTest, ReadOnlyAllowsTheHistoryAndRefusesAsyncAndAbort) {
  server_.SetConf("http.security.readonly", "true");
  ASSERT_TRUE(server_.Start()) << server_.Log();
  EXPECT_EQ(Q("SELECT * FROM backups()").status, 200);
  EXPECT_EQ(Q("SHOW BACKUPS").status, 200);
  for (const char* sql : {"BACKUP DATABASE ASYNC", "BACKUP TABLE t ASYNC", "BACKUP ABORT"}) {
    HttpResponse r = Q(sql);
    EXPECT_EQ(r.status, 403) << sql << ": " << r.body;
    EXPECT_NE(r.body.find("read-only"), std::string::npos) << r.body;
  }
  EXPECT_FALSE(fs::exists(backup_root_ + "/_history"));
}

TEST_F(BackupHistoryHttpTest, BasicAuthAppliesToHistoryAsyncAndAbort) {
  server_.SetConf("http.user", "admin");
  server_.SetConf("http.password", "quest");
  ASSERT_TRUE(server_.Start()) << server_.Log();
  for (const char* sql : {"SELECT * FROM backups()", "SHOW BACKUPS", "BACKUP DATABASE ASYNC",
                          "BACKUP ABORT"}) {
    EXPECT_EQ(Exec(port(), sql).status, 401) << sql;
  }
  EXPECT_FALSE(fs::exists(backup_root_ + "/_history"));  // nothing started
  HttpResponse a = Exec(port(), "BACKUP DATABASE ASYNC", "", kAuth);
  EXPECT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(Exec(port(), "BACKUP ABORT", "", kAuth).status, 200);
  HttpResponse h = Exec(port(), "SELECT count() FROM backups()", "", kAuth);
  EXPECT_EQ(Number(h), 1) << h.body;
}

TEST_F(BackupHistoryHttpTest, NoBackupRootIsQuestDbsDisabledError) {
  Server none;
  ASSERT_TRUE(none.Start()) << none.Log();
  for (const char* sql : {"SELECT * FROM backups()", "SHOW BACKUPS", "BACKUP DATABASE ASYNC",
                          "BACKUP ABORT"}) {
    HttpResponse r = Exec(none.http_port(), sql);
    EXPECT_EQ(r.status, 400) << sql;
    EXPECT_NE(r.body.find("backup is disabled, server.conf property 'cairo.sql.backup.root' is not set"),
              std::string::npos)
        << sql << ": " << r.body;
  }
}

// The incremental claim end to end, against the files on disk.
TEST_F(BackupHistoryHttpTest, SecondBackupCopiesOnlyTheChangedPartitionThenRetentionKeepsItWhole) {
  server_.SetConf("cairo.sql.backup.keep.latest.n", "1");
  ASSERT_TRUE(server_.Start()) << server_.Log();
  Ingest(0, 10, 5000);  // 10 day partitions
  ASSERT_EQ(Q("BACKUP DATABASE").status, 200);
  const std::string first = Cell(Q("SELECT name FROM backups()"));
  EXPECT_EQ(Cell(Q("SELECT status FROM backups()")), "cleanup complete");
  EXPECT_EQ(Number(Q("SELECT bytes_linked FROM backups()")), 0);
  // More rows into the newest partition only (day 9).
  {
    std::string body;
    for (int i = 0; i < 300; ++i) {
      int64_t ts = (int64_t{1'699'920'000} + 9 * 86'400LL + 86'000 + i) * 1'000'000'000LL;
      body += "ticks,src=s1 id=" + std::to_string(100000 + i) + "i,v=1.5 " + std::to_string(ts) + "\n";
    }
    ASSERT_EQ(Post(port(), "/write", body).status, 204);
  }
  const std::string answer_query = "SELECT count(), sum(id), max(timestamp) FROM ticks";
  HttpResponse live = Q(answer_query);
  ASSERT_EQ(Q("BACKUP DATABASE").status, 200);
  HttpResponse h = Q("SELECT name, bytes_copied, bytes_linked, status FROM backups() LIMIT 1");
  auto rows = DatasetRows(h.body);
  ASSERT_EQ(rows.size(), 1u) << h.body;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(rows[0], m, std::regex("\\[\"([^\"]+)\",([0-9]+),([0-9]+),\"cleanup complete\"\\]")))
      << rows[0];
  const std::string second = m[1].str();
  const uint64_t copied = std::stoull(m[2].str()), linked = std::stoull(m[3].str());
  ASSERT_NE(second, first);

  // On disk: the first is gone (retention), its row stays, marked removed.
  EXPECT_FALSE(fs::exists(backup_root_ + "/" + first));
  EXPECT_EQ(Number(Q("SELECT count() FROM backups() WHERE removed_ts IS NOT NULL AND name = '" + first + "'")), 1);
  // Linked = the files of the 9 older partitions and the symbol dictionary (no new symbol);
  // copied = everything else (the newest partition, _txn, conf/, the manifest).
  const fs::path dir = backup_root_ + "/" + second;
  uint64_t total = 0, old_partitions = 0, newest_partition = 0, symbols = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const uint64_t size = FileBytes(e.path());
    total += size;
    const std::string rel = fs::relative(e.path(), dir).string();
    std::smatch pm;
    if (std::regex_match(rel, pm, std::regex("db/ticks/([0-9]{4}-[0-9]{2}-[0-9]{2})[^/]*/.*"))) {
      (pm[1].str() == "2023-11-23" ? newest_partition : old_partitions) += size;
    } else if (rel.size() > 4 && rel.compare(rel.size() - 4, 4, ".sym") == 0) {
      symbols += size;
    }
  }
  EXPECT_GT(symbols, 0u);
  EXPECT_EQ(linked, old_partitions + symbols);
  EXPECT_EQ(copied + linked, total);
  EXPECT_GT(newest_partition, 0u);
  EXPECT_LT(copied, total / 5) << "copied " << copied << " of " << total;
  std::printf("second backup: copied=%llu linked=%llu total=%llu newest_partition=%llu\n",
              static_cast<unsigned long long>(copied), static_cast<unsigned long long>(linked),
              static_cast<unsigned long long>(total),
              static_cast<unsigned long long>(newest_partition));

  // It verifies, and started with -d it answers the same query.
  HttpResponse v = Q("VERIFY BACKUP '" + second + "'");
  EXPECT_NE(v.body.find("\"dataset\":[]"), std::string::npos) << v.body;
  ASSERT_EQ(server_.Stop(), 0);
  RestoredServer restored(dir.string());
  ASSERT_TRUE(restored.Start()) << restored.Log();
  HttpResponse back = Exec(restored.port(), answer_query);
  EXPECT_EQ(DatasetRows(back.body), DatasetRows(live.body)) << back.body << " vs " << live.body;
}

}  // namespace
}  // namespace sundial::testing
