#include "cairo/commit_job.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <numeric>

#include "cairo/compressed_column.h"
#include "core/log.h"

namespace sundial::cairo {
namespace {

// Bytes for one column's output that are written in full before they are read, so never
// zeroed. Up to 16 MiB stays allocated per thread between uses: the out-of-order merges of a
// busy table then write into warm pages rather than fault fresh ones in (and a bigger or a
// nested request gets its own allocation).
class ScratchBytes {
 public:
  explicit ScratchBytes(size_t n) {
    if (n <= kKeep && !in_use_) {
      if (cap_ < n) {
        kept_.reset(new uint8_t[n]);
        cap_ = n;
      }
      in_use_ = true;
      borrowed_ = true;
      data_ = kept_.get();
    } else {
      own_.reset(new uint8_t[n]);
      data_ = own_.get();
    }
  }
  ~ScratchBytes() {
    if (borrowed_) in_use_ = false;
  }
  ScratchBytes(const ScratchBytes&) = delete;
  ScratchBytes& operator=(const ScratchBytes&) = delete;
  uint8_t* data() { return data_; }

 private:
  static constexpr size_t kKeep = size_t{16} << 20;
  static thread_local std::unique_ptr<uint8_t[]> kept_;
  static thread_local size_t cap_;
  static thread_local bool in_use_;
  std::unique_ptr<uint8_t[]> own_;
  uint8_t* data_ = nullptr;
  bool borrowed_ = false;
};
thread_local std::unique_ptr<uint8_t[]> ScratchBytes::kept_;
thread_local size_t ScratchBytes::cap_ = 0;
thread_local bool ScratchBytes::in_use_ = false;

constexpr uint64_t kNullBit = ColumnData::kNullBit;
constexpr uint64_t kMask = ColumnData::kOffsetMask;

inline uint64_t EntryAt(const PendingColumnView& c, int64_t row) {
  uint64_t e;
  std::memcpy(&e, c.data + row * 8, 8);
  return e;
}
inline uint64_t StartAt(const PendingColumnView& c, int64_t row) {
  return row == 0 ? 0 : EntryAt(c, row - 1) & kMask;
}

template <typename T>
void GatherTyped(const uint8_t* src, const uint32_t* idx, int64_t n, uint8_t* out) {
  const T* s = reinterpret_cast<const T*>(src);
  T* o = reinterpret_cast<T*>(out);
  for (int64_t k = 0; k < n; ++k) o[k] = s[idx[k]];
}

void Gather(int width, const uint8_t* src, const uint32_t* idx, int64_t n, uint8_t* out) {
  switch (width) {
    case 1:
      GatherTyped<uint8_t>(src, idx, n, out);
      break;
    case 2:
      GatherTyped<uint16_t>(src, idx, n, out);
      break;
    case 4:
      GatherTyped<uint32_t>(src, idx, n, out);
      break;
    default:
      GatherTyped<uint64_t>(src, idx, n, out);
      break;
  }
}

// Merged row k comes from the committed partition (order[k] >= 0, its row) or from the batch
// (order[k] < 0, batch row -order[k]-1).
template <typename T>
void MergeTyped(const ColumnData& ex, const uint8_t* batch, const std::vector<int64_t>& order,
                ColumnType type, uint8_t* out) {
  T null_value;
  WriteNullValue(type, &null_value);
  const T* e = ex.is_all_null ? nullptr : ex.values<T>();
  const T* b = reinterpret_cast<const T*>(batch);
  T* o = reinterpret_cast<T*>(out);
  for (size_t k = 0; k < order.size(); ++k) {
    int64_t r = order[k];
    o[k] = r >= 0 ? (e != nullptr ? e[r] : null_value) : b[-r - 1];
  }
}

void MergeFixed(int width, const ColumnData& ex, const uint8_t* batch,
                const std::vector<int64_t>& order, ColumnType type, uint8_t* out) {
  switch (width) {
    case 1:
      MergeTyped<uint8_t>(ex, batch, order, type, out);
      break;
    case 2:
      MergeTyped<uint16_t>(ex, batch, order, type, out);
      break;
    case 4:
      MergeTyped<uint32_t>(ex, batch, order, type, out);
      break;
    default:
      MergeTyped<uint64_t>(ex, batch, order, type, out);
      break;
  }
}

}  // namespace

CommitJob::CommitJob(TableFiles& files, const TableView::State& committed, bool sync,
                     int64_t split_min_rows)
    : files_(files), committed_(committed), sync_(sync), split_min_rows_(split_min_rows) {}

core::Status CommitJob::WriteRows(const PendingBatch& b, TxnRecord* record,
                                  std::vector<std::string>* superseded) {
  const int64_t n = b.row_count;
  if (n == 0) return core::Status::Ok();
  auto& parts = record->partitions;
  const PartitionBy by = record->schema.partition_by;
  const uint64_t txn = record->txn;
  const int64_t* ts = b.timestamps;
  stems_.clear();
  for (const auto& c : record->columns) stems_.push_back(c.file_stem);

  if (ts == nullptr) {  // no designated timestamp: one partition, always appended
    RowSel all{nullptr, 0, n};
    if (parts.empty()) {
      PartitionInfo p;
      RETURN_IF_ERROR(NewPartition(&p, b, all, txn));
      parts.push_back(std::move(p));
      return core::Status::Ok();
    }
    if (parts.back().is_compressed) {
      return core::Status::Internal("compressed partition entry of a table without a timestamp");
    }
    return AppendRows(&parts.back(), b, all);
  }

  // In order: every row at or after the table's newest timestamp, in ascending order.
  // (A compressed newest entry, left newest by DROP PARTITION, is rewritten, never appended to.)
  if (b.is_sorted && (parts.empty() || (b.min_timestamp_us >= parts.back().max_timestamp_us &&
                                        !parts.back().is_compressed))) {
    int64_t i = 0;
    while (i < n) {
      int64_t start = PartitionFloor(by, ts[i]);
      int64_t next = PartitionNext(by, start);
      int64_t j = std::lower_bound(ts + i, ts + n, next) - ts;
      RowSel sel{nullptr, i, j};
      if (!parts.empty() && parts.back().partition_start_us == start) {
        RETURN_IF_ERROR(AppendRows(&parts.back(), b, sel));
      } else {
        PartitionInfo p;
        p.partition_start_us = start;
        RETURN_IF_ERROR(NewPartition(&p, b, sel, txn));
        parts.push_back(std::move(p));
      }
      i = j;
    }
    return core::Status::Ok();
  }

  // Out of order: stable sort (arrival order kept for equal timestamps), then per partition
  // append (newest partition, rows not older than it), rewrite (new version) or create.
  std::vector<uint32_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0u);
  if (!b.is_sorted) {
    std::stable_sort(order.begin(), order.end(),
                     [ts](uint32_t x, uint32_t y) { return ts[x] < ts[y]; });
  }
  // A partition may be held by several entries ("splits", see RewritePartition): entries of
  // one partition are adjacent, ordered by time, and each later one starts at or after the
  // end of the one before. Rows go to the last entry starting at or before them (the first
  // entry for older rows).
  int64_t i = 0;
  while (i < n) {
    const int64_t t0 = ts[order[i]];
    const int64_t start = PartitionFloor(by, t0);
    const int64_t next = PartitionNext(by, start);
    auto first = std::lower_bound(
        parts.begin(), parts.end(), start,
        [](const PartitionInfo& p, int64_t s) { return p.partition_start_us < s; });
    auto last = first;
    while (last != parts.end() && last->partition_start_us == start) ++last;
    if (first == last) {
      int64_t j = std::partition_point(order.begin() + i, order.end(),
                                       [&](uint32_t r) { return ts[r] < next; }) -
                  order.begin();
      PartitionInfo p;
      p.partition_start_us = start;
      RETURN_IF_ERROR(NewPartition(&p, b, RowSel{order.data(), i, j}, txn));
      parts.insert(first, std::move(p));
      i = j;
      continue;
    }
    auto e = first;
    for (auto it = first + 1; it != last; ++it) {
      if (it->min_timestamp_us <= t0) e = it;
    }
    const int64_t limit = e + 1 != last ? (e + 1)->min_timestamp_us : next;
    int64_t j = std::partition_point(order.begin() + i, order.end(),
                                     [&](uint32_t r) { return ts[r] < limit; }) -
                order.begin();
    RowSel sel{order.data(), i, j};
    if (e + 1 == parts.end() && t0 >= e->max_timestamp_us && !e->is_compressed) {
      RETURN_IF_ERROR(AppendRows(&*e, b, sel));
    } else {
      // Every entry this commit writes to is taken whole in one step, so `e` is still the
      // committed entry of that directory.
      const auto& cparts = committed_.record.partitions;
      auto cit = std::find_if(cparts.begin(), cparts.end(),
                              [&](const PartitionInfo& p) { return p.dir_name == e->dir_name; });
      if (cit == cparts.end())
        return core::Status::Internal("partition missing from committed state");
      // A compressed entry cannot be cut (its files hold exactly its rows): merged whole.
      const bool may_split = (last - first) < kMaxPartitionSplits && !e->is_compressed;
      PartitionInfo split;
      bool did_split = false;
      const std::string old_dir = e->dir_name;
      RETURN_IF_ERROR(RewritePartition(static_cast<size_t>(cit - cparts.begin()), &*e, b, sel, txn,
                                       may_split, &split, &did_split));
      if (did_split) {
        parts.insert(e + 1, std::move(split));
      } else {
        superseded->push_back(old_dir);
      }
    }
    i = j;
  }
  return core::Status::Ok();
}

