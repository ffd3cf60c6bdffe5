// sql/backup_statement.h — running BACKUP DATABASE / BACKUP TABLE a, b / SNAPSHOT PREPARE |
// COMPLETE / CHECKPOINT CREATE | RELEASE against a cairo::BackupService. The statements are
// parsed by the SQL parser (parser.cpp, Statement::Kind::kBackup / kSnapshot) like any other;
// SqlEngine::Execute dispatches them here.
//
// Ordering rule (QuestDB's): with no backup root, a statement whose first word is BACKUP fails
// with "backup is disabled, server.conf property 'cairo.sql.backup.root' is not set" at position
// 0 before the rest of it is parsed, so even `backup something strange` gets that answer. Only
// read-only mode (a BACKUP is a write, IsWrite in ast.h) is decided before it. Thread-safe; the
// service serialises backups itself.
#pragma once

#include <optional>
#include <string_view>

#include "cairo/backup.h"
#include "core/status.h"
#include "sql/ast.h"
#include "sql/result.h"

namespace sundial::sql {

// The ordering rule above: if `sql` starts with the word BACKUP and `backup` is null or has no
// root, QuestDB's "backup is disabled ..." error at 0; otherwise Ok (parse the statement then).
core::Status CheckBackupBeforeParsing(std::string_view sql, const cairo::BackupService* backup);

// VERIFY BACKUP 'name' (kVerifyBackup) answers one row {file, expected, found} per problem of
// that backup (cairo/backup_verify.h), none for a clean one; with no root, "backup is disabled
// ..."; a name outside the root: InvalidArgument at the name.
//
// BACKUP DATABASE ASYNC / BACKUP TABLE a, b ASYNC answer one row {backup_timestamp TIMESTAMP}
// once the backup has started on the service's thread (its errors up to then are the
// synchronous form's); BACKUP ABORT answers one row {status VARCHAR 'aborted' | 'not running',
// backup_id TIMESTAMP, null when not running}. Both are writes (refused in read-only mode).
//
// RESTORE TABLE t FROM BACKUP 'name' [AS t2] [OVERWRITE] (kRestoreTable) runs
// BackupService::RestoreTable (cairo/backup_restore.h) and replies {"ddl":"OK"}; with no root,
// "backup is disabled ..."; its errors point at the statement (0).
//
// Runs a parsed kBackup, kSnapshot, kVerifyBackup or kRestoreTable statement. Tables are checked in the order written (a
// missing one: NotFound "table does not exist [table=x]" at its name); names repeated
// (case-insensitively) are backed up once. Errors of the service keep their code and text and
// point at the statement (0). `backup` may be null: a clear error. Replies {"ddl":"OK"} (kDdl).
core::Result<ExecResult> ExecuteBackupStatement(const Statement& st, cairo::BackupService* backup);

// For tests and tools without a SqlEngine: if the first word of `sql` is BACKUP, SNAPSHOT or
// CHECKPOINT (or VERIFY, RESTORE), applies the ordering rule, parses `sql` with the SQL parser and runs it; returns
// std::nullopt for any other statement.
std::optional<core::Result<ExecResult>> TryExecuteBackupStatement(std::string_view sql,
                                                                  cairo::BackupService* backup);

}  // namespace sundial::sql
