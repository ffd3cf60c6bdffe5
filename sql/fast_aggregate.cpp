#include "sql/fast_aggregate.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>

#include "core/timestamp.h"
#include "core/worker_pool.h"
#include "sql/expr_nodes.h"
#include "sql/interval.h"
#include "sql/query_budget.h"

namespace sundial::sql {
namespace {

enum class AggKind : uint8_t { kCountRows, kCount, kSum, kAvg, kMin, kMax };

struct FastAgg {
  AggKind kind;
  int column = -1;             // table column, -1 for count()
  ColumnType arg_type = ColumnType::kLong;
  ColumnType out_type = ColumnType::kLong;
};

constexpr size_t kChunkRows = 65536;

struct Chunk {
  size_t partition;
  int64_t lo, hi;
  int64_t ordinal;  // global position of row lo (for first-appearance order)
};

// Per-thread accumulators, [group * naggs + agg].
struct Acc {
  std::vector<int64_t> rows;      // rows per group
  std::vector<int64_t> first;     // first ordinal per group
  std::vector<double> d;          // sums / min / max as double
  std::vector<int64_t> i;         // integer sums / min / max
  std::vector<int64_t> n;         // non-null counts
  // A chunk's rows of a compressed entry, decoded per chunk (ColumnRows): the group key, the
  // timestamps, and the column being aggregated or filtered on.
  cairo::DecodedRows key_rows, ts_rows, value_rows;
};

class FastAggregateOp final : public Operator {
 public:
  ExplainNode Explain() const override {
    std::string line = sample_ ? "SampleBy " + std::to_string(sample_->stride) +
                                     std::string(1, sample_->unit) + " vectorized"
                               : std::string("GroupBy vectorized");
    ExplainNode node{line + " workers: " + std::to_string(threads_), {}, {}};
    if (key_column_ >= 0) {
      node.details.push_back("keys: [" + scan_.view.schema().columns[key_column_].name + "]");
    }
    static constexpr const char* kNames[] = {"count(*)", "count", "sum", "avg", "min", "max"};
    std::string values;
    for (const FastAgg& a : aggs_) {
      values += (values.empty() ? "" : ", ") + std::string(kNames[static_cast<int>(a.kind)]);
      if (a.column >= 0) values += "(" + scan_.view.schema().columns[a.column].name + ")";
    }
    node.details.push_back("values: [" + values + "]");
    if (filter_) node.details.push_back(simple_ ? "filter: on column data" : "filter");
    node.details.push_back(ExplainScan(scan_));
    return node;
  }
  FastAggregateOp(ScanSpec scan, BoundPtr filter, std::vector<FastAgg> aggs, int key_column,
                  std::optional<SampleSpec> sample, std::vector<ColInfo> cols, int threads)
      : scan_(std::move(scan)), filter_(std::move(filter)), aggs_(std::move(aggs)),
        key_column_(key_column), sample_(std::move(sample)), threads_(std::max(1, threads)) {
    cols_ = std::move(cols);
    ts_index_ = sample_ ? 0 : -1;
    if (filter_ && filter_->AsSimplePredicates(&simple_preds_)) {
      simple_ = true;
      for (const auto& p : simple_preds_) {
        ColumnType t = scan_.view.schema().columns[p.column].type;
        if (t != ColumnType::kDouble && t != ColumnType::kLong && t != ColumnType::kInt &&
            t != ColumnType::kTimestamp) {
          simple_ = false;
        }
      }
    }
  }

  core::Result<bool> Next(Batch* out) override {
    if (!done_) {
      RETURN_IF_ERROR(Run());
      done_ = true;
    }
    if (pos_ >= result_.n) return false;
    size_t hi = std::min(result_.n, pos_ + kBatchRows);
    std::vector<uint32_t> rows(hi - pos_);
    std::iota(rows.begin(), rows.end(), static_cast<uint32_t>(pos_));
    out->n = rows.size();
    out->cols.resize(result_.cols.size());
    for (size_t c = 0; c < result_.cols.size(); ++c) GatherVec(result_.cols[c], rows.data(), rows.size(), &out->cols[c]);
    pos_ = hi;
    return true;
  }

