// ORDER BY: materialises the input, sorts a row permutation, and streams it in batches.
// Nulls sort first ascending (QuestDB's INT/LONG/TIMESTAMP null is the smallest value and a
// NULL string sorts before any string); NaN doubles sort last ascending, as Java's compare.
#include <algorithm>
#include <numeric>

#include "sql/operator.h"

namespace sundial::sql {
namespace {

class SortOp final : public Operator {
 public:
  ExplainNode Explain() const override {
    std::string keys;
    for (const SortKey& k : keys_) {
      if (!keys.empty()) keys += ", ";
      keys += cols_[k.column].name + (k.descending ? " desc" : "");
    }
    return {"Sort keys: [" + keys + "]", {}, {child_.get()}};
  }
  SortOp(OpPtr child, std::vector<SortKey> keys, int ts) : child_(std::move(child)), keys_(std::move(keys)) {
    cols_ = child_->columns();
    ts_index_ = ts;
  }

  core::Result<bool> Next(Batch* out) override {
    if (!sorted_) {
      RETURN_IF_ERROR(Materialize(child_.get(), &all_, &memory_));
      perm_.resize(all_.n);
      std::iota(perm_.begin(), perm_.end(), 0u);
      // Symbol columns compare by string; precompute ranks per dictionary key.
      std::vector<std::vector<int32_t>> ranks(keys_.size());
      for (size_t k = 0; k < keys_.size(); ++k) {
        const Vec& v = all_.cols[keys_[k].column];
        if (v.has_keys()) {
          int32_t n = v.symtab->size();
          std::vector<int32_t> order(n);
          std::iota(order.begin(), order.end(), 0);
          std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
            return v.symtab->Value(a) < v.symtab->Value(b);
          });
          ranks[k].resize(n);
          for (int32_t r = 0; r < n; ++r) ranks[k][order[r]] = r;
        }
      }
      auto cmp = [&](uint32_t a, uint32_t b) {
        for (size_t k = 0; k < keys_.size(); ++k) {
          const Vec& v = all_.cols[keys_[k].column];
          int c = 0;
          if (v.no_data()) continue;
          switch (v.phys()) {
            case Phys::kI64: {
              int64_t x = v.i[a], y = v.i[b];
              if (v.has_keys()) {
                x = x < 0 ? -1 : ranks[k][x];
                y = y < 0 ? -1 : ranks[k][y];
              }
              c = x < y ? -1 : x > y ? 1 : 0;
              break;
            }
            case Phys::kF64: {
              double x = v.d[a], y = v.d[b];
              bool xn = std::isnan(x), yn = std::isnan(y);
              c = xn || yn ? (xn == yn ? 0 : xn ? 1 : -1) : (x < y ? -1 : x > y ? 1 : 0);
              break;
            }
            case Phys::kStr: {
              std::string_view x = v.s[a], y = v.s[b];
              bool xn = x.data() == nullptr, yn = y.data() == nullptr;
              c = xn || yn ? (xn == yn ? 0 : xn ? -1 : 1) : x.compare(y);
              c = c < 0 ? -1 : c > 0 ? 1 : 0;
              break;
            }
          }
          if (c != 0) return keys_[k].descending ? c > 0 : c < 0;
        }
        return false;
      };
      std::stable_sort(perm_.begin(), perm_.end(), cmp);
      sorted_ = true;
    }
    if (pos_ >= perm_.size()) return false;
    size_t hi = std::min(perm_.size(), pos_ + kBatchRows);
    out->n = hi - pos_;
    out->cols.resize(all_.cols.size());
    for (size_t c = 0; c < all_.cols.size(); ++c) {
      GatherVec(all_.cols[c], perm_.data() + pos_, out->n, &out->cols[c]);
    }
    pos_ = hi;
    return true;
  }

 private:
  OpPtr child_;
  std::vector<SortKey> keys_;
  bool sorted_ = false;
  Batch all_;
  MemoryCharge memory_;  // what all_ holds, in the query's memory
  std::vector<uint32_t> perm_;
  size_t pos_ = 0;
};

}  // namespace

OpPtr MakeSort(OpPtr child, std::vector<SortKey> keys, int ts) {
  return std::make_unique<SortOp>(std::move(child), std::move(keys), ts);
}

}  // namespace sundial::sql