core::Status CommitJob::AppendRows(PartitionInfo* part, const PendingBatch& b, RowSel rows,
                                   bool is_new_dir) {
  for (size_t c = 0; c < b.columns.size(); ++c) {
    RETURN_IF_ERROR(AppendColumn(*part, static_cast<int>(c), b, rows, is_new_dir));
  }
  if (b.timestamps != nullptr) {
    int64_t first = b.timestamps[rows.at(0)];
    int64_t last = b.timestamps[rows.at(rows.size() - 1)];
    if (part->row_count == 0 || first < part->min_timestamp_us) part->min_timestamp_us = first;
    if (part->row_count == 0 || last > part->max_timestamp_us) part->max_timestamp_us = last;
  }
  part->row_count += rows.size();
  return core::Status::Ok();
}

core::Status CommitJob::AppendColumn(const PartitionInfo& part, int col, const PendingBatch& b,
                                     RowSel rows, bool is_new_dir) {
  const PendingColumnView& c = b.columns[col];
  const std::string base = part.dir_name + "/" + stems_[col];
  const int64_t committed_rows = part.row_count;
  const int64_t n = rows.size();
  if (!is_new_dir && committed_rows > 0) RETURN_IF_ERROR(EnsureColumnFile(part, col, c.type));

  if (!IsVarSize(c.type)) {
    const int w = ColumnTypeSize(c.type);
    const uint64_t offset = static_cast<uint64_t>(committed_rows) * w;
    if (rows.idx == nullptr) {
      return WriteFile(base + ".d", offset, c.data + rows.begin * w, static_cast<size_t>(n) * w,
                       is_new_dir);
    }
    const size_t bytes = static_cast<size_t>(n) * w;
    ScratchBytes buf(bytes);
    Gather(w, c.data, rows.idx + rows.begin, n, buf.data());
    return WriteFile(base + ".d", offset, buf.data(), bytes, is_new_dir);
  }

  // VARCHAR: bytes appended to .d at its committed end, entries appended to .i rebased on it.
  uint64_t data_base = 0;
  if (committed_rows > 0) {
    ASSIGN_OR_RETURN(auto index, files_.Open(base + ".i", core::OpenMode::kRead));
    ASSIGN_OR_RETURN(size_t got,
                     index->ReadAt(static_cast<uint64_t>(committed_rows) * 8, &data_base, 8));
    if (got != 8)
      return core::Status::Corruption("column index file too short [path=" + index->path() + "]");
    data_base &= kMask;
  }
  std::vector<uint64_t> entries;
  entries.reserve(static_cast<size_t>(n) + 1);
  if (committed_rows == 0) entries.push_back(0);
  std::string bytes;
  for (int64_t k = 0; k < n; ++k) {
    int64_t r = rows.at(k);
    uint64_t e = EntryAt(c, r);
    uint64_t start = StartAt(c, r);
    bytes.append(reinterpret_cast<const char*>(c.var_bytes) + start, (e & kMask) - start);
    entries.push_back((data_base + bytes.size()) | (e & kNullBit));
  }
  RETURN_IF_ERROR(WriteFile(base + ".d", data_base, bytes.data(), bytes.size(), is_new_dir));
  uint64_t index_offset = committed_rows == 0 ? 0 : (static_cast<uint64_t>(committed_rows) + 1) * 8;
  return WriteFile(base + ".i", index_offset, entries.data(), entries.size() * 8, is_new_dir);
}

