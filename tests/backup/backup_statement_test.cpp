// Parsing, dispatch, error texts and positions of BACKUP / SNAPSHOT / CHECKPOINT statements
// (questdb-facts.md 1.3 and 2.1), against a recording fake BackupService.
#include "sql/backup_statement.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

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

}  // namespace
}  // namespace sundial::sql
