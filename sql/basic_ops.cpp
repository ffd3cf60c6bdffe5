// Streaming operators: filter, project, limit, single row, materialized batches, distinct,
// union all, except/intersect, long_sequence, trim.
#include <cstring>
#include <optional>
#include <unordered_set>

#include "sql/expr_nodes.h"
#include "sql/operator.h"

namespace sundial::sql {

void EncodeValue(const Vec& v, size_t r, std::string* key) {
  if (v.no_data()) return;
  switch (v.phys()) {
    case Phys::kI64: {
      if (v.has_keys()) {
        std::string_view s = v.Str(r);
        uint32_t len = s.data() ? static_cast<uint32_t>(s.size()) : UINT32_MAX;
        key->append(reinterpret_cast<const char*>(&len), 4);
        key->append(s);
        return;
      }
      key->append(reinterpret_cast<const char*>(&v.i[r]), 8);
      return;
    }
    case Phys::kF64: {
      double d = v.d[r];
      if (std::isnan(d)) d = std::nan("");
      if (d == 0) d = 0;  // -0.0 == 0.0
      key->append(reinterpret_cast<const char*>(&d), 8);
      return;
    }
    case Phys::kStr: {
      std::string_view s = v.s[r];
      uint32_t len = s.data() ? static_cast<uint32_t>(s.size()) : UINT32_MAX;
      key->append(reinterpret_cast<const char*>(&len), 4);
      key->append(s);
      return;
    }
  }
}

void EncodeRow(const Batch& b, size_t r, std::string* key) {
  for (const Vec& v : b.cols) EncodeValue(v, r, key);
}

core::Status Materialize(Operator* op, Batch* all, MemoryCharge* memory) {
  all->n = 0;
  all->cols.assign(op->columns().size(), Vec());
  for (size_t c = 0; c < all->cols.size(); ++c) all->cols[c].type = op->columns()[c].type;
  Batch b;
  int64_t bytes = 0;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, op->Next(&b));
    if (!more) break;
    RETURN_IF_ERROR(CheckQueryTime());
    for (size_t c = 0; c < all->cols.size(); ++c) {
      Vec& v = b.cols[c];
      v.n = b.n;
      bytes += static_cast<int64_t>(b.n * (v.phys() == Phys::kStr ? 16 : 8));
      if (v.phys() == Phys::kStr && v.pool) {  // string bytes re-homed into the result
        for (size_t r = 0; r < b.n; ++r) bytes += static_cast<int64_t>(v.s[r].size());
      }
      AppendVec(v, &all->cols[c]);
    }
    all->n += b.n;
    if (memory != nullptr) RETURN_IF_ERROR(memory->Update(bytes));
  }
  for (auto& c : all->cols) c.n = all->n;
  return core::Status::Ok();
}

namespace {

class FilterOp final : public Operator {
 public:
  FilterOp(OpPtr child, BoundPtr pred) : child_(std::move(child)), pred_(std::move(pred)) {
    cols_ = child_->columns();
    ts_index_ = child_->timestamp_index();
  }
  core::Result<bool> Next(Batch* out) override {
    for (;;) {
      ASSIGN_OR_RETURN(bool more, child_->Next(&in_));
      if (!more) return false;
      RETURN_IF_ERROR(CheckQueryTime());  // a filter that rejects most rows may run long
      RETURN_IF_ERROR(EvalPredicate(*pred_, in_, &mask_));
      sel_.clear();
      for (size_t k = 0; k < in_.n; ++k) {
        if (mask_[k]) sel_.push_back(static_cast<uint32_t>(k));
      }
      if (sel_.empty()) continue;
      out->cols.resize(in_.cols.size());
      if (sel_.size() == in_.n) {
        out->n = in_.n;
        for (size_t c = 0; c < in_.cols.size(); ++c) out->cols[c].ViewOf(in_.cols[c]);
        return true;
      }
      out->n = sel_.size();
      for (size_t c = 0; c < in_.cols.size(); ++c) {
        GatherVec(in_.cols[c], sel_.data(), sel_.size(), &out->cols[c]);
      }
      return true;
    }
  }

