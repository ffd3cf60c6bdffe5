// Random generators, QuestDB's rnd_* functions with their argument forms:
//   rnd_boolean(), rnd_char(), rnd_byte([min, max]), rnd_short([min, max]),
//   rnd_int([min, max, null_rate]), rnd_long([min, max, null_rate]),
//   rnd_double([null_rate]), rnd_float([null_rate]),
//   rnd_date([min, max, null_rate]), rnd_timestamp(min, max, null_rate),
//   rnd_str(a, b, ...) | rnd_str(min_len, max_len, null_rate),
//   rnd_symbol(a, b, ...) | rnd_symbol(count, min_len, max_len, null_rate),
//   rnd_uuid4() UUID, rnd_ipv4() IPv4, rnd_long256() LONG256, rnd_geohash(bits) GEOHASH(bits),
//   rnd_bin([min_bytes, max_bytes, null_rate]) BINARY (32 bytes without arguments),
//   rnd_log(count, mean_length) -- not provided.
// Bounds are inclusive. A null rate N > 0 makes about one value in N null; 0 means none.
// Generated characters are the letters A-Z.
//
// Determinism: each call site gets its own generator (splitmix64) seeded from the statement's
// start time (ExecContext::now_us, one per statement) and the call's byte position in the query,
// so a statement run with a fixed now_us produces the same values, and two rnd_int() calls in
// one query differ. The generator advances across batches; it is guarded by a mutex, so parallel
// evaluation stays safe (the order in which workers draw is then not fixed).
#include <cmath>
#include <mutex>
#include <string>

#include "cairo/column_text.h"
#include "sql/functions/function_util.h"

namespace sundial::sql {
namespace {

using namespace fn;  // NOLINT

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi] (lo <= hi), without modulo bias worth caring about for 64-bit draws.
  int64_t Between(int64_t lo, int64_t hi) {
    uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    if (span == UINT64_MAX) return static_cast<int64_t>(Next());
    return static_cast<int64_t>(static_cast<uint64_t>(lo) + Next() % (span + 1));
  }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool IsNull(int64_t rate) { return rate > 0 && Next() % static_cast<uint64_t>(rate) == 0; }
  std::mutex mu;

 private:
  uint64_t state_;
};

// Longest random text (characters): bounds what one batch of 4096 rows allocates.
constexpr int64_t kMaxRandomTextLength = 16384;

// Fills `out` with n values drawn from `rng` (called with rng.mu held).
using Draw = std::function<void(Rng& rng, size_t n, Vec* out)>;

BoundPtr MakeRandom(const Expr& call, const BindContext& ctx, ColumnType type, Draw draw) {
  uint64_t seed = Mix(static_cast<uint64_t>(ctx.now_us) ^ Mix(static_cast<uint64_t>(call.pos)));
  auto rng = std::make_shared<Rng>(seed);
  return MakeFunction(
      call.sval, type, {},
      [rng, draw](const std::vector<Vec>&, size_t n, Vec* out) {
        std::lock_guard<std::mutex> lock(rng->mu);
        draw(*rng, n, out);
        return Status::Ok();
      },
      false, call.pos);
}

// Constant integer arguments (bounds, lengths, null rates).
core::Result<std::vector<int64_t>> IntConstants(const Args& args) {
  std::vector<int64_t> out;
  for (const auto& a : args) {
    const Value* c = a->constant();
    if (!c || c->is_null || !IsIntegral(c->type)) {
      return Status::InvalidArgument("integer constant expected", a->pos());
    }
    out.push_back(c->i);
  }
  return out;
}

bool AllIntegral(const Args& a) {
  for (const auto& x : a) {
    if (!IsIntegral(x->type())) return false;
  }
  return true;
}
bool AllString(const Args& a) {
  if (a.empty()) return false;
  for (const auto& x : a) {
    if (!IsStringLike(x->type()) && !IsNullArg(x)) return false;
  }
  return true;
}

Status RangeCheck(const Args& args, int64_t lo, int64_t hi) {
  if (lo > hi) {
    return Status::InvalidArgument(
        "invalid range [min=" + std::to_string(lo) + ", max=" + std::to_string(hi) + "]",
        args[0]->pos());
  }
  return Status::Ok();
}

Status RateCheck(const BoundPtr& arg, int64_t rate) {
  if (rate < 0) return Status::InvalidArgument("null rate must be positive or 0", arg->pos());
  return Status::Ok();
}

