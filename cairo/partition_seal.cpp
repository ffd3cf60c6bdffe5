#include "cairo/partition_seal.h"

#include <algorithm>
#include <climits>
#include <memory>

#include "cairo/commit_job.h"
#include "cairo/compressed_column.h"
#include "cairo/table_handle.h"
#include "cairo/table_writer_impl.h"
#include "core/log.h"
#include "core/timestamp.h"
#include "core/worker_pool.h"

namespace sundial::cairo {
namespace {

// A staging directory is `<entry dir>.seal.tmp`: never a partition directory name, so no
// commit picks it, and referenced by no `_txn`, so recovery removes a crash's leftover.
constexpr char kStagingSuffix[] = ".seal.tmp";

// The first column without a compressed layout, as "name TYPE"; empty when there is none.
std::string UnsupportedColumn(const TableSchema& schema) {
  for (const ColumnDef& c : schema.columns) {
    if (!HasCompressedLayout(c.type)) return c.name + " " + std::string(ColumnTypeName(c.type));
  }
  return {};
}

}  // namespace

SealCandidates ChooseSealCandidates(const TableSchema& schema,
                                    const std::vector<PartitionInfo>& partitions, int64_t now_us,
                                    int64_t after_us) {
  SealCandidates out;
  if (schema.partition_by == PartitionBy::kNone || schema.timestamp_index < 0 ||
      partitions.empty()) {
    return out;
  }
  out.unsupported_column = UnsupportedColumn(schema);
  if (!out.unsupported_column.empty()) return out;
  after_us = std::max<int64_t>(after_us, 0);
  const int64_t cutoff = now_us < INT64_MIN + after_us ? INT64_MIN : now_us - after_us;
  const int64_t newest = partitions.back().partition_start_us;
  // Entries are ordered by time: the entries of one partition are adjacent.
  for (const PartitionInfo& p : partitions) {
    if (p.partition_start_us == newest || p.is_compressed) continue;
    if (PartitionNext(schema.partition_by, p.partition_start_us) > cutoff) continue;
    if (!out.partition_starts.empty() && out.partition_starts.back() == p.partition_start_us) {
      continue;
    }
    out.partition_starts.push_back(p.partition_start_us);
  }
  return out;
}

namespace {

// The uncompressed entries of the partition, or why it cannot be sealed.
core::Result<std::vector<size_t>> EntriesToSeal(const TxnRecord& rec, int64_t partition_start_us,
                                                const std::string& table) {
  const std::string where = " [table=" + table + ", partition=" +
                            PartitionName(rec.schema.partition_by, partition_start_us) + "]";
  if (rec.schema.partition_by == PartitionBy::kNone || rec.schema.timestamp_index < 0 ||
      rec.partitions.empty()) {
    return core::Status::InvalidArgument("cannot seal a partition of a table without partitions" +
                                         where);
  }
  if (std::string column = UnsupportedColumn(rec.schema); !column.empty()) {
    return core::Status::Unsupported("no compressed layout for column " + column + where);
  }
  if (partition_start_us == rec.partitions.back().partition_start_us) {
    return core::Status::InvalidArgument("cannot seal the active partition" + where);
  }
  std::vector<size_t> entries;
  bool is_found = false;
  for (size_t e = 0; e < rec.partitions.size(); ++e) {
    if (rec.partitions[e].partition_start_us != partition_start_us) continue;
    is_found = true;
    if (!rec.partitions[e].is_compressed) entries.push_back(e);
  }
  if (!is_found) return core::Status::NotFound("partition does not exist" + where);
  return entries;
}

// Step 1 (no lease): writes every uncompressed entry of the partition into its staging
// directory from the pinned state. `staged` lists the directories made, also on error.
core::Status StageEntries(TableHandle& table, const TableView::State& pinned,
                          const std::vector<size_t>& entries, const SealControl& control,
                          std::vector<TableWriterImpl::StagedEntry>* staged, SealResult* result) {
  TableFiles& files = *table.files();
  const EngineOptions& options = table.engine().options;
  const bool sync = options.commit_mode == CommitMode::kSync;
  CommitJob job(files, pinned, sync, options.o3_split_min_rows);
  for (size_t e : entries) {
    const PartitionInfo& from = pinned.record.partitions[e];
    const std::string dir = from.dir_name + kStagingSuffix;
    RETURN_IF_ERROR(files.fs().RemoveAll(files.Path(dir)));  // a failed attempt's leftover
    RETURN_IF_ERROR(files.fs().CreateDir(files.Path(dir)));
    staged->push_back({from, dir});
    CommitJob::ConvertedBytes bytes;
    RETURN_IF_ERROR(job.WriteConvertedFiles(e, true, dir, &bytes, control.cancel));
    if (sync) RETURN_IF_ERROR(files.fs().SyncDir(files.Path(dir)));
    result->raw_bytes += bytes.raw_bytes;
    result->compressed_bytes += bytes.written_bytes;
  }
  return core::Status::Ok();
}

void RemoveStaged(TableHandle& table, const std::vector<TableWriterImpl::StagedEntry>& staged) {
  TableFiles& files = *table.files();
  for (const auto& s : staged) {
    core::Status st = files.fs().RemoveAll(files.Path(s.staged_dir));
    if (!st.ok()) {
      core::LogWarn("could not remove staged partition files [path=" + files.Path(s.staged_dir) +
                    ", error=" + st.ToString() + "]");
    }
  }
}

}  // namespace

core::Result<SealResult> SealPartitionStaged(TableHandle& table, int64_t partition_start_us,
                                             const SealControl& control) {
  SealResult result;
  // The first tidy after an open removes directories no txn references: not under our feet.
  if (table.needs_tidy()) {
    result.outcome = SealOutcome::kTableNotTidy;
    return result;
  }
  std::shared_ptr<const TableView::State> pinned = table.Current();
  const std::string name = table.name();
  if (pinned == nullptr) {
    return core::Status::NotFound("table does not exist [table=" + name + "]");
  }
  const TxnRecord& rec = pinned->record;
  ASSIGN_OR_RETURN(std::vector<size_t> entries, EntriesToSeal(rec, partition_start_us, name));
  if (entries.empty()) return result;

  std::vector<TableWriterImpl::StagedEntry> staged;
  // Whatever the standard library throws (out of memory) is an error here, so that nothing
  // staged is left behind and the lease below is always given back.
  core::Status st;
  core::Status guard = core::RunGuarded("partition seal", [&] {
    st = StageEntries(table, *pinned, entries, control, &staged, &result);
  });
  if (!guard.ok()) st = guard;
  if (!st.ok()) {
    RemoveStaged(table, staged);
    return st;
  }
  std::vector<std::string> stems;
  for (const ColumnState& cs : rec.columns) stems.push_back(cs.file_stem);
  pinned.reset();  // the old version may be purged as soon as the seal is published
  if (control.before_publish) control.before_publish();

  // Step 2 (lease): check and publish.
  auto writer = table.Acquire(table.engine().options.lock_timeout_ms);
  if (!writer.ok()) {
    RemoveStaged(table, staged);
    return writer.status();
  }
  const int64_t leased_at_us = core::MonotonicMicros();
  bool is_current = false;
  guard = core::RunGuarded("partition seal", [&] {
    st = (*writer)->PublishStagedEntries(staged, stems, true, &is_current);
    result.txn = table.Current() ? table.Current()->record.txn : 0;
  });
  if (!guard.ok()) st = guard;
  (*writer)->Rollback();
  table.Release();
  result.lease_held_us = core::MonotonicMicros() - leased_at_us;
  if (!is_current || !st.ok()) {
    // Adopted directories were renamed (published) or removed by the job's undo; what is
    // left under a staging name goes.
    RemoveStaged(table, staged);
    if (!st.ok()) return st;
    result.outcome = SealOutcome::kChanged;
    return result;
  }
  result.outcome = SealOutcome::kSealed;
  result.entries = static_cast<int>(staged.size());
  EngineShared& shared = table.engine();
  shared.partitions_sealed.fetch_add(1, std::memory_order_relaxed);
  shared.sealed_raw_bytes.fetch_add(result.raw_bytes, std::memory_order_relaxed);
  shared.sealed_compressed_bytes.fetch_add(result.compressed_bytes, std::memory_order_relaxed);
  return result;
}

}  // namespace sundial::cairo
