#include "sql/latest.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>

#include "sql/expr_nodes.h"

namespace sundial::sql {
namespace {

class LatestOnOp final : public Operator {
 public:
  ExplainNode Explain() const override {
    std::string keys;
    for (int k : spec_.key_columns) keys += (keys.empty() ? "" : ", ") + cols_[k].name;
    ExplainNode node{"LatestOn keys: [" + keys + "]", {}, {}};
    if (spec_.filter) node.details.push_back("filter");
    node.details.push_back(ExplainScan(spec_.scan) + " backward");
    return node;
  }
  explicit LatestOnOp(LatestSpec spec) : spec_(std::move(spec)) {
    for (const auto& c : spec_.scan.view.schema().columns)
      cols_.push_back({c.name, c.type, spec_.scan.qualifier});
    ts_index_ = spec_.scan.view.schema().timestamp_index;
  }

  core::Result<bool> Next(Batch* out) override {
    if (!done_) {
      RETURN_IF_ERROR(Choose());
      RETURN_IF_ERROR(Gather());
      done_ = true;
    }
    if (pos_ >= result_.n) return false;
    size_t hi = std::min(result_.n, pos_ + kBatchRows);
    std::vector<uint32_t> rows;
    for (size_t r = pos_; r < hi; ++r) rows.push_back(static_cast<uint32_t>(r));
    out->n = rows.size();
    out->cols.resize(result_.cols.size());
    for (size_t c = 0; c < result_.cols.size(); ++c) {
      GatherVec(result_.cols[c], rows.data(), rows.size(), &out->cols[c]);
    }
    pos_ = hi;
    return true;
  }

 private:
  // How many distinct key combinations the table can hold at most among the rows the filter
  // keeps, or UINT64_MAX when no useful bound is known. A SYMBOL column holds its dictionary's
  // keys, plus NULL when its `_txn` says it may (ColumnState::may_hold_null_key); BOOLEAN 2
  // values, BYTE 256, SHORT and CHAR 65536 (as scans widen them); other types are not bounded by
  // their type. A key column the filter holds to listed values (KeyValueList) holds at most
  // those (of a SYMBOL, only the ones its dictionary has). Once that many combinations have been
  // found nothing older can add one.
  core::Result<uint64_t> KeyBound() const {
    const cairo::TableView& view = spec_.scan.view;
    constexpr uint64_t kNoBound = UINT64_MAX, kLimit = uint64_t{1} << 40;
    uint64_t bound = 1;
    for (int kc : spec_.key_columns) {
      uint64_t values = kNoBound;
      switch (cols_[kc].type) {
        case ColumnType::kSymbol: {
          ASSIGN_OR_RETURN(const cairo::SymbolTable* st, view.Symbols(kc));
          values = static_cast<uint64_t>(st->size()) + (view.MayHoldNullKey(kc) ? 1 : 0);
          break;
        }
        case ColumnType::kBoolean:
          values = 2;
          break;
        case ColumnType::kByte:
          values = 256;
          break;
        case ColumnType::kShort:
        case ColumnType::kChar:
          values = 65536;
          break;
        default:
          break;
      }
      ASSIGN_OR_RETURN(std::optional<uint64_t> listed, ListedValues(kc));
      if (listed) values = std::min(values, *listed);
      if (values == 0) return uint64_t{0};  // no row can pass: nothing to read
      if (values == kNoBound || bound > kLimit / values) return kNoBound;
      bound *= values;
    }
    return bound;
  }

  // How many distinct values of key column `kc` the filter's lists of it (KeyValueList) let
  // through — those every list names, of a SYMBOL column only the ones its dictionary holds —
  // or nullopt when no list names the column. A listed NULL counts whatever the `_txn` says of
  // NULL keys (so a damaged flag cannot hide NULL rows the filter asks for).
  core::Result<std::optional<uint64_t>> ListedValues(int kc) const {
    std::optional<std::set<std::optional<std::string>>> common;
    for (const KeyValueList& list : spec_.key_value_lists) {
      if (list.column != kc) continue;
      std::set<std::optional<std::string>> values(list.values.begin(), list.values.end());
      if (common) {
        std::erase_if(values, [&](const auto& v) { return common->count(v) == 0; });
      }
      common = std::move(values);
    }
    if (!common) return std::optional<uint64_t>();
    if (cols_[kc].type == ColumnType::kSymbol) {
      ASSIGN_OR_RETURN(const cairo::SymbolTable* st, spec_.scan.view.Symbols(kc));
      std::erase_if(*common,
                    [&](const auto& v) { return v && st->Find(*v) == cairo::kNullSymbolKey; });
    }
    return std::optional<uint64_t>(common->size());
  }