 private:
  core::Status Run() {
    const cairo::TableView& view = scan_.view;
    ASSIGN_OR_RETURN(std::vector<RowRange> ranges, PlanRowRanges(view, scan_.intervals, scan_.has_intervals));
    int64_t ordinal = 0;
    for (const RowRange& r : ranges) {
      // Chunks end at multiples of kChunkRows (of kBatchRows, so at a compressed entry's block
      // boundaries): no block is decoded by two chunks.
      const int64_t chunk = static_cast<int64_t>(kChunkRows);
      for (int64_t lo = r.lo; lo < r.hi;) {
        int64_t hi = std::min(r.hi, (lo / chunk + 1) * chunk);
        chunks_.push_back({r.partition, lo, hi, ordinal + (lo - r.lo)});
        lo = hi;
      }
      ordinal += r.hi - r.lo;
    }
    // Groups: buckets x (symbol key + 1 for NULL).
    nkeys_ = 1;
    if (key_column_ >= 0) {
      ASSIGN_OR_RETURN(symtab_, view.Symbols(key_column_));
      nkeys_ = static_cast<size_t>(symtab_->size()) + 1;
    }
    nbuckets_ = 1;
    if (sample_ && !chunks_.empty()) {
      int ts = view.schema().timestamp_index;
      cairo::DecodedRows decoded;
      const Chunk& front = chunks_.front();
      const Chunk& back = chunks_.back();
      ASSIGN_OR_RETURN(cairo::ColumnData first,
                       view.ColumnRows(front.partition, ts, front.lo, front.lo + 1, &decoded));
      int64_t t0 = first.values<int64_t>()[0];
      ASSIGN_OR_RETURN(cairo::ColumnData last,
                       view.ColumnRows(back.partition, ts, back.hi - 1, back.hi, &decoded));
      int64_t t1 = last.values<int64_t>()[0];
      origin_ = Origin(t0);
      size_ = FixedUnitMicros(sample_->unit) * sample_->stride;
      bmin_ = core::FloorDiv(t0 - origin_, size_);
      int64_t bmax = core::FloorDiv(t1 - origin_, size_);
      nbuckets_ = static_cast<size_t>(bmax - bmin_ + 1);
    }
    ngroups_ = nbuckets_ * nkeys_;
    if (ngroups_ > (1u << 24)) return core::Status::ResourceExhausted("too many groups");
    bool only_count = key_column_ < 0 && !sample_ && !filter_;
    for (const auto& f : aggs_) only_count &= f.kind == AggKind::kCountRows;
    if (only_count) {  // count() alone: the row ranges say it all
      Acc a;
      Init(&a);
      a.rows[0] = ordinal;
      a.first[0] = 0;
      return Output(a);
    }
    const size_t nthreads = std::min<size_t>(threads_, std::max<size_t>(1, chunks_.size()));
    // Each thread's accumulators: rows, first, and n/d/i per (group, aggregate).
    QueryBudget* budget = CurrentBudget();  // the workers check the caller's deadline
    RETURN_IF_ERROR(memory_.Update(static_cast<int64_t>(nthreads * ngroups_ * (2 + 3 * aggs_.size()) * 8),
                                   budget));
    std::vector<Acc> accs(nthreads);
    std::vector<core::Status> errors(nthreads);
    std::atomic<size_t> next{0};
    auto work = [&](size_t t) {
      Acc& a = accs[t];
      Init(&a);
      for (;;) {
        size_t c = next.fetch_add(1);
        if (c >= chunks_.size()) break;
        core::Status st = budget != nullptr ? budget->CheckTime() : core::Status::Ok();
        if (st.ok()) st = Process(chunks_[c], &a);
        if (!st.ok()) {
          errors[t] = st;
          break;
        }
      }
    };
    // On the shared compute pool: an exception (bad_alloc) in any part fails the query.
    RETURN_IF_ERROR(core::WorkerPool::Compute()->ParallelFor(nthreads, work));
    for (const auto& st : errors) RETURN_IF_ERROR(st);
    for (size_t t = 1; t < nthreads; ++t) Merge(accs[t], &accs[0]);
    return Output(accs[0]);
  }

