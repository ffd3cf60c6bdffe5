// String functions: length, lower/upper, trim, reverse, concat, substring, left/right, replace,
// strpos, starts_with.
#include <algorithm>
#include <string>

#include "sql/functions/function_util.h"
#include "sql/utf8_case.h"

namespace sundial::sql {
namespace {

using namespace fn;  // NOLINT

std::string Trim(std::string_view s, bool left, bool right) {
  while (left && !s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (right && !s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

core::Result<BoundPtr> BindLength(const Expr& call, Args args) {
  if (IsNullArg(args[0])) return MakeConstant(Value::Long(ColumnType::kInt, -1), call.pos);
  return MakeFunction(
      call.sval, ColumnType::kInt, std::move(args),
      [](const std::vector<Vec>& a, size_t rows, Vec* o) {
        int64_t* p = o->AllocI(rows);
        for (size_t k = 0; k < rows; ++k) {
          std::string_view s = a[0].Str(k);
          if (s.data() == nullptr) {
            p[k] = -1;  // QuestDB: length(NULL) = -1
            continue;
          }
          int64_t chars = 0;
          for (unsigned char c : s) chars += (c & 0xC0) != 0x80;
          p[k] = chars;
        }
        return Status::Ok();
      },
      true, call.pos);
}

core::Result<BoundPtr> BindConcat(const Expr& call, Args args) {
  return MakeFunction(
      call.sval, ColumnType::kVarchar, std::move(args),
      [](const std::vector<Vec>& a, size_t rows, Vec* o) -> Status {
        std::vector<Vec> strs(a.size());
        for (size_t j = 0; j < a.size(); ++j) {
          RETURN_IF_ERROR(CastVec(a[j], ColumnType::kVarchar, &strs[j], 0));
        }
        std::string_view* p = o->AllocS(rows);
        StringPool* pool = o->Pool();
        std::string tmp;
        for (size_t k = 0; k < rows; ++k) {
          tmp.clear();
          for (const Vec& v : strs) tmp.append(v.Str(k));  // NULL is ''
          p[k] = tmp.empty() ? std::string_view(StringPool::kEmpty, 0) : pool->Add(tmp);
        }
        return Status::Ok();
      },
      true, call.pos);
}

core::Result<Value> Substring(const std::vector<Value>& v) {
  if (v[0].is_null || v[1].is_null) return Value::Null(ColumnType::kVarchar);
  int64_t start = v[1].i - 1;
  int64_t len = v.size() > 2 ? (v[2].is_null ? -1 : v[2].i) : INT64_MAX / 2;
  if (len < 0) return Value::Null(ColumnType::kVarchar);
  int64_t end = start + len;
  start = std::max<int64_t>(start, 0);
  end = std::min<int64_t>(end, static_cast<int64_t>(v[0].s.size()));
  if (end <= start) return Value::Str(ColumnType::kVarchar, "");
  return Value::Str(ColumnType::kVarchar, v[0].s.substr(start, end - start));
}

core::Result<Value> Replace(const std::vector<Value>& v) {
  if (v[0].is_null || v[1].is_null || v[2].is_null) return Value::Null(ColumnType::kVarchar);
  const std::string& s = v[0].s;
  const std::string& from = v[1].s;
  if (from.empty()) return Value::Str(ColumnType::kVarchar, s);
  std::string out;
  size_t p = 0;
  for (;;) {
    size_t q = s.find(from, p);
    if (q == std::string::npos) break;
    out.append(s, p, q - p);
    out += v[2].s;
    p = q + from.size();
  }
  out.append(s, p);
  return Value::Str(ColumnType::kVarchar, out);
}

void AddStr(FunctionRegistry& r, std::string_view name, std::string summary,
            std::function<std::string(std::string_view)> f) {
  auto& d = r.Add(std::string(name), "string", FunctionKind::kScalar, std::move(summary));
  Overload(d, std::string(name) + "(s VARCHAR)", ArgsAre({IsStringArg}),
           [f](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
             return StrFn(call, std::move(args), f);
           });
}

}  // namespace

void RegisterStringFunctions(FunctionRegistry& r) {
  for (std::string_view name : {"length", "char_length"}) {
    auto& d = r.Add(std::string(name), "string", FunctionKind::kScalar,
                    "length in characters; -1 for NULL");
    Overload(d, std::string(name) + "(s VARCHAR)", Arity(1),
             [](const Expr& call, Args args, BindContext&) { return BindLength(call, args); });
  }
  AddStr(r, "lower", "lower case", [](std::string_view s) { return Utf8Lower(s); });
  AddStr(r, "upper", "upper case", [](std::string_view s) { return Utf8Upper(s); });
  AddStr(r, "trim", "removes leading and trailing spaces",
         [](std::string_view s) { return Trim(s, true, true); });
  AddStr(r, "ltrim", "removes leading spaces",
         [](std::string_view s) { return Trim(s, true, false); });
  AddStr(r, "rtrim", "removes trailing spaces",
         [](std::string_view s) { return Trim(s, false, true); });
  AddStr(r, "reverse", "the characters in reverse order",
         [](std::string_view s) { return std::string(s.rbegin(), s.rend()); });
  {
    auto& d = r.Add("concat", "string", FunctionKind::kScalar,
                    "concatenates values as text (NULL is empty)");
    Overload(d, "concat(value, ...)", nullptr,
             [](const Expr& call, Args args, BindContext&) { return BindConcat(call, args); });
  }
  for (std::string_view name : {"substring", "substr"}) {
    auto& d = r.Add(std::string(name), "string", FunctionKind::kScalar,
                    "the part from a 1-based start, of an optional length");
    Overload(
        d, std::string(name) + "(s VARCHAR, start INT [, length INT])",
        [](const Args& a) {
          return (a.size() == 2 || a.size() == 3) && IsStringLike(a[0]->type());
        },
        [](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
          return RowFn(call, std::move(args), ColumnType::kVarchar, Substring);
        });
  }
  for (std::string_view name : {"left", "right"}) {
    bool left = name == "left";
    auto& d = r.Add(std::string(name), "string", FunctionKind::kScalar,
                    left ? "the first n characters (all but the last -n when negative)"
                         : "the last n characters (all but the first -n when negative)");
    Overload(
        d, std::string(name) + "(s VARCHAR, n INT)",
        [](const Args& a) { return a.size() == 2 && IsStringLike(a[0]->type()); },
        [left](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
          return RowFn(call, std::move(args), ColumnType::kVarchar,
                       [left](const std::vector<Value>& v) -> core::Result<Value> {
                         if (v[0].is_null || v[1].is_null) {
                           return Value::Null(ColumnType::kVarchar);
                         }
                         int64_t len = static_cast<int64_t>(v[0].s.size());
                         int64_t k =
                             std::clamp<int64_t>(v[1].i < 0 ? len + v[1].i : v[1].i, 0, len);
                         return Value::Str(ColumnType::kVarchar,
                                           left ? v[0].s.substr(0, k) : v[0].s.substr(len - k));
                       });
        });
  }
  {
    auto& d = r.Add("replace", "string", FunctionKind::kScalar,
                    "replaces every occurrence of a substring");
    Overload(d, "replace(s VARCHAR, from VARCHAR, to VARCHAR)", Arity(3),
             [](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
               return RowFn(call, std::move(args), ColumnType::kVarchar, Replace);
             });
  }
  for (std::string_view name : {"strpos", "position"}) {
    auto& d = r.Add(std::string(name), "string", FunctionKind::kScalar,
                    "1-based position of a substring, 0 when absent");
    Overload(d, std::string(name) + "(s VARCHAR, sub VARCHAR)", Arity(2),
             [](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
               return RowFn(call, std::move(args), ColumnType::kInt,
                            [](const std::vector<Value>& v) -> core::Result<Value> {
                              if (v[0].is_null || v[1].is_null)
                                return Value::Null(ColumnType::kInt);
                              size_t p = v[0].s.find(v[1].s);
                              return Value::Long(
                                  ColumnType::kInt,
                                  p == std::string::npos ? 0 : static_cast<int64_t>(p) + 1);
                            });
             });
  }
  {
    auto& d = r.Add("starts_with", "string", FunctionKind::kScalar,
                    "whether s starts with a prefix (false for NULL)");
    Overload(d, "starts_with(s VARCHAR, prefix VARCHAR)", Arity(2),
             [](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
               return RowFn(call, std::move(args), ColumnType::kBoolean,
                            [](const std::vector<Value>& v) -> core::Result<Value> {
                              if (v[0].is_null || v[1].is_null) {
                                return Value::Long(ColumnType::kBoolean, 0);
                              }
                              return Value::Long(ColumnType::kBoolean,
                                                 v[0].s.rfind(v[1].s, 0) == 0);
                            });
             });
  }
}

}  // namespace sundial::sql