// A column added after this partition was written has no file here: before appending, create
// one holding nulls for the committed rows. Written under a temporary name and renamed, so a
// reader sees either no file (all null) or the whole prefix.
core::Status CommitJob::EnsureColumnFile(const PartitionInfo& part, int col, ColumnType type) {
  const std::string base = part.dir_name + "/" + stems_[col];
  if (files_.Exists(base + ".d")) return core::Status::Ok();
  const uint64_t rows = static_cast<uint64_t>(part.row_count);
  if (IsVarSize(type)) {
    std::vector<uint64_t> entries(rows + 1, kNullBit);
    entries[0] = 0;
    RETURN_IF_ERROR(WriteWholeFile(base + ".i", entries.data(), entries.size() * 8));
    return WriteWholeFile(base + ".d", nullptr, 0);
  }
  std::vector<uint8_t> nulls(rows * ColumnTypeSize(type));
  FillNulls(type, nulls.data(), rows);
  return WriteWholeFile(base + ".d", nulls.data(), nulls.size());
}

core::Status CommitJob::WriteWholeFile(const std::string& rel, const void* data, size_t n) {
  const std::string tmp = rel + ".tmp";
  {
    ASSIGN_OR_RETURN(auto f, files_.OpenForWrite(tmp, core::OpenMode::kTruncate));
    core::Status st = f->Allocate(0, n);
    if (st.ok() && n > 0) st = f->WriteAt(0, data, n);
    if (st.ok() && sync_) st = f->Sync();
    if (!st.ok()) {
      (void)files_.fs().RemoveFile(files_.Path(tmp));
      return st;
    }
  }
  core::Status st = files_.fs().Rename(files_.Path(tmp), files_.Path(rel));
  if (!st.ok()) {
    (void)files_.fs().RemoveFile(files_.Path(tmp));
    return st;
  }
  remove_on_undo_.push_back(rel);
  if (sync_) return files_.fs().SyncDir(std::string(core::DirName(files_.Path(rel))));
  return core::Status::Ok();
}

