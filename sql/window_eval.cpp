// Window functions: sorting rows into window order (BuildLayout) and the one pass per function
// (Evaluate). Positions below are indexes into Layout::perm (window order); rows are input row
// numbers; frames are inclusive position ranges [lo, hi], empty when lo > hi.
#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "sql/operator.h"
#include "sql/query_budget.h"
#include "sql/window_internal.h"

namespace sundial::sql::window {

namespace {

using core::Status;

constexpr size_t kCheckEvery = 64 * 1024;  // positions between deadline checks

// One ORDER BY key made comparable: integers (symbols as the rank of their text), doubles
// (NaN is null) or strings (null pointer is null). NULL sorts first.
struct SortKey {
  Phys phys = Phys::kI64;
  std::vector<int64_t> i;
  Vec vec;  // doubles and strings
  bool descending = false;

  int Compare(uint32_t a, uint32_t b) const {
    int c = 0;
    switch (phys) {
      case Phys::kI64:
        c = i[a] < i[b] ? -1 : i[a] > i[b] ? 1 : 0;
        break;
      case Phys::kF64: {
        const double x = vec.d[a], y = vec.d[b];
        const bool nx = std::isnan(x), ny = std::isnan(y);
        c = nx || ny ? (nx == ny ? 0 : nx ? -1 : 1) : x < y ? -1 : x > y ? 1 : 0;
        break;
      }
      case Phys::kStr: {
        const std::string_view x = vec.s[a], y = vec.s[b];
        const bool nx = x.data() == nullptr, ny = y.data() == nullptr;
        c = nx || ny ? (nx == ny ? 0 : nx ? -1 : 1) : x.compare(y) < 0 ? -1 : x == y ? 0 : 1;
        break;
      }
    }
    return descending ? -c : c;
  }
};

Status MakeSortKey(const BoundExpr& e, bool descending, const Batch& input, SortKey* key) {
  RETURN_IF_ERROR(e.Eval(input, &key->vec));
  key->descending = descending;
  key->phys = key->vec.phys();
  if (key->phys != Phys::kI64) return Status::Ok();
  const Vec& v = key->vec;
  key->i.assign(v.i, v.i + input.n);
  if (v.has_keys()) {
    // Symbols order by their text: rank the dictionary once, compare ranks.
    const int32_t size = v.symtab->size();
    std::vector<int32_t> order(static_cast<size_t>(size));
    for (int32_t k = 0; k < size; ++k) order[k] = k;
    std::sort(order.begin(), order.end(),
              [&](int32_t a, int32_t b) { return v.symtab->Value(a) < v.symtab->Value(b); });
    std::vector<int64_t> rank(static_cast<size_t>(size));
    for (int32_t r = 0; r < size; ++r) rank[order[r]] = r;
    for (auto& x : key->i) x = (x < 0 || x >= size) ? kNullI64 : rank[x];
  }
  return Status::Ok();
}

// Dense partition ids in order of first appearance; returns their count.
core::Result<uint32_t> PartitionIds(const Spec& spec, const Batch& input,
                                    std::vector<uint32_t>* ids) {
  const size_t n = input.n;
  ids->assign(n, 0);
  if (spec.partition.empty()) return n > 0 ? 1u : 0u;
  std::vector<Vec> keys(spec.partition.size());
  for (size_t k = 0; k < keys.size(); ++k)
    RETURN_IF_ERROR(spec.partition[k]->Eval(input, &keys[k]));
  uint32_t count = 0;
  if (keys.size() == 1 && keys[0].phys() == Phys::kI64) {
    const Vec& v = keys[0];
    if (v.has_keys()) {
      // Symbol keys index an array directly: no hashing, no string compares.
      const int64_t size = v.symtab->size();
      std::vector<uint32_t> slot(static_cast<size_t>(size) + 1, UINT32_MAX);
      for (size_t r = 0; r < n; ++r) {
        const int64_t k = v.i[r];
        uint32_t& s = slot[(k < 0 || k >= size) ? 0 : static_cast<size_t>(k) + 1];
        if (s == UINT32_MAX) s = count++;
        (*ids)[r] = s;
      }
      return count;
    }
    std::unordered_map<int64_t, uint32_t> slot;
    for (size_t r = 0; r < n; ++r) {
      auto [it, fresh] = slot.try_emplace(v.i[r], count);
      if (fresh) ++count;
      (*ids)[r] = it->second;
    }
    return count;
  }
  std::unordered_map<std::string, uint32_t> slot;
  std::string enc;
  for (size_t r = 0; r < n; ++r) {
    enc.clear();
    for (const Vec& v : keys) EncodeValue(v, r, &enc);
    auto [it, fresh] = slot.try_emplace(enc, count);
    if (fresh) ++count;
    (*ids)[r] = it->second;
    if ((r & (kCheckEvery - 1)) == 0) RETURN_IF_ERROR(CheckQueryTime());
  }
  return count;
}

}  // namespace

Status BuildLayout(const Spec& spec, const Batch& input, Layout* layout) {
  const size_t n = input.n;
  std::vector<uint32_t> ids;
  ASSIGN_OR_RETURN(uint32_t parts, PartitionIds(spec, input, &ids));
  // Stable counting sort by partition: each partition keeps the input order.
  std::vector<uint32_t> start(parts + 1, 0);
  for (uint32_t id : ids) ++start[id + 1];
  for (uint32_t p = 0; p < parts; ++p) start[p + 1] += start[p];
  layout->perm.resize(n);
  {
    std::vector<uint32_t> next(start.begin(), start.end() - 1);
    for (size_t r = 0; r < n; ++r) layout->perm[next[ids[r]]++] = static_cast<uint32_t>(r);
  }
  ids = std::vector<uint32_t>();
  RETURN_IF_ERROR(CheckQueryTime());
  std::vector<SortKey> keys(spec.order.size());
  for (size_t k = 0; k < keys.size(); ++k) {
    RETURN_IF_ERROR(MakeSortKey(*spec.order[k], spec.descending[k], input, &keys[k]));
  }
  auto compare = [&](uint32_t a, uint32_t b) {
    for (const SortKey& k : keys) {
      if (int c = k.Compare(a, b); c != 0) return c;
    }
    return 0;
  };
  layout->part_start.resize(n);
  layout->part_end.resize(n);
  layout->peer_start.resize(n);
  layout->peer_end.resize(n);
  uint32_t* perm = layout->perm.data();
  for (uint32_t p = 0; p < parts; ++p) {
    const uint32_t b = start[p], e = start[p + 1];
    if (!keys.empty()) {
      // Rows usually arrive in ORDER BY order already (a scan in designated-timestamp
      // order): sort only when they do not. Ties keep the input order.
      bool sorted = true;
      for (uint32_t q = b + 1; q < e && sorted; ++q) sorted = compare(perm[q - 1], perm[q]) <= 0;
      if (!sorted) {
        std::sort(perm + b, perm + e, [&](uint32_t x, uint32_t y) {
          const int c = compare(x, y);
          return c < 0 || (c == 0 && x < y);
        });
      }
    }
    uint32_t peer = b;
    for (uint32_t q = b; q < e; ++q) {
      layout->part_start[q] = b;
      layout->part_end[q] = e;
      if (q > b && !keys.empty() && compare(perm[q - 1], perm[q]) != 0) {
        for (uint32_t x = peer; x < q; ++x) layout->peer_end[x] = q;
        peer = q;
      }
      layout->peer_start[q] = peer;
    }
    for (uint32_t x = peer; x < e; ++x) layout->peer_end[x] = e;
    if (e - b >= kCheckEvery) RETURN_IF_ERROR(CheckQueryTime());
  }
  layout->range_key.clear();
  if (keys.size() == 1 && keys[0].phys == Phys::kI64 && !keys[0].vec.has_keys()) {
    // Ascending in window order within each partition: descending keys are negated (a
    // non-null value never negates to the null marker).
    layout->range_key.resize(n);
    for (size_t q = 0; q < n; ++q) {
      const int64_t v = keys[0].i[perm[q]];
      layout->range_key[q] = (v == kNullI64 || !keys[0].descending) ? v : -v;
    }
  }
  return Status::Ok();
}

namespace {

int64_t SatAdd(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN + 1;
  return std::max(r, INT64_MIN + 1);
}

// Computes the frame [lo, hi] of each position of one partition.
class FrameCursor {
 public:
  FrameCursor(const Frame& f, const Layout& l, uint32_t ps, uint32_t pe)
      : f_(f), l_(l), ps_(ps), pe_(pe) {
    if (!f.is_rows && !l.range_key.empty()) {
      // Non-null keys form one run: nulls sort first ascending, last descending.
      nn_lo_ = ps;
      nn_hi_ = pe;
      while (nn_lo_ < pe && l.range_key[nn_lo_] == kNullI64) ++nn_lo_;
      while (nn_hi_ > nn_lo_ && l.range_key[nn_hi_ - 1] == kNullI64) --nn_hi_;
    }
  }

