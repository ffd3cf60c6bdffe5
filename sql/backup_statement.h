// sql/backup_statement.h — BACKUP DATABASE / BACKUP TABLE a, b / SNAPSHOT PREPARE|COMPLETE /
// CHECKPOINT CREATE|RELEASE. Recognised before the general parser (QuestDB checks the backup
// root before parsing BACKUP: with no root every BACKUP fails at position 0).
#pragma once

#include <optional>
#include <string_view>

#include "cairo/backup.h"
#include "core/status.h"
#include "sql/result.h"

namespace sundial::sql {

// If `sql` starts with the keyword BACKUP, SNAPSHOT or CHECKPOINT (case-insensitive, after
// whitespace and comments), runs it against `backup` (which may be null: a clear error) and
// returns the result ({"ddl":"OK"} kind, or an error with QuestDB's message and position).
// Returns std::nullopt for any other statement.
std::optional<core::Result<ExecResult>> TryExecuteBackupStatement(std::string_view sql,
                                                                  cairo::BackupService* backup);

}  // namespace sundial::sql
