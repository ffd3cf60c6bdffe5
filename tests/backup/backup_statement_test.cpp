// Parsing, dispatch, error texts and positions of BACKUP / SNAPSHOT / CHECKPOINT statements
// (QuestDB's texts and positions, http/QUESTDB.md), against a recording fake BackupService;
// and the read-only rule (IsWrite) as the SQL engine applies it.
#include "sql/backup_statement.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "cairo/engine.h"
#include "core/file_system.h"
#include "sql/parser.h"
#include "sql/sql_engine.h"
#include "tests/testutil/temp_dir.h"

namespace sundial::sql {
namespace {

class FakeBackupService : public cairo::BackupService {
 public:
  bool is_enabled = true;
  std::vector<std::string> existing = {"t", "tb1", "my table", "trades"};
  std::vector<std::vector<std::string>> table_calls;
  int database_calls = 0;
  std::vector<std::string> snapshot_calls;
  core::Status next_error;

  bool enabled() const override { return is_enabled; }
  bool HasTable(std::string_view table) const override {
    for (const auto& e : existing) {
      if (e.size() == table.size() &&
          std::equal(e.begin(), e.end(), table.begin(),
                     [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        return true;
      }
    }
    return false;
  }
  core::Result<cairo::BackupResult> BackupDatabase() override {
    database_calls++;
    if (!next_error.ok()) return next_error;
    return cairo::BackupResult{};
  }
  core::Result<cairo::BackupResult> BackupTables(const std::vector<std::string>& t) override {
    table_calls.push_back(t);
    if (!next_error.ok()) return next_error;
    return cairo::BackupResult{};
  }
  core::Status SnapshotPrepare(bool checkpoint) override {
    snapshot_calls.push_back(checkpoint ? "create" : "prepare");
    return next_error;
  }
  core::Status SnapshotComplete(bool checkpoint) override {
    snapshot_calls.push_back(checkpoint ? "release" : "complete");
    return next_error;
  }
  bool snapshot_in_progress() const override { return false; }
};

class BackupStatementTest : public ::testing::Test {
 protected:
  // Runs `sql`, expecting a recognised statement that fails with `message` at `position`.
  void ExpectError(std::string_view sql, std::string_view message, int32_t position) {
    auto r = TryExecuteBackupStatement(sql, &fake_);
    ASSERT_TRUE(r.has_value()) << sql;
    ASSERT_FALSE(r->ok()) << sql;
    EXPECT_EQ(r->status().message(), message) << sql;
    EXPECT_EQ(r->status().position(), position) << sql;
  }
  void ExpectOk(std::string_view sql) {
    auto r = TryExecuteBackupStatement(sql, &fake_);
    ASSERT_TRUE(r.has_value()) << sql;
    ASSERT_TRUE(r->ok()) << sql << ": " << r->status().ToString();
    EXPECT_EQ(r->value().kind, StatementKind::kDdl);
  }
  FakeBackupService fake_;
};

TEST_F(BackupStatementTest, OtherStatementsAreNotRecognised) {
  EXPECT_FALSE(TryExecuteBackupStatement("select * from t", &fake_).has_value());
  EXPECT_FALSE(TryExecuteBackupStatement("backups", &fake_).has_value());
  EXPECT_FALSE(TryExecuteBackupStatement("'backup' table t", &fake_).has_value());
  EXPECT_FALSE(TryExecuteBackupStatement("", &fake_).has_value());
  EXPECT_FALSE(TryExecuteBackupStatement("   -- only a comment", &fake_).has_value());
  EXPECT_TRUE(fake_.table_calls.empty());
}

TEST_F(BackupStatementTest, BackupDatabaseCaseInsensitiveWithSemicolon) {
  ExpectOk("BACKUP DATABASE;");
  ExpectOk("backup database");
  ExpectOk("  /* nightly */ Backup\n\tDataBase ;  ");
  EXPECT_EQ(fake_.database_calls, 3);
}

TEST_F(BackupStatementTest, BackupTablesListAndQuotedNames) {
  ExpectOk("backup table t");
  ExpectOk("BACKUP TABLE t, tb1;");
  ExpectOk("backup table \"my table\", 'trades'");
  ExpectOk("backup table t, T, t");  // duplicates collapse (case-insensitive)
  ASSERT_EQ(fake_.table_calls.size(), 4u);
  EXPECT_EQ(fake_.table_calls[0], std::vector<std::string>({"t"}));
  EXPECT_EQ(fake_.table_calls[1], std::vector<std::string>({"t", "tb1"}));
  EXPECT_EQ(fake_.table_calls[2], std::vector<std::string>({"my table", "trades"}));
  EXPECT_EQ(fake_.table_calls[3], std::vector<std::string>({"t"}));
}

TEST_F(BackupStatementTest, DisabledBackupFailsBeforeParsing) {
  fake_.is_enabled = false;
  const char* msg = "backup is disabled, server.conf property 'cairo.sql.backup.root' is not set";
  ExpectError("backup table xyz", msg, 0);
  ExpectError("backup database", msg, 0);
  ExpectError("backup something strange", msg, 0);
  auto r = TryExecuteBackupStatement("backup database", nullptr);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status().message(), msg);
  EXPECT_EQ(r->status().position(), 0);
  EXPECT_EQ(fake_.database_calls, 0);
}

TEST_F(BackupStatementTest, GrammarErrorsAndPositions) {
  ExpectError("backup something", "expected 'table' or 'database'", 7);
  ExpectError("backup", "expected 'table' or 'database'", 6);
  ExpectError("backup table", "expected a table name", 12);
  ExpectError("backup table;", "expected a table name", 12);
  ExpectError("backup table t,", "expected a table name", 15);
  ExpectError("backup table t tb2", "expected ','", 15);
  ExpectError("backup table t, tb2", "table does not exist [table=tb2]", 16);
  ExpectError("backup table ../t", "'.' is an invalid table name", 13);
  ExpectError("backup table 'a/b'", "'/' is not allowed in a table name [name=a/b]", 13);
  ExpectError("backup database now", "unexpected token [now]", 16);
  ExpectError("backup table t; x", "unexpected token [x]", 16);
  ExpectError("backup table 't", "unclosed quotation mark", 13);
  EXPECT_TRUE(fake_.table_calls.empty());
  EXPECT_EQ(fake_.database_calls, 0);
}

TEST_F(BackupStatementTest, ExecutionErrorsKeepTextAndPointAtStatement) {
  fake_.next_error = core::Status::Unavailable("backup already in progress");
  ExpectError("backup database", "backup already in progress", 0);
  auto r = TryExecuteBackupStatement("backup table t", &fake_);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status().code(), core::StatusCode::kUnavailable);
}

TEST_F(BackupStatementTest, SnapshotAndCheckpoint) {
  ExpectOk("snapshot prepare");
  ExpectOk("SNAPSHOT COMPLETE;");
  ExpectOk("checkpoint create");
  ExpectOk("Checkpoint Release ;");
  EXPECT_EQ(fake_.snapshot_calls,
            std::vector<std::string>({"prepare", "complete", "create", "release"}));
  ExpectError("snapshot foo", "'prepare' or 'complete' expected", 9);
  ExpectError("snapshot", "'prepare' or 'complete' expected", 8);
  ExpectError("checkpoint commit", "'create' or 'release' expected", 11);
  ExpectError("snapshot create", "'prepare' or 'complete' expected", 9);
  ExpectError("snapshot prepare now", "unexpected token [now]", 17);
  fake_.next_error = core::Status::InvalidArgument("Waiting for SNAPSHOT COMPLETE to be called");
  ExpectError("snapshot prepare", "Waiting for SNAPSHOT COMPLETE to be called", 0);
}

TEST_F(BackupStatementTest, SnapshotWithoutServiceIsAClearError) {
  auto r = TryExecuteBackupStatement("snapshot prepare", nullptr);
  ASSERT_TRUE(r.has_value());
  ASSERT_FALSE(r->ok());
  EXPECT_EQ(r->status().position(), 0);
}

// The read-only rule over statements of every kind, spelled the ways clients send them: the
// parsed statement's kind decides (IsWrite), and the SQL engine in read-only mode refuses
// exactly those statements (the HTTP server relies on it: /exec answers its PermissionDenied
// with 403). Before the rule was decided once, the HTTP layer's keyword list and the engine
// disagreed on ALTER ... ALTER COLUMN, BACKUP, SNAPSHOT and CHECKPOINT (the engine ran them).
struct Case {
  const char* sql;
  bool is_write;
};
const Case kCases[] = {
    {"SELECT 1", false}, {"select * from t", false}, {"  \n\tselect 1", false},
    {"(select 1)", false}, {"((select 1))", false},
    {"with x as (select 1) select * from x", false},
    {"WITH x AS (select 1) (select * from x)", false}, {"-- c\nselect 1", false},
    {"/* c */ select 1", false}, {"/* insert */ select 1", false}, {"select 1;", false},
    {"t", false}, {"SHOW TABLES", false}, {"show columns from t", false},
    {"show create table t", false},
    {"INSERT INTO t VALUES (1)", true}, {"insert into t select * from t", true},
    {"/* c */ Insert into t values(1)", true}, {"update t set a = 1", true},
    {"UPDATE t SET a = 1 WHERE a = 2", true}, {"CREATE TABLE x (a INT)", true},
    {"create table x as (select * from t)", true}, {"drop table t", true},
    {"DROP TABLE IF EXISTS t", true}, {"alter table t add column b int", true},
    {"alter table t drop column a", true}, {"ALTER TABLE t ALTER COLUMN a ADD INDEX", true},
    {"alter table t alter column a nocache", true}, {"truncate table t", true},
    {"rename table t to u", true}, {"BACKUP DATABASE", true}, {"backup table t", true},
    {"-- nightly\n  Backup database;", true}, {"SNAPSHOT PREPARE", true},
    {"snapshot complete", true}, {"CHECKPOINT CREATE", true}, {"checkpoint release", true}};

// The same statement decorated the ways clients send it: the decision must not change.
std::vector<std::string> Spellings(const std::string& sql) {
  std::string upper = sql, lower = sql;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::vector<std::string> out = {sql, upper, lower, "  \t\n" + sql, "/* a\ncomment */" + sql,
                                  "-- line\n" + sql, sql + "\n-- trailing comment"};
  if (sql.back() != ';') out.push_back(sql + " ;");
  return out;
}

class ReadOnlyRuleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cairo::EngineOptions eo;
    eo.db_root = dir_.Sub("db");
    auto engine = cairo::Engine::Open(core::NewPosixFileSystem(), eo);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value();
  }
  std::unique_ptr<SqlEngine> Sql(bool read_only) {
    SqlOptions so;
    so.worker_threads = 1;
    so.read_only = read_only;
    return std::make_unique<SqlEngine>(engine_.get(), &backup_, so);
  }
  testutil::TempDir dir_;
  std::unique_ptr<cairo::Engine> engine_;
  FakeBackupService backup_;
};