core::Status CommitJob::WriteFile(const std::string& rel, uint64_t offset, const void* data,
                                  size_t n, bool is_new_dir) {
  ASSIGN_OR_RETURN(auto f, files_.OpenForWrite(rel, core::OpenMode::kCreate));
  if (!is_new_dir) {
    bool seen = false;
    for (const auto& [path, size] : truncate_on_undo_) seen |= path == rel;
    if (!seen) truncate_on_undo_.emplace_back(rel, offset);
  }
  if (n == 0) return core::Status::Ok();
  RETURN_IF_ERROR(f->Allocate(offset, n));
  RETURN_IF_ERROR(f->WriteAt(offset, data, n));
  if (sync_) RETURN_IF_ERROR(f->Sync());
  return core::Status::Ok();
}

// Copies the first `n` bytes of `from` into the new file `to` inside the kernel
// (copy_file_range): no user-space buffer, and the old version's pages are not mapped in.
core::Status CommitJob::CopyPrefix(const std::string& from, const std::string& to, uint64_t n) {
  ASSIGN_OR_RETURN(auto dst, files_.OpenForWrite(to, core::OpenMode::kCreate));
  if (n == 0) return core::Status::Ok();
  ASSIGN_OR_RETURN(auto src, files_.Open(from, core::OpenMode::kRead));
  RETURN_IF_ERROR(dst->Allocate(0, n));
  RETURN_IF_ERROR(files_.fs().CopyRange(*src, 0, *dst, 0, n));
  if (sync_) RETURN_IF_ERROR(dst->Sync());
  return core::Status::Ok();
}