  // True when a SYMBOL key column said to hold no NULL key (MayHoldNullKey) has one in row
  // `r` of `b`: the bound is then wrong (a damaged `_txn`), and the scan must not trust it.
  bool ContradictsBound(const Batch& b, size_t r) const {
    for (int kc : spec_.key_columns) {
      if (cols_[kc].type == ColumnType::kSymbol && b.cols[kc].i[r] == kNullI64 &&
          !spec_.scan.view.MayHoldNullKey(kc)) {
        return true;
      }
    }
    return false;
  }

  // Phase 1: walk backwards and pick the newest row per key.
  core::Status Choose() {
    const cairo::TableView& view = spec_.scan.view;
    ASSIGN_OR_RETURN(std::vector<RowRange> ranges,
                     PlanRowRanges(view, spec_.scan.intervals, spec_.scan.has_intervals));
    const size_t ncols = cols_.size();
    ASSIGN_OR_RETURN(uint64_t bound, KeyBound());
    const bool single_sym =
        spec_.key_columns.size() == 1 && cols_[spec_.key_columns[0]].type == ColumnType::kSymbol;
    std::vector<uint8_t> seen_dense;
    int64_t dict_size = -1;
    if (single_sym) {
      ASSIGN_OR_RETURN(const cairo::SymbolTable* st, view.Symbols(spec_.key_columns[0]));
      dict_size = st->size();
      seen_dense.assign(static_cast<size_t>(dict_size) + 1, 0);
    }
    const bool may_hold_null = !single_sym || view.MayHoldNullKey(spec_.key_columns[0]);
    std::unordered_set<std::string> seen;
    uint64_t found = 0;          // distinct key combinations chosen so far
    int64_t found_non_null = 0;  // single_sym: of them, dictionary keys
    // Columns to load in phase 1: keys and the filter's columns.
    std::vector<bool> load(ncols, false);
    for (int k : spec_.key_columns) load[k] = true;
    if (spec_.filter) {
      // The filter was bound against all columns; load what the scan marked as needed.
      load = *spec_.scan.needed;
    }
    Batch b;
    std::vector<uint8_t> mask;
    std::string key;
    for (auto it = ranges.rbegin(); it != ranges.rend(); ++it) {
      for (int64_t hi = it->hi; hi > it->lo;) {
        // Batches start at multiples of kBatchRows: one block of a compressed entry each.
        const int64_t batch = static_cast<int64_t>(kBatchRows);
        int64_t lo = std::max(it->lo, (hi - 1) / batch * batch);
        b.n = static_cast<size_t>(hi - lo);
        b.cols.assign(ncols, Vec());
        for (size_t c = 0; c < ncols; ++c) {
          if (load[c])
            RETURN_IF_ERROR(
                LoadColumn(view, it->partition, static_cast<int>(c), lo, hi, &b.cols[c]));
        }
        if (spec_.filter) RETURN_IF_ERROR(EvalPredicate(*spec_.filter, b, &mask));
        for (size_t r = b.n; r-- > 0;) {
          if (spec_.filter && !mask[r]) continue;
          bool fresh;
          if (single_sym) {
            int64_t k = b.cols[spec_.key_columns[0]].i[r];
            size_t slot = k < 0 ? 0 : static_cast<size_t>(k) + 1;
            if (slot >= seen_dense.size()) seen_dense.resize(slot + 1, 0);
            fresh = !seen_dense[slot];
            if (fresh) {
              seen_dense[slot] = 1;
              if (slot != 0) ++found_non_null;
            }
          } else {
            key.clear();
            for (int kc : spec_.key_columns) EncodeValue(b.cols[kc], r, &key);
            fresh = seen.insert(key).second;
          }
          if (fresh) {
            ++found;
            if (ContradictsBound(b, r)) bound = UINT64_MAX;
            chosen_.push_back({it->partition, lo + static_cast<int64_t>(r)});
          }
        }
        // Every key combination the table can hold found: nothing older matters.
        if (found >= bound) goto done;
        hi = lo;
        if (single_sym && found_non_null == dict_size && (seen_dense[0] || !may_hold_null)) {
          goto done;
        }
        // All dictionary keys found: only a NULL key can still be missing. Look for the
        // newest NULL key with a raw scan of the key column instead of loading batches.
        if (single_sym && !spec_.filter && found_non_null == dict_size && !seen_dense[0]) {
          RETURN_IF_ERROR(FindNewestNull(ranges, it, hi));
          goto done;
        }
      }
    }
  done:
    std::sort(chosen_.begin(), chosen_.end(), [](const Pick& a, const Pick& b) {
      return a.partition != b.partition ? a.partition < b.partition : a.row < b.row;
    });
    return core::Status::Ok();
  }