  void At(uint32_t p, int64_t* lo, int64_t* hi) const {
    *lo = Bound(f_.start, p, true);
    *hi = Bound(f_.end, p, false);
  }

 private:
  int64_t Bound(const FrameBound& b, uint32_t p, bool is_start) const {
    switch (b.kind) {
      case FrameBoundKind::kUnboundedPreceding:
        return ps_;
      case FrameBoundKind::kUnboundedFollowing:
        return static_cast<int64_t>(pe_) - 1;
      case FrameBoundKind::kCurrentRow:
        if (f_.is_rows) return p;
        return is_start ? l_.peer_start[p] : static_cast<int64_t>(l_.peer_end[p]) - 1;
      case FrameBoundKind::kPreceding:
      case FrameBoundKind::kFollowing:
        break;
    }
    const int64_t off = b.kind == FrameBoundKind::kPreceding ? -b.offset : b.offset;
    if (f_.is_rows) {
      const int64_t x = static_cast<int64_t>(p) + off;  // |off| < 2^63 - 2^32: no overflow
      return is_start ? std::max<int64_t>(x, ps_) : std::min<int64_t>(x, pe_ - 1);
    }
    const int64_t v = l_.range_key[p];
    if (v == kNullI64) {  // a NULL key: its peers
      return is_start ? l_.peer_start[p] : static_cast<int64_t>(l_.peer_end[p]) - 1;
    }
    const int64_t target = SatAdd(v, off);
    const int64_t* first = l_.range_key.data() + nn_lo_;
    const int64_t* last = l_.range_key.data() + nn_hi_;
    if (is_start) return std::lower_bound(first, last, target) - l_.range_key.data();
    return (std::upper_bound(first, last, target) - l_.range_key.data()) - 1;
  }

