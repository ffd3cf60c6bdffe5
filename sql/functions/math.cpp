// Math functions: abs, floor/ceil, round (half up, down, up, half even), sqrt, ln/log, exp,
// trigonometry, power, sign, pi, degrees/radians, haversine_dist_deg.
#include <cmath>
#include <cstdio>
#include <string>

#include "sql/functions/function_util.h"

namespace sundial::sql {
namespace {

using namespace fn;  // NOLINT

bool NumericArg(const BoundPtr& a) { return IsNumeric(a->type()); }

double RoundMode(std::string_view mode, double x, int64_t scale) {
  double m = std::pow(10.0, static_cast<double>(scale));
  double y = x * m, r;
  if (mode == "round_down") {
    r = std::trunc(y);
  } else if (mode == "round_up") {
    r = y < 0 ? std::floor(y) : std::ceil(y);
  } else if (mode == "round_half_even") {
    r = std::nearbyint(y);
  } else {
    // Round half away from zero after taking 15 significant digits, which corrects the
    // representation error of the scaled value (2.675 * 100 = 267.49999... -> 268).
    char b[64];
    std::snprintf(b, sizeof b, "%.15g", y);
    r = std::round(std::stod(b));
  }
  return r / m;
}

void AddUnary(FunctionRegistry& r, std::string_view name, std::string summary,
              double (*f)(double)) {
  auto& d = r.Add(std::string(name), "math", FunctionKind::kScalar, std::move(summary));
  Overload(d, std::string(name) + "(x DOUBLE)", ArgsAre({NumericArg}),
           [f](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
             return MathFn(call, std::move(args), ColumnType::kDouble, f);
           });
}

}  // namespace

void RegisterMathFunctions(FunctionRegistry& r) {
  {
    auto& d = r.Add("abs", "math", FunctionKind::kScalar, "absolute value (same type)");
    Overload(d, "abs(x numeric)", ArgsAre({NumericArg}),
             [](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
               ColumnType t = args[0]->type();
               if (PhysOf(t) == Phys::kI64) {
                 return TimeFn(call, std::move(args), t, [](int64_t v) { return v < 0 ? -v : v; });
               }
               return MathFn(call, std::move(args), t, [](double v) { return std::fabs(v); });
             });
  }
  for (std::string_view name : {"floor", "ceil", "ceiling"}) {
    bool fl = name == "floor";
    auto& d = r.Add(std::string(name), "math", FunctionKind::kScalar,
                    fl ? "largest integer value not above x (same type)"
                       : "smallest integer value not below x (same type)");
    Overload(d, std::string(name) + "(x numeric)", ArgsAre({NumericArg}),
             [fl](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
               if (PhysOf(args[0]->type()) == Phys::kI64) return args[0];
               ColumnType t = args[0]->type();
               return MathFn(call, std::move(args), t,
                             [fl](double v) { return fl ? std::floor(v) : std::ceil(v); });
             });
  }
  for (std::string_view name : {"round", "round_down", "round_up", "round_half_even"}) {
    auto& d = r.Add(std::string(name), "math", FunctionKind::kScalar,
                    name == "round"        ? "rounds half away from zero to a scale"
                    : name == "round_down" ? "rounds toward zero to a scale"
                    : name == "round_up"   ? "rounds away from zero to a scale"
                                           : "rounds half to even to a scale");
    std::string mode(name);
    Overload(
        d, mode + "(x DOUBLE [, scale INT])",
        [](const Args& a) {
          return (a.size() == 1 || a.size() == 2) && IsNumeric(a[0]->type()) &&
                 (a.size() == 1 || IsIntegral(a[1]->type()));
        },
        [mode](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
          return RowFn(call, std::move(args), ColumnType::kDouble,
                       [mode](const std::vector<Value>& v) -> core::Result<Value> {
                         if (v[0].is_null || (v.size() > 1 && v[1].is_null)) {
                           return Value::Null(ColumnType::kDouble);
                         }
                         int64_t scale = v.size() > 1 ? v[1].i : 0;
                         if (scale > 15 || scale < -15) return Value::Null(ColumnType::kDouble);
                         return Value::Double(ColumnType::kDouble,
                                              RoundMode(mode, ToD(v[0]), scale));
                       });
        });
  }
  AddUnary(r, "sqrt", "square root", [](double v) { return std::sqrt(v); });
  AddUnary(r, "ln", "natural logarithm", [](double v) { return std::log(v); });
  AddUnary(r, "log", "base-10 logarithm", [](double v) { return std::log10(v); });
  AddUnary(r, "log10", "base-10 logarithm", [](double v) { return std::log10(v); });
  AddUnary(r, "log2", "base-2 logarithm", [](double v) { return std::log2(v); });
  AddUnary(r, "exp", "e raised to x", [](double v) { return std::exp(v); });
  AddUnary(r, "sin", "sine (radians)", [](double v) { return std::sin(v); });
  AddUnary(r, "cos", "cosine (radians)", [](double v) { return std::cos(v); });
  AddUnary(r, "tan", "tangent (radians)", [](double v) { return std::tan(v); });
  AddUnary(r, "cot", "cotangent (radians)", [](double v) { return 1.0 / std::tan(v); });
  AddUnary(r, "asin", "arc sine (radians)", [](double v) { return std::asin(v); });
  AddUnary(r, "acos", "arc cosine (radians)", [](double v) { return std::acos(v); });
  AddUnary(r, "atan", "arc tangent (radians)", [](double v) { return std::atan(v); });
  AddUnary(r, "cbrt", "cube root", [](double v) { return std::cbrt(v); });
  AddUnary(r, "degrees", "radians to degrees", [](double v) { return v * 180.0 / M_PI; });
  AddUnary(r, "radians", "degrees to radians", [](double v) { return v * M_PI / 180.0; });
  for (std::string_view name : {"power", "pow", "atan2"}) {
    bool is_atan2 = name == "atan2";
    auto& d =
        r.Add(std::string(name), "math", FunctionKind::kScalar,
              is_atan2 ? "arc tangent of y/x using the signs of both (radians)" : "x raised to y");
    Overload(d, std::string(name) + (is_atan2 ? "(y DOUBLE, x DOUBLE)" : "(x DOUBLE, y DOUBLE)"),
             ArgsAre({NumericArg, NumericArg}),
             [is_atan2](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
               return RowFn(call, std::move(args), ColumnType::kDouble,
                            [is_atan2](const std::vector<Value>& v) -> core::Result<Value> {
                              if (v[0].is_null || v[1].is_null) {
                                return Value::Null(ColumnType::kDouble);
                              }
                              double a = ToD(v[0]), b = ToD(v[1]);
                              return Value::Double(ColumnType::kDouble,
                                                   is_atan2 ? std::atan2(a, b) : std::pow(a, b));
                            });
             });
  }
  {
    auto& d = r.Add("sign", "math", FunctionKind::kScalar, "-1, 0 or 1 as a DOUBLE");
    Overload(d, "sign(x numeric)", ArgsAre({NumericArg}),
             [](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
               return MathFn(call, std::move(args), ColumnType::kDouble, [](double v) {
                 return v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0;
               });
             });
  }
  {
    auto& d = r.Add("pi", "math", FunctionKind::kScalar, "the constant pi");
    Overload(d, "pi()", Arity(0),
             [](const Expr& call, Args, BindContext&) -> core::Result<BoundPtr> {
               return MakeConstant(Value::Double(ColumnType::kDouble, M_PI), call.pos);
             });
  }
  {
    auto& d = r.Add("haversine_dist_deg", "math", FunctionKind::kScalar,
                    "great-circle distance in km between two (lat, lon) points in degrees");
    Overload(d, "haversine_dist_deg(lat1, lon1, lat2, lon2 DOUBLE)",
             ArgsAre({NumericArg, NumericArg, NumericArg, NumericArg}),
             [](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
               return RowFn(call, std::move(args), ColumnType::kDouble,
                            [](const std::vector<Value>& v) -> core::Result<Value> {
                              for (const Value& x : v) {
                                if (x.is_null) return Value::Null(ColumnType::kDouble);
                              }
                              constexpr double kEarthRadiusKm = 6371.0088;
                              constexpr double kRad = M_PI / 180.0;
                              double lat1 = ToD(v[0]) * kRad, lat2 = ToD(v[2]) * kRad;
                              double dlat = lat2 - lat1, dlon = (ToD(v[3]) - ToD(v[1])) * kRad;
                              double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                                         std::cos(lat1) * std::cos(lat2) * std::sin(dlon / 2) *
                                             std::sin(dlon / 2);
                              return Value::Double(ColumnType::kDouble,
                                                   2 * kEarthRadiusKm * std::asin(std::sqrt(h)));
                            });
             });
  }
}

}  // namespace sundial::sql