  // Scans backwards from row `hi` of range `it` (then older ranges) for the newest row whose
  // symbol key is NULL, and picks it.
  core::Status FindNewestNull(const std::vector<RowRange>& ranges,
                              std::vector<RowRange>::const_reverse_iterator it, int64_t hi) {
    const cairo::TableView& view = spec_.scan.view;
    const int col = spec_.key_columns[0];
    // The key column a window at a time (16 blocks of a compressed entry), newest first.
    constexpr int64_t kWindow = static_cast<int64_t>(kBatchRows) * 16;
    cairo::DecodedRows decoded;
    for (; it != ranges.rend(); ++it, hi = INT64_MAX) {
      for (int64_t end = std::min(hi, it->hi); end > it->lo;) {
        const int64_t start = std::max(it->lo, (end - 1) / kWindow * kWindow);
        ASSIGN_OR_RETURN(cairo::ColumnData cd,
                         view.ColumnRows(it->partition, col, start, end, &decoded));
        if (cd.is_all_null || !cd.data) {
          chosen_.push_back({it->partition, end - 1});
          return core::Status::Ok();
        }
        const int32_t* keys = cd.values<int32_t>();
        for (int64_t r = end - start; r-- > 0;) {
          if (keys[r] < 0) {
            chosen_.push_back({it->partition, start + r});
            return core::Status::Ok();
          }
        }
        end = start;
      }
    }
    return core::Status::Ok();
  }

  // Phase 2: gather the needed columns of the chosen rows.
  core::Status Gather() {
    const cairo::TableView& view = spec_.scan.view;
    result_.n = chosen_.size();
    result_.cols.assign(cols_.size(), Vec());
    for (size_t c = 0; c < cols_.size(); ++c) {
      Vec& acc = result_.cols[c];
      acc.type = cols_[c].type;
      if (!(*spec_.scan.needed)[c]) {
        acc.Reset(cols_[c].type, result_.n);
        continue;
      }
      // The picks of one block of kBatchRows rows (of one entry) are read with one load over
      // their span: a compressed entry decodes each block once, whatever the number of picks.
      const auto block_of = [](const Pick& p) {
        return std::pair(p.partition, p.row / static_cast<int64_t>(kBatchRows));
      };
      size_t k = 0;
      std::vector<uint32_t> idx;
      while (k < chosen_.size()) {
        size_t e = k;
        while (e < chosen_.size() && block_of(chosen_[e]) == block_of(chosen_[k])) ++e;
        int64_t lo = chosen_[k].row, hi = chosen_[e - 1].row + 1;
        Vec part;
        RETURN_IF_ERROR(LoadColumn(view, chosen_[k].partition, static_cast<int>(c), lo, hi, &part));
        idx.clear();
        for (size_t j = k; j < e; ++j) idx.push_back(static_cast<uint32_t>(chosen_[j].row - lo));
        Vec g;
        GatherVec(part, idx.data(), idx.size(), &g);
        AppendVec(g, &acc);
        k = e;
      }
      acc.n = result_.n;
    }
    return core::Status::Ok();
  }

  struct Pick {
    size_t partition;
    int64_t row;
  };
  LatestSpec spec_;
  std::vector<Pick> chosen_;
  bool done_ = false;
  Batch result_;
  size_t pos_ = 0;
};

}  // namespace

OpPtr MakeLatestOn(LatestSpec spec) { return std::make_unique<LatestOnOp>(std::move(spec)); }

}  // namespace sundial::sql
