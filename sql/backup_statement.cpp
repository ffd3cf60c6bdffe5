// BACKUP / SNAPSHOT / CHECKPOINT: the ordering rule that comes before parsing, and running the
// parsed statements. Positions are 0-based byte offsets into the statement text, as in
// QuestDB's error replies.
#include "sql/backup_statement.h"

#include <algorithm>
#include <string>
#include <vector>

#include "sql/lexer.h"
#include "sql/parser.h"

namespace sundial::sql {
namespace {

constexpr char kBackupDisabled[] =
    "backup is disabled, server.conf property 'cairo.sql.backup.root' is not set";

// Execution errors keep their code and message; they point at the statement start unless
// they already carry a position (QuestDB reports CairoExceptions at 0).
core::Status AtStatement(const core::Status& st) {
  return st.position() >= 0 ? st : st.WithPosition(0);
}

core::Result<ExecResult> Ddl() {
  ExecResult r;
  r.kind = StatementKind::kDdl;
  return r;
}

// One row of TIMESTAMP and VARCHAR cells: the replies of BACKUP ... ASYNC and BACKUP ABORT.
class OneRow final : public RowSource {
 public:
  struct Cell {
    cairo::ColumnType type;
    int64_t value = 0;  // TIMESTAMP
    std::string text;   // VARCHAR
    bool is_null = false;
  };
  OneRow(std::vector<ResultColumn> columns, std::vector<Cell> cells)
      : columns_(std::move(columns)), cells_(std::move(cells)) {}
  const std::vector<ResultColumn>& columns() const override { return columns_; }
  int timestamp_index() const override { return -1; }
  core::Result<bool> Next(ResultBlock* block, size_t) override {
    block->Clear();
    block->columns.resize(cells_.size());
    if (done_) return false;
    done_ = true;
    for (size_t i = 0; i < cells_.size(); ++i) {
      ResultVector& v = block->columns[i];
      v.type = cells_[i].type;
      if (v.type == cairo::ColumnType::kVarchar) {
        v.strings.push_back(block->arena.emplace_back(cells_[i].text));
      } else {
        v.longs.push_back(cells_[i].value);
      }
      v.nulls.push_back(cells_[i].is_null ? 1 : 0);
    }
    block->row_count = 1;
    return true;
  }

 private:
  std::vector<ResultColumn> columns_;
  std::vector<OneRow::Cell> cells_;
  bool done_ = false;
};

core::Result<ExecResult> Rows(std::unique_ptr<RowSource> rows) {
  ExecResult r;
  r.kind = StatementKind::kQuery;
  r.rows = std::move(rows);
  return r;
}

// BACKUP ... ASYNC's reply (QuestDB Enterprise's): one row, backup_timestamp.
core::Result<ExecResult> AsyncStarted(const core::Result<int64_t>& id) {
  if (!id.ok()) return AtStatement(id.status());
  return Rows(std::make_unique<OneRow>(
      std::vector<ResultColumn>{{"backup_timestamp", cairo::ColumnType::kTimestamp}},
      std::vector<OneRow::Cell>{{cairo::ColumnType::kTimestamp, *id, "", false}}));
}

// BACKUP ABORT: one row, status ('aborted' / 'not running') and backup_id (its timestamp).
core::Result<ExecResult> RunAbort(cairo::BackupService* backup) {
  cairo::BackupAbortResult a = backup->AbortBackup();
  return Rows(std::make_unique<OneRow>(
      std::vector<ResultColumn>{{"status", cairo::ColumnType::kVarchar},
                                {"backup_id", cairo::ColumnType::kTimestamp}},
      std::vector<OneRow::Cell>{
          {cairo::ColumnType::kVarchar, 0, a.aborted ? "aborted" : "not running", false},
          {cairo::ColumnType::kTimestamp, a.backup_id, "", !a.aborted}}));
}

core::Result<ExecResult> RunBackup(const BackupStmt& b, cairo::BackupService* backup) {
  if (backup == nullptr || !backup->enabled()) {
    return core::Status::InvalidArgument(kBackupDisabled, 0);
  }
  if (b.abort) return RunAbort(backup);
  if (b.database) {
    if (b.async) return AsyncStarted(backup->StartBackupDatabaseAsync());
    auto r = backup->BackupDatabase();
    if (!r.ok()) return AtStatement(r.status());
    return Ddl();
  }
  std::vector<std::string> tables;
  for (size_t i = 0; i < b.tables.size(); ++i) {
    const std::string& name = b.tables[i];
    if (!backup->HasTable(name)) {
      return core::Status::NotFound("table does not exist [table=" + name + "]",
                                    b.table_positions[i]);
    }
    bool is_duplicate = std::any_of(tables.begin(), tables.end(), [&](const std::string& s) {
      return EqualsIgnoreCase(s, name);
    });
    if (!is_duplicate) tables.push_back(name);
  }
  if (b.async) return AsyncStarted(backup->StartBackupTablesAsync(tables));
  auto r = backup->BackupTables(tables);
  if (!r.ok()) return AtStatement(r.status());
  return Ddl();
}

core::Result<ExecResult> RunSnapshot(const SnapshotStmt& s, cairo::BackupService* backup) {
  if (backup == nullptr) {
    return core::Status::Unsupported(s.checkpoint ? "checkpoint is not available on this server"
                                                  : "snapshot is not available on this server",
                                     0);
  }
  core::Status st = s.prepare ? backup->SnapshotPrepare(s.checkpoint)
                              : backup->SnapshotComplete(s.checkpoint);
  if (!st.ok()) return AtStatement(st);
  return Ddl();
}

// The rows of VERIFY BACKUP: file, expected, found (VARCHAR), one per problem.
class ProblemRows final : public RowSource {
 public:
  explicit ProblemRows(std::vector<cairo::BackupProblem> problems)
      : problems_(std::move(problems)),
        columns_({{"file", cairo::ColumnType::kVarchar},
                  {"expected", cairo::ColumnType::kVarchar},
                  {"found", cairo::ColumnType::kVarchar}}) {}
  const std::vector<ResultColumn>& columns() const override { return columns_; }
  int timestamp_index() const override { return -1; }
  core::Result<bool> Next(ResultBlock* block, size_t max_rows) override {
    block->Clear();
    block->columns.resize(3);
    for (auto& c : block->columns) c.type = cairo::ColumnType::kVarchar;
    while (next_ < problems_.size() && block->row_count < std::max<size_t>(max_rows, 1)) {
      const cairo::BackupProblem& p = problems_[next_++];
      for (int i = 0; i < 3; ++i) {
        const std::string& v = i == 0 ? p.file : i == 1 ? p.expected : p.found;
        block->columns[i].strings.push_back(block->arena.emplace_back(v));
        block->columns[i].nulls.push_back(0);
      }
      block->row_count++;
    }
    return block->row_count > 0;
  }

