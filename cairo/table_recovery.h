// cairo/table_recovery.h — brings a table directory back to exactly its committed `_txn` after
// a crash: truncates uncommitted tails of column and symbol files, removes temp files,
// partition directories no txn references, and files of dropped columns. Checks first and
// changes nothing when the files do not hold what the txn says (Corruption).
// `keep` (optional): another txn record of the table whose files must survive too — a prepared
// snapshot's, while the snapshot is open: its partition versions, column and symbol files are
// kept, truncated no shorter than it needs (and never checked: what it lacks is not an error).
// Called by Engine::Open before anything else touches the table; not thread-safe.
//
// `scope`: kAll looks into every partition entry. kNewestEntry (Engine::Open, so start-up does
// not grow with the number of partitions) checks the table directory — `_txn.tmp` and other
// `*.tmp`, `.sym` tails, partition directories no entry names, every entry's directory present
// — and only the newest entry's files: the only entry a commit appends to, so the only one in
// which a crash can leave a tail, a temp file or a file of an unpublished column (INVARIANTS.md
// 1). What older entries can hold past their committed state is not left by a crash but by
// design — the tail of an entry cut by an out-of-order split, kept while older pins read it;
// the files of a column dropped just before a restart, which purge had not yet deleted — and no
// reader or writer ever looks past an entry's committed rows or at a column the record does
// not list, so TableHandle::TidySome removes those later, in the background, a few entries at a
// time (TidyEntry). A missing or short file of an older entry is found when a query first maps it
// (TableView::Column: Corruption). With `keep`, the scope is always kAll.
#pragma once

#include <string>

#include "cairo/txn_file.h"
#include "core/file_system.h"

namespace sundial::cairo {

enum class RecoveryScope { kAll, kNewestEntry };

core::Status RecoverTableFiles(core::FileSystem& fs, const std::string& table_dir,
                               const TxnRecord& record, const TxnRecord* keep = nullptr,
                               RecoveryScope scope = RecoveryScope::kAll);

// What kAll does for one partition entry `entry` of `record`, and nothing at the table directory
// level: truncates the entry's column files past their committed sizes and removes files in its
// directory the record does not give it (`*.tmp`, files of dropped or unpublished columns).
// Checks first and changes nothing when the entry's files do not hold what the record says
// (Corruption naming the file). The caller holds the table's writer lease, so no commit writes
// meanwhile, and knows that no pin older than `record` is live.
core::Status TidyEntry(core::FileSystem& fs, const std::string& table_dir, const TxnRecord& record,
                       size_t entry);

}  // namespace sundial::cairo
