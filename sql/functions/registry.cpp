// The function registry (registry.h) and BindFunction, the binder's entry to it.
#include "sql/functions/registry.h"

#include <algorithm>

#include "sql/functions/function_util.h"

namespace sundial::sql {

const FunctionRegistry& FunctionRegistry::Get() {
  // Built on first use (thread-safe static init); registration is explicit, not by static
  // constructors, so the linker cannot drop a family from the static library.
  static const FunctionRegistry* registry = [] {
    auto* r = new FunctionRegistry();
    RegisterTimeFunctions(*r);
    RegisterMathFunctions(*r);
    RegisterStringFunctions(*r);
    RegisterConditionalFunctions(*r);
    RegisterRandomFunctions(*r);
    RegisterMetaFunctions(*r);
    RegisterCatalogFunctions(*r);
    RegisterTypeFunctions(*r);
    RegisterGeoFunctions(*r);
    RegisterAggregateAndTableNames(*r);
    std::sort(r->defs_.begin(), r->defs_.end(),
              [](const FunctionDef& a, const FunctionDef& b) { return a.name < b.name; });
    return r;
  }();
  return *registry;
}

FunctionDef& FunctionRegistry::Add(std::string name, std::string family, FunctionKind kind,
                                   std::string summary) {
  FunctionDef d;
  d.name = std::move(name);
  d.family = std::move(family);
  d.kind = kind;
  d.summary = std::move(summary);
  defs_.push_back(std::move(d));
  return defs_.back();
}

const FunctionDef* FunctionRegistry::Find(std::string_view name) const {
  auto it = std::lower_bound(defs_.begin(), defs_.end(), name,
                             [](const FunctionDef& d, std::string_view n) { return d.name < n; });
  return it != defs_.end() && it->name == name ? &*it : nullptr;
}

std::vector<const FunctionDef*> FunctionRegistry::All() const {
  std::vector<const FunctionDef*> out;
  for (const auto& d : defs_) out.push_back(&d);
  return out;
}

std::optional<core::Result<BoundPtr>> BindFunction(const Expr& call, std::vector<BoundPtr> args,
                                                   BindContext& ctx) {
  const FunctionDef* def = FunctionRegistry::Get().Find(call.sval);
  if (!def || def->kind != FunctionKind::kScalar) return std::nullopt;
  for (const FunctionOverload& o : def->overloads) {
    if (!o.accepts || o.accepts(args)) return o.bind(call, std::move(args), ctx);
  }
  return core::Result<BoundPtr>(fn::ArgError(call, args));
}

bool IsAggregateFunction(std::string_view lower_name) {
  const FunctionDef* def = FunctionRegistry::Get().Find(lower_name);
  return def && def->kind == FunctionKind::kAggregate;
}

namespace {

// Text inside a Markdown table cell: `|` would end the cell.
std::string Cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string FunctionListMarkdown() {
  std::string out = "| name | kind | signatures | what |\n|---|---|---|---|\n";
  for (const FunctionDef* d : FunctionRegistry::Get().All()) {
    std::string sigs;
    for (const auto& o : d->overloads) {
      if (!sigs.empty()) sigs += "<br>";
      sigs += "`" + Cell(o.signature) + "`";
    }
    const char* kind = d->kind == FunctionKind::kScalar      ? "scalar"
                       : d->kind == FunctionKind::kAggregate ? "aggregate"
                                                             : "table";
    out += "| " + d->name + " | " + kind + " (" + d->family + ") | " + sigs + " | " +
           Cell(d->summary) + " |\n";
  }
  return out;
}

}  // namespace sundial::sql