 private:
  std::vector<cairo::BackupProblem> problems_;
  std::vector<ResultColumn> columns_;
  size_t next_ = 0;
};

core::Result<ExecResult> RunVerify(const VerifyBackupStmt& v, cairo::BackupService* backup) {
  if (backup == nullptr || !backup->enabled()) {
    return core::Status::InvalidArgument(kBackupDisabled, 0);
  }
  auto problems = backup->VerifyNamed(v.name);
  if (!problems.ok()) {
    const core::Status& st = problems.status();
    // A bad name points at the name; anything else at the statement.
    return st.code() == core::StatusCode::kInvalidArgument ||
                   st.code() == core::StatusCode::kNotFound
               ? st.WithPosition(v.name_pos)
               : AtStatement(st);
  }
  ExecResult r;
  r.kind = StatementKind::kQuery;
  r.rows = std::make_unique<ProblemRows>(std::move(*problems));
  return r;
}

// RESTORE TABLE: errors of the restore keep their code and text; those about one of the
// statement's names point at that name (the texts are cairo/backup_restore.h's and
// cairo/backup_verify.h's), any other at the statement.
core::Status AtRestoreName(const RestoreTableStmt& r, const core::Status& st) {
  const std::string_view m = st.message();
  auto starts = [&](std::string_view p) { return m.substr(0, p.size()) == p; };
  if (starts("table already exists") || starts("table busy")) return st.WithPosition(r.target_pos);
  if (starts("table is not in the backup")) return st.WithPosition(r.table_pos);
  if (starts("backup does not exist") || starts("backup name")) {
    return st.WithPosition(r.backup_pos);
  }
  return AtStatement(st);
}

core::Result<ExecResult> RunRestore(const RestoreTableStmt& r, cairo::BackupService* backup) {
  if (backup == nullptr || !backup->enabled()) {
    return core::Status::InvalidArgument(kBackupDisabled, 0);
  }
  cairo::RestoreTableRequest request;
  request.backup = r.backup;
  request.table = r.table;
  request.target = r.target;
  request.overwrite = r.overwrite;
  auto restored = backup->RestoreTable(request);
  if (!restored.ok()) return AtRestoreName(r, restored.status());
  return Ddl();
}

}  // namespace

core::Status CheckBackupBeforeParsing(std::string_view sql, const cairo::BackupService* backup) {
  if (!StartsWithKeyword(sql, "backup")) return core::Status::Ok();
  if (backup == nullptr || !backup->enabled()) {
    return core::Status::InvalidArgument(kBackupDisabled, 0);
  }
  return core::Status::Ok();
}

core::Result<ExecResult> ExecuteBackupStatement(const Statement& st, cairo::BackupService* backup) {
  if (st.kind == Statement::Kind::kBackup) return RunBackup(*st.backup, backup);
  if (st.kind == Statement::Kind::kSnapshot) return RunSnapshot(*st.snapshot, backup);
  if (st.kind == Statement::Kind::kVerifyBackup) return RunVerify(*st.verify_backup, backup);
  if (st.kind == Statement::Kind::kRestoreTable) return RunRestore(*st.restore_table, backup);
  return core::Status::Internal("not a BACKUP, SNAPSHOT, CHECKPOINT or VERIFY BACKUP statement");
}

std::optional<core::Result<ExecResult>> TryExecuteBackupStatement(std::string_view sql,
                                                                  cairo::BackupService* backup) {
  if (!StartsWithKeyword(sql, "backup") && !StartsWithKeyword(sql, "snapshot") &&
      !StartsWithKeyword(sql, "checkpoint") && !StartsWithKeyword(sql, "verify") &&
      !StartsWithKeyword(sql, "restore")) {
    return std::nullopt;
  }
  core::Status before = CheckBackupBeforeParsing(sql, backup);
  if (!before.ok()) return core::Result<ExecResult>(before);
  auto st = ParseStatement(sql);
  if (!st.ok()) return core::Result<ExecResult>(st.status());
  return ExecuteBackupStatement(*st, backup);
}

}  // namespace sundial::sql
