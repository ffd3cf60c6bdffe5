// Conversion and meta functions: to_long/to_int/to_double.
#include "sql/functions/function_util.h"

namespace sundial::sql {

void RegisterMetaFunctions(FunctionRegistry& r) {
  static constexpr std::pair<std::string_view, ColumnType> kTo[] = {
      {"to_long", ColumnType::kLong},
      {"to_int", ColumnType::kInt},
      {"to_double", ColumnType::kDouble}};
  for (auto [name, type] : kTo) {
    auto& d = r.Add(std::string(name), "conversion", FunctionKind::kScalar,
                    "CAST(value AS " + std::string(cairo::ColumnTypeName(type)) + ")");
    ColumnType t = type;
    fn::Overload(d, std::string(name) + "(value)", fn::Arity(1),
                 [t](const Expr& call, fn::Args args, BindContext&) -> core::Result<BoundPtr> {
                   return MakeCast(args[0], t, call.pos);
                 });
  }
}

}  // namespace sundial::sql