core::Status CommitJob::CopyKept(const PartitionInfo& old, const std::string& from,
                                 const std::string& to, const void* decoded, uint64_t n) {
  if (!old.is_compressed) return CopyPrefix(from, to, n);
  // A compressed entry has no `.d`/`.i`: its decoded column (TableView::ColumnRows) is written.
  return WriteFile(to, 0, decoded, static_cast<size_t>(n), true);
}

core::Status CommitJob::MakeDir(const std::string& rel) {
  RETURN_IF_ERROR(files_.fs().CreateDir(files_.Path(rel)));
  remove_on_undo_.push_back(rel);
  created_dirs_list_.push_back(rel);
  return core::Status::Ok();
}

// New partitions use the plain name unless a directory of that name still exists (a version a
// pin may read, pending purge); rewrites and splits get a new `<name>.<n>` version, n = the txn
// or, when that directory exists (another entry of the partition written by this commit, or a
// version pending purge), the next free number. An existing directory is never reused.
void CommitJob::PickPartitionDir(PartitionInfo* part, uint64_t txn, bool force_version) const {
  const PartitionBy by = committed_.record.schema.partition_by;
  part->name_txn = 0;
  part->dir_name = PartitionDirName(by, part->partition_start_us, 0);
  if (force_version || files_.Exists(part->dir_name)) {
    part->name_txn = txn;
    for (;;) {
      part->dir_name = PartitionDirName(by, part->partition_start_us, part->name_txn);
      if (!files_.Exists(part->dir_name)) break;
      ++part->name_txn;
    }
  }
}

core::Status CommitJob::ChoosePartitionDir(PartitionInfo* part, uint64_t txn, bool force_version) {
  PickPartitionDir(part, txn, force_version);
  return MakeDir(part->dir_name);
}

core::Status CommitJob::NewPartition(PartitionInfo* part, const PendingBatch& b, RowSel rows,
                                     uint64_t txn) {
  RETURN_IF_ERROR(ChoosePartitionDir(part, txn, false));
  part->row_count = 0;
  return AppendRows(part, b, rows, true);
}

