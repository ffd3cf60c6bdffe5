// cairo/engine.h — the storage engine: the catalog of tables under `<root>/db/`, writer leases,
// pinned views, structure changes, crash recovery at open, and the purge of partition versions
// no pin needs any more.
//
// Thread-safety: all methods are safe to call from any thread. Structure changes on a table
// take its writer lease internally (waiting up to `lock_timeout_ms`, then Unavailable
// "table busy [table=...]"). Writers are never blocked by readers, backups or snapshots.
//
// On-disk layout of a table (FORMAT.md):
//   db/<table>/_txn                  the committed state: format version, txn, schema,
//                                    partitions (start, rows, name txn), symbol counts; CRC32C.
//                                    Replaced atomically (write tmp, [sync], rename, [sync dir]).
//   db/<table>/<col>.sym             SYMBOL dictionary: append-only [uint32 len][bytes] entries
//   db/<table>/<partition>[.<n>]/<col>.d   column data (fixed size values, or VARCHAR bytes)
//   db/<table>/<partition>[.<n>]/<col>.i   VARCHAR index (row_count+1 uint64, see ColumnData)
// Files may be longer than the committed sizes (an uncommitted tail after a crash); readers and
// backups use only the committed sizes, and open() truncates such tails.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cairo/partition_seal.h"
#include "cairo/table_schema.h"
#include "cairo/table_view.h"
#include "cairo/table_writer.h"
#include "core/file_system.h"
#include "core/status.h"
#include "core/timestamp.h"

namespace sundial::cairo {

enum class CommitMode { kNoSync, kAsync, kSync };  // cairo.commit.mode (QuestDB's values)

struct EngineOptions {
  std::string db_root;  // `<root>/db`; created if missing
  CommitMode commit_mode = CommitMode::kNoSync;
  int64_t lock_timeout_ms = 5000;
  const core::Clock* clock = core::SystemClock::Instance();
  // An out-of-order commit splits a partition entry rather than rewriting it when at least this
  // many of the entry's rows precede the new ones (and they outnumber the rows to merge).
  int64_t o3_split_min_rows = 4096;
  // The `db` directory of a snapshot prepared before this start and not completed yet
  // (`<root>/snapshot/db`; empty: none). Opening keeps every file its tables' `_txn`s need, and
  // the dropped tables, so a copy of the root taken before SNAPSHOT COMPLETE still restores.
  std::string open_snapshot_db;
  // How often a background thread of the engine deletes what no pin needs any more (superseded
  // partition versions, dropped columns and tables), so an idle table does not keep them until
  // its next commit. 0: no background purge (only after commits and on Purge()).
  int64_t purge_interval_ms = 5000;
};

// Totals since the engine opened, for the server's metrics (relaxed reads: each value as of
// some recent instant).
struct EngineCounters {
  uint64_t commits = 0;         // commits that published rows (TableWriter::Commit)
  uint64_t committed_rows = 0;  // rows those commits published
  uint64_t partitions_sealed = 0;        // partitions Engine::SealPartition compressed
  uint64_t sealed_raw_bytes = 0;         // their column files before (uncompressed)
  uint64_t sealed_compressed_bytes = 0;  // and after
};

// The bytes of one table's directory (every file of every partition version still on disk).
struct TableDiskUsage {
  std::string table;
  uint64_t bytes = 0;
};

class Engine {
 public:
  virtual ~Engine() = default;

  // Opens (creating if needed) the db root, recovers every table from any crash (truncates
  // uncommitted tails, removes partition versions and temp files no txn references) and
  // refuses a table whose `_txn` is damaged (Corruption) or of a newer format (Unsupported):
  // such a table is left on disk untouched and reported through BrokenTables(); the others
  // open normally.
  static core::Result<std::unique_ptr<Engine>> Open(std::shared_ptr<core::FileSystem> fs,
                                                    EngineOptions options);

  virtual const EngineOptions& options() const = 0;
  virtual core::FileSystem& fs() const = 0;

  // --- catalog ---
  virtual std::vector<std::string> ListTables() const = 0;  // sorted by name
  virtual bool HasTable(std::string_view name) const = 0;   // case-insensitive, as QuestDB
  // Tables that could not be opened, with the reason.
  virtual std::vector<std::pair<std::string, core::Status>> BrokenTables() const = 0;

  virtual core::Status CreateTable(std::string_view name, const TableSchema& schema) = 0;
  virtual core::Status DropTable(std::string_view name) = 0;
  virtual core::Status RenameTable(std::string_view from, std::string_view to) = 0;