// An integer generator over [lo, hi] with a null rate (BYTE/SHORT: rate 0, never null).
core::Result<BoundPtr> BindIntRange(const Expr& call, const Args& args, const BindContext& ctx,
                                    ColumnType type, int64_t lo, int64_t hi, bool has_rate) {
  int64_t rate = 0;
  if (!args.empty()) {
    ASSIGN_OR_RETURN(auto v, IntConstants(args));
    lo = v[0];
    hi = v[1];
    if (has_rate) {
      rate = v[2];
      RETURN_IF_ERROR(RateCheck(args[2], rate));
    }
    RETURN_IF_ERROR(RangeCheck(args, lo, hi));
  }
  return MakeRandom(call, ctx, type, [lo, hi, rate](Rng& rng, size_t n, Vec* out) {
    int64_t* p = out->AllocI(n);
    for (size_t k = 0; k < n; ++k) p[k] = rng.IsNull(rate) ? kNullI64 : rng.Between(lo, hi);
  });
}

std::string RandomLetters(Rng& rng, int64_t len) {
  std::string s(static_cast<size_t>(len), 'A');
  for (auto& c : s) c = static_cast<char>('A' + rng.Next() % 26);
  return s;
}

// Picks uniformly from a fixed list of strings (NULL entries give NULL).
BoundPtr PickFromList(const Expr& call, const BindContext& ctx, ColumnType type,
                      std::vector<std::optional<std::string>> list) {
  auto items = std::make_shared<const std::vector<std::optional<std::string>>>(std::move(list));
  return MakeRandom(call, ctx, type, [items](Rng& rng, size_t n, Vec* out) {
    std::string_view* p = out->AllocS(n);
    StringPool* pool = out->Pool();
    for (size_t k = 0; k < n; ++k) {
      const auto& it = (*items)[rng.Next() % items->size()];
      p[k] = !it           ? std::string_view()
             : it->empty() ? std::string_view(StringPool::kEmpty, 0)
                           : pool->Add(*it);
    }
  });
}

core::Result<std::vector<std::optional<std::string>>> StringConstants(const Args& args) {
  std::vector<std::optional<std::string>> out;
  for (const auto& a : args) {
    const Value* c = a->constant();
    if (!c) return Status::InvalidArgument("constant expected", a->pos());
    out.push_back(c->is_null ? std::nullopt : std::optional<std::string>(c->s));
  }
  return out;
}

Status LengthCheck(const Args& args, int64_t lo, int64_t hi, size_t first) {
  if (lo < 1 || hi < lo || hi > kMaxRandomTextLength) {
    return Status::InvalidArgument("invalid string length range [min=" + std::to_string(lo) +
                                       ", max=" + std::to_string(hi) + "]",
                                   args[first]->pos());
  }
  return Status::Ok();
}

core::Result<BoundPtr> BindRndStr(const Expr& call, const Args& args, const BindContext& ctx,
                                  ColumnType type) {
  if (AllString(args)) {
    ASSIGN_OR_RETURN(auto list, StringConstants(args));
    return PickFromList(call, ctx, type, std::move(list));
  }
  ASSIGN_OR_RETURN(auto v, IntConstants(args));
  if (v.size() == 4) {
    // rnd_symbol(count, min_len, max_len, null_rate): `count` random strings, then picks.
    if (v[0] < 1 || v[0] > 1'000'000) {
      return Status::InvalidArgument("symbol count must be in 1..1000000", args[0]->pos());
    }
    RETURN_IF_ERROR(LengthCheck(args, v[1], v[2], 1));
    RETURN_IF_ERROR(RateCheck(args[3], v[3]));
    Rng gen(Mix(static_cast<uint64_t>(ctx.now_us) ^ Mix(~static_cast<uint64_t>(call.pos))));
    std::vector<std::optional<std::string>> list;
    for (int64_t k = 0; k < v[0]; ++k) list.push_back(RandomLetters(gen, gen.Between(v[1], v[2])));
    int64_t rate = v[3];
    auto items = std::make_shared<const std::vector<std::optional<std::string>>>(std::move(list));
    return MakeRandom(call, ctx, type, [items, rate](Rng& rng, size_t n, Vec* out) {
      std::string_view* p = out->AllocS(n);
      StringPool* pool = out->Pool();
      for (size_t k = 0; k < n; ++k) {
        p[k] = rng.IsNull(rate) ? std::string_view()
                                : pool->Add(*(*items)[rng.Next() % items->size()]);
      }
    });
  }
  RETURN_IF_ERROR(LengthCheck(args, v[0], v[1], 0));
  RETURN_IF_ERROR(RateCheck(args[2], v[2]));
  int64_t lo = v[0], hi = v[1], rate = v[2];
  return MakeRandom(call, ctx, type, [lo, hi, rate](Rng& rng, size_t n, Vec* out) {
    std::string_view* p = out->AllocS(n);
    StringPool* pool = out->Pool();
    for (size_t k = 0; k < n; ++k) {
      p[k] = rng.IsNull(rate) ? std::string_view()
                              : pool->Add(RandomLetters(rng, rng.Between(lo, hi)));
    }
  });
}