  int64_t Origin(int64_t first_ts) const {
    const SampleSpec& s = *sample_;
    if (!s.calendar) return first_ts;
    if (s.unit == 'w') return 4 * core::kMicrosPerDay + s.offset_us;
    int64_t day = core::FloorDiv(first_ts, core::kMicrosPerDay) * core::kMicrosPerDay;
    int64_t o = day + s.offset_us;
    if (o > first_ts) o -= core::kMicrosPerDay;
    return o;
  }

  void Init(Acc* a) const {
    size_t na = aggs_.size();
    a->rows.assign(ngroups_, 0);
    a->first.assign(ngroups_, INT64_MAX);
    a->n.assign(ngroups_ * na, 0);
    a->d.assign(ngroups_ * na, 0);
    a->i.assign(ngroups_ * na, 0);
    for (size_t g = 0; g < ngroups_; ++g) {
      for (size_t k = 0; k < na; ++k) {
        if (aggs_[k].kind == AggKind::kMin) {
          a->d[g * na + k] = INFINITY;
          a->i[g * na + k] = INT64_MAX;
        } else if (aggs_[k].kind == AggKind::kMax) {
          a->d[g * na + k] = -INFINITY;
          a->i[g * na + k] = INT64_MIN;
        }
      }
    }
  }