TEST_F(ReadOnlyRuleTest, OneDeciderForEveryStatement) {
  auto sql = Sql(/*read_only=*/true);
  for (const Case& c : kCases) {
    for (const std::string& s : Spellings(c.sql)) {
      auto parsed = ParseStatement(s);
      ASSERT_TRUE(parsed.ok()) << s << ": " << parsed.status().ToString();
      EXPECT_EQ(IsWrite(*parsed), c.is_write) << s;
      auto r = sql->Execute(s);
      const bool refused = !r.ok() && r.status().code() == core::StatusCode::kPermissionDenied;
      EXPECT_EQ(refused, c.is_write) << s << " -> " << (r.ok() ? "ok" : r.status().ToString());
    }
  }
  // Nothing a refused statement would have done happened.
  EXPECT_EQ(backup_.database_calls, 0);
  EXPECT_TRUE(backup_.table_calls.empty());
  EXPECT_TRUE(backup_.snapshot_calls.empty());
  EXPECT_TRUE(engine_->ListTables().empty());
}

// /exp takes queries only: any write is refused before it runs, with /exp's message.
TEST_F(ReadOnlyRuleTest, QueriesOnlyRequestRefusesWritesBeforeRunningThem) {
  auto sql = Sql(/*read_only=*/false);
  ASSERT_TRUE(sql->Execute("create table t (a int)").ok());
  ExecContext ctx;
  ctx.queries_only = "/exp accepts only queries that return rows";
  for (const Case& c : kCases) {
    auto r = sql->Execute(c.sql, ctx);
    if (c.is_write) {
      ASSERT_FALSE(r.ok()) << c.sql;
      EXPECT_EQ(r.status().message(), ctx.queries_only) << c.sql;
      EXPECT_EQ(r.status().position(), 0) << c.sql;
    } else {
      EXPECT_TRUE(r.ok() || r.status().code() != core::StatusCode::kInvalidArgument ||
                  r.status().message() != ctx.queries_only)
          << c.sql;
    }
  }
  auto count = sql->Execute("select count() from t");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(engine_->ListTables(), std::vector<std::string>({"t"}));
  EXPECT_EQ(backup_.database_calls, 0);
  EXPECT_TRUE(backup_.snapshot_calls.empty());
}