core::Status CommitJob::RewritePartition(size_t ci, PartitionInfo* part, const PendingBatch& b,
                                         RowSel rows, uint64_t txn, bool may_split,
                                         PartitionInfo* split, bool* did_split) {
  const TxnRecord& old_rec = committed_.record;
  const PartitionInfo& old = old_rec.partitions[ci];
  const int tsi = old_rec.schema.timestamp_index;
  // A compressed entry's columns are decoded whole into these (one column at a time, besides
  // the timestamps) for the length of this call.
  DecodedRows ets_rows, ex_rows;
  ASSIGN_OR_RETURN(ColumnData ets_col, committed_.ColumnRows(ci, tsi, 0, old.row_count, &ets_rows));
  const int64_t* ets = ets_col.values<int64_t>();
  const int64_t* nts = b.timestamps;

  // Committed rows before the oldest new one (rows equal to it stay first) keep their places:
  // the new version starts with them as they are, copied in the kernel, and only the rows
  // from `keep` on are merged. O3 data usually lands near the partition's end, so the merge
  // is short even when the partition is large.
  const int64_t keep = std::upper_bound(ets, ets + old.row_count, nts[rows.at(0)]) - ets;
  // Split: when the kept rows outweigh the rest, they stay where they are — the entry is cut
  // to them (the files' tail past the cut is no longer committed) — and the merged rows go to
  // a new entry of the same partition. Nothing is copied, and a reader of the old version
  // still finds every byte it reads unchanged.
  const int64_t rest = old.row_count - keep + rows.size();
  const bool splitting = may_split && keep >= std::max<int64_t>(1, split_min_rows_) && keep > rest;
  *did_split = splitting;
  std::vector<int64_t> order;
  order.reserve(static_cast<size_t>(old.row_count - keep + rows.size()));
  int64_t i = keep, k = 0;
  while (i < old.row_count || k < rows.size()) {
    if (k == rows.size() || (i < old.row_count && ets[i] <= nts[rows.at(k)])) {
      order.push_back(i++);
    } else {
      order.push_back(-rows.at(k++) - 1);
    }
  }

  PartitionInfo next = *part;
  next.partition_start_us = old.partition_start_us;
  next.is_compressed = false;
  const int64_t prefix_rows = splitting ? 0 : keep;
  RETURN_IF_ERROR(ChoosePartitionDir(&next, txn, true));
  for (size_t c = 0; c < b.columns.size(); ++c) {
    const PendingColumnView& col = b.columns[c];
    ColumnData ex;
    ex.is_all_null = true;
    for (size_t oc = 0; oc < old_rec.columns.size(); ++oc) {
      if (old_rec.columns[oc].file_stem == stems_[c]) {
        ASSIGN_OR_RETURN(
            ex, committed_.ColumnRows(ci, static_cast<int>(oc), 0, old.row_count, &ex_rows));
      }
    }
    const std::string base = next.dir_name + "/" + stems_[c];
    if (!IsVarSize(col.type)) {
      const int w = ColumnTypeSize(col.type);
      const size_t prefix = static_cast<size_t>(prefix_rows) * w;
      if (prefix == 0) {
        // nothing kept in this file
      } else if (ex.is_all_null) {
        std::vector<uint8_t> nulls(prefix);
        FillNulls(col.type, nulls.data(), static_cast<size_t>(prefix_rows));
        RETURN_IF_ERROR(WriteFile(base + ".d", 0, nulls.data(), prefix, true));
      } else {
        RETURN_IF_ERROR(
            CopyKept(old, old.dir_name + "/" + stems_[c] + ".d", base + ".d", ex.data, prefix));
      }
      const size_t bytes = order.size() * w;
      ScratchBytes out(bytes);
      MergeFixed(w, ex, col.data, order, col.type, out.data());
      RETURN_IF_ERROR(WriteFile(base + ".d", prefix, out.data(), bytes, true));
      continue;
    }
    // VARCHAR: the first prefix_rows+1 index entries and the bytes they cover are kept.
    std::vector<uint64_t> entries;  // entries after the kept ones
    uint64_t base_bytes = 0;
    const int64_t kept = prefix_rows;
    bool copied = false;
    if (kept == 0 || ex.is_all_null) {
      entries.assign(static_cast<size_t>(kept) + 1, kNullBit);
      entries[0] = 0;
    } else {
      copied = true;
      base_bytes = ex.varchar_index[kept] & kMask;
      const std::string from = old.dir_name + "/" + stems_[c];
      RETURN_IF_ERROR(CopyKept(old, from + ".d", base + ".d", ex.data, base_bytes));
      RETURN_IF_ERROR(CopyKept(old, from + ".i", base + ".i", ex.varchar_index,
                               static_cast<uint64_t>(kept + 1) * 8));
    }
    const uint64_t entries_offset = copied ? static_cast<uint64_t>(kept + 1) * 8 : 0;
    std::string bytes;
    for (int64_t r : order) {
      if (r >= 0) {
        if (ex.is_all_null) {
          entries.push_back((base_bytes + bytes.size()) | kNullBit);
          continue;
        }
        bytes.append(ex.Varchar(r));
        entries.push_back((base_bytes + bytes.size()) | (ex.IsVarcharNull(r) ? kNullBit : 0));
      } else {
        int64_t br = -r - 1;
        uint64_t e = EntryAt(col, br);
        uint64_t start = StartAt(col, br);
        bytes.append(reinterpret_cast<const char*>(col.var_bytes) + start, (e & kMask) - start);
        entries.push_back((base_bytes + bytes.size()) | (e & kNullBit));
      }
    }
    RETURN_IF_ERROR(WriteFile(base + ".d", base_bytes, bytes.data(), bytes.size(), true));
    RETURN_IF_ERROR(
        WriteFile(base + ".i", entries_offset, entries.data(), entries.size() * 8, true));
  }
  next.row_count = prefix_rows + static_cast<int64_t>(order.size());
  const int64_t new_min = nts[rows.at(0)], new_max = nts[rows.at(rows.size() - 1)];
  if (splitting) {
    next.min_timestamp_us = keep < old.row_count ? std::min(ets[keep], new_min) : new_min;
    next.max_timestamp_us = std::max(old.max_timestamp_us, new_max);
    *split = std::move(next);
    part->row_count = keep;
    part->max_timestamp_us = ets[keep - 1];
    return core::Status::Ok();
  }
  next.min_timestamp_us = std::min(old.min_timestamp_us, new_min);
  next.max_timestamp_us = std::max(old.max_timestamp_us, new_max);
  *part = std::move(next);
  return core::Status::Ok();
}