  core::Status Process(const Chunk& ch, Acc* a) const {
    const cairo::TableView& view = scan_.view;
    const size_t n = static_cast<size_t>(ch.hi - ch.lo);
    // Group of each row.
    std::vector<uint32_t> g(n);
    bool counted = false;
    const int32_t* keys = nullptr;
    if (key_column_ >= 0) {
      ASSIGN_OR_RETURN(cairo::ColumnData kd,
                       view.ColumnRows(ch.partition, key_column_, ch.lo, ch.hi, &a->key_rows));
      if (!kd.is_all_null && kd.data) keys = kd.values<int32_t>();
    }
    if (sample_) {
      ASSIGN_OR_RETURN(
          cairo::ColumnData td,
          view.ColumnRows(ch.partition, view.schema().timestamp_index, ch.lo, ch.hi, &a->ts_rows));
      const int64_t* ts = td.values<int64_t>();
      const int64_t base = bmin_, size = size_, origin = origin_;
      const size_t nk = nkeys_;
      for (size_t r = 0; r < n; ++r) {
        size_t b = static_cast<size_t>(core::FloorDiv(ts[r] - origin, size) - base);
        size_t k = keys ? (keys[r] < 0 ? 0 : static_cast<size_t>(keys[r]) + 1) : 0;
        g[r] = static_cast<uint32_t>(b * nk + k);
      }
    } else if (keys && !filter_) {
      // One pass: group ids and per-group row counts.
      int64_t* rows = a->rows.data();
      int64_t* first = a->first.data();
      for (size_t r = 0; r < n; ++r) {
        uint32_t gi = keys[r] < 0 ? 0u : static_cast<uint32_t>(keys[r]) + 1;
        g[r] = gi;
        if (rows[gi]++ == 0) first[gi] = std::min(first[gi], ch.ordinal + static_cast<int64_t>(r));
      }
      counted = true;
    } else if (keys) {
      for (size_t r = 0; r < n; ++r) g[r] = keys[r] < 0 ? 0u : static_cast<uint32_t>(keys[r]) + 1;
    } else {
      std::fill(g.begin(), g.end(), 0u);  // one group
    }
    // Filter: simple column/constant comparisons straight over the column data, anything
    // else over batches of kBatchRows with the generic expression engine.
    std::vector<uint8_t> keep;
    if (filter_ && simple_) {
      keep.assign(n, 1);
      for (const auto& p : simple_preds_) {
        RETURN_IF_ERROR(ApplySimple(p, ch, keep.data(), n, &a->value_rows));
      }
    } else if (filter_) {
      keep.resize(n);
      Batch b;
      b.cols.resize(view.schema().columns.size());
      std::vector<uint8_t> mask;
      for (size_t off = 0; off < n;) {
        // Batches end at multiples of kBatchRows: one block of a compressed entry each.
        const size_t at = static_cast<size_t>(ch.lo) + off;
        size_t m = std::min(kBatchRows - at % kBatchRows, n - off);
        b.n = m;
        for (size_t c = 0; c < b.cols.size(); ++c) {
          if ((*scan_.needed)[c]) {
            RETURN_IF_ERROR(LoadColumn(view, ch.partition, static_cast<int>(c), ch.lo + off,
                                       ch.lo + off + m, &b.cols[c]));
          } else {
            b.cols[c].Reset(view.schema().columns[c].type, m);
          }
        }
        RETURN_IF_ERROR(EvalPredicate(*filter_, b, &mask));
        std::copy(mask.begin(), mask.end(), keep.begin() + off);
        off += m;
      }
    }
    const uint8_t* kp = filter_ ? keep.data() : nullptr;
    if (!counted) {
      int64_t* rows = a->rows.data();
      int64_t* first = a->first.data();
      const uint32_t* gp = g.data();
      if (key_column_ < 0 && !sample_) {
        int64_t kept = 0;
        size_t first_r = n;
        if (kp) {
          for (size_t r = 0; r < n; ++r) kept += kp[r];
          for (size_t r = 0; r < n && first_r == n; ++r) if (kp[r]) first_r = r;
        } else {
          kept = static_cast<int64_t>(n);
          first_r = 0;
        }
        if (kept) {
          rows[0] += kept;
          first[0] = std::min(first[0], ch.ordinal + static_cast<int64_t>(first_r));
        }
      } else {
        for (size_t r = 0; r < n; ++r) {
          if (kp && !kp[r]) continue;
          uint32_t gi = gp[r];
          if (rows[gi]++ == 0) first[gi] = std::min(first[gi], ch.ordinal + static_cast<int64_t>(r));
        }
      }
    }
    const size_t na = aggs_.size();
    for (size_t k = 0; k < na; ++k) {
      const FastAgg& f = aggs_[k];
      if (f.kind == AggKind::kCountRows) continue;
      ASSIGN_OR_RETURN(cairo::ColumnData cd,
                       view.ColumnRows(ch.partition, f.column, ch.lo, ch.hi, &a->value_rows));
      if (cd.is_all_null || !cd.data) continue;
      if (f.arg_type == ColumnType::kDouble) {
        const double* v = cd.values<double>();
        Update(f.kind, v, g.data(), kp, n, k, na, a, [](double x) { return x == x; });
      } else if (f.arg_type == ColumnType::kInt) {
        const int32_t* v = cd.values<int32_t>();
        Update(f.kind, v, g.data(), kp, n, k, na, a, [](int32_t x) { return x != cairo::kNullInt; });
      } else {
        const int64_t* v = cd.values<int64_t>();
        Update(f.kind, v, g.data(), kp, n, k, na, a, [](int64_t x) { return x != kNullI64; });
      }
    }
    return core::Status::Ok();
  }

  template <typename T, typename NotNull>
  static void Update(AggKind kind, const T* v, const uint32_t* g, const uint8_t* kp, size_t n, size_t k,
                     size_t na, Acc* a, NotNull ok) {
    switch (kind) {
      case AggKind::kSum:
      case AggKind::kAvg: UpdateKind<AggKind::kSum>(v, g, kp, n, k, na, a, ok); break;
      case AggKind::kMin: UpdateKind<AggKind::kMin>(v, g, kp, n, k, na, a, ok); break;
      case AggKind::kMax: UpdateKind<AggKind::kMax>(v, g, kp, n, k, na, a, ok); break;
      default: UpdateKind<AggKind::kCount>(v, g, kp, n, k, na, a, ok); break;
    }
  }

