// String functions: length, lower/upper, trim, reverse, concat, substring, left/right, replace,
// strpos, starts_with, lpad/rpad, split_part, regexp_replace.
//
// Positions and lengths count characters (UTF-8 sequences: every byte that is not a
// continuation byte starts one, the rule length() uses), never bytes, so a multi-byte character
// is never split.
#include <algorithm>
#include <string>

#include "core/base64.h"
#include "core/regex.h"
#include "sql/functions/function_util.h"
#include "sql/utf8_case.h"

namespace sundial::sql {
namespace {

using namespace fn;  // NOLINT

bool IntegralArg(const BoundPtr& a) { return IsIntegral(a->type()) || IsNullArg(a); }

std::string Trim(std::string_view s, bool left, bool right) {
  while (left && !s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (right && !s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

// Longest text lpad/rpad build (characters): bounds what a query can make one row (and a
// batch of 4096 rows) allocate.
constexpr int64_t kMaxPadChars = 16384;
// Byte offsets of each character start of `s`, plus s.size() at the end.
std::vector<size_t> CharStarts(std::string_view s) {
  std::vector<size_t> out;
  for (size_t k = 0; k < s.size(); ++k) {
    if ((static_cast<unsigned char>(s[k]) & 0xC0) != 0x80) out.push_back(k);
  }
  out.push_back(s.size());
  return out;
}

// Characters [from, to) of `s` (clamped to the text).
std::string CharSlice(std::string_view s, int64_t from, int64_t to) {
  std::vector<size_t> st = CharStarts(s);
  int64_t n = static_cast<int64_t>(st.size()) - 1;
  from = std::clamp<int64_t>(from, 0, n);
  to = std::clamp<int64_t>(to, 0, n);
  if (to <= from) return std::string();
  return std::string(s.substr(st[from], st[to] - st[from]));
}

int64_t CharCount(std::string_view s) {
  int64_t chars = 0;
  for (unsigned char c : s) chars += (c & 0xC0) != 0x80;
  return chars;
}

std::string ReverseChars(std::string_view s) {
  std::vector<size_t> st = CharStarts(s);
  std::string out;
  out.reserve(s.size());
  for (size_t k = st.size() - 1; k > 0; --k) out.append(s.substr(st[k - 1], st[k] - st[k - 1]));
  return out;
}

// lpad/rpad: `s` cut or filled with repetitions of `fill` to `len` characters (PostgreSQL's
// rule: a longer text is truncated on the right; an empty fill leaves a shorter text as is).
core::Result<Value> Pad(const std::vector<Value>& v, bool left, int32_t length_pos) {
  for (const Value& x : v) {
    if (x.is_null) return Value::Null(ColumnType::kVarchar);
  }
  int64_t len = v[1].i;
  if (len > kMaxPadChars) {
    return Status::InvalidArgument("pad length exceeds " + std::to_string(kMaxPadChars),
                                   length_pos);
  }
  std::string_view s = v[0].s, fill = v.size() > 2 ? std::string_view(v[2].s) : " ";
  int64_t have = CharCount(s);
  if (len <= have) return Value::Str(ColumnType::kVarchar, CharSlice(s, 0, len));
  if (fill.empty()) return Value::Str(ColumnType::kVarchar, std::string(s));
  std::vector<size_t> fs = CharStarts(fill);
  int64_t fill_chars = static_cast<int64_t>(fs.size()) - 1;
  std::string pad;
  for (int64_t k = 0; k < len - have; ++k) {
    size_t c = static_cast<size_t>(k % fill_chars);
    pad.append(fill.substr(fs[c], fs[c + 1] - fs[c]));
  }
  return Value::Str(ColumnType::kVarchar, left ? pad + std::string(s) : std::string(s) + pad);
}

// split_part(s, delimiter, n): the n-th field (1-based; negative counts from the end), '' when
// there is no such field; an empty delimiter makes the whole text the one field.
core::Result<Value> SplitPart(const std::vector<Value>& v, int32_t pos) {
  for (const Value& x : v) {
    if (x.is_null) return Value::Null(ColumnType::kVarchar);
  }
  int64_t n = v[2].i;
  if (n == 0) return Status::InvalidArgument("field position must not be zero", pos);
  std::string_view s = v[0].s, delim = v[1].s;
  std::vector<std::string_view> fields;
  if (delim.empty()) {
    fields.push_back(s);
  } else {
    size_t p = 0;
    for (;;) {
      size_t q = s.find(delim, p);
      if (q == std::string_view::npos) break;
      fields.push_back(s.substr(p, q - p));
      p = q + delim.size();
    }
    fields.push_back(s.substr(p));
  }
  if (s.empty()) fields.clear();
  int64_t count = static_cast<int64_t>(fields.size());
  int64_t idx = n > 0 ? n - 1 : count + n;
  if (idx < 0 || idx >= count) return Value::Str(ColumnType::kVarchar, "");
  return Value::Str(ColumnType::kVarchar, std::string(fields[static_cast<size_t>(idx)]));
}

core::Result<BoundPtr> BindRegexpReplace(const Expr& call, Args args) {
  ASSIGN_OR_RETURN(std::string pattern, ConstantText(args[1], "regex"));
  core::Result<core::Regex> compiled = core::Regex::Compile(pattern);
  if (!compiled.ok()) return Status::InvalidArgument(compiled.status().message(), args[1]->pos());
  auto re = std::make_shared<const core::Regex>(std::move(compiled).value());
  const int32_t pos = call.pos;
  return RowFn(call, std::move(args), ColumnType::kVarchar,
               [re, pos](const std::vector<Value>& v) -> core::Result<Value> {
                 if (v[0].is_null || v[2].is_null) return Value::Null(ColumnType::kVarchar);
                 // Java's replaceAll: $1.. and ${name} refer to groups.
                 core::Result<std::string> out = re->ReplaceAll(v[0].s, v[2].s);
                 if (!out.ok()) return Status(out.status().code(), out.status().message(), pos);
                 return Value::Str(ColumnType::kVarchar, std::move(out).value());
               });
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
          p[k] = CharCount(s);
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
  int64_t end = len > INT64_MAX / 4 || start > INT64_MAX / 4 ? INT64_MAX / 2 : start + len;
  return Value::Str(ColumnType::kVarchar, CharSlice(v[0].s, start, end));
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
  for (std::string_view name : {"length", "char_length", "len"}) {
    auto& d = r.Add(std::string(name), "string", FunctionKind::kScalar,
                    "length in characters (BINARY: in bytes, a LONG); -1 for NULL");
    Overload(d, std::string(name) + "(b BINARY)",
             [](const Args& a) { return a.size() == 1 && a[0]->type() == ColumnType::kBinary; },
             [](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
               return MakeFunction(
                   call.sval, ColumnType::kLong, std::move(args),
                   [](const std::vector<Vec>& a, size_t rows, Vec* o) {
                     int64_t* p = o->AllocI(rows);
                     for (size_t k = 0; k < rows; ++k) {
                       const std::string_view s = a[0].Str(k);
                       p[k] = s.data() == nullptr ? -1 : static_cast<int64_t>(s.size());
                     }
                     return Status::Ok();
                   },
                   true, call.pos);
             });
    Overload(d, std::string(name) + "(s VARCHAR)", Arity(1),
             [](const Expr& call, Args args, BindContext&) { return BindLength(call, args); });
  }
  {
    auto& d = r.Add("base64", "string", FunctionKind::kScalar,
                    "base64 text of the first max_bytes bytes of a BINARY");
    Overload(d, "base64(b BINARY, max_bytes INT)",
             [](const Args& a) {
               return a.size() == 2 && a[0]->type() == ColumnType::kBinary &&
                      IsIntegral(a[1]->type());
             },
             [](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
               const Value* m = args[1]->constant();
               if (m == nullptr || m->is_null || m->i < 0) {
                 return Status::InvalidArgument("max_bytes must be a constant >= 0",
                                                args[1]->pos());
               }
               const size_t max_bytes = static_cast<size_t>(m->i);
               args.pop_back();
               return MakeFunction(
                   call.sval, ColumnType::kVarchar, std::move(args),
                   [max_bytes](const std::vector<Vec>& a, size_t rows, Vec* o) {
                     std::string_view* p = o->AllocS(rows);
                     StringPool* pool = o->Pool();
                     for (size_t k = 0; k < rows; ++k) {
                       const std::string_view s = a[0].Str(k);
                       if (s.data() == nullptr) {
                         p[k] = {};
                         continue;
                       }
                       p[k] = pool->Add(core::Base64Encode(s.substr(0, max_bytes)));
                     }
                     return Status::Ok();
                   },
                   true, call.pos);
             });
  }
  for (std::string_view name : {"lower", "lcase", "to_lowercase"}) {
    AddStr(r, name, "lower case", [](std::string_view s) { return Utf8Lower(s); });
  }
  for (std::string_view name : {"upper", "ucase", "to_uppercase"}) {
    AddStr(r, name, "upper case", [](std::string_view s) { return Utf8Upper(s); });
  }
  AddStr(r, "trim", "removes leading and trailing spaces",
         [](std::string_view s) { return Trim(s, true, true); });
  AddStr(r, "ltrim", "removes leading spaces",
         [](std::string_view s) { return Trim(s, true, false); });
  AddStr(r, "rtrim", "removes trailing spaces",
         [](std::string_view s) { return Trim(s, false, true); });
  AddStr(r, "reverse", "the characters in reverse order",
         [](std::string_view s) { return ReverseChars(s); });
  {
    auto& d = r.Add("concat", "string", FunctionKind::kScalar,
                    "concatenates values as text (NULL is empty)");
    Overload(d, "concat(value, ...)", nullptr,
             [](const Expr& call, Args args, BindContext&) { return BindConcat(call, args); });
  }
  for (std::string_view name : {"substring", "substr", "mid"}) {
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
          return RowFn(
              call, std::move(args), ColumnType::kVarchar,
              [left](const std::vector<Value>& v) -> core::Result<Value> {
                if (v[0].is_null || v[1].is_null) {
                  return Value::Null(ColumnType::kVarchar);
                }
                int64_t len = CharCount(v[0].s);
                int64_t k = std::clamp<int64_t>(v[1].i < 0 ? len + v[1].i : v[1].i, 0, len);
                return Value::Str(ColumnType::kVarchar,
                                  left ? CharSlice(v[0].s, 0, k) : CharSlice(v[0].s, len - k, len));
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
                                  p == std::string::npos
                                      ? 0
                                      : CharCount(std::string_view(v[0].s).substr(0, p)) + 1);
                            });
             });
  }
  for (std::string_view name : {"lpad", "rpad"}) {
    bool left = name == "lpad";
    auto& d = r.Add(std::string(name), "string", FunctionKind::kScalar,
                    left ? "fills on the left (or cuts) to a length in characters"
                         : "fills on the right (or cuts) to a length in characters");
    Overload(
        d, std::string(name) + "(s VARCHAR, length INT [, fill VARCHAR])",
        [](const Args& a) {
          return (a.size() == 2 || a.size() == 3) && IsStringArg(a[0]) && IntegralArg(a[1]) &&
                 (a.size() == 2 || IsStringArg(a[2]));
        },
        [left](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
          int32_t pos = args[1]->pos();
          return RowFn(call, std::move(args), ColumnType::kVarchar,
                       [left, pos](const std::vector<Value>& v) { return Pad(v, left, pos); });
        });
  }
  {
    auto& d = r.Add("split_part", "string", FunctionKind::kScalar,
                    "the n-th field of s split by a delimiter (negative n counts from the end)");
    Overload(d, "split_part(s VARCHAR, delimiter VARCHAR, n INT)",
             ArgsAre({IsStringArg, IsStringArg, IntegralArg}),
             [](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
               int32_t pos = args[2]->pos();
               return RowFn(call, std::move(args), ColumnType::kVarchar,
                            [pos](const std::vector<Value>& v) { return SplitPart(v, pos); });
             });
  }
  {
    auto& d = r.Add("regexp_replace", "string", FunctionKind::kScalar,
                    "replaces every match of a regex ($1.. name groups in the replacement)");
    Overload(d, "regexp_replace(s VARCHAR, regex VARCHAR, replacement VARCHAR)",
             ArgsAre({IsStringArg, IsStringArg, IsStringArg}),
             [](const Expr& call, Args args, BindContext&) {
               return BindRegexpReplace(call, std::move(args));
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
