// Table scans: partition pruning by the designated timestamp, binary search of row ranges,
// and zero-copy column loading from the pinned mmaps; compressed entries are decoded block by
// block, only the blocks of the rows a batch holds and only the columns the query reads.
#include <algorithm>
#include <cstring>

#include "cairo/column_text.h"
#include "sql/operator.h"

namespace sundial::sql {

namespace {

static_assert(cairo::kCompressedBlockRows == kBatchRows,
              "a batch aligned to kBatchRows rows decodes one block of a compressed entry");

// The first row of entry `p` whose designated timestamp (ascending) is >= `value`. Of a
// compressed entry, the index's block max finds the one block that holds it, and only that
// block is decoded.
core::Result<int64_t> LowerBoundRow(const cairo::TableView& view, size_t p, int ts, int64_t value,
                                    cairo::DecodedRows* decoded) {
  const int64_t rows = view.partitions()[p].row_count;
  int64_t lo = 0, hi = rows;
  ASSIGN_OR_RETURN(const cairo::CompressedColumnReader* z, view.CompressedColumn(p, ts));
  if (z != nullptr) {
    const size_t b = z->LowerBoundBlock(value);
    if (b == z->block_count()) return rows;
    lo = z->block(b).first_row;
    hi = lo + z->block(b).rows;
  }
  ASSIGN_OR_RETURN(cairo::ColumnData cd, view.ColumnRows(p, ts, lo, hi, decoded));
  if (cd.is_all_null || cd.data == nullptr) {
    return core::Status::Corruption(
        "designated timestamp column without data [table=" + view.table_name() + "]");
  }
  const int64_t* tsv = cd.values<int64_t>();
  return lo + (std::lower_bound(tsv, tsv + (hi - lo), value) - tsv);
}

}  // namespace

core::Result<std::vector<RowRange>> PlanRowRanges(const cairo::TableView& view,
                                                  const std::vector<Interval>& intervals,
                                                  bool has_intervals) {
  std::vector<RowRange> out;
  const auto& parts = view.partitions();
  int ts = view.schema().timestamp_index;
  cairo::DecodedRows decoded;
  for (size_t p = 0; p < parts.size(); ++p) {
    const cairo::PartitionInfo& info = parts[p];
    if (info.row_count == 0) continue;
    if (!has_intervals || ts < 0) {
      out.push_back({p, 0, info.row_count});
      continue;
    }
    for (const Interval& iv : intervals) {
      if (iv.hi < info.min_timestamp_us || iv.lo > info.max_timestamp_us) continue;
      if (iv.lo <= info.min_timestamp_us && iv.hi >= info.max_timestamp_us) {
        out.push_back({p, 0, info.row_count});
        continue;
      }
      ASSIGN_OR_RETURN(int64_t lo, LowerBoundRow(view, p, ts, iv.lo, &decoded));
      int64_t hi = info.row_count;
      if (iv.hi != INT64_MAX) {
        ASSIGN_OR_RETURN(hi, LowerBoundRow(view, p, ts, iv.hi + 1, &decoded));
      }
      if (lo < hi) out.push_back({p, lo, hi});
    }
  }
  return out;
}

core::Status LoadColumn(const cairo::TableView& view, size_t p, int col, int64_t lo, int64_t hi,
                        Vec* out) {
  const cairo::ColumnDef& def = view.schema().columns[col];
  size_t n = static_cast<size_t>(hi - lo);
  out->Reset(def.type, n);
  // A compressed entry's rows are decoded here, then converted or copied into `out` (which
  // must not point into a buffer the next call reuses). One batch's rows per thread.
  thread_local cairo::DecodedRows decoded;
  ASSIGN_OR_RETURN(cairo::ColumnData cd, view.ColumnRows(p, col, lo, hi, &decoded));
  const bool is_decoded = view.partitions()[p].is_compressed;
  using cairo::ColumnType;
  if (cd.is_all_null || (cd.data == nullptr && cd.varchar_index == nullptr)) {
    Value v = Value::Null(def.type);
    if (def.type == ColumnType::kBoolean || def.type == ColumnType::kByte || def.type == ColumnType::kShort) {
      v = Value::Long(def.type, 0);
    }
    if (def.type == ColumnType::kSymbol) {
      int64_t* o = out->AllocI(n);
      std::fill(o, o + n, kNullI64);
      ASSIGN_OR_RETURN(out->symtab, view.Symbols(col));
      return core::Status::Ok();
    }
    FillConstant(v, n, out);
    return core::Status::Ok();
  }
  if (cairo::IsGeoHash(def.type)) {  // the value's bits, kNullI64 for null
    const int width = cairo::ColumnTypeSize(def.type);
    const char* s = static_cast<const char*>(cd.data) + lo * width;
    int64_t* o = out->AllocI(n);
    for (size_t k = 0; k < n; ++k) o[k] = cairo::LoadGeoHash(def.type, s + k * width);
    return core::Status::Ok();
  }
  switch (def.type) {
    case ColumnType::kDouble:
      if (is_decoded) {
        double* o = out->AllocD(n);
        if (n > 0) std::memcpy(o, cd.data, n * sizeof(double));
      } else {
        out->d = cd.values<double>();
      }
      break;
    case ColumnType::kLong:
    case ColumnType::kDate:
    case ColumnType::kTimestamp:
      if (is_decoded) {
        int64_t* o = out->AllocI(n);
        if (n > 0) std::memcpy(o, cd.data, n * sizeof(int64_t));
      } else {
        out->i = cd.values<int64_t>();
      }
      break;
    case ColumnType::kFloat: {
      const float* s = cd.values<float>();
      double* o = out->AllocD(n);
      for (size_t k = 0; k < n; ++k) o[k] = s[k];
      break;
    }
    case ColumnType::kInt: {
      const int32_t* s = cd.values<int32_t>();
      int64_t* o = out->AllocI(n);
      for (size_t k = 0; k < n; ++k) o[k] = s[k] == cairo::kNullInt ? kNullI64 : s[k];
      break;
    }
    case ColumnType::kSymbol: {
      const int32_t* s = cd.values<int32_t>();
      int64_t* o = out->AllocI(n);
      for (size_t k = 0; k < n; ++k) o[k] = s[k] < 0 ? kNullI64 : s[k];
      ASSIGN_OR_RETURN(out->symtab, view.Symbols(col));
      break;
    }
    case ColumnType::kShort: {
      const int16_t* s = cd.values<int16_t>();
      int64_t* o = out->AllocI(n);
      for (size_t k = 0; k < n; ++k) o[k] = s[k];
      break;
    }
    case ColumnType::kChar: {
      const uint16_t* s = cd.values<uint16_t>();
      int64_t* o = out->AllocI(n);
      for (size_t k = 0; k < n; ++k) o[k] = s[k] == 0 ? kNullI64 : s[k];
      break;
    }
    case ColumnType::kByte: {
      const int8_t* s = cd.values<int8_t>();
      int64_t* o = out->AllocI(n);
      for (size_t k = 0; k < n; ++k) o[k] = s[k];
      break;
    }
    case ColumnType::kBoolean: {
      const uint8_t* s = cd.values<uint8_t>();
      int64_t* o = out->AllocI(n);
      for (size_t k = 0; k < n; ++k) o[k] = s[k] != 0;
      break;
    }
    case ColumnType::kIPv4: {
      const uint32_t* s = cd.values<uint32_t>();
      int64_t* o = out->AllocI(n);
      for (size_t k = 0; k < n; ++k) o[k] = s[k] == 0 ? kNullI64 : static_cast<int64_t>(s[k]);
      break;
    }
    case ColumnType::kUuid:
    case ColumnType::kLong128:
    case ColumnType::kLong256: {
      // Canonical text, so that the executor compares, groups and prints them as strings.
      const int width = cairo::ColumnTypeSize(def.type);
      const char* s = static_cast<const char*>(cd.data);
      std::string_view* o = out->AllocS(n);
      StringPool* pool = out->Pool();
      std::string text;
      for (size_t k = 0; k < n; ++k) {
        const char* v = s + k * width;
        if (cairo::IsStoredNull(def.type, v)) {
          o[k] = {};
          continue;
        }
        text.clear();
        cairo::AppendStoredText(def.type, v, &text);
        o[k] = pool->Add(text);
      }
      break;
    }
    case ColumnType::kGeoHash:
      return core::Status::Unsupported("unsupported column type");
    case ColumnType::kVarchar:
    case ColumnType::kBinary: {  // the same two files; BINARY's bytes are any bytes
      std::string_view* o = out->AllocS(n);
      const char* base = static_cast<const char*>(cd.data);
      if (is_decoded) {
        // The batch's own pool (not one grown across batches) keeps the decoded bytes.
        out->pool = std::make_shared<StringPool>();
        const uint64_t size = cd.varchar_index[n] & cairo::ColumnData::kOffsetMask;
        base = size == 0 ? StringPool::kEmpty : out->pool->Add({base, size}).data();
      }
      for (size_t k = 0; k < n; ++k) {
        int64_t r = static_cast<int64_t>(k);
        if (cd.IsVarcharNull(r)) {
          o[k] = {};
        } else {
          uint64_t b = cd.varchar_index[r] & cairo::ColumnData::kOffsetMask;
          uint64_t e = cd.varchar_index[r + 1] & cairo::ColumnData::kOffsetMask;
          o[k] = b == e ? std::string_view(StringPool::kEmpty, 0)
                        : std::string_view(base + b, static_cast<size_t>(e - b));
        }
      }
      break;
    }
  }
  out->n = n;
  return core::Status::Ok();
}

namespace {

class TableScanOp final : public Operator {
 public:
  ExplainNode Explain() const override { return {ExplainScan(spec_), {}, {}}; }
  explicit TableScanOp(ScanSpec spec) : spec_(std::move(spec)) {
    const auto& schema = spec_.view.schema();
    for (const auto& c : schema.columns) cols_.push_back({c.name, c.type, spec_.qualifier});
    ts_index_ = schema.timestamp_index;
  }