  template <AggKind K, typename T, typename NotNull>
  static void UpdateKind(const T* v, const uint32_t* g, const uint8_t* kp, size_t n, size_t k,
                         size_t na, Acc* a, NotNull ok) {
    if (kp) {
      UpdateLoop<K, true>(v, g, kp, n, k, na, a, ok);
    } else {
      UpdateLoop<K, false>(v, g, kp, n, k, na, a, ok);
    }
  }

  template <AggKind K, bool kFiltered, typename T, typename NotNull>
  static void UpdateLoop(const T* v, const uint32_t* g, const uint8_t* kp, size_t n, size_t k,
                         size_t na, Acc* a, NotNull ok) {
    constexpr bool is_d = std::is_same_v<T, double>;
    int64_t* cnt = a->n.data() + k;
    double* dv = a->d.data() + k;
    int64_t* iv = a->i.data() + k;
    for (size_t r = 0; r < n; ++r) {
      if constexpr (kFiltered) {
        if (!kp[r]) continue;
      }
      T x = v[r];
      if (!ok(x)) continue;
      size_t s = g[r] * na;
      cnt[s]++;
      if constexpr (K == AggKind::kSum) {
        if constexpr (is_d) {
          dv[s] += x;
        } else {
          iv[s] += x;
          dv[s] += static_cast<double>(x);
        }
      } else if constexpr (K == AggKind::kMin) {
        if constexpr (is_d) {
          dv[s] = x < dv[s] ? x : dv[s];
        } else {
          iv[s] = x < iv[s] ? x : iv[s];
        }
      } else if constexpr (K == AggKind::kMax) {
        if constexpr (is_d) {
          dv[s] = x > dv[s] ? x : dv[s];
        } else {
          iv[s] = x > iv[s] ? x : iv[s];
        }
      }
    }
  }

  core::Status ApplySimple(const BoundExpr::SimplePredicate& p, const Chunk& ch, uint8_t* keep,
                           size_t n, cairo::DecodedRows* decoded) const {
    const cairo::TableView& view = scan_.view;
    ASSIGN_OR_RETURN(cairo::ColumnData cd,
                     view.ColumnRows(ch.partition, p.column, ch.lo, ch.hi, decoded));
    if (cd.is_all_null || !cd.data) {
      std::fill(keep, keep + n, 0);  // NULL compares false
      return core::Status::Ok();
    }
    ColumnType t = view.schema().columns[p.column].type;
    auto apply = [&](auto* v, auto c, auto not_null) {
      switch (p.op) {
        case '<': for (size_t r = 0; r < n; ++r) keep[r] &= not_null(v[r]) & (v[r] < c); break;
        case '[': for (size_t r = 0; r < n; ++r) keep[r] &= not_null(v[r]) & (v[r] <= c); break;
        case '>': for (size_t r = 0; r < n; ++r) keep[r] &= not_null(v[r]) & (v[r] > c); break;
        default: for (size_t r = 0; r < n; ++r) keep[r] &= not_null(v[r]) & (v[r] >= c); break;
      }
    };
    if (t == ColumnType::kDouble) {
      apply(cd.values<double>(), p.dval, [](double) { return true; });  // NaN compares false
    } else if (t == ColumnType::kLong || t == ColumnType::kTimestamp) {
      if (p.is_double) {
        const int64_t* v = cd.values<int64_t>();
        for (size_t r = 0; r < n; ++r) {
          double x = static_cast<double>(v[r]);
          bool m = v[r] != kNullI64 && (p.op == '<' ? x < p.dval : p.op == '[' ? x <= p.dval : p.op == '>' ? x > p.dval : x >= p.dval);
          keep[r] &= m;
        }
      } else {
        apply(cd.values<int64_t>(), p.ival, [](int64_t x) { return x != kNullI64; });
      }
    } else if (t == ColumnType::kInt) {
      if (p.is_double) {
        const int32_t* v = cd.values<int32_t>();
        for (size_t r = 0; r < n; ++r) {
          double x = static_cast<double>(v[r]);
          bool m = v[r] != cairo::kNullInt && (p.op == '<' ? x < p.dval : p.op == '[' ? x <= p.dval : p.op == '>' ? x > p.dval : x >= p.dval);
          keep[r] &= m;
        }
      } else {
        apply(cd.values<int32_t>(), p.ival, [](int32_t x) { return x != cairo::kNullInt; });
      }
    } else {
      return core::Status::Internal("unsupported simple predicate column");
    }
    return core::Status::Ok();
  }

