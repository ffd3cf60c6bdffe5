#include "http/ilp_ingest.h"

#include <strings.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>

#include "cairo/column_type.h"
#include "core/timestamp.h"

namespace sundial::http {
namespace {

using cairo::ColumnType;
using core::Status;

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

ColumnType DefaultType(IlpType t) {
  switch (t) {
    case IlpType::kTag: return ColumnType::kSymbol;
    case IlpType::kDouble: return ColumnType::kDouble;
    case IlpType::kLong: return ColumnType::kLong;
    case IlpType::kBool: return ColumnType::kBoolean;
    case IlpType::kString: return ColumnType::kVarchar;
    case IlpType::kTimestamp: return ColumnType::kTimestamp;
  }
  return ColumnType::kVarchar;
}

Status CastError(const IlpValue& v, ColumnType type, std::string_view table) {
  return Status::InvalidArgument("cast error from protocol type: " + std::string(IlpTypeName(v.type)) +
                                 " to column type: " + std::string(cairo::ColumnTypeName(type)) +
                                 " [table=" + std::string(table) + ", column=" +
                                 std::string(v.name) + "]");
}

}  // namespace

IlpBatch::IlpBatch(cairo::Engine* engine, IlpIngestOptions options)
    : engine_(engine), options_(options) {}

IlpBatch::~IlpBatch() { ReleaseAll(); }

core::Result<cairo::WriterLease> IlpBatch::AcquireWriter(const std::string& name) {
  int64_t deadline = core::MonotonicMicros() + options_.writer_wait_ms * 1000;
  int64_t sleep_us = 200;
  for (;;) {
    auto lease = engine_->AcquireWriter(name);
    if (lease.ok() || lease.status().code() != core::StatusCode::kUnavailable ||
        core::MonotonicMicros() >= deadline) {
      return lease;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(sleep_us));
    sleep_us = std::min<int64_t>(sleep_us * 2, 20'000);
  }
}

core::Result<IlpBatch::TableState*> IlpBatch::GetTable(std::string_view table,
                                                       const IlpValue* values, size_t n) {
  if (last_ != nullptr && last_->name.size() == table.size() &&
      std::memcmp(last_->name.data(), table.data(), table.size()) == 0) {
    return last_;
  }
  for (auto& t : tables_) {
    if (IEquals(t->name, table)) {
      last_ = t.get();
      return last_;
    }
  }
  std::string name(table);
  if (!engine_->HasTable(name)) {
    std::string err = cairo::ValidateTableName(name);
    if (!err.empty()) return Status::InvalidArgument(err + " [table=" + name + "]");
    cairo::TableSchema schema;
    for (size_t k = 0; k < n; ++k) {
      const IlpValue& v = values[k];
      std::string col(v.name);
      std::string cerr = cairo::ValidateColumnName(col);
      if (!cerr.empty()) return Status::InvalidArgument(cerr + " [column=" + col + "]");
      if (schema.FindColumn(col) >= 0) continue;  // duplicate in the line: first wins
      if (IEquals(col, "timestamp")) {
        return Status::InvalidArgument("column name 'timestamp' is reserved for the designated "
                                       "timestamp [table=" + name + "]");
      }
      schema.columns.push_back({col, DefaultType(v.type), 0});
    }
    schema.columns.push_back({"timestamp", ColumnType::kTimestamp, 0});
    schema.timestamp_index = static_cast<int>(schema.columns.size()) - 1;
    schema.partition_by = options_.partition_by;
    Status st = engine_->CreateTable(name, schema);
    if (!st.ok() && st.code() != core::StatusCode::kAlreadyExists) return st;
  }
  ASSIGN_OR_RETURN(cairo::WriterLease lease, AcquireWriter(name));
  auto t = std::make_unique<TableState>();
  t->name = lease->table_name();
  t->timestamp_index = lease->schema().timestamp_index;
  t->lease = std::move(lease);
  // Keep the name as the client spelled it for the fast comparison above.
  t->name = name;
  tables_.push_back(std::move(t));
  last_ = tables_.back().get();
  return last_;
}

core::Result<int> IlpBatch::ResolveColumn(TableState* t, size_t position, const IlpValue& v) {
  if (position < t->by_position.size()) {
    const CachedColumn& c = t->by_position[position];
    if (c.name.size() == v.name.size() &&
        std::memcmp(c.name.data(), v.name.data(), v.name.size()) == 0) {
      return c.index;
    }
  }
  cairo::TableWriter* w = t->lease.get();
  int idx = w->schema().FindColumn(v.name);
  if (idx < 0) {
    std::string col(v.name);
    std::string cerr = cairo::ValidateColumnName(col);
    if (!cerr.empty()) return Status::InvalidArgument(cerr + " [column=" + col + "]");
    Status st = w->AddColumn(col, DefaultType(v.type));
    if (!st.ok() && st.code() != core::StatusCode::kAlreadyExists) return st;
    idx = w->schema().FindColumn(col);
    if (idx < 0) return Status::Internal("added column not found [column=" + col + "]");
  }
  if (idx == t->timestamp_index) {
    return Status::InvalidArgument("designated timestamp column cannot be set from a field "
                                   "[table=" + t->name + ", column=" + std::string(v.name) + "]");
  }
  if (t->by_position.size() <= position) t->by_position.resize(position + 1);
  CachedColumn& c = t->by_position[position];
  c.name.assign(v.name.data(), v.name.size());
  c.index = idx;
  c.type = w->schema().columns[static_cast<size_t>(idx)].type;
  return idx;
}

Status IlpBatch::PutValue(cairo::TableWriter* w, int col, ColumnType type, const IlpValue& v,
                          const TableState& t) {
  switch (v.type) {
    case IlpType::kTag:
    case IlpType::kString:
      if (type == ColumnType::kSymbol) return w->PutSymbol(col, v.s), Status::Ok();
      if (type == ColumnType::kVarchar) return w->PutVarchar(col, v.s), Status::Ok();
      if (type == ColumnType::kChar && v.s.size() == 1) {
        return w->PutChar(col, static_cast<uint8_t>(v.s[0])), Status::Ok();
      }
      return CastError(v, type, t.name);
    case IlpType::kDouble:
      if (type == ColumnType::kDouble || type == ColumnType::kFloat) {
        return w->PutDouble(col, v.d), Status::Ok();
      }
      return CastError(v, type, t.name);
    case IlpType::kLong:
      switch (type) {
        case ColumnType::kLong:
        case ColumnType::kTimestamp:
        case ColumnType::kDate:
          return w->PutLong(col, v.i), Status::Ok();
        case ColumnType::kInt:
          if (v.i < INT32_MIN || v.i > INT32_MAX) break;
          return w->PutLong(col, v.i), Status::Ok();
        case ColumnType::kShort:
          if (v.i < INT16_MIN || v.i > INT16_MAX) break;
          return w->PutLong(col, v.i), Status::Ok();
        case ColumnType::kByte:
          if (v.i < INT8_MIN || v.i > INT8_MAX) break;
          return w->PutLong(col, v.i), Status::Ok();
        case ColumnType::kDouble:
        case ColumnType::kFloat:
          return w->PutDouble(col, static_cast<double>(v.i)), Status::Ok();
        default:
          return CastError(v, type, t.name);
      }
      return Status::InvalidArgument("integer value out of range for column type " +
                                     std::string(cairo::ColumnTypeName(type)) + " [table=" +
                                     t.name + ", column=" + std::string(v.name) + "]");
    case IlpType::kBool:
      if (type == ColumnType::kBoolean) return w->PutBool(col, v.b), Status::Ok();
      return CastError(v, type, t.name);
    case IlpType::kTimestamp:
      if (type == ColumnType::kTimestamp) return w->PutLong(col, v.i), Status::Ok();
      if (type == ColumnType::kDate) {
        return w->PutLong(col, core::FloorDiv(v.i, 1000)), Status::Ok();
      }
      return CastError(v, type, t.name);
  }
  return Status::Internal("unknown value type");
}

Status IlpBatch::Append(const IlpLine& line, int64_t timestamp_us) {
  return Append(line.table, line.values.data(), line.values.size(), timestamp_us);
}

Status IlpBatch::Append(std::string_view table, const IlpValue* values, size_t n,
                        int64_t timestamp_us) {
  ASSIGN_OR_RETURN(TableState * t, GetTable(table, values, n));
  cairo::TableWriter* w = t->lease.get();
  // Resolve every column (and add missing ones) before starting the row.
  int cols[64];
  std::vector<int> big;
  int* idx = cols;
  if (n > 64) {
    big.resize(n);
    idx = big.data();
  }
  for (size_t k = 0; k < n; ++k) {
    ASSIGN_OR_RETURN(idx[k], ResolveColumn(t, k, values[k]));
  }
  RETURN_IF_ERROR(w->NewRow(timestamp_us));
  const auto& columns = w->schema().columns;
  for (size_t k = 0; k < n; ++k) {
    ColumnType type = columns[static_cast<size_t>(idx[k])].type;
    Status st = PutValue(w, idx[k], type, values[k], *t);
    if (!st.ok()) {
      w->CancelRow();
      return st;
    }
  }
  Status st = w->EndRow();
  if (!st.ok()) {
    w->CancelRow();
    return st;
  }
  ++t->pending;
  ++pending_rows_;
  return Status::Ok();
}

Status IlpBatch::CommitAll() {
  Status first;
  for (auto& t : tables_) {
    if (!first.ok()) {
      t->lease->Rollback();
      t->pending = 0;
      continue;
    }
    if (t->pending == 0) continue;
    auto r = t->lease->Commit();
    if (!r.ok()) {
      first = Status(r.status().code(), r.status().message() + " [table=" + t->name + "]");
    } else {
      committed_rows_ += t->pending;
    }
    t->pending = 0;
  }
  pending_rows_ = 0;
  return first;
}

void IlpBatch::RollbackAll() {
  for (auto& t : tables_) {
    t->lease->Rollback();
    t->pending = 0;
  }
  pending_rows_ = 0;
}

void IlpBatch::ReleaseAll() {
  RollbackAll();
  tables_.clear();
  last_ = nullptr;
}

}  // namespace sundial::http
