#include "cairo/table_writer_impl.h"

#include <algorithm>
#include <cmath>

#include "cairo/column_text.h"
#include "cairo/compressed_column.h"
#include "cairo/table_handle.h"
#include "core/log.h"

namespace sundial::cairo {
namespace {

constexpr uint64_t kNullBit = ColumnData::kNullBit;
constexpr uint64_t kMask = ColumnData::kOffsetMask;
constexpr int64_t kMaxPendingRows = int64_t{1} << 31;  // row indices are uint32 when sorting
constexpr size_t kKeepBufferBytes = 64u << 20;

core::Result<std::unique_ptr<SymbolDictionary>> LoadDictionary(const TableFiles& files,
                                                               const ColumnState& cs) {
  auto dict = std::make_unique<SymbolDictionary>();
  std::unique_ptr<core::File> file;
  if (cs.symbol_count > 0) {
    ASSIGN_OR_RETURN(file, files.Open(cs.file_stem + ".sym", core::OpenMode::kRead));
  }
  RETURN_IF_ERROR(dict->Load(file.get(), cs.symbol_count, cs.symbol_bytes));
  return dict;
}

// Where the VARCHAR bytes of pending row `row` start: the end offset of the row before it.
uint64_t VarStart(const RawBuffer& entries, int64_t row) {
  if (row == 0) return 0;
  uint64_t e;
  std::memcpy(&e, entries.data() + (row - 1) * 8, 8);
  return e & kMask;
}

}  // namespace

TableWriterImpl::TableWriterImpl(TableHandle* handle)
    : handle_(handle), table_name_(handle->name()) {}

const std::string& TableWriterImpl::table_name() const { return table_name_; }

TableWriterImpl::Column TableWriterImpl::MakeColumn(ColumnType type) {
  Column c;
  c.type = type;
  c.width = IsVarSize(type) ? 8 : ColumnTypeSize(type);
  WriteNullValue(type, c.null_bits);
  return c;
}

core::Status TableWriterImpl::Init() {
  auto current = handle_->Current();
  const TxnRecord& rec = current->record;
  std::vector<Column> cols;
  for (size_t i = 0; i < rec.columns.size(); ++i) {
    Column c = MakeColumn(rec.schema.columns[i].type);
    if (c.type == ColumnType::kSymbol) {
      // Keep a loaded dictionary across schema changes when the column is the same.
      for (size_t o = 0; o < states_.size() && o < cols_.size(); ++o) {
        if (states_[o].file_stem == rec.columns[i].file_stem && cols_[o].dict &&
            cols_[o].dict->committed_count() == rec.columns[i].symbol_count) {
          c.dict = std::move(cols_[o].dict);
          c.dict->DiscardPending();
        }
      }
      if (!c.dict) {
        ASSIGN_OR_RETURN(c.dict, LoadDictionary(*handle_->files(), rec.columns[i]));
      }
    }
    cols.push_back(std::move(c));
  }
  cols_ = std::move(cols);
  schema_ = rec.schema;
  states_ = rec.columns;
  committed_columns_ = schema_.columns.size();
  pending_rows_ = 0;
  in_row_ = false;
  is_sorted_ = true;
  return core::Status::Ok();
}

void TableWriterImpl::AppendNulls(Column& c, int64_t n) {
  if (IsVarSize(c.type)) {
    uint64_t e = c.var_bytes.size() | kNullBit;
    for (int64_t i = 0; i < n; ++i) std::memcpy(c.data.Extend(8), &e, 8);
    return;
  }
  FillNulls(c.type, c.data.Extend(static_cast<size_t>(n) * c.width), static_cast<size_t>(n));
}

core::Status TableWriterImpl::NewRow(int64_t timestamp_us) {
  if (in_row_) CancelRow();
  const int tsi = schema_.timestamp_index;
  if (tsi >= 0) RETURN_IF_ERROR(CheckDesignatedTimestamp(timestamp_us, table_name_));
  if (pending_rows_ >= kMaxPendingRows) {
    return core::Status::ResourceExhausted(
        "too many uncommitted rows, commit first [table=" + table_name_ + "]");
  }
  for (Column& c : cols_) {
    if (IsVarSize(c.type)) {
      uint64_t e = c.var_bytes.size() | kNullBit;
      std::memcpy(c.data.Extend(8), &e, 8);
    } else {
      std::memcpy(c.data.Extend(c.width), c.null_bits, c.width);
    }
  }
  if (tsi >= 0) std::memcpy(Slot(tsi), &timestamp_us, 8);
  row_ts_ = timestamp_us;
  in_row_ = true;
  return core::Status::Ok();
}

bool TableWriterImpl::CanPut(int col) const {
  return in_row_ && col >= 0 && static_cast<size_t>(col) < cols_.size() &&
         col != schema_.timestamp_index;
}

void TableWriterImpl::PutBool(int col, bool v) { PutLong(col, v ? 1 : 0); }

void TableWriterImpl::PutLong(int col, int64_t v) {
  if (!CanPut(col)) return;
  uint8_t* p = Slot(col);
  if (IsGeoHash(cols_[col].type)) return StoreGeoHash(cols_[col].type, v, p);
  switch (cols_[col].type) {
    case ColumnType::kBoolean:
      *p = v != 0;
      break;
    case ColumnType::kByte:
      *reinterpret_cast<int8_t*>(p) = static_cast<int8_t>(v);
      break;
    case ColumnType::kShort:
      *reinterpret_cast<int16_t*>(p) = static_cast<int16_t>(v);
      break;
    case ColumnType::kChar:
      *reinterpret_cast<uint16_t*>(p) = static_cast<uint16_t>(v);
      break;
    case ColumnType::kInt:
      *reinterpret_cast<int32_t*>(p) = static_cast<int32_t>(v);
      break;
    case ColumnType::kIPv4:
      *reinterpret_cast<uint32_t*>(p) = static_cast<uint32_t>(v);
      break;
    case ColumnType::kLong:
    case ColumnType::kDate:
    case ColumnType::kTimestamp:
      std::memcpy(p, &v, 8);
      break;
    case ColumnType::kFloat:
      *reinterpret_cast<float*>(p) = static_cast<float>(v);
      break;
    case ColumnType::kDouble:
      *reinterpret_cast<double*>(p) = static_cast<double>(v);
      break;
    case ColumnType::kSymbol:
    case ColumnType::kVarchar:
    case ColumnType::kUuid:
    case ColumnType::kLong256:
    case ColumnType::kLong128:
    case ColumnType::kGeoHash:
    case ColumnType::kBinary:
      break;  // caller's bug: wrong setter
  }
}

void TableWriterImpl::PutFixed(int col, const void* bytes) {
  if (!CanPut(col) || IsVarSize(cols_[col].type)) return;
  std::memcpy(Slot(col), bytes, cols_[col].width);
}

void TableWriterImpl::PutDouble(int col, double v) {
  if (!CanPut(col)) return;
  switch (cols_[col].type) {
    case ColumnType::kFloat:
      *reinterpret_cast<float*>(Slot(col)) = static_cast<float>(v);
      break;
    case ColumnType::kDouble:
      std::memcpy(Slot(col), &v, 8);
      break;
    case ColumnType::kSymbol:
    case ColumnType::kVarchar:
    case ColumnType::kUuid:
    case ColumnType::kLong256:
    case ColumnType::kLong128:
    case ColumnType::kGeoHash:
    case ColumnType::kBinary:
      break;
    default:
      if (std::isnan(v)) {
        PutNull(col);
      } else {
        PutLong(col, static_cast<int64_t>(v));
      }
  }
}

void TableWriterImpl::PutChar(int col, uint16_t v) { PutLong(col, v); }

void TableWriterImpl::PutSymbol(int col, std::string_view v) {
  if (!CanPut(col)) return;
  Column& c = cols_[col];
  if (c.type == ColumnType::kVarchar) return SetVarchar(col, v, false);
  if (c.type != ColumnType::kSymbol) return;
  int32_t key = c.dict->GetOrAdd(v);
  std::memcpy(Slot(col), &key, 4);
}

void TableWriterImpl::PutVarchar(int col, std::string_view v) {
  if (!CanPut(col)) return;
  if (cols_[col].type == ColumnType::kSymbol) return PutSymbol(col, v);
  if (!IsVarSize(cols_[col].type)) return;
  SetVarchar(col, v, false);
}

void TableWriterImpl::SetVarchar(int col, std::string_view v, bool is_null) {
  Column& c = cols_[col];
  c.var_bytes.ShrinkTo(VarStart(c.data, pending_rows_));
  if (!is_null) c.var_bytes.Append(v.data(), v.size());
  uint64_t e = c.var_bytes.size() | (is_null ? kNullBit : 0);
  std::memcpy(Slot(col), &e, 8);
}

void TableWriterImpl::PutNull(int col) {
  if (!CanPut(col)) return;
  Column& c = cols_[col];
  if (IsVarSize(c.type)) return SetVarchar(col, {}, true);
  std::memcpy(Slot(col), c.null_bits, c.width);
}

core::Status TableWriterImpl::EndRow() {
  if (!in_row_) return core::Status::InvalidArgument("no row started");
  if (schema_.timestamp_index >= 0) {
    if (pending_rows_ == 0) {
      min_ts_ = max_ts_ = row_ts_;
    } else {
      if (row_ts_ < last_ts_) is_sorted_ = false;
      min_ts_ = std::min(min_ts_, row_ts_);
      max_ts_ = std::max(max_ts_, row_ts_);
    }
    last_ts_ = row_ts_;
  }
  ++pending_rows_;
  in_row_ = false;
  return core::Status::Ok();
}

void TableWriterImpl::CancelRow() {
  if (!in_row_) return;
  for (Column& c : cols_) {
    if (IsVarSize(c.type)) c.var_bytes.ShrinkTo(VarStart(c.data, pending_rows_));
    c.data.ShrinkTo(static_cast<size_t>(pending_rows_) * c.width);
  }
  in_row_ = false;
}

core::Result<int32_t> TableWriterImpl::SymbolKey(int col, std::string_view value) {
  if (col < 0 || static_cast<size_t>(col) >= cols_.size() ||
      cols_[col].type != ColumnType::kSymbol) {
    return core::Status::InvalidArgument("not a SYMBOL column [table=" + table_name_ + "]");
  }
  return cols_[col].dict->GetOrAdd(value);
}

core::Status TableWriterImpl::AppendBatch(const int64_t* ts, int64_t n, const ColumnBatch* columns,
                                          size_t column_count) {
  if (in_row_) CancelRow();
  if (n <= 0) return core::Status::Ok();
  if (pending_rows_ + n > kMaxPendingRows) {
    return core::Status::ResourceExhausted(
        "too many uncommitted rows, commit first [table=" + table_name_ + "]");
  }
  const int tsi = schema_.timestamp_index;
  std::vector<const ColumnBatch*> by_col(cols_.size(), nullptr);
  for (size_t i = 0; i < column_count; ++i) {
    int c = columns[i].column_index;
    if (c < 0 || static_cast<size_t>(c) >= cols_.size() || c == tsi) {
      return core::Status::InvalidArgument("bad column index in batch [table=" + table_name_ + "]");
    }
    ColumnType t = cols_[c].type;
    if (IsVarSize(t) && columns[i].values != nullptr) {
      return core::Status::InvalidArgument("VARCHAR batch column needs strings");
    }
    if (t == ColumnType::kSymbol && columns[i].values != nullptr) {
      const int32_t* keys = static_cast<const int32_t*>(columns[i].values);
      int32_t limit = static_cast<int32_t>(cols_[c].dict->count());
      for (int64_t r = 0; r < n; ++r) {
        if ((keys[r] < 0 || keys[r] >= limit) && keys[r] != kNullSymbolKey) {
          return core::Status::InvalidArgument("unknown symbol key in batch");
        }
      }
    }
    if (columns[i].strings != nullptr && !IsVarSize(t) && t != ColumnType::kSymbol) {
      return core::Status::InvalidArgument("strings given for a fixed-size column");
    }
    by_col[c] = &columns[i];
  }
  if (tsi >= 0) {
    if (ts == nullptr) return core::Status::InvalidArgument("batch without timestamps");
    int64_t last = pending_rows_ > 0 ? last_ts_ : ts[0];
    int64_t lo = pending_rows_ > 0 ? min_ts_ : ts[0], hi = pending_rows_ > 0 ? max_ts_ : ts[0];
    bool sorted = is_sorted_;
    for (int64_t r = 0; r < n; ++r) {
      int64_t t = ts[r];
      RETURN_IF_ERROR(CheckDesignatedTimestamp(t, table_name_));
      sorted &= t >= last;
      last = t;
      lo = std::min(lo, t);
      hi = std::max(hi, t);
    }
    is_sorted_ = sorted;
    last_ts_ = last;
    min_ts_ = lo;
    max_ts_ = hi;
    cols_[tsi].data.Append(ts, static_cast<size_t>(n) * 8);
  }
  for (size_t c = 0; c < cols_.size(); ++c) {
    if (static_cast<int>(c) == tsi) continue;
    Column& col = cols_[c];
    const ColumnBatch* b = by_col[c];
    if (b == nullptr || (b->values == nullptr && b->strings == nullptr)) {
      AppendNulls(col, n);
    } else if (b->values != nullptr) {
      col.data.Append(b->values, static_cast<size_t>(n) * col.width);
    } else if (col.type == ColumnType::kSymbol) {
      int32_t* out = reinterpret_cast<int32_t*>(col.data.Extend(static_cast<size_t>(n) * 4));
      for (int64_t r = 0; r < n; ++r) {
        std::string_view v = b->strings[r];
        out[r] = v.data() == nullptr ? kNullSymbolKey : col.dict->GetOrAdd(v);
      }
    } else {
      uint64_t* out = reinterpret_cast<uint64_t*>(col.data.Extend(static_cast<size_t>(n) * 8));
      for (int64_t r = 0; r < n; ++r) {
        std::string_view v = b->strings[r];
        col.var_bytes.Append(v.data(), v.size());
        out[r] = col.var_bytes.size() | (v.data() == nullptr ? kNullBit : 0);
      }
    }
  }
  pending_rows_ += n;
  return core::Status::Ok();
}

core::Status TableWriterImpl::AddColumn(std::string_view name, ColumnType type) {
  std::string err = ValidateColumnName(name);
  if (!err.empty()) return core::Status::InvalidArgument(err);
  if (!IsValidColumnType(static_cast<uint8_t>(type))) {
    return core::Status::InvalidArgument("invalid column type");
  }
  if (schema_.FindColumn(name) >= 0) {
    return core::Status::AlreadyExists("column already exists [table=" + table_name_ +
                                       ", column=" + std::string(name) + "]");
  }
  ColumnDef def;
  def.name = std::string(name);
  def.type = type;
  // A fresh file stem, so files of a dropped column of the same name are never reused.
  def.file_version = static_cast<uint32_t>(handle_->Current()->record.txn + 1);
  ColumnState st;
  st.file_stem = ColumnFileStem(def);
  // The rows the table already holds read as NULL in the new column.
  st.may_hold_null_key = handle_->Current()->row_count > 0;
  Column c = MakeColumn(type);
  if (type == ColumnType::kSymbol) c.dict = std::make_unique<SymbolDictionary>();
  AppendNulls(c, pending_rows_ + (in_row_ ? 1 : 0));
  schema_.columns.push_back(std::move(def));
  states_.push_back(std::move(st));
  cols_.push_back(std::move(c));
  if (pending_rows_ == 0 && !in_row_) {
    auto r = Commit();
    if (!r.ok()) return r.status();
  }
  return core::Status::Ok();
}

core::Result<uint64_t> TableWriterImpl::Commit() {
  if (in_row_) CancelRow();
  if (pending_rows_ == 0 && schema_.columns.size() == committed_columns_) {
    return handle_->Current()->record.txn;
  }
  uint64_t txn = 0;
  const int64_t rows = pending_rows_;
  core::Status st = CommitPending(&txn);
  if (!st.ok()) {
    core::LogError("commit failed [table=" + table_name_ + ", error=" + st.ToString() + "]");
    Rollback();
    return st;
  }
  EngineShared& shared = handle_->engine();
  shared.commits.fetch_add(1, std::memory_order_relaxed);
  shared.committed_rows.fetch_add(static_cast<uint64_t>(rows), std::memory_order_relaxed);
  ClearPending();
  handle_->Purge();
  return txn;
}

// ColumnState::may_hold_null_key: a pending NULL key of a SYMBOL column sets it.
void TableWriterImpl::NoteNullSymbolKeys(TxnRecord* rec) const {
  for (size_t c = 0; c < cols_.size() && c < rec->columns.size(); ++c) {
    if (cols_[c].type != ColumnType::kSymbol || rec->columns[c].may_hold_null_key) continue;
    const int32_t* keys = reinterpret_cast<const int32_t*>(cols_[c].data.data());
    bool has_null = false;
    for (int64_t r = 0; r < pending_rows_; ++r) has_null |= keys[r] == kNullSymbolKey;
    rec->columns[c].may_hold_null_key = has_null;
  }
}

core::Status TableWriterImpl::CommitPending(uint64_t* txn) {
  auto current = handle_->Current();
  TxnRecord rec = current->record;
  rec.txn += 1;
  rec.schema = schema_;
  rec.columns = states_;
  NoteNullSymbolKeys(&rec);
  const bool sync = handle_->engine().options.commit_mode == CommitMode::kSync;
  CommitJob job(*handle_->files(), *current, sync, handle_->engine().options.o3_split_min_rows);

  PendingBatch b;
  b.row_count = pending_rows_;
  if (schema_.timestamp_index >= 0) {
    b.timestamps = reinterpret_cast<const int64_t*>(cols_[schema_.timestamp_index].data.data());
  }
  b.is_sorted = is_sorted_;
  b.min_timestamp_us = min_ts_;
  b.max_timestamp_us = max_ts_;
  for (const Column& c : cols_) b.columns.push_back({c.type, c.data.data(), c.var_bytes.data()});

  std::vector<std::string> superseded;
  core::Status st = job.WriteRows(b, &rec, &superseded);
  bool published = false;
  return PublishJob(job, std::move(rec), superseded, std::move(st), txn, &published);
}

core::Status TableWriterImpl::PublishJob(CommitJob& job, TxnRecord rec,
                                         const std::vector<std::string>& superseded,
                                         core::Status st, uint64_t* txn, bool* published) {
  for (size_t c = 0; st.ok() && c < cols_.size(); ++c) {
    SymbolDictionary* d = cols_[c].dict.get();
    if (d == nullptr || d->count() == d->committed_count()) continue;
    std::string bytes = d->PendingBytes();
    st = job.AppendTableFile(states_[c].file_stem + ".sym", d->committed_bytes(), bytes);
    rec.columns[c].symbol_count = d->count();
    rec.columns[c].symbol_bytes = d->committed_bytes() + bytes.size();
  }
  if (st.ok()) st = job.Finish();
  if (st.ok()) st = handle_->Publish(std::move(rec), superseded, published);
  if (!*published) {
    job.Undo();
    return st;
  }
  // Published (possibly with an error after the rename): memory follows disk.
  for (Column& c : cols_) {
    if (c.dict) c.dict->MarkCommitted();
  }
  const TxnRecord& now = handle_->Current()->record;
  states_ = now.columns;
  committed_columns_ = schema_.columns.size();
  *txn = now.txn;
  return st;
}

core::Result<uint64_t> TableWriterImpl::RewriteEntries(EntryRewriter& rewriter) {
  if (in_row_) CancelRow();
  if (pending_rows_ > 0 || schema_.columns.size() != committed_columns_) {
    return core::Status::InvalidArgument("the writer has uncommitted rows [table=" + table_name_ +
                                         "]");
  }
  uint64_t txn = 0;
  bool published = false;
  core::Status st = RewritePending(rewriter, &txn, &published);
  if (!published) {
    Rollback();  // also drops dictionary keys the rewriter added
    if (!st.ok() && st.code() != core::StatusCode::kInvalidArgument) {  // not a bad value
      core::LogError("update failed [table=" + table_name_ + ", error=" + st.ToString() + "]");
    }
    return st.ok() ? core::Result<uint64_t>(txn) : core::Result<uint64_t>(st);
  }
  handle_->Purge();  // after the pin of the old state is gone
  if (!st.ok()) return st;
  return txn;
}

core::Status TableWriterImpl::RewritePending(EntryRewriter& rewriter, uint64_t* txn,
                                             bool* published) {
  auto current = handle_->Current();
  const TableView view(current);
  *txn = current->record.txn;
  TxnRecord rec = current->record;
  rec.txn += 1;
  const bool sync = handle_->engine().options.commit_mode == CommitMode::kSync;
  CommitJob job(*handle_->files(), *current, sync, handle_->engine().options.o3_split_min_rows);
  std::vector<std::string> superseded;
  std::vector<ColumnValues> values;
  core::Status st;
  for (size_t e = 0; st.ok() && e < rec.partitions.size(); ++e) {
    values.clear();
    st = rewriter.Rewrite(view, e, &values);
    if (!st.ok() || values.empty()) continue;
    std::string old_dir = rec.partitions[e].dir_name;
    // Rewritten SYMBOL values are not inspected: they may be NULL from now on.
    for (ColumnState& cs : rec.columns) cs.may_hold_null_key = true;
    st = job.ReplaceEntry(e, values, rec.txn, &rec.partitions[e]);
    if (st.ok()) superseded.push_back(std::move(old_dir));
  }
  if (st.ok() && superseded.empty()) return core::Status::Ok();  // nothing changed
  return PublishJob(job, std::move(rec), superseded, std::move(st), txn, published);
}

void TableWriterImpl::ClearPending() {
  for (Column& c : cols_) {
    c.data.Clear();
    c.var_bytes.Clear();
    c.data.Trim(kKeepBufferBytes);
    c.var_bytes.Trim(kKeepBufferBytes);
  }
  pending_rows_ = 0;
  in_row_ = false;
  is_sorted_ = true;
}

void TableWriterImpl::Rollback() {
  in_row_ = false;
  ClearPending();
  for (Column& c : cols_) {
    if (c.dict) c.dict->DiscardPending();
  }
  schema_.columns.resize(committed_columns_);
  states_.resize(committed_columns_);
  cols_.resize(committed_columns_);
}

core::Status TableWriterImpl::PublishChange(TxnRecord rec,
                                            const std::vector<std::string>& superseded) {
  Rollback();
  rec.txn = handle_->Current()->record.txn + 1;
  bool published = false;
  core::Status st = handle_->Publish(std::move(rec), superseded, &published);
  if (published) {
    core::Status init = Init();
    if (st.ok()) st = init;
    handle_->Purge();
  }
  return st;
}

core::Status TableWriterImpl::DropColumn(std::string_view name) {
  TxnRecord rec = handle_->Current()->record;
  int idx = rec.schema.FindColumn(name);
  if (idx < 0) {
    return core::Status::NotFound("column does not exist [table=" + table_name_ +
                                  ", column=" + std::string(name) + "]");
  }
  if (idx == rec.schema.timestamp_index) {
    return core::Status::InvalidArgument("cannot drop the designated timestamp column [table=" +
                                         table_name_ + ", column=" + std::string(name) + "]");
  }
  const std::string stem = rec.columns[idx].file_stem;
  std::vector<std::string> superseded;
  for (const auto& p : rec.partitions) {
    superseded.push_back(p.dir_name + "/" + stem + ".d");
    superseded.push_back(p.dir_name + "/" + stem + ".i");
    superseded.push_back(p.dir_name + "/" + stem + ".z");
  }
  superseded.push_back(stem + ".sym");
  rec.schema.columns.erase(rec.schema.columns.begin() + idx);
  rec.columns.erase(rec.columns.begin() + idx);
  if (rec.schema.timestamp_index > idx) --rec.schema.timestamp_index;
  return PublishChange(std::move(rec), superseded);
}

core::Status TableWriterImpl::RenameColumn(std::string_view from, std::string_view to) {
  TxnRecord rec = handle_->Current()->record;
  int idx = rec.schema.FindColumn(from);
  if (idx < 0) {
    return core::Status::NotFound("column does not exist [table=" + table_name_ +
                                  ", column=" + std::string(from) + "]");
  }
  std::string err = ValidateColumnName(to);
  if (!err.empty()) return core::Status::InvalidArgument(err);
  int other = rec.schema.FindColumn(to);
  if (other >= 0 && other != idx) {
    return core::Status::AlreadyExists("column already exists [table=" + table_name_ +
                                       ", column=" + std::string(to) + "]");
  }
  rec.schema.columns[idx].name = std::string(to);  // the file stem stays
  return PublishChange(std::move(rec), {});
}

core::Status TableWriterImpl::DropPartitions(const std::vector<int64_t>& starts) {
  TxnRecord rec = handle_->Current()->record;
  std::vector<std::string> superseded;
  for (int64_t s : starts) {
    // Every entry of the partition (an out-of-order commit may have split it).
    auto it =
        std::remove_if(rec.partitions.begin(), rec.partitions.end(), [&](const PartitionInfo& p) {
          if (p.partition_start_us != s) return false;
          superseded.push_back(p.dir_name);
          return true;
        });
    if (it == rec.partitions.end()) {
      return core::Status::NotFound("partition does not exist [table=" + table_name_ +
                                    ", partition=" + PartitionName(rec.schema.partition_by, s) +
                                    "]");
    }
    rec.partitions.erase(it, rec.partitions.end());
  }
  if (superseded.empty()) return core::Status::Ok();
  return PublishChange(std::move(rec), superseded);
}

core::Status TableWriterImpl::ConvertPartitions(const std::vector<int64_t>& starts, bool compress) {
  if (in_row_) CancelRow();
  if (pending_rows_ > 0 || schema_.columns.size() != committed_columns_) {
    return core::Status::InvalidArgument("the writer has uncommitted rows [table=" + table_name_ +
                                         "]");
  }
  auto current = handle_->Current();
  TxnRecord rec = current->record;
  if (rec.schema.timestamp_index < 0 || rec.partitions.empty()) {
    return core::Status::InvalidArgument(
        "cannot convert partitions of a table without a designated timestamp [table=" +
        table_name_ + "]");
  }
  if (compress) {
    for (const auto& c : rec.schema.columns) {
      if (!HasCompressedLayout(c.type)) {
        return core::Status::Unsupported("no compressed layout for type " +
                                         std::string(ColumnTypeName(c.type)) + " [table=" +
                                         table_name_ + ", column=" + c.name + "]");
      }
    }
  }
  const int64_t newest = rec.partitions.back().partition_start_us;
  for (int64_t s : starts) {
    const std::string name = PartitionName(rec.schema.partition_by, s);
    bool found = false;
    for (const auto& p : rec.partitions) found |= p.partition_start_us == s;
    if (!found) {
      return core::Status::NotFound("partition does not exist [table=" + table_name_ +
                                    ", partition=" + name + "]");
    }
    if (s == newest) {
      return core::Status::InvalidArgument("cannot convert the active partition [table=" +
                                           table_name_ + ", partition=" + name + "]");
    }
  }
  rec.txn += 1;
  const bool sync = handle_->engine().options.commit_mode == CommitMode::kSync;
  CommitJob job(*handle_->files(), *current, sync, handle_->engine().options.o3_split_min_rows);
  std::vector<std::string> superseded;
  core::Status st;
  for (size_t e = 0; st.ok() && e < rec.partitions.size(); ++e) {
    PartitionInfo& p = rec.partitions[e];
    if (p.is_compressed == compress ||
        std::find(starts.begin(), starts.end(), p.partition_start_us) == starts.end()) {
      continue;
    }
    std::string old_dir = p.dir_name;
    st = job.ConvertEntry(e, compress, rec.txn, &p);
    if (st.ok()) superseded.push_back(std::move(old_dir));
  }
  if (st.ok() && superseded.empty()) return core::Status::Ok();  // nothing to convert
  uint64_t txn = 0;
  bool published = false;
  st = PublishJob(job, std::move(rec), superseded, std::move(st), &txn, &published);
  if (published) handle_->Purge();
  if (!st.ok()) {
    core::LogError("partition conversion failed [table=" + table_name_ +
                   ", error=" + st.ToString() + "]");
  }
  return st;
}

core::Status TableWriterImpl::PublishStagedEntries(const std::vector<StagedEntry>& staged,
                                                   const std::vector<std::string>& column_stems,
                                                   bool compress, bool* is_current) {
  *is_current = false;
  if (in_row_) CancelRow();
  if (pending_rows_ > 0 || schema_.columns.size() != committed_columns_ || staged.empty()) {
    return core::Status::Ok();
  }
  auto current = handle_->Current();
  TxnRecord rec = current->record;
  if (rec.columns.size() != column_stems.size() || rec.partitions.empty()) {
    return core::Status::Ok();
  }
  for (size_t c = 0; c < column_stems.size(); ++c) {
    if (rec.columns[c].file_stem != column_stems[c]) return core::Status::Ok();
  }
  // Where each staged entry is in the current record: the same directory with the same rows
  // and compression is the same committed bytes (a directory is never reused, an in-place
  // append or a split's cut changes the row count).
  std::vector<size_t> at;
  for (const StagedEntry& s : staged) {
    size_t found = rec.partitions.size();
    for (size_t e = 0; e < rec.partitions.size(); ++e) {
      const PartitionInfo& p = rec.partitions[e];
      if (p.dir_name == s.from.dir_name && p.row_count == s.from.row_count &&
          p.is_compressed == s.from.is_compressed &&
          p.partition_start_us == s.from.partition_start_us) {
        found = e;
      }
    }
    if (found == rec.partitions.size() ||
        rec.partitions[found].partition_start_us == rec.partitions.back().partition_start_us) {
      return core::Status::Ok();
    }
    at.push_back(found);
  }
  *is_current = true;
  rec.txn += 1;
  const bool sync = handle_->engine().options.commit_mode == CommitMode::kSync;
  CommitJob job(*handle_->files(), *current, sync, handle_->engine().options.o3_split_min_rows);
  std::vector<std::string> superseded;
  core::Status st;
  for (size_t i = 0; st.ok() && i < staged.size(); ++i) {
    PartitionInfo& p = rec.partitions[at[i]];
    std::string old_dir = p.dir_name;
    st = job.AdoptConvertedEntry(at[i], compress, staged[i].staged_dir, rec.txn, &p);
    if (st.ok()) superseded.push_back(std::move(old_dir));
  }
  uint64_t txn = 0;
  bool published = false;
  st = PublishJob(job, std::move(rec), superseded, std::move(st), &txn, &published);
  if (published) handle_->Purge();
  return st;
}

core::Status TableWriterImpl::Truncate() {
  TxnRecord rec = handle_->Current()->record;
  std::vector<std::string> superseded;
  for (const auto& p : rec.partitions) superseded.push_back(p.dir_name);
  rec.partitions.clear();
  return PublishChange(std::move(rec), superseded);
}

}  // namespace sundial::cairo