  // --- attaching a table built outside the engine (RESTORE TABLE, cairo/backup_restore.h) ---
  // A new empty directory inside the db root to build a table in: `db/.restore.<n>`. Nothing
  // else reads it; Engine::Open removes such directories (a crashed restore's leftovers).
  virtual core::Result<std::string> CreateStagingDir() = 0;
  // Makes the complete table in `staged_dir` (from CreateStagingDir: a `_txn` and every file it
  // references at exactly its committed state, synced) the table `name`, atomically
  // (INVARIANTS.md 15): the staged `_txn` gets a fresh table id and is checked against its files
  // (RecoverTableFiles: Corruption changes nothing), then the directory is renamed into place
  // and registered. If `name` exists (case-insensitively, broken tables too): AlreadyExists
  // "table already exists [table=name]" unless `replace`; with `replace`, takes the table's
  // writer lease (waiting up to lock_timeout_ms, then Unavailable "table busy [table=...]") and
  // exchanges the two directories in one rename(2) — the table keeps its spelling; views pinned
  // on the old table go on reading it, and its files are deleted once unpinned, as DROP does.
  // Returns the table's name as registered. On success `staged_dir` no longer exists; on
  // failure it is left for the caller to remove, and the catalog and `db/` are unchanged.
  virtual core::Result<std::string> AttachTable(std::string_view name,
                                                const std::string& staged_dir, bool replace) = 0;

  // --- writing ---
  // Waits up to lock_timeout_ms for the table's writer lease ("table busy" after that). A table
  // replaced by AttachTable while we waited: the lease of the table now under that name.
  virtual core::Result<WriterLease> AcquireWriter(std::string_view name) = 0;

  // --- reading ---
  virtual core::Result<TableView> Pin(std::string_view name) const = 0;
  // Pins several tables (all tables if `names` is empty) at one instant: no commit to any of
  // them is published between the first and the last pin. For BACKUP and SNAPSHOT.
  virtual core::Result<std::vector<TableView>> PinAll(
      const std::vector<std::string>& names) const = 0;

  // --- structure changes (each publishes one txn) ---
  virtual core::Status AddColumn(std::string_view table, std::string_view column,
                                 ColumnType type) = 0;
  virtual core::Status DropColumn(std::string_view table, std::string_view column) = 0;
  virtual core::Status RenameColumn(std::string_view table, std::string_view from,
                                    std::string_view to) = 0;
  // Drops the partitions starting at the given times (PartitionFloor values). NotFound for a
  // partition that does not exist; nothing is dropped then.
  virtual core::Status DropPartitions(std::string_view table,
                                      const std::vector<int64_t>& partition_starts) = 0;
  virtual core::Status Truncate(std::string_view table) = 0;
  // CONVERT PARTITION: rewrites the given partitions (PartitionFloor values) compressed, or
  // back uncompressed, as new partition versions in one txn (TableWriterImpl::ConvertPartitions
  // says what is refused). Readers see the same rows either way.
  virtual core::Status ConvertPartitions(std::string_view table,
                                         const std::vector<int64_t>& partition_starts,
                                         bool compress) = 0;

  // Seals one partition (a PartitionFloor value): writes its uncompressed entries compressed
  // without holding the table's writer, then takes the writer only to check that they did not
  // change meanwhile and to publish them (cairo/partition_seal.h says how, and what is
  // refused). A partition that changed during the seal is not published (kChanged).
  virtual core::Result<SealResult> SealPartition(std::string_view table,
                                                 int64_t partition_start_us,
                                                 const SealControl& control = {}) = 0;

  // --- housekeeping ---
  // While paused (SNAPSHOT PREPARE .. COMPLETE), nothing is deleted from disk: not superseded
  // partition versions, not dropped columns or tables. Counted: each Pause needs a Resume.
  // PausePurge returns once a deletion already under way has finished.
  virtual void PausePurge() = 0;
  virtual void ResumePurge() = 0;
  // Deletes what no pin needs any more. Called after each commit (for that table), on the last
  // ResumePurge, and every `purge_interval_ms` by the engine's background thread (started by
  // Open, stopped and joined by the destructor). Only the writer-lease holder deletes a table's
  // files: a table whose lease is taken is skipped and purged on a later tick or commit.
  virtual void Purge() = 0;

  virtual EngineCounters counters() const = 0;
  // Walks every table's directory (sizes of the files, not blocks allocated). A table dropped
  // or renamed during the walk is left out; any other error reading a directory is returned.
  virtual core::Result<std::vector<TableDiskUsage>> DiskUsage() const = 0;
};

}  // namespace sundial::cairo