core::Status CommitJob::ReplaceEntry(size_t ci, const std::vector<ColumnValues>& values,
                                     uint64_t txn, PartitionInfo* part) {
  const TxnRecord& rec = committed_.record;
  const PartitionInfo& old = rec.partitions[ci];
  const uint64_t rows = static_cast<uint64_t>(old.row_count);
  PartitionInfo next = old;
  next.is_compressed = false;  // UPDATE writes a compressed entry back uncompressed
  RETURN_IF_ERROR(ChoosePartitionDir(&next, txn, true));
  DecodedRows decoded;  // a compressed entry's column, one at a time
  for (size_t c = 0; c < rec.columns.size(); ++c) {
    const ColumnType type = rec.schema.columns[c].type;
    const std::string& stem = rec.columns[c].file_stem;
    const std::string from = old.dir_name + "/" + stem;
    const std::string to = next.dir_name + "/" + stem;
    const ColumnValues* v = nullptr;
    for (const ColumnValues& cv : values) {
      if (cv.column == static_cast<int>(c)) v = &cv;
    }
    if (v == nullptr) {
      ASSIGN_OR_RETURN(ColumnData cd,
                       committed_.ColumnRows(ci, static_cast<int>(c), 0, old.row_count, &decoded));
      if (cd.is_all_null) continue;  // no file in the entry: stays without one
      if (!IsVarSize(type)) {
        RETURN_IF_ERROR(
            CopyKept(old, from + ".d", to + ".d", cd.data, rows * ColumnTypeSize(type)));
      } else {
        RETURN_IF_ERROR(
            CopyKept(old, from + ".d", to + ".d", cd.data, cd.varchar_index[rows] & kMask));
        RETURN_IF_ERROR(CopyKept(old, from + ".i", to + ".i", cd.varchar_index, (rows + 1) * 8));
      }
      continue;
    }
    if (!IsVarSize(type)) {
      const size_t bytes = rows * ColumnTypeSize(type);
      if (v->fixed.size() != bytes) {
        return core::Status::Internal("column values do not match the partition's rows");
      }
      RETURN_IF_ERROR(WriteFile(to + ".d", 0, v->fixed.data(), bytes, true));
      continue;
    }
    if (v->var_ends.size() != rows) {
      return core::Status::Internal("column values do not match the partition's rows");
    }
    std::vector<uint64_t> entries;
    entries.reserve(rows + 1);
    entries.push_back(0);
    entries.insert(entries.end(), v->var_ends.begin(), v->var_ends.end());
    RETURN_IF_ERROR(WriteFile(to + ".d", 0, v->var_bytes.data(), v->var_bytes.size(), true));
    RETURN_IF_ERROR(WriteFile(to + ".i", 0, entries.data(), entries.size() * 8, true));
  }
  *part = std::move(next);
  return core::Status::Ok();
}

core::Status CommitJob::ConvertEntry(size_t ci, bool compress, uint64_t txn, PartitionInfo* part) {
  PartitionInfo next = committed_.record.partitions[ci];
  next.is_compressed = compress;
  RETURN_IF_ERROR(ChoosePartitionDir(&next, txn, true));
  RETURN_IF_ERROR(WriteConvertedFiles(ci, compress, next.dir_name));
  *part = std::move(next);
  return core::Status::Ok();
}