 private:
  OpPtr child_;
  BoundPtr pred_;
  Batch in_;
  std::vector<uint8_t> mask_;
  std::vector<uint32_t> sel_;

 public:
  ExplainNode Explain() const override { return {"Filter", {}, {child_.get()}}; }
};

class ProjectOp final : public Operator {
 public:
  ProjectOp(OpPtr child, std::vector<BoundPtr> exprs, std::vector<std::string> names, int ts)
      : child_(std::move(child)), exprs_(std::move(exprs)) {
    for (size_t k = 0; k < exprs_.size(); ++k) cols_.push_back({names[k], exprs_[k]->type(), ""});
    ts_index_ = ts;
  }
  core::Result<bool> Next(Batch* out) override {
    ASSIGN_OR_RETURN(bool more, child_->Next(&in_));
    if (!more) return false;
    out->n = in_.n;
    out->cols.resize(exprs_.size());
    for (size_t k = 0; k < exprs_.size(); ++k) {
      RETURN_IF_ERROR(exprs_[k]->Eval(in_, &out->cols[k]));
      out->cols[k].n = in_.n;
    }
    return true;
  }

 private:
  OpPtr child_;
  std::vector<BoundPtr> exprs_;
  Batch in_;

 public:
  ExplainNode Explain() const override {
    return {"Project columns: " + ExplainNames(cols_), {}, {child_.get()}};
  }
};

class LimitOp final : public Operator {
 public:
  ExplainNode Explain() const override {
    std::string line = "Limit lo: " + std::to_string(lo_);
    if (hi_) line += " hi: " + std::to_string(*hi_);
    return {line, {}, {child_.get()}};
  }
  LimitOp(OpPtr child, int64_t lo, std::optional<int64_t> hi)
      : child_(std::move(child)), lo_(lo), hi_(hi) {
    cols_ = child_->columns();
    ts_index_ = child_->timestamp_index();
  }
  core::Result<bool> Next(Batch* out) override {
    if (!resolved_) {
      resolved_ = true;
      if (lo_ < 0 || (hi_ && *hi_ < 0)) {
        // Needs the total row count: materialise.
        RETURN_IF_ERROR(Materialize(child_.get(), &all_, &memory_));
        materialized_ = true;
        int64_t n = static_cast<int64_t>(all_.n);
        if (!hi_) {
          begin_ = lo_ < 0 ? std::max<int64_t>(0, n + lo_) : 0;
          end_ = lo_ < 0 ? n : std::min(n, lo_);
        } else {
          begin_ = lo_ < 0 ? n + lo_ : lo_;
          end_ = *hi_ < 0 ? n + *hi_ : *hi_;
          begin_ = std::clamp<int64_t>(begin_, 0, n);
          end_ = std::clamp<int64_t>(end_, 0, n);
        }
        pos_ = begin_;
      } else {
        begin_ = hi_ ? lo_ : 0;
        end_ = hi_ ? *hi_ : lo_;
      }
    }
    if (materialized_) {
      if (pos_ >= end_) return false;
      int64_t hi = std::min<int64_t>(end_, pos_ + static_cast<int64_t>(kBatchRows));
      std::vector<uint32_t> rows;
      for (int64_t r = pos_; r < hi; ++r) rows.push_back(static_cast<uint32_t>(r));
      out->n = rows.size();
      out->cols.resize(all_.cols.size());
      for (size_t c = 0; c < all_.cols.size(); ++c) {
        GatherVec(all_.cols[c], rows.data(), rows.size(), &out->cols[c]);
      }
      pos_ = hi;
      return true;
    }
    for (;;) {
      if (seen_ >= end_) return false;
      ASSIGN_OR_RETURN(bool more, child_->Next(&in_));
      if (!more) return false;
      int64_t b_lo = seen_, b_hi = seen_ + static_cast<int64_t>(in_.n);
      seen_ = b_hi;
      int64_t lo = std::max(b_lo, begin_), hi = std::min(b_hi, end_);
      if (lo >= hi) continue;
      std::vector<uint32_t> rows;
      for (int64_t r = lo; r < hi; ++r) rows.push_back(static_cast<uint32_t>(r - b_lo));
      out->n = rows.size();
      out->cols.resize(in_.cols.size());
      for (size_t c = 0; c < in_.cols.size(); ++c) {
        GatherVec(in_.cols[c], rows.data(), rows.size(), &out->cols[c]);
      }
      return true;
    }
  }

