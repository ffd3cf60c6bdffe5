// TableView and its pinned State: lazily mapped column files and symbol tables.
#include <cmath>
#include <cstring>

#include "cairo/table_state.h"
#include "core/log.h"

namespace sundial::cairo {

void WriteNullValue(ColumnType type, void* out) {
  switch (type) {
    case ColumnType::kBoolean:
    case ColumnType::kByte: *static_cast<int8_t*>(out) = 0; break;
    case ColumnType::kShort: *static_cast<int16_t*>(out) = 0; break;
    case ColumnType::kChar: *static_cast<uint16_t*>(out) = kNullChar; break;
    case ColumnType::kInt:
    case ColumnType::kSymbol: std::memcpy(out, &kNullInt, 4); break;
    case ColumnType::kLong:
    case ColumnType::kDate:
    case ColumnType::kTimestamp: std::memcpy(out, &kNullLong, 8); break;
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
    case ColumnType::kVarchar: break;
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
  }
}

TableView::State::~State() { files->RemovePin(record.txn); }

core::Status TableView::State::MapColumn(size_t pi, int ci, Mapping* m) const {
  const PartitionInfo& p = record.partitions[pi];
  const ColumnDef& def = record.schema.columns[ci];
  const std::string base = p.dir_name + "/" + record.columns[ci].file_stem;
  core::FileSystem& fs = files->fs();
  m->column.type = def.type;
  m->column.row_count = p.row_count;
  const std::string data_name = base + ".d";
  auto data_file = files->Open(data_name, core::OpenMode::kRead);
  if (!data_file.ok()) {
    if (data_file.status().code() != core::StatusCode::kNotFound) return data_file.status();
    // The column was added after this partition was written.
    m->column.is_all_null = true;
    m->ready = true;
    return core::Status::Ok();
  }
  uint64_t data_size;
  if (IsVarSize(def.type)) {
    ASSIGN_OR_RETURN(auto index_file, files->Open(base + ".i", core::OpenMode::kRead));
    uint64_t index_size = static_cast<uint64_t>(p.row_count + 1) * 8;
    ASSIGN_OR_RETURN(uint64_t actual, index_file->Size());
    if (actual < index_size) {
      return core::Status::Corruption("column index file shorter than committed [path=" +
                                      index_file->path() + "]");
    }
    ASSIGN_OR_RETURN(m->index, fs.MapReadOnly(*index_file, 0, index_size));
    const uint64_t* idx = static_cast<const uint64_t*>(m->index->data());
    data_size = idx[p.row_count] & ColumnData::kOffsetMask;
    m->column.varchar_index = idx;
  } else {
    data_size = static_cast<uint64_t>(p.row_count) * ColumnTypeSize(def.type);
  }
  ASSIGN_OR_RETURN(uint64_t actual, (*data_file)->Size());
  if (actual < data_size) {
    // Mapping past the end of a file would fault (SIGBUS) on access: refuse instead.
    return core::Status::Corruption("column file shorter than committed [path=" +
                                    (*data_file)->path() + "]");
  }
  ASSIGN_OR_RETURN(m->data, fs.MapReadOnly(**data_file, 0, data_size));
  m->column.data = m->data->data();
  if (m->column.data == nullptr && IsVarSize(def.type)) {
    static const char kEmpty = 0;
    m->column.data = &kEmpty;  // all rows empty or null: Varchar() must still get a base
  }
  m->ready = true;
  return core::Status::Ok();
}

core::Result<ColumnData> TableView::State::Column(size_t pi, int ci) const {
  if (pi >= record.partitions.size() || ci < 0 ||
      static_cast<size_t>(ci) >= record.schema.columns.size()) {
    return core::Status::InvalidArgument("partition or column index out of range");
  }
  std::lock_guard lk(mu_);
  Mapping& m = mappings_[pi * record.schema.columns.size() + ci];
  if (!m.ready) {
    Mapping fresh;
    RETURN_IF_ERROR(MapColumn(pi, ci, &fresh));
    m = std::move(fresh);
  }
  return m.column;
}

const SymbolTable* TableView::State::Symbols(int ci) const {
  if (ci < 0 || static_cast<size_t>(ci) >= record.schema.columns.size() ||
      record.schema.columns[ci].type != ColumnType::kSymbol) {
    return nullptr;
  }
  std::lock_guard lk(mu_);
  if (!symbols_[ci]) {
    const ColumnState& cs = record.columns[ci];
    std::unique_ptr<core::File> file;
    if (cs.symbol_count > 0) {
      auto f = files->Open(cs.file_stem + ".sym", core::OpenMode::kRead);
      if (!f.ok()) {
        core::LogError("could not open symbol table [table=" + table_name + ", error=" +
                       f.status().ToString() + "]");
        return nullptr;
      }
      file = std::move(*f);
    }
    auto t = FrozenSymbolTable::Load(file.get(), cs.symbol_count, cs.symbol_bytes);
    if (!t.ok()) {
      core::LogError("could not read symbol table [table=" + table_name + ", error=" +
                     t.status().ToString() + "]");
      return nullptr;
    }
    symbols_[ci] = std::move(*t);
  }
  return symbols_[ci].get();
}

// Sizes come from the record (and, for VARCHAR, the committed index entry), not from mapping
// the files: a backup of a table with many partitions must not depend on mmap limits.
std::vector<CommittedFile> TableView::State::CommittedFiles() const {
  std::vector<CommittedFile> out;
  for (size_t c = 0; c < record.schema.columns.size(); ++c) {
    const ColumnState& cs = record.columns[c];
    if (record.schema.columns[c].type == ColumnType::kSymbol && cs.symbol_count > 0) {
      out.push_back({cs.file_stem + ".sym", cs.symbol_bytes});
    }
  }
  for (const PartitionInfo& part : record.partitions) {
    const uint64_t rows = static_cast<uint64_t>(part.row_count);
    for (size_t c = 0; c < record.schema.columns.size(); ++c) {
      const ColumnType type = record.schema.columns[c].type;
      const std::string base = part.dir_name + "/" + record.columns[c].file_stem;
      if (!files->Exists(base + ".d")) continue;  // added later: all null here
      if (!IsVarSize(type)) {
        out.push_back({base + ".d", rows * ColumnTypeSize(type)});
        continue;
      }
      uint64_t end = 0;
      auto index = files->Open(base + ".i", core::OpenMode::kRead);
      auto got = index.ok() ? (*index)->ReadAt(rows * 8, &end, 8) : core::Result<size_t>(index.status());
      if (!got.ok() || *got != 8) {
        core::LogError("could not read committed varchar size [table=" + table_name + ", file=" +
                       base + ".i, error=" +
                       (got.ok() ? std::string("short index") : got.status().ToString()) + "]");
      }
      out.push_back({base + ".d", end & ColumnData::kOffsetMask});
      out.push_back({base + ".i", (rows + 1) * 8});
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
const SymbolTable* TableView::Symbols(int column_index) const {
  return state_->Symbols(column_index);
}
std::vector<CommittedFile> TableView::CommittedFiles() const { return state_->CommittedFiles(); }
std::string TableView::SerializedTxn() const { return SerializeTxn(state_->record); }

}  // namespace sundial::cairo
