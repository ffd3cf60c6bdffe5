// Functions of QuestDB's GEOHASH type (values: cairo/column_text.h):
//   make_geohash(lon, lat, bits)   the geohash of a point, GEOHASH(bits) (bits a constant
//                                  1..60); null for a null coordinate or one out of range
//                                  (longitude -180..180, latitude -90..90)
//   g WITHIN (p1, p2, ...)         true when geohash g starts with one of the constant
//                                  geohashes p (literals, or base32 text), each of at most g's
//                                  bits; false for a null g. Also callable as within(g, p...).
// rnd_geohash(bits) is with the random functions (random.cpp).
#include <cmath>

#include "cairo/column_text.h"
#include "sql/functions/function_util.h"

namespace sundial::sql {
namespace {

using namespace fn;  // NOLINT

// Standard geohash encoding: the bits alternate longitude, latitude (longitude first), each the
// half of the current interval the coordinate falls in (the upper half when it is >= the mid).
int64_t EncodeGeoHash(double lon, double lat, int bits) {
  double lon_lo = -180, lon_hi = 180, lat_lo = -90, lat_hi = 90;
  int64_t v = 0;
  for (int k = 0; k < bits; ++k) {
    double& lo = k % 2 == 0 ? lon_lo : lat_lo;
    double& hi = k % 2 == 0 ? lon_hi : lat_hi;
    const double x = k % 2 == 0 ? lon : lat;
    const double mid = (lo + hi) / 2;
    v <<= 1;
    if (x >= mid) {
      v |= 1;
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return v;
}

bool GeoArg(const BoundPtr& a) { return cairo::IsGeoHash(a->type()); }

// One WITHIN prefix: its value and bits.
struct Prefix {
  int64_t value = 0;
  int bits = 0;
};

core::Result<Prefix> ConstantPrefix(const BoundPtr& a, int max_bits) {
  const Value* c = a->constant();
  if (c == nullptr || c->is_null || (!GeoArg(a) && !IsStringLike(a->type()))) {
    return Status::InvalidArgument("WITHIN expects constant geohashes", a->pos());
  }
  Prefix p;
  if (GeoArg(a)) {
    p = {c->i, cairo::GeoHashBits(a->type())};
  } else {
    auto v = cairo::ParseGeoHashChars(c->s);
    if (!v) return Status::InvalidArgument("invalid geohash: " + c->s.substr(0, 80), a->pos());
    p = {*v, 5 * static_cast<int>(c->s.size())};
  }
  if (p.bits > max_bits) {
    return Status::InvalidArgument("geohash in WITHIN is more precise than the value it tests",
                                   a->pos());
  }
  return p;
}

}  // namespace

void RegisterGeoFunctions(FunctionRegistry& r) {
  auto& mk = r.Add("make_geohash", "spatial", FunctionKind::kScalar,
                   "the GEOHASH(bits) of a longitude and latitude");
  Overload(mk, "make_geohash(lon DOUBLE, lat DOUBLE, bits INT)",
           ArgsAre({IsNumericArg, IsNumericArg, IsNumericArg}),
           [](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
             const Value* b = args[2]->constant();
             if (b == nullptr || b->is_null || !IsIntegral(args[2]->type()) || b->i < 1 ||
                 b->i > cairo::kGeoHashMaxBits) {
               return Status::InvalidArgument("bits must be an integer constant in 1..60",
                                              args[2]->pos());
             }
             const int bits = static_cast<int>(b->i);
             args.pop_back();
             const ColumnType out = cairo::GeoHashType(bits);
             return RowFn(call, std::move(args), out,
                          [bits, out](const std::vector<Value>& v) -> core::Result<Value> {
                            if (v[0].is_null || v[1].is_null) return Value::Null(out);
                            const double lon = ToD(v[0]), lat = ToD(v[1]);
                            if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90)) {
                              return Value::Null(out);
                            }
                            return Value::Long(out, EncodeGeoHash(lon, lat, bits));
                          });
           });

  auto& within = r.Add("within", "spatial", FunctionKind::kScalar,
                       "whether a geohash lies within (starts with) one of the given geohashes");
  Overload(
      within, "g WITHIN (geohash, ...)",
      [](const Args& a) { return a.size() >= 2 && GeoArg(a[0]); },
      [](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
        const int bits = cairo::GeoHashBits(args[0]->type());
        std::vector<Prefix> prefixes;
        for (size_t k = 1; k < args.size(); ++k) {
          ASSIGN_OR_RETURN(Prefix p, ConstantPrefix(args[k], bits));
          prefixes.push_back(p);
        }
        args.resize(1);
        return MakeFunction(
            call.sval, ColumnType::kBoolean, std::move(args),
            [prefixes, bits](const std::vector<Vec>& a, size_t n, Vec* out) {
              Vec res;
              res.Reset(ColumnType::kBoolean, n);
              int64_t* o = res.AllocI(n);
              const int64_t* g = a[0].i;
              for (size_t k = 0; k < n; ++k) {
                bool in = false;
                if (g[k] != kNullI64) {
                  for (const Prefix& p : prefixes) in |= (g[k] >> (bits - p.bits)) == p.value;
                }
                o[k] = in;
              }
              *out = std::move(res);
              return Status::Ok();
            },
            true, call.pos);
      });
}

}  // namespace sundial::sql
