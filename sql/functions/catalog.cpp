// PostgreSQL catalogue functions (pg_get_userbyid, pg_table_is_visible, format_type, format,
// age, txid_current, ...) and QuestDB's server functions (build, dump_memory_usage,
// dump_thread_stacks, rnd_log, and the admin actions this server refuses: flush_query_cache,
// reload_tls, simulate_crash). The ids they speak of are sql/pg_catalog.h's.
#include <dirent.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include "core/log.h"
#include "core/process_memory.h"
#include "core/timestamp.h"
#include "core/version.h"
#include "sql/functions/function_util.h"
#include "sql/pg_catalog.h"

namespace sundial::sql {
namespace {

using namespace fn;  // NOLINT

bool IsIntArg(const BoundPtr& a) { return IsIntegral(a->type()) || IsNullArg(a); }

BoundPtr Text(std::string s, int32_t pos) {
  return MakeConstant(Value::Str(ColumnType::kVarchar, std::move(s)), pos);
}
BoundPtr True(int32_t pos) { return MakeConstant(Value::Long(ColumnType::kBoolean, 1), pos); }

// Each statement is its own transaction here and no ids are kept; txid_current() numbers the
// calls that ask for one, from 1, increasing for the life of the process, and age(x) is how
// many were handed out after x.
std::atomic<int64_t> g_last_txid{0};

// PostgreSQL's format(): %s (the value as text, NULL empty), %I (an identifier, double-quoted
// unless it is a plain lower-case name), %L (a literal, single-quoted, NULL unquoted), %%.
core::Result<std::string> FormatText(std::string_view fmt, const std::vector<Value>& v,
                                     int32_t pos) {
  std::string out;
  size_t next = 1;
  for (size_t k = 0; k < fmt.size(); ++k) {
    if (fmt[k] != '%') {
      out += fmt[k];
      continue;
    }
    if (++k == fmt.size())
      return Status::InvalidArgument("unterminated format() type specifier", pos);
    const char spec = fmt[k];
    if (spec == '%') {
      out += '%';
      continue;
    }
    if (spec != 's' && spec != 'I' && spec != 'L') {
      return Status::InvalidArgument(
          std::string("unrecognized format() type specifier \"") + spec + "\"", pos);
    }
    if (next >= v.size()) return Status::InvalidArgument("too few arguments for format()", pos);
    const Value& a = v[next++];
    if (spec == 's') {
      if (!a.is_null) out += a.s;
    } else if (spec == 'L') {
      if (a.is_null) {
        out += "NULL";
      } else {
        out += '\'';
        for (char c : a.s) out += c == '\'' ? std::string("''") : std::string(1, c);
        out += '\'';
      }
    } else {
      if (a.is_null)
        return Status::InvalidArgument("null values cannot be formatted as an SQL identifier", pos);
      bool plain = !a.s.empty() && !std::isdigit(static_cast<unsigned char>(a.s[0]));
      for (char c : a.s)
        plain = plain && (std::islower(static_cast<unsigned char>(c)) ||
                          std::isdigit(static_cast<unsigned char>(c)) || c == '_');
      if (plain) {
        out += a.s;
      } else {
        out += '"';
        for (char c : a.s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
        out += '"';
      }
    }
  }
  return out;
}

// format_type(oid, typmod): the type's SQL name; varchar with a typmod carries its length.
Value FormatType(const std::vector<Value>& v) {
  if (v[0].is_null) return Value::Null(ColumnType::kVarchar);
  const PgType* t = FindPgType(v[0].i);
  if (t == nullptr) return Value::Str(ColumnType::kVarchar, "???");
  std::string name(t->format_name);
  if (t->oid == 1043 && v.size() > 1 && !v[1].is_null && v[1].i >= 4) {
    name += "(" + std::to_string(v[1].i - 4) + ")";
  }
  return Value::Str(ColumnType::kVarchar, name);
}

// The process's start time from the kernel: /proc/stat's btime plus /proc/self/stat's
// starttime (clock ticks after boot).
core::Result<int64_t> ProcessStartMicros() {
  std::ifstream stat("/proc/self/stat");
  std::string line;
  if (!std::getline(stat, line)) return Status::IOError("cannot read /proc/self/stat");
  size_t close = line.rfind(')');
  if (close == std::string::npos) return Status::IOError("unexpected /proc/self/stat");
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  // Fields after the name start at 3 (state); starttime is field 22.
  for (int k = 3; k <= 22 && (fields >> field); ++k) {
  }
  char* end = nullptr;
  const unsigned long long ticks = std::strtoull(field.c_str(), &end, 10);
  if (field.empty() || *end != '\0') return Status::IOError("unexpected /proc/self/stat");
  std::ifstream proc_stat("/proc/stat");
  long long boot_s = -1;
  while (std::getline(proc_stat, line)) {
    if (line.rfind("btime ", 0) == 0) boot_s = std::atoll(line.c_str() + 6);
  }
  const long hz = sysconf(_SC_CLK_TCK);
  if (boot_s <= 0 || hz <= 0) return Status::IOError("cannot read the boot time from /proc/stat");
  return boot_s * 1'000'000 + static_cast<int64_t>(ticks) * 1'000'000 / hz;
}

// One log line per thread of the process (name and scheduler state from /proc/self/task):
// what this server can tell about its threads without stopping them.
core::Status LogThreads() {
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return Status::IOError("cannot list /proc/self/task");
  int count = 0;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    const std::string base = std::string("/proc/self/task/") + e->d_name;
    std::string name, stat;
    std::getline(std::ifstream(base + "/comm"), name);
    std::getline(std::ifstream(base + "/stat"), stat);
    const size_t close = stat.rfind(')');
    const std::string state =
        close != std::string::npos && close + 2 < stat.size() ? stat.substr(close + 2, 1) : "?";
    core::LogInfo("thread [tid=" + std::string(e->d_name) + ", name=" + name + ", state=" + state +
                  "]");
    ++count;
  }
  closedir(dir);
  core::LogInfo("thread dump complete [threads=" + std::to_string(count) + "]");
  return Status::Ok();
}

void AddRefusal(FunctionRegistry& r, const char* name, const char* summary, std::string why) {
  auto& d = r.Add(name, "meta", FunctionKind::kScalar, summary);
  Overload(d, std::string(name) + "(...)", nullptr,
           [why](const Expr& call, Args, BindContext&) -> core::Result<BoundPtr> {
             return Status::InvalidArgument(why, call.pos);
           });
}

}  // namespace

void RegisterCatalogFunctions(FunctionRegistry& r) {
  {
    auto& d = r.Add("pg_get_userbyid", "catalog", FunctionKind::kScalar,
                    "the role name of a role oid (admin for 10)");
    Overload(d, "pg_get_userbyid(oid INT)", ArgsAre({IsIntArg}),
             [](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
               return RowFn(call, std::move(args), ColumnType::kVarchar,
                            [](const std::vector<Value>& v) -> core::Result<Value> {
                              if (v[0].is_null) return Value::Null(ColumnType::kVarchar);
                              return Value::Str(
                                  ColumnType::kVarchar,
                                  v[0].i == kPgUserOid
                                      ? std::string(kPgUserName)
                                      : "unknown (OID=" + std::to_string(v[0].i) + ")");
                            });
             });
  }
  {
    auto& d = r.Add("pg_table_is_visible", "catalog", FunctionKind::kScalar,
                    "true: every table is in the public schema, on the search path");
    Overload(d, "pg_table_is_visible(oid INT)", ArgsAre({IsIntArg}),
             [](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
               return RowFn(call, std::move(args), ColumnType::kBoolean,
                            [](const std::vector<Value>& v) -> core::Result<Value> {
                              return Value::Long(ColumnType::kBoolean, v[0].is_null ? 0 : 1);
                            });
             });
  }
  {
    auto& d = r.Add("pg_get_expr", "catalog", FunctionKind::kScalar,
                    "NULL: no column defaults or constraints are stored");
    Overload(d, "pg_get_expr(expr VARCHAR, relid INT [, pretty BOOLEAN])", ArityBetween(2, 3),
             [](const Expr& call, Args, BindContext&) -> core::Result<BoundPtr> {
               return MakeConstant(Value::Null(ColumnType::kVarchar), call.pos);
             });
  }
  {
    auto& d = r.Add("pg_get_partkeydef", "catalog", FunctionKind::kScalar,
                    "NULL: tables are not PostgreSQL partitioned tables");
    Overload(d, "pg_get_partkeydef(oid INT)", ArgsAre({IsIntArg}),
             [](const Expr& call, Args, BindContext&) -> core::Result<BoundPtr> {
               return MakeConstant(Value::Null(ColumnType::kVarchar), call.pos);
             });
  }
  {
    auto& d = r.Add("pg_advisory_unlock_all", "catalog", FunctionKind::kScalar,
                    "NULL (void): there are no advisory locks to release");
    Overload(d, "pg_advisory_unlock_all()", Arity(0),
             [](const Expr& call, Args, BindContext&) -> core::Result<BoundPtr> {
               return MakeConstant(Value::Null(ColumnType::kVarchar), call.pos);
             });
  }
  {
    auto& d = r.Add("pg_postmaster_start_time", "catalog", FunctionKind::kScalar,
                    "when the server process started");
    Overload(d, "pg_postmaster_start_time()", Arity(0),
             [](const Expr& call, Args, BindContext&) -> core::Result<BoundPtr> {
               auto start = ProcessStartMicros();
               if (!start.ok()) return start.status().WithPosition(call.pos);
               return MakeConstant(Value::Long(ColumnType::kTimestamp, *start), call.pos);
             });
  }
  {
    auto& d = r.Add("txid_current", "catalog", FunctionKind::kScalar,
                    "a new transaction number per call site (increasing for the process)");
    Overload(d, "txid_current()", Arity(0),
             [](const Expr& call, Args, BindContext&) -> core::Result<BoundPtr> {
               return MakeConstant(Value::Long(ColumnType::kLong, ++g_last_txid), call.pos);
             });
  }
  {
    auto& d = r.Add("age", "catalog", FunctionKind::kScalar,
                    "transaction numbers handed out by txid_current() after xid");
    Overload(d, "age(xid LONG)", ArgsAre({IsIntArg}),
             [](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
               const int64_t last = g_last_txid.load();
               return RowFn(call, std::move(args), ColumnType::kInt,
                            [last](const std::vector<Value>& v) -> core::Result<Value> {
                              if (v[0].is_null) return Value::Null(ColumnType::kInt);
                              return Value::Long(ColumnType::kInt,
                                                 std::max<int64_t>(0, last - v[0].i));
                            });
             });
  }
  {
    auto& d = r.Add("format_type", "catalog", FunctionKind::kScalar,
                    "the SQL name of a type oid (pg_type), with a varchar length from typmod");
    Overload(d, "format_type(oid INT, typmod INT)", ArgsAre({IsIntArg, IsIntArg}),
             [](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
               return RowFn(call, std::move(args), ColumnType::kVarchar,
                            [](const std::vector<Value>& v) -> core::Result<Value> {
                              return FormatType(v);
                            });
             });
  }
  {
    auto& d = r.Add("format", "string", FunctionKind::kScalar,
                    "PostgreSQL's format(): %s text, %I identifier, %L literal, %%");
    Overload(
        d, "format(fmt VARCHAR, value, ...)",
        [](const Args& a) { return !a.empty() && IsStringArg(a[0]); },
        [](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
          for (auto& a : args) {
            if (!IsStringLike(a->type())) a = MakeCast(a, ColumnType::kVarchar, call.pos);
          }
          const int32_t pos = call.pos;
          return RowFn(call, std::move(args), ColumnType::kVarchar,
                       [pos](const std::vector<Value>& v) -> core::Result<Value> {
                         if (v[0].is_null) return Value::Null(ColumnType::kVarchar);
                         ASSIGN_OR_RETURN(std::string s, FormatText(v[0].s, v, pos));
                         return Value::Str(ColumnType::kVarchar, std::move(s));
                       });
        });
  }
  {
    auto& d = r.Add("to_pg_date", "time", FunctionKind::kScalar,
                    "a yyyy-MM-dd text as a DATE (NULL when it is not one)");
    Overload(d, "to_pg_date(s VARCHAR)", ArgsAre({IsStringArg}),
             [](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
               return RowFn(call, std::move(args), ColumnType::kDate,
                            [](const std::vector<Value>& v) -> core::Result<Value> {
                              if (v[0].is_null || v[0].s.size() != 10) {
                                return Value::Null(ColumnType::kDate);
                              }
                              auto ts = core::ParseTimestamp(v[0].s);
                              if (!ts.ok()) return Value::Null(ColumnType::kDate);
                              return Value::Long(ColumnType::kDate, *ts / 1000);
                            });
             });
  }
  {
    auto& d = r.Add("build", "meta", FunctionKind::kScalar, "the server's version and build");
    Overload(d, "build()", Arity(0),
             [](const Expr& call, Args, BindContext&) -> core::Result<BoundPtr> {
               std::string compiler = "unknown compiler";
#if defined(__clang__)
               compiler = std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
               compiler = std::string("gcc ") + __VERSION__;
#endif
               return Text(std::string("Build Information: Sundial ") + core::kSundialVersion +
                               ", C++ " + std::to_string(__cplusplus) + ", " + compiler,
                           call.pos);
             });
  }
  {
    auto& d = r.Add("dump_memory_usage", "meta", FunctionKind::kScalar,
                    "writes the process's resident memory to the log; true");
    Overload(d, "dump_memory_usage()", Arity(0),
             [](const Expr& call, Args, BindContext&) -> core::Result<BoundPtr> {
               auto mem = core::ReadProcessMemory();
               if (!mem.ok()) return mem.status().WithPosition(call.pos);
               core::LogInfo("memory usage [rss=" + std::to_string(mem->rss_bytes) +
                             ", rss_anon=" + std::to_string(mem->rss_anon_bytes) +
                             ", rss_file=" + std::to_string(mem->rss_file_bytes) +
                             ", rss_shmem=" + std::to_string(mem->rss_shmem_bytes) +
                             ", rss_peak=" + std::to_string(mem->vm_hwm_bytes) + "]");
               return True(call.pos);
             });
  }
  {
    auto& d = r.Add("dump_thread_stacks", "meta", FunctionKind::kScalar,
                    "writes the process's threads (name, state) to the log; true");
    Overload(d, "dump_thread_stacks()", Arity(0),
             [](const Expr& call, Args, BindContext&) -> core::Result<BoundPtr> {
               RETURN_IF_ERROR(LogThreads().WithPosition(call.pos));
               return True(call.pos);
             });
  }
  {
    auto& d = r.Add("rnd_log", "random", FunctionKind::kScalar,
                    "writes n random lines to the log, error_percent of them errors; true");
    Overload(d, "rnd_log(n LONG, error_percent DOUBLE)", ArgsAre({IsIntArg, IsNumericArg}),
             [](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
               const Value* n = args[0]->constant();
               const Value* pct = args[1]->constant();
               if (!n || n->is_null || n->i < 0 || n->i > 100000) {
                 return Status::InvalidArgument("line count must be a constant in [0, 100000]",
                                                args[0]->pos());
               }
               if (!pct || pct->is_null) {
                 return Status::InvalidArgument("error percentage must be a constant",
                                                args[1]->pos());
               }
               const double p = std::clamp(ToD(*pct), 0.0, 100.0) / 100.0;
               std::mt19937_64 rng(static_cast<uint64_t>(call.pos) * 0x9e3779b97f4a7c15ULL);
               std::uniform_real_distribution<double> u(0, 1);
               for (int64_t k = 0; k < n->i; ++k) {
                 const std::string line = "random log line [n=" + std::to_string(k) +
                                          ", value=" + std::to_string(rng()) + "]";
                 u(rng) < p ? core::LogError(line) : core::LogInfo(line);
               }
               return True(call.pos);
             });
  }
  AddRefusal(r, "flush_query_cache", "refused: this server keeps no query cache",
             "flush_query_cache: this server keeps no query cache, there is nothing to flush");
  AddRefusal(r, "reload_tls", "refused: this server does not serve TLS",
             "reload_tls: this server does not serve TLS (put a TLS proxy in front of it)");
  AddRefusal(r, "simulate_crash", "refused: this server has no crash simulation",
             "simulate_crash: this server has no crash simulation; stop it with a signal");
}

}  // namespace sundial::sql