  core::Result<bool> Next(Batch* out) override {
    if (!planned_) {
      ASSIGN_OR_RETURN(ranges_, PlanRowRanges(spec_.view, spec_.intervals, spec_.has_intervals));
      planned_ = true;
    }
    while (range_ < ranges_.size()) {
      const RowRange& r = ranges_[range_];
      if (cursor_ < r.lo) cursor_ = r.lo;
      if (cursor_ >= r.hi) {
        ++range_;
        cursor_ = 0;
        continue;
      }
      int64_t hi = std::min<int64_t>(r.hi, cursor_ + static_cast<int64_t>(kBatchRows));
      if (spec_.view.partitions()[r.partition].is_compressed) {
        // One block per batch: a batch that straddled two would decode both twice.
        const int64_t block = static_cast<int64_t>(kBatchRows);
        hi = std::min(hi, (cursor_ / block + 1) * block);
      }
      out->n = static_cast<size_t>(hi - cursor_);
      out->cols.resize(cols_.size());
      for (size_t c = 0; c < cols_.size(); ++c) {
        if (spec_.needed && !(*spec_.needed)[c]) {
          out->cols[c].Reset(cols_[c].type, out->n);
          continue;
        }
        RETURN_IF_ERROR(LoadColumn(spec_.view, r.partition, static_cast<int>(c), cursor_, hi,
                                   &out->cols[c]));
      }
      cursor_ = hi;
      return true;
    }
    return false;
  }

 private:
  ScanSpec spec_;
  bool planned_ = false;
  std::vector<RowRange> ranges_;
  size_t range_ = 0;
  int64_t cursor_ = 0;
};

}  // namespace

OpPtr MakeTableScan(ScanSpec spec) { return std::make_unique<TableScanOp>(std::move(spec)); }

}  // namespace sundial::sql