  void Merge(const Acc& from, Acc* to) const {
    const size_t na = aggs_.size();
    for (size_t gi = 0; gi < ngroups_; ++gi) {
      if (!from.rows[gi]) continue;
      to->rows[gi] += from.rows[gi];
      to->first[gi] = std::min(to->first[gi], from.first[gi]);
      for (size_t k = 0; k < na; ++k) {
        size_t s = gi * na + k;
        to->n[s] += from.n[s];
        switch (aggs_[k].kind) {
          case AggKind::kSum:
          case AggKind::kAvg:
            to->d[s] += from.d[s];
            to->i[s] += from.i[s];
            break;
          case AggKind::kMin:
            to->d[s] = std::min(to->d[s], from.d[s]);
            to->i[s] = std::min(to->i[s], from.i[s]);
            break;
          case AggKind::kMax:
            to->d[s] = std::max(to->d[s], from.d[s]);
            to->i[s] = std::max(to->i[s], from.i[s]);
            break;
          default: break;
        }
      }
    }
  }

  core::Status Output(const Acc& a) {
    std::vector<uint32_t> groups;
    bool no_keys = key_column_ < 0 && !sample_;
    for (size_t gi = 0; gi < ngroups_; ++gi) {
      if (a.rows[gi] || no_keys) groups.push_back(static_cast<uint32_t>(gi));
    }
    // Bucket order (the group index is bucket-major), then first appearance.
    std::stable_sort(groups.begin(), groups.end(), [&](uint32_t x, uint32_t y) {
      size_t bx = x / nkeys_, by = y / nkeys_;
      if (bx != by) return bx < by;
      return a.first[x] < a.first[y];
    });
    const size_t m = groups.size();
    const size_t na = aggs_.size();
    result_.n = m;
    result_.cols.assign(cols_.size(), Vec());
    size_t c = 0;
    if (sample_) {
      Vec& v = result_.cols[c++];
      v.Reset(ColumnType::kTimestamp, m);
      int64_t* p = v.AllocI(m);
      for (size_t r = 0; r < m; ++r) p[r] = origin_ + (bmin_ + static_cast<int64_t>(groups[r] / nkeys_)) * size_;
    }
    if (key_column_ >= 0) {
      Vec& v = result_.cols[c++];
      v.Reset(ColumnType::kSymbol, m);
      int64_t* p = v.AllocI(m);
      for (size_t r = 0; r < m; ++r) {
        size_t k = groups[r] % nkeys_;
        p[r] = k == 0 ? kNullI64 : static_cast<int64_t>(k - 1);
      }
      v.symtab = symtab_;
    }
    for (size_t k = 0; k < na; ++k) {
      const FastAgg& f = aggs_[k];
      Vec& v = result_.cols[c++];
      v.Reset(f.out_type, m);
      bool is_d = PhysOf(f.out_type) == Phys::kF64;
      double* pd = is_d ? v.AllocD(m) : nullptr;
      int64_t* pi = is_d ? nullptr : v.AllocI(m);
      for (size_t r = 0; r < m; ++r) {
        size_t gi = groups[r], s = gi * na + k;
        int64_t cnt = a.n[s];
        switch (f.kind) {
          case AggKind::kCountRows: pi[r] = a.rows[gi]; break;
          case AggKind::kCount: pi[r] = cnt; break;
          case AggKind::kAvg: pd[r] = cnt ? a.d[s] / static_cast<double>(cnt) : std::nan(""); break;
          case AggKind::kSum:
          case AggKind::kMin:
          case AggKind::kMax:
            if (is_d) {
              pd[r] = cnt ? a.d[s] : std::nan("");
            } else {
              pi[r] = cnt ? a.i[s] : kNullI64;
            }
            break;
        }
      }
    }
    return core::Status::Ok();
  }

