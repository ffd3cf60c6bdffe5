#include "sql/latest.h"

#include <algorithm>
#include <unordered_set>

#include "sql/expr_nodes.h"

namespace sundial::sql {
namespace {


class LatestOnOp final : public Operator {
 public:
  explicit LatestOnOp(LatestSpec spec) : spec_(std::move(spec)) {
    for (const auto& c : spec_.scan.view.schema().columns) cols_.push_back({c.name, c.type, spec_.scan.qualifier});
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
  // Phase 1: walk backwards and pick the newest row per key.
  core::Status Choose() {
    const cairo::TableView& view = spec_.scan.view;
    ASSIGN_OR_RETURN(std::vector<RowRange> ranges,
                     PlanRowRanges(view, spec_.scan.intervals, spec_.scan.has_intervals));
    const size_t ncols = cols_.size();
    const bool single_sym = spec_.key_columns.size() == 1 &&
                            cols_[spec_.key_columns[0]].type == ColumnType::kSymbol;
    std::vector<uint8_t> seen_dense;
    int64_t dict_size = -1;
    if (single_sym) {
      ASSIGN_OR_RETURN(const cairo::SymbolTable* st, view.Symbols(spec_.key_columns[0]));
      dict_size = st->size();
      seen_dense.assign(static_cast<size_t>(dict_size) + 1, 0);
    }
    std::unordered_set<std::string> seen;
    int64_t found_dense = 0;
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
        int64_t lo = std::max(it->lo, hi - static_cast<int64_t>(kBatchRows));
        b.n = static_cast<size_t>(hi - lo);
        b.cols.assign(ncols, Vec());
        for (size_t c = 0; c < ncols; ++c) {
          if (load[c]) RETURN_IF_ERROR(LoadColumn(view, it->partition, static_cast<int>(c), lo, hi, &b.cols[c]));
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
              ++found_dense;
            }
          } else {
            key.clear();
            for (int kc : spec_.key_columns) EncodeValue(b.cols[kc], r, &key);
            fresh = seen.insert(key).second;
          }
          if (fresh) chosen_.push_back({it->partition, lo + static_cast<int64_t>(r)});
        }
        // Every possible key (all dictionary entries and NULL) found: nothing older matters.
        if (single_sym && found_dense == dict_size + 1) goto done;
        hi = lo;
        // All dictionary keys found: only a NULL key can still be missing. Look for the
        // newest NULL key with a raw scan of the key column instead of loading batches.
        if (single_sym && !spec_.filter && found_dense == dict_size && !seen_dense[0]) {
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
    for (; it != ranges.rend(); ++it, hi = INT64_MAX) {
      int64_t end = std::min(hi, it->hi);
      ASSIGN_OR_RETURN(cairo::ColumnData cd, view.Column(it->partition, col));
      if (cd.is_all_null || !cd.data) {
        if (end > it->lo) chosen_.push_back({it->partition, end - 1});
        return core::Status::Ok();
      }
      const int32_t* keys = cd.values<int32_t>();
      for (int64_t r = end; r-- > it->lo;) {
        if (keys[r] < 0) {
          chosen_.push_back({it->partition, r});
          return core::Status::Ok();
        }
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
      size_t k = 0;
      while (k < chosen_.size()) {
        size_t e = k;
        while (e < chosen_.size() && chosen_[e].partition == chosen_[k].partition) ++e;
        int64_t lo = chosen_[k].row, hi = chosen_[e - 1].row + 1;
        Vec part;
        if (static_cast<int64_t>(e - k) * 64 >= hi - lo) {
          RETURN_IF_ERROR(LoadColumn(view, chosen_[k].partition, static_cast<int>(c), lo, hi, &part));
          std::vector<uint32_t> idx;
          for (size_t j = k; j < e; ++j) idx.push_back(static_cast<uint32_t>(chosen_[j].row - lo));
          Vec g;
          GatherVec(part, idx.data(), idx.size(), &g);
          AppendVec(g, &acc);
        } else {
          for (size_t j = k; j < e; ++j) {
            RETURN_IF_ERROR(LoadColumn(view, chosen_[j].partition, static_cast<int>(c), chosen_[j].row,
                                       chosen_[j].row + 1, &part));
            AppendVec(part, &acc);
          }
        }
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