core::Result<BoundPtr> BindRndFloat(const Expr& call, const Args& args, const BindContext& ctx,
                                    ColumnType type) {
  int64_t rate = 0;
  if (!args.empty()) {
    ASSIGN_OR_RETURN(auto v, IntConstants(args));
    rate = v[0];
    RETURN_IF_ERROR(RateCheck(args[0], rate));
  }
  bool is_float = type == ColumnType::kFloat;
  return MakeRandom(call, ctx, type, [rate, is_float](Rng& rng, size_t n, Vec* out) {
    double* p = out->AllocD(n);
    for (size_t k = 0; k < n; ++k) {
      double u = rng.Unit();
      p[k] = rng.IsNull(rate) ? std::nan("") : is_float ? static_cast<float>(u) : u;
    }
  });
}

// rnd_uuid4, rnd_ipv4, rnd_long256 and rnd_geohash produce QuestDB's text form of their
// values (Sundial has no UUID/IPv4/LONG256/GEOHASH types).
BoundPtr TextRandom(const Expr& call, const BindContext& ctx, std::function<std::string(Rng&)> make,
                    ColumnType type = ColumnType::kVarchar) {
  return MakeRandom(call, ctx, type, [make](Rng& rng, size_t n, Vec* out) {
    std::string_view* p = out->AllocS(n);
    StringPool* pool = out->Pool();
    for (size_t k = 0; k < n; ++k) p[k] = pool->Add(make(rng));
  });
}

void Add(FunctionRegistry& r, std::string_view name, std::string summary,
         std::vector<std::pair<std::string, ArgCheck>> forms,
         std::function<core::Result<BoundPtr>(const Expr&, const Args&, BindContext&)> bind) {
  auto& d = r.Add(std::string(name), "random", FunctionKind::kScalar, std::move(summary));
  for (auto& [sig, check] : forms) {
    Overload(d, sig, check, [bind](const Expr& call, Args args, BindContext& ctx) {
      return bind(call, args, ctx);
    });
  }
}

bool IntegralOrTime(const BoundPtr& a) {
  return IsIntegral(a->type()) || IsTimeType(a->type()) || IsStringLike(a->type());
}

core::Result<BoundPtr> FoldCast(const BoundPtr& a, ColumnType to) {
  if (!a->constant()) return Status::InvalidArgument("constant expected", a->pos());
  ASSIGN_OR_RETURN(Value v, EvalConstant(*MakeCast(a, to, a->pos())));
  return MakeConstant(v, a->pos());
}

ArgCheck IntArity(size_t n) {
  return [n](const Args& a) { return a.size() == n && AllIntegral(a); };
}

}  // namespace

