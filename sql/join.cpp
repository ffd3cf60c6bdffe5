#include "sql/join.h"

#include <algorithm>
#include <unordered_map>

#include "sql/expr_nodes.h"
#include "sql/query_budget.h"

namespace sundial::sql {
namespace {

using core::Status;
constexpr uint32_t kNoRow = UINT32_MAX;

void Conjuncts(const ExprPtr& e, std::vector<ExprPtr>* out) {
  if (e->kind == ExprKind::kCall && e->is_operator && e->sval == "and") {
    Conjuncts(e->args[0], out);
    Conjuncts(e->args[1], out);
  } else {
    out->push_back(e);
  }
}

// Rows of `v` at `rows`, kNoRow giving NULL.
void GatherOrNull(const Vec& v, const std::vector<uint32_t>& rows, Vec* out) {
  size_t n = rows.size();
  out->Reset(v.type, n);
  out->symtab = v.symtab;
  out->pool = v.pool;
  if (v.no_data()) return;
  switch (v.phys()) {
    case Phys::kI64: {
      int64_t* p = out->AllocI(n);
      bool zero = v.type == ColumnType::kBoolean || v.type == ColumnType::kByte || v.type == ColumnType::kShort;
      for (size_t k = 0; k < n; ++k) p[k] = rows[k] == kNoRow ? (zero ? 0 : kNullI64) : v.i[rows[k]];
      break;
    }
    case Phys::kF64: {
      double* p = out->AllocD(n);
      for (size_t k = 0; k < n; ++k) p[k] = rows[k] == kNoRow ? std::nan("") : v.d[rows[k]];
      break;
    }
    case Phys::kStr: {
      std::string_view* p = out->AllocS(n);
      for (size_t k = 0; k < n; ++k) p[k] = rows[k] == kNoRow ? std::string_view() : v.s[rows[k]];
      break;
    }
  }
}

class JoinOp final : public Operator {
 public:
  ExplainNode Explain() const override {
    static constexpr const char* kNames[] = {"inner", "left", "cross", "asof", "lt", "splice"};
    std::string line = std::string("Join type: ") + kNames[static_cast<int>(type_)];
    std::string keys;
    for (size_t k = 0; k < lkeys_.size(); ++k) {
      keys += (k ? ", " : "") + left_->columns()[lkeys_[k]].name + " = " +
              right_->columns()[rkeys_[k]].name;
    }
    if (!keys.empty()) line += " on: [" + keys + "]";
    if (tolerance_us_ >= 0) line += " tolerance_us: " + std::to_string(tolerance_us_);
    ExplainNode node{line, {}, {left_.get(), right_.get()}};
    if (residual_) node.details.push_back("filter");
    node.details.push_back("hash table on the right input");
    return node;
  }
  JoinOp(OpPtr left, OpPtr right, JoinType type, std::vector<int> lkeys, std::vector<int> rkeys,
         BoundPtr residual, int64_t tolerance_us)
      : left_(std::move(left)),
        right_(std::move(right)),
        type_(type),
        lkeys_(std::move(lkeys)),
        rkeys_(std::move(rkeys)),
        residual_(std::move(residual)),
        tolerance_us_(tolerance_us) {
    cols_ = left_->columns();
    for (const auto& c : right_->columns()) cols_.push_back(c);
    ts_index_ = left_->timestamp_index();
    lcount_ = left_->columns().size();
  }

  core::Result<bool> Next(Batch* out) override {
    if (!built_) {
      RETURN_IF_ERROR(Build());
      built_ = true;
    }
    for (;;) {
      ASSIGN_OR_RETURN(bool more, left_->Next(&in_));
      if (!more) return false;
      std::vector<uint32_t> lrows, rrows;
      RETURN_IF_ERROR(Probe(&lrows, &rrows));
      if (lrows.empty()) continue;
      out->n = lrows.size();
      out->cols.resize(cols_.size());
      for (size_t c = 0; c < lcount_; ++c) GatherOrNull(in_.cols[c], lrows, &out->cols[c]);
      for (size_t c = 0; c < right_all_.cols.size(); ++c) {
        GatherOrNull(right_all_.cols[c], rrows, &out->cols[lcount_ + c]);
      }
      if (residual_) {
        std::vector<uint8_t> mask;
        RETURN_IF_ERROR(EvalPredicate(*residual_, *out, &mask));
        std::vector<uint32_t> sel;
        for (size_t k = 0; k < out->n; ++k) {
          if (mask[k]) sel.push_back(static_cast<uint32_t>(k));
        }
        if (sel.empty()) continue;
        Batch f;
        f.n = sel.size();
        f.cols.resize(out->cols.size());
        for (size_t c = 0; c < out->cols.size(); ++c) GatherVec(out->cols[c], sel.data(), sel.size(), &f.cols[c]);
        *out = std::move(f);
      }
      return true;
    }
  }

