// TableView and its pinned State: lazily mapped column files and symbol tables.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "cairo/compressed_column.h"
#include "cairo/table_state.h"

namespace sundial::cairo {

void WriteNullValue(ColumnType type, void* out) {
  if (IsGeoHash(type)) {  // every bit of the stored width set
    std::memset(out, 0xff, static_cast<size_t>(ColumnTypeSize(type)));
    return;
  }
  switch (type) {
    case ColumnType::kBoolean:
    case ColumnType::kByte:
      *static_cast<int8_t*>(out) = 0;
      break;
    case ColumnType::kShort:
      *static_cast<int16_t*>(out) = 0;
      break;
    case ColumnType::kChar:
      *static_cast<uint16_t*>(out) = kNullChar;
      break;
    case ColumnType::kInt:
    case ColumnType::kSymbol:
      std::memcpy(out, &kNullInt, 4);
      break;
    case ColumnType::kLong:
    case ColumnType::kDate:
    case ColumnType::kTimestamp:
      std::memcpy(out, &kNullLong, 8);
      break;
    case ColumnType::kFloat: {
      float f = std::nanf("");
      std::memcpy(out, &f, 4);
      break;
    }
    case ColumnType::kDouble: {
      double d = std::nan("");
      std::memcpy(out, &d, 8);
      break;
    }
    case ColumnType::kIPv4:
      std::memset(out, 0, 4);
      break;
    case ColumnType::kUuid:
    case ColumnType::kLong128:
    case ColumnType::kLong256:
      for (int k = 0; k < ColumnTypeSize(type) / 8; ++k) {
        std::memcpy(static_cast<char*>(out) + 8 * k, &kNullLong, 8);
      }
      break;
    case ColumnType::kVarchar:
    case ColumnType::kGeoHash:
    case ColumnType::kBinary:
      break;
  }
}

void FillNulls(ColumnType type, void* out, size_t n) {
  int w = ColumnTypeSize(type);
  if (w == 0 || n == 0) return;
  char* p = static_cast<char*>(out);
  WriteNullValue(type, p);
  // Doubling copy: cheap for any n.
  size_t done = 1;
  while (done < n) {
    size_t k = std::min(done, n - done);
    std::memcpy(p + done * w, p, k * w);
    done += k;
  }
}

TableView::State::State(std::shared_ptr<TableFiles> f, std::string name, TxnRecord rec,
                        const State* previous)
    : files(std::move(f)), table_name(std::move(name)), record(std::move(rec)) {
  files->AddPin(record.txn);
  row_count = record.row_count();
  min_timestamp_us = kNullLong;
  max_timestamp_us = kNullLong;
  if (record.schema.timestamp_index >= 0) {
    for (const auto& p : record.partitions) {
      if (p.row_count == 0) continue;
      if (min_timestamp_us == kNullLong) min_timestamp_us = p.min_timestamp_us;
      max_timestamp_us = p.max_timestamp_us;
    }
  }
  symbols_.resize(record.schema.columns.size());
  if (previous != nullptr) {
    std::lock_guard lk(previous->mu_);
    for (size_t c = 0; c < record.columns.size(); ++c) {
      for (size_t pc = 0; pc < previous->record.columns.size(); ++pc) {
        if (previous->record.columns[pc].file_stem == record.columns[c].file_stem &&
            previous->record.columns[pc].symbol_count == record.columns[c].symbol_count) {
          symbols_[c] = previous->symbols_[pc];
        }
      }
    }
    ShareMappings(*previous);
  }
}

// A commit usually changes one partition entry: the others keep their directory, row count
// and files, so their mappings (already checked) serve the new pin as they are, instead of
// being mapped and checked again on the first query after every commit.
void TableView::State::ShareMappings(const State& previous) {
  const size_t ncols = record.schema.columns.size();
  const size_t pcols = previous.record.schema.columns.size();
  if (previous.mappings_.empty() || ncols == 0 || pcols == 0) return;
  std::unordered_map<std::string_view, size_t> entry_by_dir, column_by_stem;
  for (size_t p = 0; p < record.partitions.size(); ++p) {
    entry_by_dir[record.partitions[p].dir_name] = p;
  }
  for (size_t c = 0; c < ncols; ++c) column_by_stem[record.columns[c].file_stem] = c;
  for (const auto& [key, m] : previous.mappings_) {
    if (!m.ready || m.column.is_all_null) continue;
    const PartitionInfo& pp = previous.record.partitions[key / pcols];
    const size_t pc = key % pcols;
    auto e = entry_by_dir.find(pp.dir_name);
    auto c = column_by_stem.find(previous.record.columns[pc].file_stem);
    if (e == entry_by_dir.end() || c == column_by_stem.end()) continue;
    const PartitionInfo& np = record.partitions[e->second];
    // Same rows of the same files; SYMBOL keys were checked against a dictionary no larger.
    if (np.row_count != pp.row_count || record.schema.columns[c->second].type != m.column.type ||
        (np.knows_column_files() && !np.column_files[c->second]) ||
        record.columns[c->second].symbol_count < previous.record.columns[pc].symbol_count) {
      continue;
    }
    mappings_[e->second * ncols + c->second] = m;
  }
}

TableView::State::~State() { files->RemovePin(record.txn); }

namespace {

// Checked once when a column is mapped (a linear pass the compiler vectorises), so that the
// scans that follow may index with what the files hold.
bool VarcharIndexIsValid(const uint64_t* idx, int64_t rows) {
  constexpr uint64_t kMask = ColumnData::kOffsetMask;
  uint64_t bad = idx[0] & kMask;  // entry 0 is offset 0
  for (int64_t k = 0; k < rows; ++k) bad |= (idx[k + 1] & kMask) < (idx[k] & kMask);
  return bad == 0;
}

bool SymbolKeysAreValid(const int32_t* keys, int64_t rows, uint32_t count) {
  bool bad = false;
  for (int64_t k = 0; k < rows; ++k) {
    bad |= (keys[k] != kNullSymbolKey) & (static_cast<uint32_t>(keys[k]) >= count);
  }
  return !bad;
}

}  // namespace

core::Status TableView::State::Damaged(const std::string& relative, std::string_view why) const {
  return core::Status::Corruption("damaged table file [table=" + table_name + ", file=" +
                                  files->Path(relative) + ", reason=" + std::string(why) + "]");
}

core::Status TableView::State::MapColumn(size_t pi, int ci, Mapping* m) const {
  const PartitionInfo& p = record.partitions[pi];
  const ColumnDef& def = record.schema.columns[ci];
  const std::string base = p.dir_name + "/" + record.columns[ci].file_stem;
  core::FileSystem& fs = files->fs();
  m->column.type = def.type;
  m->column.row_count = p.row_count;
  const bool recorded = p.knows_column_files();
  if (recorded && !p.column_files[ci]) {
    // The column was added after this entry was written.
    m->column.is_all_null = true;
    m->ready = true;
    return core::Status::Ok();
  }
  if (p.is_compressed) return OpenCompressed(pi, ci, m);
  const std::string data_name = base + ".d";
  auto data_file = files->Open(data_name, core::OpenMode::kRead);
  if (!data_file.ok()) {
    if (data_file.status().code() != core::StatusCode::kNotFound) return data_file.status();
    if (recorded) return Damaged(data_name, "column file missing");
    // A version 1 `_txn` does not say: the column was added after this partition was written.
    m->column.is_all_null = true;
    m->ready = true;
    return core::Status::Ok();
  }
  uint64_t data_size;
  const std::string index_name = base + ".i";
  if (IsVarSize(def.type)) {
    auto index_file = files->Open(index_name, core::OpenMode::kRead);
    if (!index_file.ok()) {
      if (index_file.status().code() == core::StatusCode::kNotFound) {
        return Damaged(index_name, "column index file missing");
      }
      return index_file.status();
    }
    uint64_t index_size = static_cast<uint64_t>(p.row_count + 1) * 8;
    ASSIGN_OR_RETURN(uint64_t actual, (*index_file)->Size());
    if (actual < index_size) return Damaged(index_name, "column index file shorter than committed");
    ASSIGN_OR_RETURN(m->index, fs.MapReadOnly(**index_file, 0, index_size));
    const uint64_t* idx = static_cast<const uint64_t*>(m->index->data());
    if (!VarcharIndexIsValid(idx, p.row_count)) {
      return Damaged(index_name, "column index offsets not ascending");
    }
    data_size = idx[p.row_count] & ColumnData::kOffsetMask;
    m->column.varchar_index = idx;
  } else {
    data_size = static_cast<uint64_t>(p.row_count) * ColumnTypeSize(def.type);
  }
  ASSIGN_OR_RETURN(uint64_t actual, (*data_file)->Size());
  if (actual < data_size) {
    // Mapping past the end of a file would fault (SIGBUS) on access: refuse instead.
    return Damaged(data_name, IsVarSize(def.type)
                                  ? "column file shorter than its index " + index_name + " says"
                                  : std::string("column file shorter than committed"));
  }
  ASSIGN_OR_RETURN(m->data, fs.MapReadOnly(**data_file, 0, data_size));
  m->column.data = m->data->data();
  if (m->column.data == nullptr && IsVarSize(def.type)) {
    static const char kEmpty = 0;
    m->column.data = &kEmpty;  // all rows empty or null: Varchar() must still get a base
  }
  if (def.type == ColumnType::kSymbol &&
      !SymbolKeysAreValid(m->column.values<int32_t>(), p.row_count,
                          record.columns[ci].symbol_count)) {
    return Damaged(data_name, "symbol key outside the dictionary");
  }
  m->ready = true;
  return core::Status::Ok();
}

// Only the file's header, index and footer are read here; blocks are decoded per call
// (DecodeRows), so a pinned state holds no decoded values, however many queries read it.
core::Status TableView::State::OpenCompressed(size_t pi, int ci, Mapping* m) const {
  const PartitionInfo& p = record.partitions[pi];
  const ColumnType type = record.schema.columns[ci].type;
  const std::string name = p.dir_name + "/" + record.columns[ci].file_stem + ".z";
  auto file = files->Open(name, core::OpenMode::kRead);
  if (!file.ok()) {
    if (file.status().code() == core::StatusCode::kNotFound) {
      return Damaged(name, "column file missing");
    }
    return file.status();
  }
  ASSIGN_OR_RETURN(uint64_t size, (*file)->Size());
  ASSIGN_OR_RETURN(m->data, files->fs().MapReadOnly(**file, 0, size));
  const std::string_view bytes(static_cast<const char*>(m->data->data()), size);
  auto reader = CompressedColumnReader::Open(bytes, type, files->Path(name));
  if (!reader.ok()) return Damaged(name, reader.status().message());
  if (reader->row_count() != p.row_count) return Damaged(name, "row count differs from the txn");
  m->reader = std::make_shared<const CompressedColumnReader>(std::move(*reader));
  m->ready = true;
  return core::Status::Ok();
}

core::Result<const TableView::State::Mapping*> TableView::State::FindMapping(size_t pi,
                                                                             int ci) const {
  if (pi >= record.partitions.size() || ci < 0 ||
      static_cast<size_t>(ci) >= record.schema.columns.size()) {
    return core::Status::InvalidArgument("partition or column index out of range");
  }
  std::lock_guard lk(mu_);
  if (partition_read_.empty()) partition_read_.assign(record.partitions.size(), false);
  if (!partition_read_[pi]) {
    partition_read_[pi] = true;
    ++partitions_read_;
  }
  Mapping& m = mappings_[pi * record.schema.columns.size() + ci];
  if (!m.ready) {
    Mapping fresh;
    RETURN_IF_ERROR(MapColumn(pi, ci, &fresh));
    m = std::move(fresh);
  }
  return &m;
}

core::Result<ColumnData> TableView::State::Column(size_t pi, int ci) const {
  ASSIGN_OR_RETURN(const Mapping* m, FindMapping(pi, ci));
  if (m->reader) {
    return core::Status::InvalidArgument(
        "a compressed partition entry's column is read by rows [table=" + table_name + "]");
  }
  return m->column;
}

core::Result<const CompressedColumnReader*> TableView::State::CompressedColumn(size_t pi,
                                                                               int ci) const {
  ASSIGN_OR_RETURN(const Mapping* m, FindMapping(pi, ci));
  return m->reader.get();
}

core::Result<ColumnData> TableView::State::ColumnRows(size_t pi, int ci, int64_t lo, int64_t hi,
                                                      DecodedRows* buffer) const {
  ASSIGN_OR_RETURN(const Mapping* m, FindMapping(pi, ci));
  const int64_t rows = record.partitions[pi].row_count;
  if (lo < 0 || lo > hi || hi > rows) {
    return core::Status::InvalidArgument("row range out of the partition entry");
  }
  if (m->reader) return DecodeRows(pi, ci, *m->reader, lo, hi, buffer);
  ColumnData cd = m->column;
  cd.row_count = hi - lo;
  if (cd.is_all_null) return cd;
  if (IsVarSize(cd.type)) {
    cd.varchar_index += lo;  // offsets stay relative to `data`
  } else if (cd.data != nullptr) {
    cd.data = static_cast<const char*>(cd.data) + lo * ColumnTypeSize(cd.type);
  }
  return cd;
}

core::Status TableView::State::DecodeNativeBlock(size_t pi, int ci,
                                                 const CompressedColumnReader& reader, size_t b,
                                                 void* out) const {
  blocks_decoded_.fetch_add(1, std::memory_order_relaxed);
  const uint32_t keys = reader.type() == ColumnType::kSymbol
                            ? record.columns[ci].symbol_count
                            : CompressedColumnReader::kAnySymbolKey;
  core::Status st = reader.DecodeNative(b, out, keys);
  if (!st.ok()) {
    return Damaged(record.partitions[pi].dir_name + "/" + record.columns[ci].file_stem + ".z",
                   st.message());
  }
  return core::Status::Ok();
}

// A block that lies whole inside [lo, hi) is decoded straight into place; one the range cuts
// (at most the first and the last) goes through `buffer->block` and its rows in the range are
// copied. VARCHAR rows are appended to one text and index rebased to 0, as `.d`/`.i` would be.
core::Result<ColumnData> TableView::State::DecodeRows(size_t pi, int ci,
                                                      const CompressedColumnReader& reader,
                                                      int64_t lo, int64_t hi,
                                                      DecodedRows* buffer) const {
  ColumnData cd;
  cd.type = reader.type();
  cd.row_count = hi - lo;
  const int64_t block_rows = reader.block_rows();
  const size_t first = static_cast<size_t>(lo / block_rows);
  const size_t end = lo == hi ? first : static_cast<size_t>((hi - 1) / block_rows) + 1;
  if (!IsVarSize(cd.type)) {
    const size_t width = static_cast<size_t>(ColumnTypeSize(cd.type));
    buffer->data.resize((static_cast<size_t>(hi - lo) * width + 7) / 8 + 1);
    char* out = reinterpret_cast<char*>(buffer->data.data());
    for (size_t b = first; b < end; ++b) {
      const BlockInfo& info = reader.block(b);
      const int64_t from = std::max(lo, info.first_row);
      const int64_t to = std::min(hi, info.first_row + static_cast<int64_t>(info.rows));
      char* dest = out + static_cast<size_t>(from - lo) * width;
      if (from == info.first_row && to == info.first_row + info.rows) {
        RETURN_IF_ERROR(DecodeNativeBlock(pi, ci, reader, b, dest));
        continue;
      }
      buffer->block.resize((static_cast<size_t>(block_rows) * width + 7) / 8 + 1);
      char* whole = reinterpret_cast<char*>(buffer->block.data());
      RETURN_IF_ERROR(DecodeNativeBlock(pi, ci, reader, b, whole));
      std::memcpy(dest, whole + static_cast<size_t>(from - info.first_row) * width,
                  static_cast<size_t>(to - from) * width);
    }
    cd.data = out;
    return cd;
  }
  std::vector<char>& text = buffer->text;
  std::vector<uint64_t>& index = buffer->index;
  text.clear();
  index.clear();
  index.reserve(static_cast<size_t>(hi - lo) + 1);
  index.push_back(0);
  for (size_t b = first; b < end; ++b) {
    blocks_decoded_.fetch_add(1, std::memory_order_relaxed);
    core::Status st = reader.DecodeVarchar(b, &buffer->varchar);
    if (!st.ok()) {
      return Damaged(record.partitions[pi].dir_name + "/" + record.columns[ci].file_stem + ".z",
                     st.message());
    }
    const BlockInfo& info = reader.block(b);
    const int64_t from = std::max(lo, info.first_row);
    const int64_t to = std::min(hi, info.first_row + static_cast<int64_t>(info.rows));
    for (int64_t r = from; r < to; ++r) {
      const std::string_view v = buffer->varchar.rows[static_cast<size_t>(r - info.first_row)];
      text.insert(text.end(), v.begin(), v.end());
      index.push_back(text.size() | (v.data() == nullptr ? ColumnData::kNullBit : 0));
    }
  }
  static const char kEmpty = 0;
  cd.data = text.empty() ? &kEmpty : text.data();
  cd.varchar_index = index.data();
  return cd;
}

size_t TableView::State::PartitionsRead() const {
  std::lock_guard lk(mu_);
  return partitions_read_;
}

core::Result<const SymbolTable*> TableView::State::Symbols(int ci) const {
  if (ci < 0 || static_cast<size_t>(ci) >= record.schema.columns.size() ||
      record.schema.columns[ci].type != ColumnType::kSymbol) {
    return core::Status::InvalidArgument("not a symbol column [table=" + table_name + "]");
  }
  std::lock_guard lk(mu_);
  if (!symbols_[ci]) {
    const ColumnState& cs = record.columns[ci];
    const std::string name = cs.file_stem + ".sym";
    std::unique_ptr<core::File> file;
    if (cs.symbol_bytes > 0) {
      auto f = files->Open(name, core::OpenMode::kRead);
      if (!f.ok()) {
        if (f.status().code() == core::StatusCode::kNotFound) {
          return Damaged(name, "symbol file missing");
        }
        return f.status();
      }
      file = std::move(*f);
    }
    auto t = FrozenSymbolTable::Load(file.get(), cs.symbol_count, cs.symbol_bytes);
    if (!t.ok()) {
      if (t.status().code() == core::StatusCode::kCorruption) {
        return Damaged(name, t.status().message());
      }
      return t.status();
    }
    symbols_[ci] = std::move(*t);
  }
  return symbols_[ci].get();
}

void FillColumnFiles(const TableFiles& files, const TxnRecord* previous, TxnRecord* next) {
  const size_t ncols = next->schema.columns.size();
  for (PartitionInfo& p : next->partitions) {
    const PartitionInfo* same = nullptr;
    if (previous != nullptr) {
      for (const PartitionInfo& q : previous->partitions) {
        if (q.dir_name == p.dir_name && q.row_count == p.row_count && q.knows_column_files() &&
            q.is_compressed == p.is_compressed) {
          same = &q;
        }
      }
    }
    std::vector<bool> present(ncols, false);
    for (size_t c = 0; c < ncols; ++c) {
      const std::string& stem = next->columns[c].file_stem;
      if (same == nullptr) {
        present[c] = files.Exists(p.dir_name + "/" + stem + (p.is_compressed ? ".z" : ".d"));
        continue;
      }
      for (size_t pc = 0; pc < previous->columns.size(); ++pc) {
        if (previous->columns[pc].file_stem == stem) present[c] = same->column_files[pc];
      }
    }
    p.column_files = std::move(present);
  }
}

// Sizes come from the record (and, for VARCHAR, the committed index entry), not from mapping
// the files: a backup of a table with many partitions must not depend on mmap limits.
core::Result<std::vector<CommittedFile>> TableView::State::CommittedFiles() const {
  std::vector<CommittedFile> out;
  for (size_t c = 0; c < record.schema.columns.size(); ++c) {
    const ColumnState& cs = record.columns[c];
    if (record.schema.columns[c].type == ColumnType::kSymbol && cs.symbol_count > 0) {
      const std::string name = cs.file_stem + ".sym";
      if (!files->Exists(name)) return Damaged(name, "symbol file missing");
      out.push_back({name, cs.symbol_bytes});
    }
  }
  for (const PartitionInfo& part : record.partitions) {
    const uint64_t rows = static_cast<uint64_t>(part.row_count);
    for (size_t c = 0; c < record.schema.columns.size(); ++c) {
      const ColumnType type = record.schema.columns[c].type;
      const std::string base = part.dir_name + "/" + record.columns[c].file_stem;
      if (part.is_compressed) {
        if (!part.column_files[c]) continue;
        // Immutable once published: the whole file is committed.
        auto size = files->fs().FileSize(files->Path(base + ".z"));
        if (!size.ok()) {
          if (size.status().code() == core::StatusCode::kNotFound) {
            return Damaged(base + ".z", "column file missing");
          }
          return size.status();
        }
        out.push_back({base + ".z", *size});
        continue;
      }
      if (part.knows_column_files()) {
        if (!part.column_files[c]) continue;  // added later: all null here
        if (!files->Exists(base + ".d")) return Damaged(base + ".d", "column file missing");
      } else if (!files->Exists(base + ".d")) {
        continue;  // a version 1 `_txn`: added later, all null here
      }
      if (!IsVarSize(type)) {
        out.push_back({base + ".d", rows * ColumnTypeSize(type)});
        continue;
      }
      const std::string index_name = base + ".i";
      auto index = files->Open(index_name, core::OpenMode::kRead);
      if (!index.ok()) {
        if (index.status().code() == core::StatusCode::kNotFound) {
          return Damaged(index_name, "column index file missing");
        }
        return index.status();
      }
      uint64_t end = 0;
      ASSIGN_OR_RETURN(size_t got, (*index)->ReadAt(rows * 8, &end, 8));
      if (got != 8) return Damaged(index_name, "column index file shorter than committed");
      out.push_back({base + ".d", end & ColumnData::kOffsetMask});
      out.push_back({index_name, (rows + 1) * 8});
    }
  }
  return out;
}

// --- TableView ---

const std::string& TableView::table_name() const { return state_->table_name; }
uint32_t TableView::table_id() const { return state_->record.table_id; }
uint64_t TableView::txn() const { return state_->record.txn; }
const TableSchema& TableView::schema() const { return state_->record.schema; }
int64_t TableView::row_count() const { return state_->row_count; }
int64_t TableView::min_timestamp_us() const { return state_->min_timestamp_us; }
int64_t TableView::max_timestamp_us() const { return state_->max_timestamp_us; }
const std::vector<PartitionInfo>& TableView::partitions() const {
  return state_->record.partitions;
}
core::Result<ColumnData> TableView::Column(size_t partition_index, int column_index) const {
  return state_->Column(partition_index, column_index);
}
core::Result<ColumnData> TableView::ColumnRows(size_t partition_index, int column_index, int64_t lo,
                                               int64_t hi, DecodedRows* buffer) const {
  return state_->ColumnRows(partition_index, column_index, lo, hi, buffer);
}
core::Result<const CompressedColumnReader*> TableView::CompressedColumn(size_t partition_index,
                                                                        int column_index) const {
  return state_->CompressedColumn(partition_index, column_index);
}
size_t TableView::PartitionsRead() const { return state_->PartitionsRead(); }
size_t TableView::BlocksDecoded() const { return state_->BlocksDecoded(); }
bool TableView::MayHoldNullKey(int column_index) const {
  const TxnRecord& r = state_->record;
  if (column_index < 0 || static_cast<size_t>(column_index) >= r.columns.size()) return true;
  return r.schema.columns[column_index].type != ColumnType::kSymbol ||
         r.columns[column_index].may_hold_null_key;
}
core::Result<const SymbolTable*> TableView::Symbols(int column_index) const {
  return state_->Symbols(column_index);
}
core::Result<std::vector<CommittedFile>> TableView::CommittedFiles() const {
  return state_->CommittedFiles();
}
std::string TableView::SerializedTxn() const { return SerializeTxn(state_->record); }

}  // namespace sundial::cairo