  const Frame& f_;
  const Layout& l_;
  uint32_t ps_, pe_;
  uint32_t nn_lo_ = 0, nn_hi_ = 0;
};

// Moves the window [cur_lo, cur_hi) to [lo, hi + 1), both ends only ever growing.
template <class Add, class Remove, class Clear>
void Slide(int64_t lo, int64_t hi, int64_t* cur_lo, int64_t* cur_hi, Add add, Remove remove,
           Clear clear) {
  const int64_t end = std::max(lo, hi + 1);
  if (lo >= *cur_hi) {
    clear();
    *cur_lo = *cur_hi = lo;
  }
  while (*cur_hi < end) add((*cur_hi)++);
  while (*cur_lo < lo) remove((*cur_lo)++);
}

// Sliding minimum or maximum over positions: a deque of positions whose values decrease
// (max) or increase (min) from the front. Nulls never enter.
template <class T>
class MonotonicDeque {
 public:
  MonotonicDeque(const std::vector<T>& values, bool is_max) : v_(values), is_max_(is_max) {}
  void Clear() {
    q_.clear();
    head_ = 0;
  }
  void Add(int64_t p) {
    const T x = v_[p];
    if (IsNull(x)) return;
    while (q_.size() > head_ && (is_max_ ? v_[q_.back()] <= x : v_[q_.back()] >= x)) q_.pop_back();
    q_.push_back(p);
  }
  void Remove(int64_t p) {
    if (q_.size() > head_ && q_[head_] == p) ++head_;
    if (head_ > 4096 && head_ * 2 > q_.size()) {
      q_.erase(q_.begin(), q_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  bool Empty() const { return q_.size() == head_; }
  T Front() const { return v_[q_[head_]]; }
  static bool IsNull(T x) {
    if constexpr (std::is_floating_point_v<T>) {
      return std::isnan(x);
    } else {
      return x == kNullI64;
    }
  }

 private:
  const std::vector<T>& v_;
  bool is_max_;
  std::vector<int64_t> q_;
  size_t head_ = 0;
};

struct Periodic {
  size_t since = 0;
  Status Tick(size_t rows) {
    since += rows;
    if (since < kCheckEvery) return Status::Ok();
    since = 0;
    return CheckQueryTime();
  }
};

// Runs `each(p, lo, hi, ps, pe)` for every position, partition by partition, with the
// partition's cursor ready, and `start(ps, pe)` before each partition.
template <class Start, class Each>
Status ForEachFrame(const Function& f, const Layout& l, Start start, Each each) {
  const size_t n = l.perm.size();
  Periodic check;
  for (uint32_t ps = 0; ps < n;) {
    const uint32_t pe = l.part_end[ps];
    FrameCursor cursor(f.frame, l, ps, pe);
    start(ps, pe);
    for (uint32_t p = ps; p < pe; ++p) {
      int64_t lo, hi;
      cursor.At(p, &lo, &hi);
      each(p, lo, hi);
    }
    RETURN_IF_ERROR(check.Tick(pe - ps));
    ps = pe;
  }
  return Status::Ok();
}

// The argument as doubles in window order (NaN: null).
std::vector<double> DoublesInOrder(const Vec& arg, const Layout& l) {
  const size_t n = l.perm.size();
  std::vector<double> out(n);
  if (arg.phys() == Phys::kF64) {
    for (size_t q = 0; q < n; ++q) out[q] = arg.d[l.perm[q]];
  } else if (arg.phys() == Phys::kI64) {
    for (size_t q = 0; q < n; ++q) {
      const int64_t x = arg.i[l.perm[q]];
      out[q] = x == kNullI64 ? std::nan("") : static_cast<double>(x);
    }
  } else {
    std::fill(out.begin(), out.end(), std::nan(""));  // the NULL literal
  }
  return out;
}

std::vector<uint8_t> NullsInOrder(const Vec& arg, const Layout& l) {
  const size_t n = l.perm.size();
  std::vector<uint8_t> out(n);
  for (size_t q = 0; q < n; ++q) out[q] = arg.IsNull(l.perm[q]) ? 1 : 0;
  return out;
}

Status SumCountAvg(const Function& f, const Layout& l, const Vec& arg, Vec* out) {
  const size_t n = l.perm.size();
  const bool rows_only = f.arg == nullptr;  // count(*)
  std::vector<double> v =
      rows_only || f.fn == Fn::kCount ? std::vector<double>() : DoublesInOrder(arg, l);
  std::vector<uint8_t> nulls;
  if (f.fn == Fn::kCount && !rows_only) nulls = NullsInOrder(arg, l);
  double* od = f.fn == Fn::kCount ? nullptr : out->AllocD(n);
  int64_t* oi = f.fn == Fn::kCount ? out->AllocI(n) : nullptr;
  double sum = 0;
  int64_t count = 0, cur_lo = 0, cur_hi = 0;
  auto is_null = [&](int64_t q) {
    return rows_only ? false : f.fn == Fn::kCount ? nulls[q] != 0 : std::isnan(v[q]);
  };
  auto add = [&](int64_t q) {
    if (is_null(q)) return;
    ++count;
    if (!v.empty()) sum += v[q];
  };
  auto remove = [&](int64_t q) {
    if (is_null(q)) return;
    if (--count == 0) {
      sum = 0;  // no drift carried into the next rows
    } else if (!v.empty()) {
      sum -= v[q];
    }
  };
  auto clear = [&] {
    sum = 0;
    count = 0;
  };
  return ForEachFrame(
      f, l,
      [&](uint32_t ps, uint32_t) {
        clear();
        cur_lo = cur_hi = ps;
      },
      [&](uint32_t p, int64_t lo, int64_t hi) {
        Slide(lo, hi, &cur_lo, &cur_hi, add, remove, clear);
        double s = sum;
        int64_t c = count;
        if (f.frame.exclude_current_row && lo <= p && p <= hi && !is_null(p)) {
          --c;
          if (!v.empty()) s = c == 0 ? 0 : s - v[p];
        }
        const uint32_t row = l.perm[p];
        if (oi) {
          oi[row] = c;
        } else if (c == 0) {
          od[row] = std::nan("");
        } else {
          od[row] = f.fn == Fn::kAvg ? s / static_cast<double>(c) : s;
        }
      });
}

template <class T>
Status MinMaxOf(const Function& f, const Layout& l, std::vector<T> v, T* out) {
  const bool is_max = f.fn == Fn::kMax;
  // Two windows when the current row is excluded: [lo, p-1] and [p+1, hi]; both move
  // monotonically as p does.
  MonotonicDeque<T> a(v, is_max), b(v, is_max);
  int64_t alo = 0, ahi = 0, blo = 0, bhi = 0;
  const T null_value = MonotonicDeque<T>::IsNull(std::numeric_limits<T>::quiet_NaN())
                           ? std::numeric_limits<T>::quiet_NaN()
                           : static_cast<T>(kNullI64);
  auto slide = [](MonotonicDeque<T>& d, int64_t lo, int64_t hi, int64_t* cl, int64_t* ch) {
    Slide(
        lo, hi, cl, ch, [&](int64_t q) { d.Add(q); }, [&](int64_t q) { d.Remove(q); },
        [&] { d.Clear(); });
  };
  return ForEachFrame(
      f, l,
      [&](uint32_t ps, uint32_t) {
        a.Clear();
        b.Clear();
        alo = ahi = blo = bhi = ps;
      },
      [&](uint32_t p, int64_t lo, int64_t hi) {
        T result = null_value;
        bool any = false;
        auto take = [&](const MonotonicDeque<T>& d) {
          if (d.Empty()) return;
          const T x = d.Front();
          if (!any || (is_max ? x > result : x < result)) result = x;
          any = true;
        };
        if (!f.frame.exclude_current_row) {
          slide(a, lo, hi, &alo, &ahi);
          take(a);
        } else {
          slide(a, lo, std::min<int64_t>(hi, static_cast<int64_t>(p) - 1), &alo, &ahi);
          slide(b, std::max<int64_t>(lo, static_cast<int64_t>(p) + 1), hi, &blo, &bhi);
          take(a);
          take(b);
        }
        out[l.perm[p]] = result;
      });
}

Status MinMax(const Function& f, const Layout& l, const Vec& arg, Vec* out) {
  const size_t n = l.perm.size();
  if (PhysOf(f.type) == Phys::kF64) return MinMaxOf(f, l, DoublesInOrder(arg, l), out->AllocD(n));
  std::vector<int64_t> v(n);
  for (size_t q = 0; q < n; ++q) v[q] = arg.i[l.perm[q]];
  return MinMaxOf(f, l, std::move(v), out->AllocI(n));
}

// Output rows copy argument rows: `src[row]` is an input row, kNoRow (NULL) or kDefault.
constexpr int64_t kNoRow = -1, kDefault = -2;

void Gather(const Function& f, const Vec& arg, const std::vector<int64_t>& src, Vec* out) {
  const size_t n = src.size();
  const Value& def = f.default_value;
  const bool has_default = !def.is_null;
  if (arg.no_data() || arg.type != f.type) {
    FillConstant(Value::Null(f.type), n, out);  // the NULL literal as argument
    return;
  }
  if (arg.phys() == Phys::kI64 && !(arg.has_keys() && has_default)) {
    int64_t* o = out->AllocI(n);
    for (size_t r = 0; r < n; ++r) {
      o[r] = src[r] >= 0 ? arg.i[src[r]] : (src[r] == kDefault && has_default) ? def.i : kNullI64;
    }
    out->symtab = arg.symtab;
    return;
  }
  if (arg.phys() == Phys::kF64) {
    double* o = out->AllocD(n);
    for (size_t r = 0; r < n; ++r) {
      o[r] = src[r] >= 0                           ? arg.d[src[r]]
             : (src[r] == kDefault && has_default) ? def.d
                                                   : std::nan("");
    }
    return;
  }
  // Strings (and symbols with a text default): views of the argument's text.
  out->pool = arg.pool;
  std::string_view def_text = has_default ? out->Pool()->Add(def.s) : std::string_view();
  std::string_view* o = out->AllocS(n);
  for (size_t r = 0; r < n; ++r) {
    o[r] = src[r] >= 0 ? arg.Str(src[r]) : src[r] == kDefault ? def_text : std::string_view();
  }
}

// lag/lead: the row `offset` rows before/after in the partition (IGNORE NULLS: counting only
// rows whose value is not NULL).
Status LagLead(const Function& f, const Layout& l, const Vec& arg, Vec* out) {
  const size_t n = l.perm.size();
  std::vector<int64_t> src(n, kNoRow);
  const bool is_lag = f.fn == Fn::kLag;
  std::vector<uint32_t> non_null;  // positions of the partition with a value
  Periodic check;
  for (uint32_t ps = 0; ps < n;) {
    const uint32_t pe = l.part_end[ps];
    if (f.ignore_nulls) {
      non_null.clear();
      for (uint32_t p = ps; p < pe; ++p) {
        if (!arg.IsNull(l.perm[p])) non_null.push_back(p);
      }
    }
    size_t before = 0;  // non-null positions before p
    for (uint32_t p = ps; p < pe; ++p) {
      int64_t target;
      if (!f.ignore_nulls) {
        target = is_lag ? static_cast<int64_t>(p) - f.offset
                        : (f.offset > static_cast<int64_t>(pe) ? pe : p + f.offset);
        if (target < ps || target >= pe) target = -1;
      } else {
        const bool self = !arg.IsNull(l.perm[p]);
        const int64_t k = f.offset;
        const int64_t size = static_cast<int64_t>(non_null.size());
        if (k == 0) {
          target = p;  // offset 0 is the row itself, NULL or not
        } else {
          // Index into non_null of the k-th value before p (lag) or after p (lead).
          const int64_t after = static_cast<int64_t>(before) + (self ? 1 : 0);
          const int64_t idx = k > size ? -1
                              : is_lag ? static_cast<int64_t>(before) - k
                                       : after + k - 1;
          target = (idx >= 0 && idx < size) ? static_cast<int64_t>(non_null[idx]) : int64_t{-1};
        }
        if (self) ++before;
      }
      src[l.perm[p]] = target >= 0 ? l.perm[target] : kDefault;
    }
    RETURN_IF_ERROR(check.Tick(pe - ps));
    ps = pe;
  }
  Gather(f, arg, src, out);
  return Status::Ok();
}

// first_value / last_value: the first/last row of the frame (IGNORE NULLS: with a value).
Status FirstLast(const Function& f, const Layout& l, const Vec& arg, Vec* out) {
  const size_t n = l.perm.size();
  std::vector<int64_t> src(n, kNoRow);
  const bool first = f.fn == Fn::kFirstValue;
  std::vector<uint8_t> nulls = NullsInOrder(arg, l);
  // next_value[p]: first position >= p with a value (or the partition end); prev_value[p]:
  // last position <= p with a value (or ps - 1).
  std::vector<int64_t> near(f.ignore_nulls ? n : 0);
  int64_t cur_ps = 0, cur_pe = 0;
  RETURN_IF_ERROR(ForEachFrame(
      f, l,
      [&](uint32_t ps, uint32_t pe) {
        cur_ps = ps;
        cur_pe = pe;
        if (!f.ignore_nulls) return;
        if (first) {
          int64_t next = pe;
          for (int64_t p = pe; p-- > ps;) near[p] = next = nulls[p] ? next : p;
        } else {
          int64_t prev = static_cast<int64_t>(ps) - 1;
          for (int64_t p = ps; p < pe; ++p) near[p] = prev = nulls[p] ? prev : p;
        }
      },
      [&](uint32_t p, int64_t lo, int64_t hi) {
        const bool skip_self = f.frame.exclude_current_row;
        int64_t q = -1;
        if (first) {
          int64_t x = lo;
          if (skip_self && x == p) ++x;
          if (f.ignore_nulls && x < cur_pe) {
            x = near[x];
            if (skip_self && x == p) x = p + 1 < cur_pe ? near[p + 1] : cur_pe;
          }
          if (x <= hi && x < cur_pe) q = x;
        } else {
          int64_t x = hi;
          if (skip_self && x == p) --x;
          if (f.ignore_nulls && x >= cur_ps) {
            x = near[x];
            if (skip_self && x == p) x = p > cur_ps ? near[p - 1] : cur_ps - 1;
          }
          if (x >= lo && x >= cur_ps) q = x;
        }
        src[l.perm[p]] = q >= 0 ? l.perm[q] : kNoRow;
      }));
  Gather(f, arg, src, out);
  return Status::Ok();
}

Status Ranking(const Function& f, const Layout& l, Vec* out) {
  const size_t n = l.perm.size();
  int64_t* oi = PhysOf(f.type) == Phys::kI64 ? out->AllocI(n) : nullptr;
  double* od = oi ? nullptr : out->AllocD(n);
  Periodic check;
  for (uint32_t ps = 0; ps < n;) {
    const uint32_t pe = l.part_end[ps];
    int64_t dense = 0;
    for (uint32_t p = ps; p < pe; ++p) {
      if (l.peer_start[p] == p) ++dense;
      const uint32_t row = l.perm[p];
      switch (f.fn) {
        case Fn::kRowNumber:
          oi[row] = p - ps + 1;
          break;
        case Fn::kRank:
          oi[row] = l.peer_start[p] - ps + 1;
          break;
        case Fn::kDenseRank:
          oi[row] = dense;
          break;
        case Fn::kPercentRank:
          od[row] = pe - ps <= 1 ? 0.0
                                 : static_cast<double>(l.peer_start[p] - ps) /
                                       static_cast<double>(pe - ps - 1);
          break;
        case Fn::kCumeDist:
          od[row] = static_cast<double>(l.peer_end[p] - ps) / static_cast<double>(pe - ps);
          break;
        default:
          break;
      }
    }
    RETURN_IF_ERROR(check.Tick(pe - ps));
    ps = pe;
  }
  return Status::Ok();
}

}  // namespace

Status Evaluate(const Function& f, const Layout& layout, const Vec& arg, size_t rows, Vec* out) {
  out->Reset(f.type, rows);
  switch (f.fn) {
    case Fn::kRowNumber:
    case Fn::kRank:
    case Fn::kDenseRank:
    case Fn::kPercentRank:
    case Fn::kCumeDist:
      return Ranking(f, layout, out);
    case Fn::kLag:
    case Fn::kLead:
      return LagLead(f, layout, arg, out);
    case Fn::kFirstValue:
    case Fn::kLastValue:
      return FirstLast(f, layout, arg, out);
    case Fn::kCount:
    case Fn::kSum:
    case Fn::kAvg:
      return SumCountAvg(f, layout, arg, out);
    case Fn::kMin:
    case Fn::kMax:
      return MinMax(f, layout, arg, out);
  }
  return Status::Internal("unknown window function");
}

}  // namespace sundial::sql::window
