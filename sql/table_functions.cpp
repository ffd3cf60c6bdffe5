// The table function registry and the row builder its relations share.
#include "sql/table_functions.h"

#include <algorithm>
#include <cmath>

namespace sundial::sql {

const TableFunctionRegistry& TableFunctionRegistry::Get() {
  static const TableFunctionRegistry* registry = [] {
    auto* r = new TableFunctionRegistry();
    RegisterIntrospectionRelations(*r);
    RegisterPgCatalogRelations(*r);
    RegisterMetaRelations(*r);
    std::sort(r->defs_.begin(), r->defs_.end(),
              [](const TableFunctionDef& a, const TableFunctionDef& b) { return a.name < b.name; });
    return r;
  }();
  return *registry;
}

const TableFunctionDef* TableFunctionRegistry::Find(std::string_view name) const {
  auto it =
      std::lower_bound(defs_.begin(), defs_.end(), name,
                       [](const TableFunctionDef& d, std::string_view n) { return d.name < n; });
  return it != defs_.end() && it->name == name ? &*it : nullptr;
}

std::vector<const TableFunctionDef*> TableFunctionRegistry::All() const {
  std::vector<const TableFunctionDef*> out;
  for (const auto& d : defs_) out.push_back(&d);
  return out;
}

TableFunctionDef& TableFunctionRegistry::Add(std::string name, std::string summary,
                                             RelationPlanner plan, bool is_catalog_relation) {
  defs_.push_back({std::move(name), std::move(summary), std::move(plan), is_catalog_relation});
  return defs_.back();
}

OpPtr RowsBuilder::Build(int ts_index) {
  Batch b;
  b.n = rows_.size();
  b.cols.resize(cols_.size());
  for (size_t c = 0; c < cols_.size(); ++c) {
    Vec& v = b.cols[c];
    ColumnType t = cols_[c].type;
    v.Reset(t, b.n);
    Phys p = IsStringLike(t) ? Phys::kStr : PhysOf(t);
    if (p == Phys::kStr) {
      std::string_view* o = v.AllocS(b.n);
      for (size_t r = 0; r < b.n; ++r) {
        const Value& x = rows_[r][c];
        o[r] = x.is_null ? std::string_view()
                         : v.Pool()->Add(x.s.empty() ? std::string_view(StringPool::kEmpty, 0)
                                                     : std::string_view(x.s));
      }
    } else if (p == Phys::kF64) {
      double* o = v.AllocD(b.n);
      for (size_t r = 0; r < b.n; ++r) o[r] = rows_[r][c].is_null ? std::nan("") : rows_[r][c].d;
    } else {
      int64_t* o = v.AllocI(b.n);
      for (size_t r = 0; r < b.n; ++r) o[r] = rows_[r][c].is_null ? kNullI64 : rows_[r][c].i;
    }
  }
  std::vector<Batch> batches;
  batches.push_back(std::move(b));
  return MakeMaterialized(cols_, std::move(batches), ts_index);
}

Value TextValue(std::string s) { return Value::Str(ColumnType::kVarchar, std::move(s)); }
Value TextOrNull(const std::string& s) {
  return s.empty() ? Value::Null(ColumnType::kVarchar) : TextValue(s);
}
Value IntValue(int64_t v) { return Value::Long(ColumnType::kInt, v); }
Value LongValue(int64_t v) { return Value::Long(ColumnType::kLong, v); }
Value ShortValue(int64_t v) { return Value::Long(ColumnType::kShort, v); }
Value BoolValue(bool v) { return Value::Long(ColumnType::kBoolean, v ? 1 : 0); }
Value CharValue(char c) {
  return c == 0 ? Value::Null(ColumnType::kChar)
                : Value::Long(ColumnType::kChar, static_cast<unsigned char>(c));
}
Value TimestampValue(int64_t us) {
  return us == kNullI64 ? Value::Null(ColumnType::kTimestamp)
                        : Value::Long(ColumnType::kTimestamp, us);
}

core::Result<std::string> RelationTextArg(const TableRef& ref, size_t k, PlanContext& ctx,
                                          std::string_view what) {
  const std::string expected = std::string(what) + " expected";
  if (ref.func_args.size() <= k) return core::Status::InvalidArgument(expected, ref.pos);
  std::vector<ColInfo> none;
  BindContext bc;
  bc.cols = &none;
  bc.now_us = ctx.now_us;
  ASSIGN_OR_RETURN(BoundPtr b, Bind(*ref.func_args[k], bc));
  const Value* c = b->constant();
  if (!c || c->is_null || !IsStringLike(c->type)) {
    return core::Status::InvalidArgument(expected, ref.func_args[k]->pos);
  }
  return c->s;
}

core::Status NoRelationArgs(const TableRef& ref) {
  if (ref.func_args.empty()) return core::Status::Ok();
  return core::Status::InvalidArgument("too many arguments for `" + ref.name + "`: none expected",
                                       ref.func_args[0]->pos);
}

}  // namespace sundial::sql
