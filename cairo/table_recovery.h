// cairo/table_recovery.h — brings a table directory back to exactly its committed `_txn` after
// a crash: truncates uncommitted tails of column and symbol files, removes temp files,
// partition directories no txn references, and files of dropped columns. Checks first and
// changes nothing when the files do not hold what the txn says (Corruption).
// Called by Engine::Open before anything else touches the table; not thread-safe.
#pragma once

#include <string>

#include "cairo/txn_file.h"
#include "core/file_system.h"

namespace sundial::cairo {

core::Status RecoverTableFiles(core::FileSystem& fs, const std::string& table_dir,
                               const TxnRecord& record);

}  // namespace sundial::cairo