 private:
  OpPtr child_;
  int64_t lo_;
  std::optional<int64_t> hi_;
  bool resolved_ = false, materialized_ = false;
  Batch all_, in_;
  MemoryCharge memory_;  // what all_ holds, in the query's memory
  int64_t begin_ = 0, end_ = 0, pos_ = 0, seen_ = 0;
};

class SingleRowOp final : public Operator {
 public:
  ExplainNode Explain() const override { return {"SingleRow", {}, {}}; }
  core::Result<bool> Next(Batch* out) override {
    if (done_) return false;
    done_ = true;
    out->n = 1;
    out->cols.clear();
    return true;
  }

 private:
  bool done_ = false;
};

class MaterializedOp final : public Operator {
 public:
  ExplainNode Explain() const override {
    size_t rows = 0;
    for (const auto& b : batches_) rows += b.n;
    return {"Rows count: " + std::to_string(rows) + " columns: " + ExplainNames(cols_), {}, {}};
  }
  MaterializedOp(std::vector<ColInfo> cols, std::vector<Batch> batches, int ts) : batches_(std::move(batches)) {
    cols_ = std::move(cols);
    ts_index_ = ts;
  }
  core::Result<bool> Next(Batch* out) override {
    while (k_ < batches_.size()) {
      Batch& b = batches_[k_++];
      if (b.n == 0) continue;
      out->n = b.n;
      out->cols.resize(b.cols.size());
      for (size_t c = 0; c < b.cols.size(); ++c) out->cols[c].ViewOf(b.cols[c]);
      return true;
    }
    return false;
  }

 private:
  std::vector<Batch> batches_;
  size_t k_ = 0;
};

class DistinctOp final : public Operator {
 public:
  ExplainNode Explain() const override { return {"Distinct", {}, {child_.get()}}; }
  explicit DistinctOp(OpPtr child) : child_(std::move(child)) {
    cols_ = child_->columns();
    ts_index_ = child_->timestamp_index();
  }
  core::Result<bool> Next(Batch* out) override {
    for (;;) {
      ASSIGN_OR_RETURN(bool more, child_->Next(&in_));
      if (!more) return false;
      RETURN_IF_ERROR(CheckQueryTime());
      std::vector<uint32_t> rows;
      std::string key;
      for (size_t r = 0; r < in_.n; ++r) {
        key.clear();
        EncodeRow(in_, r, &key);
        if (seen_.insert(key).second) {
          rows.push_back(static_cast<uint32_t>(r));
          seen_bytes_ += static_cast<int64_t>(key.size() + 64);  // the key and its hash entry
        }
      }
      RETURN_IF_ERROR(memory_.Update(seen_bytes_));
      if (rows.empty()) continue;
      out->n = rows.size();
      out->cols.resize(in_.cols.size());
      for (size_t c = 0; c < in_.cols.size(); ++c) {
        GatherVec(in_.cols[c], rows.data(), rows.size(), &out->cols[c]);
        OwnVec(&out->cols[c]);
      }
      return true;
    }
  }

