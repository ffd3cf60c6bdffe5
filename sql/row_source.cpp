// Adapts an operator tree to the server's RowSource: converts executor vectors to
// ResultVectors (nulls flagged, symbols resolved to their strings).
#include <cmath>

#include "cairo/column_text.h"
#include "sql/statements.h"

namespace sundial::sql {
namespace {

class OperatorRowSource final : public RowSource {
 public:
  explicit OperatorRowSource(OpPtr op) : op_(std::move(op)) {
    for (const auto& c : op_->columns()) cols_.push_back({c.name, c.type});
  }
  const std::vector<ResultColumn>& columns() const override { return cols_; }
  int timestamp_index() const override { return op_->timestamp_index(); }

  core::Result<bool> Next(ResultBlock* block, size_t max_rows) override {
    block->Clear();
    block->columns.resize(cols_.size());
    for (size_t c = 0; c < cols_.size(); ++c) block->columns[c].type = cols_[c].type;
    // Fill up to max_rows (at least one operator batch).
    while (block->row_count < std::max<size_t>(max_rows, 1)) {
      if (pending_pos_ >= pending_.n) {
        if (exhausted_) break;
        try {
          ASSIGN_OR_RETURN(bool more, op_->Next(&pending_));
          if (!more) {
            exhausted_ = true;
            break;
          }
        } catch (const std::bad_alloc&) {
          return core::Status::ResourceExhausted("out of memory while executing the query");
        } catch (const std::exception& e) {
          return core::Status::Internal(std::string("query failed: ") + e.what());
        }
        pending_pos_ = 0;
        // Results must not depend on storage of the operator batch beyond this call: strings
        // view pinned storage or pools we keep alive in the block's arena owner below.
      }
      size_t take = std::min(pending_.n - pending_pos_, std::max<size_t>(max_rows, 1) - block->row_count);
      Append(pending_pos_, take, block);
      pending_pos_ += take;
      block->row_count += take;
    }
    return block->row_count > 0;
  }

 private:
  void Append(size_t from, size_t count, ResultBlock* block) {
    for (size_t c = 0; c < cols_.size(); ++c) {
      const Vec& v = pending_.cols[c];
      ResultVector& out = block->columns[c];
      const ColumnType t = cols_[c].type;
      bool zero_null = t == ColumnType::kBoolean || t == ColumnType::kByte || t == ColumnType::kShort;
      if (v.no_data()) {
        for (size_t r = 0; r < count; ++r) out.nulls.push_back(1);
        if (PhysOf(t) == Phys::kStr || IsStringLike(t) || t == ColumnType::kIPv4 ||
            cairo::IsGeoHash(t))
          out.strings.resize(out.strings.size() + count);
        else if (PhysOf(t) == Phys::kF64) out.doubles.resize(out.doubles.size() + count, std::nan(""));
        else out.longs.resize(out.longs.size() + count, 0);
        continue;
      }
      if (t == ColumnType::kIPv4 || cairo::IsGeoHash(t)) {
        // Rendered here, once, for every client (/exec, /exp, ...).
        for (size_t r = from; r < from + count; ++r) {
          const bool null = v.i[r] == kNullI64;
          std::string text;
          if (!null && t == ColumnType::kIPv4) {
            cairo::AppendIPv4(&text, static_cast<uint32_t>(v.i[r]));
          } else if (!null) {
            cairo::AppendGeoHash(&text, v.i[r], cairo::GeoHashBits(t));
          }
          block->arena.push_back(std::move(text));
          out.strings.push_back(null ? std::string_view() : std::string_view(block->arena.back()));
          out.nulls.push_back(null);
        }
      } else if (IsStringLike(t) || IsTextValueType(t) || t == ColumnType::kBinary) {
        for (size_t r = from; r < from + count; ++r) {
          std::string_view s = v.Str(r);
          bool null = s.data() == nullptr;
          if (!null && v.pool) {
            // Copy bytes owned by a temporary pool into the block's arena.
            block->arena.emplace_back(s);
            s = block->arena.back();
          }
          out.strings.push_back(s);
          out.nulls.push_back(null);
        }
      } else if (PhysOf(t) == Phys::kF64) {
        for (size_t r = from; r < from + count; ++r) {
          double d = v.d[r];
          out.doubles.push_back(d);
          out.nulls.push_back(std::isnan(d) || std::isinf(d));
        }
      } else {
        for (size_t r = from; r < from + count; ++r) {
          int64_t x = v.i[r];
          bool null = !zero_null && x == kNullI64;
          out.longs.push_back(null ? 0 : x);
          out.nulls.push_back(null);
        }
      }
    }
  }

  OpPtr op_;
  std::vector<ResultColumn> cols_;
  Batch pending_;
  size_t pending_pos_ = 0;
  bool exhausted_ = false;
};

}  // namespace

std::unique_ptr<RowSource> MakeRowSource(OpPtr op) {
  return std::make_unique<OperatorRowSource>(std::move(op));
}

}  // namespace sundial::sql