 private:
  core::Status Build() {
    RETURN_IF_ERROR(Materialize(right_.get(), &right_all_, &memory_));
    const bool asof = type_ == JoinType::kAsof || type_ == JoinType::kLt;
    if (asof) {
      rts_ = right_->timestamp_index();
      lts_ = left_->timestamp_index();
    }
    std::string key;
    for (size_t r = 0; r < right_all_.n; ++r) {
      key.clear();
      for (int k : rkeys_) EncodeValue(right_all_.cols[k], r, &key);
      table_[key].push_back(static_cast<uint32_t>(r));
    }
    if (asof) {
      // Each key's rows by timestamp (stable: equal timestamps keep input order).
      const Vec& ts = right_all_.cols[rts_];
      for (auto& [k, rows] : table_) {
        std::stable_sort(rows.begin(), rows.end(), [&](uint32_t a, uint32_t b) { return ts.i[a] < ts.i[b]; });
      }
    }
    return Status::Ok();
  }

  core::Status Probe(std::vector<uint32_t>* lrows, std::vector<uint32_t>* rrows) {
    std::string key;
    const bool asof = type_ == JoinType::kAsof || type_ == JoinType::kLt;
    for (size_t r = 0; r < in_.n; ++r) {
      key.clear();
      for (int k : lkeys_) EncodeValue(in_.cols[k], r, &key);
      auto it = table_.find(key);
      if (asof) {
        uint32_t match = kNoRow;
        if (it != table_.end()) {
          const Vec& rts = right_all_.cols[rts_];
          int64_t t = in_.cols[lts_].i[r];
          const auto& rows = it->second;
          // Last row with ts <= t (ASOF) or ts < t (LT).
          auto pos = type_ == JoinType::kAsof
                         ? std::upper_bound(rows.begin(), rows.end(), t,
                                            [&](int64_t v, uint32_t row) { return v < rts.i[row]; })
                         : std::lower_bound(rows.begin(), rows.end(), t,
                                            [&](uint32_t row, int64_t v) { return rts.i[row] < v; });
          if (pos != rows.begin()) match = *(pos - 1);
          if (match != kNoRow && tolerance_us_ >= 0 && rts.i[match] < t - tolerance_us_) {
            match = kNoRow;  // the latest earlier row is further back than TOLERANCE allows
          }
        }
        lrows->push_back(static_cast<uint32_t>(r));
        rrows->push_back(match);
        continue;
      }
      if (it == table_.end()) {
        if (type_ == JoinType::kLeft) {
          lrows->push_back(static_cast<uint32_t>(r));
          rrows->push_back(kNoRow);
        }
        continue;
      }
      for (uint32_t m : it->second) {
        lrows->push_back(static_cast<uint32_t>(r));
        rrows->push_back(m);
      }
      if (lrows->size() > 50'000'000) return Status::ResourceExhausted("join result is too large");
    }
    return Status::Ok();
  }

  OpPtr left_, right_;
  JoinType type_;
  std::vector<int> lkeys_, rkeys_;
  BoundPtr residual_;
  size_t lcount_ = 0;
  bool built_ = false;
  Batch right_all_, in_;
  MemoryCharge memory_;  // what right_all_ holds, in the query's memory
  int rts_ = -1, lts_ = -1;
  int64_t tolerance_us_ = -1;
  std::unordered_map<std::string, std::vector<uint32_t>> table_;
};

// SPLICE JOIN (QuestDB's "full ASOF JOIN"): every row of both sides, in timestamp order; a left
// row comes with the prevailing (latest already seen) right row of its key, a right row with the
// prevailing left row of its key. At equal timestamps a left and a right row of the same key are
// one output row, of different keys the left row's row comes first (QuestDB's merge order).
// Both sides are materialised (charged to the query's memory) and read in timestamp order.
class SpliceJoinOp final : public Operator {
 public:
  SpliceJoinOp(OpPtr left, OpPtr right, std::vector<int> lkeys, std::vector<int> rkeys)
      : left_(std::move(left)),
        right_(std::move(right)),
        lkeys_(std::move(lkeys)),
        rkeys_(std::move(rkeys)) {
    cols_ = left_->columns();
    for (const auto& c : right_->columns()) cols_.push_back(c);
    lcount_ = left_->columns().size();
    // Rows from either side interleave: the result has no designated timestamp.
    ts_index_ = -1;
  }