 private:
  OpPtr child_;
  Batch in_;
  std::unordered_set<std::string> seen_;
  int64_t seen_bytes_ = 0;
  MemoryCharge memory_;
};

class UnionAllOp final : public Operator {
 public:
  ExplainNode Explain() const override {
    ExplainNode node{"UnionAll", {}, {}};
    for (const auto& c : children_) node.inputs.push_back(c.get());
    return node;
  }
  UnionAllOp(std::vector<OpPtr> children, std::vector<ColInfo> cols) : children_(std::move(children)) {
    cols_ = std::move(cols);
  }
  core::Result<bool> Next(Batch* out) override {
    while (k_ < children_.size()) {
      ASSIGN_OR_RETURN(bool more, children_[k_]->Next(&in_));
      if (!more) {
        ++k_;
        continue;
      }
      out->n = in_.n;
      out->cols.resize(cols_.size());
      for (size_t c = 0; c < cols_.size(); ++c) {
        Vec& v = in_.cols[c];
        v.n = in_.n;
        if (v.type == cols_[c].type && !(v.type == ColumnType::kSymbol && v.symtab)) {
          out->cols[c].ViewOf(v);
        } else if (cols_[c].type == ColumnType::kSymbol) {
          Vec s;
          RETURN_IF_ERROR(CastVec(v, ColumnType::kVarchar, &s, 0));
          out->cols[c] = std::move(s);
          out->cols[c].type = ColumnType::kSymbol;
        } else {
          RETURN_IF_ERROR(CastVec(v, cols_[c].type, &out->cols[c], 0));
        }
      }
      return true;
    }
    return false;
  }

 private:
  std::vector<OpPtr> children_;
  size_t k_ = 0;
  Batch in_;
};

class SetDifferenceOp final : public Operator {
 public:
  ExplainNode Explain() const override {
    return {intersect_ ? "Intersect" : "Except", {}, {left_.get(), right_.get()}};
  }
  SetDifferenceOp(OpPtr left, OpPtr right, bool intersect)
      : left_(std::move(left)), right_(std::move(right)), intersect_(intersect) {
    cols_ = left_->columns();
  }
  core::Result<bool> Next(Batch* out) override {
    if (!built_) {
      built_ = true;
      Batch b;
      std::string key;
      for (;;) {
        ASSIGN_OR_RETURN(bool more, right_->Next(&b));
        if (!more) break;
        for (size_t r = 0; r < b.n; ++r) {
          key.clear();
          EncodeRow(b, r, &key);
          right_keys_.insert(key);
        }
      }
    }
    for (;;) {
      ASSIGN_OR_RETURN(bool more, left_->Next(&in_));
      if (!more) return false;
      std::vector<uint32_t> rows;
      std::string key;
      for (size_t r = 0; r < in_.n; ++r) {
        key.clear();
        EncodeRow(in_, r, &key);
        bool in_right = right_keys_.count(key) > 0;
        if (in_right == intersect_ && emitted_.insert(key).second) rows.push_back(static_cast<uint32_t>(r));
      }
      if (rows.empty()) continue;
      out->n = rows.size();
      out->cols.resize(in_.cols.size());
      for (size_t c = 0; c < in_.cols.size(); ++c) GatherVec(in_.cols[c], rows.data(), rows.size(), &out->cols[c]);
      return true;
    }
  }

 private:
  OpPtr left_, right_;
  bool intersect_;
  bool built_ = false;
  Batch in_;
  std::unordered_set<std::string> right_keys_, emitted_;
};

class LongSequenceOp final : public Operator {
 public:
  ExplainNode Explain() const override {
    return {"LongSequence count: " + std::to_string(count_), {}, {}};
  }
  explicit LongSequenceOp(int64_t count) : count_(count) { cols_.push_back({"x", ColumnType::kLong, ""}); }
  core::Result<bool> Next(Batch* out) override {
    if (next_ > count_) return false;
    int64_t hi = std::min<int64_t>(count_ + 1, next_ + static_cast<int64_t>(kBatchRows));
    out->n = static_cast<size_t>(hi - next_);
    out->cols.resize(1);
    out->cols[0].Reset(ColumnType::kLong, out->n);
    int64_t* p = out->cols[0].AllocI(out->n);
    for (int64_t k = next_; k < hi; ++k) p[k - next_] = k;
    next_ = hi;
    return true;
  }