void RegisterRandomFunctions(FunctionRegistry& r) {
  Add(r, "rnd_boolean", "random true/false", {{"rnd_boolean()", Arity(0)}},
      [](const Expr& call, const Args&, BindContext& ctx) -> core::Result<BoundPtr> {
        return MakeRandom(call, ctx, ColumnType::kBoolean, [](Rng& rng, size_t n, Vec* out) {
          int64_t* p = out->AllocI(n);
          for (size_t k = 0; k < n; ++k) p[k] = static_cast<int64_t>(rng.Next() >> 63);
        });
      });
  Add(r, "rnd_char", "random letter A-Z", {{"rnd_char()", Arity(0)}},
      [](const Expr& call, const Args& args, BindContext& ctx) {
        return BindIntRange(call, args, ctx, ColumnType::kChar, 'A', 'Z', false);
      });
  static constexpr std::tuple<std::string_view, ColumnType, int64_t, int64_t, bool> kInts[] = {
      {"rnd_byte", ColumnType::kByte, 0, 127, false},
      {"rnd_short", ColumnType::kShort, INT16_MIN, INT16_MAX, false},
      {"rnd_int", ColumnType::kInt, INT32_MIN + 1, INT32_MAX, true},
      {"rnd_long", ColumnType::kLong, INT64_MIN + 1, INT64_MAX, true}};
  for (auto [name, type, lo, hi, has_rate] : kInts) {
    std::string n(name);
    size_t arity = has_rate ? 3 : 2;
    std::string sig = n + (has_rate ? "(min, max, null_rate)" : "(min, max)");
    ColumnType t = type;
    int64_t l = lo, h = hi;
    bool rate = has_rate;
    Add(r, name, "random " + std::string(cairo::ColumnTypeName(type)) + " in [min, max]",
        {{n + "()", Arity(0)}, {sig, IntArity(arity)}},
        [t, l, h, rate](const Expr& call, const Args& args, BindContext& ctx) {
          return BindIntRange(call, args, ctx, t, l, h, rate);
        });
  }
  for (std::string_view name : {"rnd_date", "rnd_timestamp"}) {
    bool is_date = name == "rnd_date";
    ColumnType t = is_date ? ColumnType::kDate : ColumnType::kTimestamp;
    std::string n(name), tn(cairo::ColumnTypeName(t));
    std::vector<std::pair<std::string, ArgCheck>> forms;
    if (is_date) forms.push_back({n + "()", Arity(0)});
    forms.push_back({n + "(min " + tn + ", max " + tn + ", null_rate INT)", [](const Args& a) {
                       return a.size() == 3 && IntegralOrTime(a[0]) && IntegralOrTime(a[1]) &&
                              IsIntegral(a[2]->type());
                     }});
    Add(r, name, "random " + tn + " in [min, max]", std::move(forms),
        [t](const Expr& call, const Args& in, BindContext& ctx) -> core::Result<BoundPtr> {
          Args args = in;
          for (size_t k = 0; k < 2 && k < args.size(); ++k) {
            if (!IsIntegral(args[k]->type())) {
              ASSIGN_OR_RETURN(args[k], FoldCast(args[k], t));
            }
            const Value* c = args[k]->constant();
            if (!c || c->is_null)
              return Status::InvalidArgument("constant expected", args[k]->pos());
            args[k] = MakeConstant(Value::Long(ColumnType::kLong, c->i), args[k]->pos());
          }
          // rnd_date(): QuestDB's default span, 1970 .. about 2033.
          return BindIntRange(call, args, ctx, t, 0, 2'000'000'000'000, true);
        });
  }
  Add(r, "timestamp_shuffle", "random TIMESTAMP between two timestamps (inclusive)",
      {{"timestamp_shuffle(a TIMESTAMP, b TIMESTAMP)",
        [](const Args& a) {
          return a.size() == 2 && IntegralOrTime(a[0]) && IntegralOrTime(a[1]);
        }}},
      [](const Expr& call, const Args& in, BindContext& ctx) -> core::Result<BoundPtr> {
        Args args = in;
        for (auto& a : args) {
          ASSIGN_OR_RETURN(a, FoldCast(a, ColumnType::kTimestamp));
          if (a->constant()->is_null) return Status::InvalidArgument("constant expected", a->pos());
          a = MakeConstant(Value::Long(ColumnType::kLong, a->constant()->i), a->pos());
        }
        if (args[0]->constant()->i > args[1]->constant()->i) std::swap(args[0], args[1]);
        args.push_back(MakeConstant(Value::Long(ColumnType::kLong, 0), call.pos));
        return BindIntRange(call, args, ctx, ColumnType::kTimestamp, 0, 0, true);
      });
  for (std::string_view name : {"rnd_double", "rnd_float"}) {
    ColumnType t = name == "rnd_double" ? ColumnType::kDouble : ColumnType::kFloat;
    Add(r, name, "random value in [0, 1)",
        {{std::string(name) + "()", Arity(0)}, {std::string(name) + "(null_rate)", IntArity(1)}},
        [t](const Expr& call, const Args& args, BindContext& ctx) {
          return BindRndFloat(call, args, ctx, t);
        });
  }
  Add(r, "rnd_str", "random string from a list, or of A-Z letters with a length in [min, max]",
      {{"rnd_str(a VARCHAR, b VARCHAR, ...)", AllString},
       {"rnd_str(min_len, max_len, null_rate)", IntArity(3)}},
      [](const Expr& call, const Args& args, BindContext& ctx) {
        return BindRndStr(call, args, ctx, ColumnType::kVarchar);
      });
  Add(r, "rnd_symbol",
      "random symbol from a list, or from `count` random A-Z strings with a length in [min, max]",
      {{"rnd_symbol(a VARCHAR, b VARCHAR, ...)", AllString},
       {"rnd_symbol(count, min_len, max_len, null_rate)", IntArity(4)}},
      [](const Expr& call, const Args& args, BindContext& ctx) {
        return BindRndStr(call, args, ctx, ColumnType::kSymbol);
      });
  Add(r, "rnd_uuid4", "random version-4 UUID", {{"rnd_uuid4()", Arity(0)}},
      [](const Expr& call, const Args&, BindContext& ctx) -> core::Result<BoundPtr> {
        return TextRandom(
            call, ctx,
            [](Rng& rng) {
              uint64_t w[2];  // lo, hi
              w[1] = (rng.Next() & ~0xf000ULL) | 0x4000ULL;
              w[0] = (rng.Next() & ~(3ULL << 62)) | (2ULL << 62);
              std::string s;
              cairo::AppendStoredText(ColumnType::kUuid, w, &s);
              return s;
            },
            ColumnType::kUuid);
      });
  Add(r, "rnd_ipv4", "random IPv4 address (never 0.0.0.0, the null)", {{"rnd_ipv4()", Arity(0)}},
      [](const Expr& call, const Args&, BindContext& ctx) -> core::Result<BoundPtr> {
        return MakeRandom(call, ctx, ColumnType::kIPv4, [](Rng& rng, size_t n, Vec* out) {
          int64_t* p = out->AllocI(n);
          for (size_t k = 0; k < n; ++k) {
            uint32_t a = static_cast<uint32_t>(rng.Next());
            p[k] = a == 0 ? 1 : a;
          }
        });
      });
  Add(r, "rnd_long256", "random LONG256", {{"rnd_long256()", Arity(0)}},
      [](const Expr& call, const Args&, BindContext& ctx) -> core::Result<BoundPtr> {
        return TextRandom(
            call, ctx,
            [](Rng& rng) {
              uint64_t w[4];
              for (auto& x : w) x = rng.Next();
              std::string s;
              cairo::AppendStoredText(ColumnType::kLong256, w, &s);
              return s;
            },
            ColumnType::kLong256);
      });
  Add(r, "rnd_bin", "random BINARY of [min, max] bytes (32 without arguments)",
      {{"rnd_bin()", Arity(0)}, {"rnd_bin(min_bytes, max_bytes, null_rate)", IntArity(3)}},
      [](const Expr& call, const Args& args, BindContext& ctx) -> core::Result<BoundPtr> {
        int64_t lo = 32, hi = 32, rate = 0;
        if (!args.empty()) {
          ASSIGN_OR_RETURN(auto v, IntConstants(args));
          if (v[0] < 0 || v[1] < v[0] || v[1] > kMaxRandomTextLength) {
            return Status::InvalidArgument("invalid byte count range [min=" +
                                               std::to_string(v[0]) + ", max=" +
                                               std::to_string(v[1]) + "]",
                                           args[0]->pos());
          }
          RETURN_IF_ERROR(RateCheck(args[2], v[2]));
          lo = v[0], hi = v[1], rate = v[2];
        }
        return MakeRandom(call, ctx, ColumnType::kBinary,
                          [lo, hi, rate](Rng& rng, size_t n, Vec* out) {
                            std::string_view* p = out->AllocS(n);
                            StringPool* pool = out->Pool();
                            std::string bytes;
                            for (size_t k = 0; k < n; ++k) {
                              if (rng.IsNull(rate)) {
                                p[k] = {};
                                continue;
                              }
                              bytes.resize(static_cast<size_t>(rng.Between(lo, hi)));
                              for (char& b : bytes) b = static_cast<char>(rng.Next() >> 56);
                              p[k] = pool->Add(bytes);
                            }
                          });
      });
  Add(r, "rnd_geohash", "random GEOHASH of `bits` bits (1..60)",
      {{"rnd_geohash(bits INT)", IntArity(1)}},
      [](const Expr& call, const Args& args, BindContext& ctx) -> core::Result<BoundPtr> {
        ASSIGN_OR_RETURN(auto v, IntConstants(args));
        if (v[0] < 1 || v[0] > cairo::kGeoHashMaxBits) {
          return Status::InvalidArgument("bits must be in 1..60", args[0]->pos());
        }
        const int bits = static_cast<int>(v[0]);
        return MakeRandom(call, ctx, cairo::GeoHashType(bits),
                          [bits](Rng& rng, size_t n, Vec* out) {
                            int64_t* p = out->AllocI(n);
                            for (size_t k = 0; k < n; ++k) {
                              p[k] = static_cast<int64_t>(rng.Next() >> (64 - bits));
                            }
                          });
      });
}

}  // namespace sundial::sql
