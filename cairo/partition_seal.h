// cairo/partition_seal.h — sealing a cold partition: rewriting its entries compressed
// (`<stem>.z`, FORMAT.md "Compressed column files") without holding the table's writer for the
// expensive part, and the rule that says which partitions are cold
// (`cairo.partition.compress.after`). The background job that applies the rule is
// cairo/partition_sealer.h; the SQL path (ALTER TABLE ... CONVERT PARTITION) is
// TableWriterImpl::ConvertPartitions.
//
// How a seal runs (SealPartitionStaged):
//  1. Pin the current txn. Each entry of the partition that is not compressed yet is written
//     compressed into a staging directory `<entry dir>.seal.tmp` of the table, from the pinned
//     files, as any reader reads them. No lease is held: commits, O3 rewrites, UPDATEs go on.
//  2. Take the writer lease (waiting up to EngineOptions::lock_timeout_ms) and check that the
//     table still holds those entries unchanged (TableWriterImpl::PublishStagedEntries). If
//     so, rename each staging directory to a fresh `<partition>.<n>` and publish one txn; the
//     old versions become garbage as after an O3 rewrite. If anything changed meanwhile
//     (rows appended, the entry rewritten, split or dropped, a column added or dropped, the
//     partition became the newest), nothing is published and the staged files are removed: a
//     later pass tries again from the new state. The lease is held only for the check, the
//     renames and the publish.
//  A crash leaves at most a staging directory, which no `_txn` references: Engine::Open's
//  recovery removes it (so does the first background tidy after an open; a seal that meets a
//  table still waiting for that tidy does not start).
//
// Thread-safety: the functions are thread-safe; one seal of a table at a time is the caller's
// rule (the sealer runs one at a time).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cairo/table_schema.h"
#include "cairo/table_view.h"
#include "core/status.h"

namespace sundial::cairo {

class TableHandle;

// Which partitions of a table (`schema` and the entries of its txn) are cold at `now_us` with
// `cairo.partition.compress.after` = `after_us` (>= 0): a partition qualifies when the table is
// partitioned (not NONE) with a designated timestamp, the partition is not the table's newest (that
// one takes in-order appends), its end (the start of the next partition) is at or before now_us -
// after_us, and one of its entries is not compressed yet. None qualifies when a column type has no
// compressed layout (HasCompressedLayout): `unsupported_column` then names the first such
// column ("name TYPE").
struct SealCandidates {
  std::vector<int64_t> partition_starts;  // ascending
  std::string unsupported_column;
};
SealCandidates ChooseSealCandidates(const TableSchema& schema,
                                    const std::vector<PartitionInfo>& partitions, int64_t now_us,
                                    int64_t after_us);

enum class SealOutcome {
  kSealed,        // published: the partition's entries are compressed
  kNothingToDo,   // every entry of the partition is compressed already
  kChanged,       // the partition or the columns changed during the seal; nothing published
  kTableNotTidy,  // the table waits for its first background tidy after open; try later
};

struct SealResult {
  SealOutcome outcome = SealOutcome::kNothingToDo;
  int entries = 0;                // entries sealed
  uint64_t raw_bytes = 0;         // their column files uncompressed (`.d` + `.i`)
  uint64_t compressed_bytes = 0;  // the `.z` files written
  uint64_t txn = 0;               // the txn that published them (kSealed)
  int64_t lease_held_us = 0;      // how long the table's writer was held (check + publish)
};

struct SealControl {
  // Set to stop a seal in progress (server shutdown): it ends with Cancelled between columns,
  // removing what it staged.
  const std::atomic<bool>* cancel = nullptr;
  // Tests: runs after the files are staged, before the lease is taken.
  std::function<void()> before_publish;
};

// Engine::SealPartition's work on an open table. Errors (nothing published, staged files
// removed): NotFound (no such partition), InvalidArgument (the newest partition, a table
// without partitions), Unsupported (a column type without a compressed layout), Unavailable
// (the lease stayed busy), Cancelled, and what reading or writing the files returned.
core::Result<SealResult> SealPartitionStaged(TableHandle& table, int64_t partition_start_us,
                                             const SealControl& control);

}  // namespace sundial::cairo