// The ordering rule: a statement whose first word is BACKUP is refused in read-only mode, then
// with no backup root, before the rest of it is parsed; other statements are parsed first.
TEST_F(ReadOnlyRuleTest, BackupOrderingRule) {
  const char* disabled =
      "backup is disabled, server.conf property 'cairo.sql.backup.root' is not set";
  backup_.is_enabled = false;
  auto rw = Sql(/*read_only=*/false);
  for (const char* s : {"backup database", "backup something strange", "BACKUP table 't",
                        "/* c */ backup table ../t, (", "backup"}) {
    auto r = rw->Execute(s);
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.status().message(), disabled) << s;
    EXPECT_EQ(r.status().position(), 0) << s;
  }
  auto ro = Sql(/*read_only=*/true);
  for (const char* s : {"backup database", "backup something strange", "BACKUP table 't"}) {
    auto r = ro->Execute(s);
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.status().code(), core::StatusCode::kPermissionDenied) << s;
  }
  // Not a backup: parsed first, so a statement that does not parse gets its syntax error.
  auto r = ro->Execute("insert into");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::StatusCode::kSyntaxError);
  // SNAPSHOT is not subject to the backup root.
  backup_.is_enabled = false;
  EXPECT_TRUE(rw->Execute("snapshot prepare").ok());
  EXPECT_EQ(backup_.snapshot_calls, std::vector<std::string>({"prepare"}));
}

}  // namespace
}  // namespace sundial::sql
