// cairo/table_recovery.h — brings a table directory back to exactly its committed `_txn` after
// a crash: truncates uncommitted tails of column and symbol files, removes temp files,
// partition directories no txn references, and files of dropped columns. Checks first and
// changes nothing when the files do not hold what the txn says (Corruption).
// `keep` (optional): another txn record of the table whose files must survive too — a prepared
// snapshot's, while the snapshot is open: its partition versions, column and symbol files are
// kept, truncated no shorter than it needs (and never checked: what it lacks is not an error).
// Called by Engine::Open before anything else touches the table; not thread-safe.
#pragma once

#include <string>

#include "cairo/txn_file.h"
#include "core/file_system.h"

namespace sundial::cairo {

core::Status RecoverTableFiles(core::FileSystem& fs, const std::string& table_dir,
                               const TxnRecord& record, const TxnRecord* keep = nullptr);

}  // namespace sundial::cairo