core::Status CommitJob::WriteConvertedFiles(size_t ci, bool compress, const std::string& dir,
                                            ConvertedBytes* bytes,
                                            const std::atomic<bool>* cancel) {
  const TxnRecord& rec = committed_.record;
  const int64_t rows = rec.partitions[ci].row_count;
  DecodedRows decoded;  // a compressed entry's column, one at a time
  for (size_t c = 0; c < rec.columns.size(); ++c) {
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
      return core::Status::Cancelled("partition conversion cancelled [path=" + files_.Path(dir) +
                                     "]");
    }
    const ColumnType type = rec.schema.columns[c].type;
    const std::string to = dir + "/" + rec.columns[c].file_stem;
    // Decoded or mapped as any reader sees it (checked as it is read).
    ASSIGN_OR_RETURN(ColumnData cd,
                     committed_.ColumnRows(ci, static_cast<int>(c), 0, rows, &decoded));
    if (cd.is_all_null) continue;  // no file in the entry: stays without one
    const size_t index_bytes = IsVarSize(type) ? static_cast<size_t>(rows + 1) * 8 : 0;
    const size_t data_bytes = IsVarSize(type) ? cd.varchar_index[rows] & kMask
                                              : static_cast<size_t>(rows) * ColumnTypeSize(type);
    const std::string_view data(static_cast<const char*>(cd.data), data_bytes);
    const std::string_view index(reinterpret_cast<const char*>(cd.varchar_index), index_bytes);
    if (bytes != nullptr) bytes->raw_bytes += data_bytes + index_bytes;
    if (compress) {
      ASSIGN_OR_RETURN(std::string z, CompressColumn(type, rows, data, index));
      RETURN_IF_ERROR(WriteFile(to + ".z", 0, z.data(), z.size(), true));
      if (bytes != nullptr) bytes->written_bytes += z.size();
      continue;
    }
    RETURN_IF_ERROR(WriteFile(to + ".d", 0, data.data(), data.size(), true));
    if (IsVarSize(type)) RETURN_IF_ERROR(WriteFile(to + ".i", 0, index.data(), index.size(), true));
    if (bytes != nullptr) bytes->written_bytes += data_bytes + index_bytes;
  }
  return core::Status::Ok();
}

core::Status CommitJob::AdoptConvertedEntry(size_t ci, bool compress, const std::string& staged,
                                            uint64_t txn, PartitionInfo* part) {
  PartitionInfo next = committed_.record.partitions[ci];
  next.is_compressed = compress;
  PickPartitionDir(&next, txn, true);
  RETURN_IF_ERROR(files_.fs().Rename(files_.Path(staged), files_.Path(next.dir_name)));
  remove_on_undo_.push_back(next.dir_name);
  created_dirs_list_.push_back(next.dir_name);
  *part = std::move(next);
  return core::Status::Ok();
}

core::Status CommitJob::AppendTableFile(const std::string& name, uint64_t committed_size,
                                        std::string_view bytes) {
  return WriteFile(name, committed_size, bytes.data(), bytes.size(), false);
}

core::Status CommitJob::Finish() {
  if (!sync_ || created_dirs_list_.empty()) return core::Status::Ok();
  for (const auto& d : created_dirs_list_) RETURN_IF_ERROR(files_.fs().SyncDir(files_.Path(d)));
  return files_.fs().SyncDir(files_.dir());
}

void CommitJob::Undo() {
  for (const auto& [rel, size] : truncate_on_undo_) {
    auto f = files_.OpenForWrite(rel, core::OpenMode::kReadWrite);
    core::Status st = f.ok() ? (*f)->Truncate(size) : f.status();
    if (!st.ok() && st.code() != core::StatusCode::kNotFound) {
      core::LogWarn("could not truncate after failed commit [path=" + files_.Path(rel) +
                    ", error=" + st.ToString() + "]");
    }
  }
  for (auto it = remove_on_undo_.rbegin(); it != remove_on_undo_.rend(); ++it) {
    core::Status st = files_.fs().RemoveAll(files_.Path(*it));
    if (!st.ok()) {
      core::LogWarn("could not remove after failed commit [path=" + files_.Path(*it) +
                    ", error=" + st.ToString() + "]");
    }
  }
  truncate_on_undo_.clear();
  remove_on_undo_.clear();
}

}  // namespace sundial::cairo