  ExplainNode Explain() const override {
    std::string keys;
    for (size_t k = 0; k < lkeys_.size(); ++k) {
      keys += (k ? ", " : "") + left_->columns()[lkeys_[k]].name + " = " +
              right_->columns()[rkeys_[k]].name;
    }
    std::string line = "Join type: splice";
    if (!keys.empty()) line += " on: [" + keys + "]";
    ExplainNode node{line, {}, {left_.get(), right_.get()}};
    node.details.push_back("both inputs materialised, merged by timestamp");
    return node;
  }

  core::Result<bool> Next(Batch* out) override {
    if (!built_) {
      RETURN_IF_ERROR(Build());
      built_ = true;
    }
    if (pos_ >= lrows_.size()) return false;
    const size_t hi = std::min(lrows_.size(), pos_ + kBatchRows);
    std::vector<uint32_t> l(lrows_.begin() + pos_, lrows_.begin() + hi);
    std::vector<uint32_t> r(rrows_.begin() + pos_, rrows_.begin() + hi);
    out->n = hi - pos_;
    out->cols.resize(cols_.size());
    for (size_t c = 0; c < lcount_; ++c) GatherOrNull(left_all_.cols[c], l, &out->cols[c]);
    for (size_t c = 0; c < right_all_.cols.size(); ++c) {
      GatherOrNull(right_all_.cols[c], r, &out->cols[lcount_ + c]);
    }
    pos_ = hi;
    return true;
  }

 private:
  // Row numbers of `b` by timestamp (stable).
  static std::vector<uint32_t> ByTime(const Batch& b, int ts) {
    std::vector<uint32_t> rows(b.n);
    for (size_t k = 0; k < b.n; ++k) rows[k] = static_cast<uint32_t>(k);
    const Vec& t = b.cols[ts];
    std::stable_sort(rows.begin(), rows.end(),
                     [&](uint32_t a, uint32_t c) { return t.i[a] < t.i[c]; });
    return rows;
  }

  core::Status Build() {
    RETURN_IF_ERROR(Materialize(left_.get(), &left_all_, &left_memory_));
    RETURN_IF_ERROR(Materialize(right_.get(), &right_all_, &right_memory_));
    const int lts = left_->timestamp_index(), rts = right_->timestamp_index();
    const std::vector<uint32_t> lo = ByTime(left_all_, lts), ro = ByTime(right_all_, rts);
    const Vec& lt = left_all_.cols[lts];
    const Vec& rt = right_all_.cols[rts];
    std::unordered_map<std::string, uint32_t> last_left, last_right;
    auto prevailing = [](const std::unordered_map<std::string, uint32_t>& m, const std::string& k) {
      auto it = m.find(k);
      return it == m.end() ? kNoRow : it->second;
    };
    std::string lk, rk;
    size_t i = 0, j = 0;
    while (i < lo.size() || j < ro.size()) {
      if ((lrows_.size() & 0xffff) == 0) RETURN_IF_ERROR(CheckQueryTime());
      const int64_t a = i < lo.size() ? lt.i[lo[i]] : INT64_MAX;
      const int64_t b = j < ro.size() ? rt.i[ro[j]] : INT64_MAX;
      if (i < lo.size()) {
        lk.clear();
        for (int k : lkeys_) EncodeValue(left_all_.cols[k], lo[i], &lk);
      }
      if (j < ro.size()) {
        rk.clear();
        for (int k : rkeys_) EncodeValue(right_all_.cols[k], ro[j], &rk);
      }
      const bool take_left = i < lo.size() && a <= b;
      const bool take_right = j < ro.size() && b <= a;
      if (take_left && take_right && lk == rk) {
        lrows_.push_back(lo[i]);
        rrows_.push_back(ro[j]);
        last_left[lk] = lo[i++];
        last_right[rk] = ro[j++];
        continue;
      }
      if (take_left) {
        lrows_.push_back(lo[i]);
        rrows_.push_back(prevailing(last_right, lk));
        last_left[lk] = lo[i++];
      }
      if (take_right) {
        lrows_.push_back(prevailing(last_left, rk));
        rrows_.push_back(ro[j]);
        last_right[rk] = ro[j++];
      }
    }
    RETURN_IF_ERROR(pairs_memory_.Update(static_cast<int64_t>(lrows_.size()) * 8));
    return Status::Ok();
  }