 private:
  int64_t count_;
  int64_t next_ = 1;
};

class TrimOp final : public Operator {
 public:
  // Drops hidden ORDER BY columns: not a step of its own.
  ExplainNode Explain() const override { return child_->Explain(); }
  TrimOp(OpPtr child, size_t visible) : child_(std::move(child)) {
    cols_.assign(child_->columns().begin(), child_->columns().begin() + visible);
    ts_index_ = child_->timestamp_index() < static_cast<int>(visible) ? child_->timestamp_index() : -1;
  }
  core::Result<bool> Next(Batch* out) override {
    ASSIGN_OR_RETURN(bool more, child_->Next(out));
    if (!more) return false;
    out->cols.resize(cols_.size());
    return true;
  }

 private:
  OpPtr child_;
};

}  // namespace

namespace {

class BudgetedOp final : public Operator {
 public:
  // The statement's deadline and memory cap around the tree: not a step of its own.
  ExplainNode Explain() const override { return child_->Explain(); }
  BudgetedOp(OpPtr child, std::shared_ptr<QueryBudget> budget)
      : budget_(std::move(budget)), child_(std::move(child)) {
    cols_ = child_->columns();
    ts_index_ = child_->timestamp_index();
  }
  core::Result<bool> Next(Batch* out) override {
    BudgetScope scope(budget_.get());
    RETURN_IF_ERROR(budget_->CheckTime());
    return child_->Next(out);
  }

 private:
  std::shared_ptr<QueryBudget> budget_;  // declared first: the tree below gives its memory back
  OpPtr child_;
};

}  // namespace

OpPtr MakeBudgeted(OpPtr child, std::shared_ptr<QueryBudget> budget) {
  return std::make_unique<BudgetedOp>(std::move(child), std::move(budget));
}

OpPtr MakeFilter(OpPtr child, BoundPtr predicate) {
  return std::make_unique<FilterOp>(std::move(child), std::move(predicate));
}
OpPtr MakeProject(OpPtr child, std::vector<BoundPtr> exprs, std::vector<std::string> names, int ts) {
  return std::make_unique<ProjectOp>(std::move(child), std::move(exprs), std::move(names), ts);
}
OpPtr MakeLimit(OpPtr child, int64_t lo, std::optional<int64_t> hi) {
  return std::make_unique<LimitOp>(std::move(child), lo, hi);
}
OpPtr MakeSingleRow() { return std::make_unique<SingleRowOp>(); }
OpPtr MakeMaterialized(std::vector<ColInfo> cols, std::vector<Batch> batches, int ts) {
  return std::make_unique<MaterializedOp>(std::move(cols), std::move(batches), ts);
}
OpPtr MakeDistinct(OpPtr child) { return std::make_unique<DistinctOp>(std::move(child)); }
OpPtr MakeUnionAll(std::vector<OpPtr> children, std::vector<ColInfo> cols) {
  return std::make_unique<UnionAllOp>(std::move(children), std::move(cols));
}
OpPtr MakeSetDifference(OpPtr left, OpPtr right, bool intersect) {
  return std::make_unique<SetDifferenceOp>(std::move(left), std::move(right), intersect);
}
OpPtr MakeLongSequence(int64_t count) { return std::make_unique<LongSequenceOp>(count); }
OpPtr MakeTrim(OpPtr child, size_t visible) { return std::make_unique<TrimOp>(std::move(child), visible); }

}  // namespace sundial::sql