  ScanSpec scan_;
  BoundPtr filter_;
  bool simple_ = false;
  std::vector<BoundExpr::SimplePredicate> simple_preds_;
  std::vector<FastAgg> aggs_;
  int key_column_;
  std::optional<SampleSpec> sample_;
  int threads_;
  std::vector<Chunk> chunks_;
  MemoryCharge memory_;  // this operator's share of the query's memory
  const cairo::SymbolTable* symtab_ = nullptr;
  size_t nkeys_ = 1, nbuckets_ = 1, ngroups_ = 1;
  int64_t origin_ = 0, size_ = 1, bmin_ = 0;
  bool done_ = false;
  Batch result_;
  size_t pos_ = 0;
};

}  // namespace

OpPtr TryMakeFastAggregate(const ScanSpec& scan, BoundPtr filter, const AggregateSpec& spec) {
  const auto& schema = scan.view.schema();
  if (spec.keys.size() > 1) return nullptr;
  int key_column = -1;
  if (spec.keys.size() == 1) {
    key_column = spec.keys[0]->column_index();
    if (key_column < 0 || schema.columns[key_column].type != ColumnType::kSymbol) return nullptr;
  }
  if (spec.sample) {
    const SampleSpec& s = *spec.sample;
    if (FixedUnitMicros(s.unit) == 0 || s.ts_column != schema.timestamp_index) return nullptr;
    // Time zones and FROM/TO go through AggregateOp's SampleGrid.
    if (s.zone || s.has_from || s.has_to) return nullptr;
    for (FillKind f : s.fills) {
      if (f != FillKind::kNone) return nullptr;
    }
  }
  std::vector<FastAgg> aggs;
  for (const AggSpec& a : spec.aggs) {
    FastAgg f;
    f.out_type = a.type;
    if (a.distinct) return nullptr;
    if (a.function == "count" && !a.arg) {
      f.kind = AggKind::kCountRows;
    } else {
      if (!a.arg || a.arg->column_index() < 0) return nullptr;
      f.column = a.arg->column_index();
      f.arg_type = schema.columns[f.column].type;
      if (f.arg_type != ColumnType::kDouble && f.arg_type != ColumnType::kInt &&
          f.arg_type != ColumnType::kLong) {
        return nullptr;
      }
      if (a.function == "count") f.kind = AggKind::kCount;
      else if (a.function == "sum") f.kind = AggKind::kSum;
      else if (a.function == "avg") f.kind = AggKind::kAvg;
      else if (a.function == "min") f.kind = AggKind::kMin;
      else if (a.function == "max") f.kind = AggKind::kMax;
      else return nullptr;
    }
    aggs.push_back(f);
  }
  std::vector<ColInfo> cols;
  if (spec.sample) cols.push_back({spec.sample->bucket_name, ColumnType::kTimestamp, ""});
  for (size_t k = 0; k < spec.keys.size(); ++k) cols.push_back({spec.key_names[k], spec.keys[k]->type(), ""});
  for (const auto& a : spec.aggs) cols.push_back({a.name, a.type, ""});
  return std::make_unique<FastAggregateOp>(scan, std::move(filter), std::move(aggs), key_column,
                                           spec.sample, std::move(cols), spec.worker_threads);
}

}  // namespace sundial::sql