  OpPtr left_, right_;
  std::vector<int> lkeys_, rkeys_;
  size_t lcount_ = 0;
  bool built_ = false;
  Batch left_all_, right_all_;
  std::vector<uint32_t> lrows_, rrows_;  // output pairs (kNoRow: NULLs)
  size_t pos_ = 0;
  MemoryCharge left_memory_, right_memory_, pairs_memory_;  // the query's memory budget
};

}  // namespace

core::Result<OpPtr> MakeJoin(OpPtr left, OpPtr right, const JoinClause& join, const JoinContext& ctx) {
  const auto& lc = left->columns();
  const auto& rc = right->columns();
  std::vector<ColInfo> all = lc;
  all.insert(all.end(), rc.begin(), rc.end());
  std::vector<int> lkeys, rkeys;
  BoundPtr residual;
  JoinType type = join.type;
  if (join.on) {
    std::vector<ExprPtr> conj;
    Conjuncts(join.on, &conj);
    for (const auto& c : conj) {
      bool is_key = false;
      if (c->kind == ExprKind::kCall && c->is_operator && c->sval == "=" &&
          c->args[0]->kind == ExprKind::kColumn && c->args[1]->kind == ExprKind::kColumn) {
        const Expr& a = *c->args[0];
        const Expr& b = *c->args[1];
        int al = FindColumn(lc, a.qualifier, a.sval), ar = FindColumn(rc, a.qualifier, a.sval);
        int bl = FindColumn(lc, b.qualifier, b.sval), br = FindColumn(rc, b.qualifier, b.sval);
        if (a.qualifier.empty() && al >= 0 && ar >= 0) ar = -1;  // unqualified: left first
        if (b.qualifier.empty() && br >= 0 && bl >= 0) bl = -1;  // ...and right second
        if (al >= 0 && br >= 0 && ar < 0 && bl < 0) {
          lkeys.push_back(al);
          rkeys.push_back(br);
          is_key = true;
        } else if (ar >= 0 && bl >= 0 && al < 0 && br < 0) {
          lkeys.push_back(bl);
          rkeys.push_back(ar);
          is_key = true;
        } else if (al < 0 && ar < 0) {
          return Status::InvalidArgument("Invalid column: " + a.sval, a.pos);
        } else if (bl < 0 && br < 0) {
          return Status::InvalidArgument("Invalid column: " + b.sval, b.pos);
        }
        if (is_key) {
          ColumnType lt = lc[lkeys.back()].type, rt = rc[rkeys.back()].type;
          bool ok = lt == rt || (IsStringLike(lt) && IsStringLike(rt)) ||
                    (IsIntegral(lt) && IsIntegral(rt) && lt == rt);
          if (!ok) {
            return Status::InvalidArgument("join column type mismatch", c->pos);
          }
        }
      } else if (c->kind == ExprKind::kColumn &&
                 (type == JoinType::kAsof || type == JoinType::kLt || type == JoinType::kSplice)) {
        // ASOF JOIN b ON (sym): same-named columns.
        int l = FindColumn(lc, "", c->sval), r = FindColumn(rc, "", c->sval);
        if (l < 0 || r < 0) return Status::InvalidArgument("Invalid column: " + c->sval, c->pos);
        lkeys.push_back(l);
        rkeys.push_back(r);
        is_key = true;
      }
      if (!is_key) {
        if (type == JoinType::kLeft || type == JoinType::kAsof || type == JoinType::kLt ||
            type == JoinType::kSplice) {
          return Status::Unsupported("only equality conditions are supported in this join", c->pos);
        }
        BindContext bc;
        bc.cols = &all;
        bc.now_us = ctx.now_us;
        bc.max_depth = ctx.max_depth;
        ASSIGN_OR_RETURN(BoundPtr b, Bind(*c, bc));
        residual = residual ? MakeAnd(residual, b, c->pos) : b;
      }
    }
  }
  if (type == JoinType::kAsof || type == JoinType::kLt) {
    if (left->timestamp_index() < 0 || right->timestamp_index() < 0) {
      return Status::InvalidArgument("left and right side of ASOF/LT join must have designated timestamps", join.pos);
    }
  }
  if (type == JoinType::kSplice) {
    if (left->timestamp_index() < 0 || right->timestamp_index() < 0) {
      return Status::InvalidArgument(
          "left and right side of SPLICE join must have designated timestamps", join.pos);
    }
    return OpPtr(std::make_unique<SpliceJoinOp>(std::move(left), std::move(right), std::move(lkeys),
                                                std::move(rkeys)));
  }
  if (type == JoinType::kCross) type = JoinType::kInner;
  return OpPtr(std::make_unique<JoinOp>(std::move(left), std::move(right), type, std::move(lkeys),
                                        std::move(rkeys), std::move(residual), join.tolerance_us));
}

}  // namespace sundial::sql
