// The function walk: every function in QuestDB's published list (npm's @questdb/sql-grammar,
// installed by tests/sql/sql_grammar/install.sh into the build directory) is called through the
// SQL engine with valid arguments, from the table of calls below. The test prints the functions
// that do not work and the share that does, and fails when fewer work than kWorkingFloor (raise
// the floor as functions are added: it only ratchets up). A name the table has no call for
// counts as not working. Skipped, with the reason, when node/npm cannot provide the list.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "sql/functions/registry.h"
#include "tests/sql/sql_test_util.h"

namespace sundial::sql {
namespace {

// How many of the list's functions must work (the count at the last change of this file).
constexpr int kWorkingFloor = 223;

// One valid call per function of the list, as a whole statement (run against table `t`, see
// SetUp). Operators and keywords of the list are exercised by an expression using them.
const std::map<std::string, std::string>& Calls() {
  static const auto* calls = new std::map<std::string, std::string>{
      {"<<", "SELECT '10.1.1.1'::ipv4 << '10.0.0.0/8'"},
      {"<<=", "SELECT '10.1.1.1'::ipv4 <<= '10.0.0.0/8'"},
      {">>", "SELECT '10.0.0.0/8' >> '10.1.1.1'::ipv4"},
      {">>=", "SELECT '10.0.0.0/8' >>= '10.1.1.1'::ipv4"},
      {"VARCHAR", "SELECT cast(1 AS VARCHAR)"},
      {"abs", "SELECT abs(-2.5), abs(x - 3) FROM long_sequence(2)"},
      {"acos", "SELECT acos(0.5)"},
      {"all_permissions", "SELECT * FROM all_permissions()"},
      {"all_tables", "SELECT * FROM all_tables()"},
      {"and", "SELECT true and false"},
      {"approx_percentile", "SELECT approx_percentile(v, 0.5) FROM t"},
      {"asin", "SELECT asin(0.5)"},
      {"atan", "SELECT atan(1)"},
      {"atan2", "SELECT atan2(1, 2)"},
      {"avg", "SELECT avg(v) FROM t"},
      {"base64", "SELECT base64(rnd_bin(4, 4, 0), 10)"},
      {"batch", "ALTER TABLE t SET PARAM maxUncommittedRows = 100"},
      {"between", "SELECT v FROM t WHERE v BETWEEN 1 AND 2"},
      {"build", "SELECT build()"},
      {"case", "SELECT CASE WHEN v > 1 THEN 'big' ELSE 'small' END FROM t"},
      {"cast", "SELECT cast(v AS INT) FROM t"},
      {"ceil", "SELECT ceil(1.5)"},
      {"ceiling", "SELECT ceiling(1.5)"},
      {"coalesce", "SELECT coalesce(NULL, v) FROM t"},
      {"commitLag", "ALTER TABLE t SET PARAM commitLag = 1s"},
      {"concat", "SELECT concat(s, '-', v) FROM t"},
      {"cos", "SELECT cos(0)"},
      {"cot", "SELECT cot(1)"},
      {"count", "SELECT count() FROM t"},
      {"count_distinct", "SELECT count_distinct(s) FROM t"},
      {"current_database", "SELECT current_database()"},
      {"current_schema", "SELECT current_schema()"},
      {"current_schemas", "SELECT current_schemas(true)"},
      {"current_user", "SELECT current_user()"},
      {"date_trunc", "SELECT date_trunc('month', ts) FROM t"},
      {"dateadd", "SELECT dateadd('d', 1, ts) FROM t"},
      {"datediff", "SELECT datediff('h', ts, now()) FROM t"},
      {"day", "SELECT day(ts) FROM t"},
      {"day_of_week", "SELECT day_of_week(ts) FROM t"},
      {"day_of_week_sunday_first", "SELECT day_of_week_sunday_first(ts) FROM t"},
      {"days_in_month", "SELECT days_in_month(ts) FROM t"},
      {"degrees", "SELECT degrees(pi())"},
      {"dump_memory_usage", "SELECT dump_memory_usage()"},
      {"dump_thread_stacks", "SELECT dump_thread_stacks()"},
      {"extract", "SELECT extract(year FROM ts) FROM t"},
      {"first", "SELECT first(v) FROM t"},
      {"floor", "SELECT floor(1.5)"},
      {"flush_query_cache", "SELECT flush_query_cache()"},
      {"format", "SELECT format('%s', 1)"},
      {"format_type", "SELECT format_type(1043, -1)"},
      {"functions", "SELECT * FROM functions()"},
      {"haversine_dist_deg", "SELECT haversine_dist_deg(52.52, 13.40, 48.85, 2.35)"},
      {"headers", "SELECT headers()"},
      {"hour", "SELECT hour(ts) FROM t"},
      {"ifnull", "SELECT ifnull(NULL, v) FROM t"},
      {"ilike", "SELECT s FROM t WHERE s ILIKE 'A%'"},
      {"in", "SELECT s FROM t WHERE s IN ('a', 'b')"},
      {"information_schema._pg_expandarray", "SELECT information_schema._pg_expandarray(1)"},
      {"isOrdered", "SELECT isOrdered(ts) FROM t"},
      {"is_leap_year", "SELECT is_leap_year(ts) FROM t"},
      {"isnull", "SELECT isnull(v) FROM t"},
      {"keywords", "SELECT * FROM keywords()"},
      {"ksum", "SELECT ksum(v) FROM t"},
      {"lag", "SELECT lag(v) OVER (ORDER BY ts) FROM t"},
      {"last", "SELECT last(v) FROM t"},
      {"lcase", "SELECT lcase(s) FROM t"},
      {"left", "SELECT left(s, 1) FROM t"},
      {"len", "SELECT len(s) FROM t"},
      {"length", "SELECT length(s) FROM t"},
      {"like", "SELECT s FROM t WHERE s LIKE 'a%'"},
      // A keyword of the list, not a function: DROP PARTITION LIST.
      {"list", "ALTER TABLE t DROP PARTITION LIST '2024-01-01'"},
      {"ln", "SELECT ln(2)"},
      {"log", "SELECT log(100)"},
      {"long_sequence", "SELECT x FROM long_sequence(3)"},
      {"lower", "SELECT lower(s) FROM t"},
      {"lpad", "SELECT lpad(s, 4, '*') FROM t"},
      {"ltrim", "SELECT ltrim(s) FROM t"},
      {"make_geohash", "SELECT make_geohash(13.4, 52.5, 20)"},
      {"max", "SELECT max(v) FROM t"},
      {"maxUncommittedRows", "ALTER TABLE t SET PARAM maxUncommittedRows = 1000"},
      {"memory_metrics", "SELECT * FROM memory_metrics()"},
      {"micros", "SELECT micros(ts) FROM t"},
      {"mid", "SELECT mid(s, 1, 1) FROM t"},
      {"millis", "SELECT millis(ts) FROM t"},
      {"min", "SELECT min(v) FROM t"},
      {"minute", "SELECT minute(ts) FROM t"},
      {"month", "SELECT month(ts) FROM t"},
      {"netmask", "SELECT netmask('10.0.0.0/8')"},
      {"not", "SELECT not true"},
      {"now", "SELECT now()"},
      {"nsum", "SELECT nsum(v) FROM t"},
      {"nullif", "SELECT nullif(v, 1) FROM t"},
      {"nvl", "SELECT nvl(v, 0) FROM t"},
      {"or", "SELECT true or false"},
      {"permissions", "SELECT * FROM permissions()"},
      {"pg_advisory_unlock_all", "SELECT pg_advisory_unlock_all()"},
      {"pg_attrdef", "SELECT * FROM pg_attrdef()"},
      {"pg_attribute", "SELECT * FROM pg_attribute()"},
      {"pg_catalog.age", "SELECT pg_catalog.age(1)"},
      {"pg_catalog.current_database", "SELECT pg_catalog.current_database()"},
      {"pg_catalog.current_schema", "SELECT pg_catalog.current_schema()"},
      {"pg_catalog.current_schemas", "SELECT pg_catalog.current_schemas(true)"},
      {"pg_catalog.pg_attrdef", "SELECT * FROM pg_catalog.pg_attrdef()"},
      {"pg_catalog.pg_attribute", "SELECT * FROM pg_catalog.pg_attribute()"},
      {"pg_catalog.pg_class", "SELECT * FROM pg_catalog.pg_class()"},
      {"pg_catalog.pg_database", "SELECT * FROM pg_catalog.pg_database()"},
      {"pg_catalog.pg_description", "SELECT * FROM pg_catalog.pg_description()"},
      {"pg_catalog.pg_get_expr", "SELECT pg_catalog.pg_get_expr('x', 1)"},
      {"pg_catalog.pg_get_keywords", "SELECT * FROM pg_catalog.pg_get_keywords()"},
      {"pg_catalog.pg_get_partkeydef", "SELECT pg_catalog.pg_get_partkeydef(1)"},
      {"pg_catalog.pg_get_userbyid", "SELECT pg_catalog.pg_get_userbyid(1)"},
      {"pg_catalog.pg_index", "SELECT * FROM pg_catalog.pg_index()"},
      {"pg_catalog.pg_inherits", "SELECT * FROM pg_catalog.pg_inherits()"},
      {"pg_catalog.pg_is_in_recovery", "SELECT pg_catalog.pg_is_in_recovery()"},
      {"pg_catalog.pg_locks", "SELECT * FROM pg_catalog.pg_locks()"},
      {"pg_catalog.pg_namespace", "SELECT * FROM pg_catalog.pg_namespace()"},
      {"pg_catalog.pg_roles", "SELECT * FROM pg_catalog.pg_roles()"},
      {"pg_catalog.pg_shdescription", "SELECT * FROM pg_catalog.pg_shdescription()"},
      {"pg_catalog.pg_table_is_visible", "SELECT pg_catalog.pg_table_is_visible(1)"},
      {"pg_catalog.pg_type", "SELECT * FROM pg_catalog.pg_type()"},
      {"pg_catalog.txid_current", "SELECT pg_catalog.txid_current()"},
      {"pg_catalog.version", "SELECT pg_catalog.version()"},
      {"pg_class", "SELECT * FROM pg_class()"},
      {"pg_database", "SELECT * FROM pg_database()"},
      {"pg_description", "SELECT * FROM pg_description()"},
      {"pg_get_expr", "SELECT pg_get_expr('x', 1)"},
      {"pg_get_keywords", "SELECT * FROM pg_get_keywords()"},
      {"pg_get_partkeydef", "SELECT pg_get_partkeydef(1)"},
      {"pg_index", "SELECT * FROM pg_index()"},
      {"pg_inherits", "SELECT * FROM pg_inherits()"},
      {"pg_is_in_recovery", "SELECT pg_is_in_recovery()"},
      {"pg_locks", "SELECT * FROM pg_locks()"},
      {"pg_namespace", "SELECT * FROM pg_namespace()"},
      {"pg_postmaster_start_time", "SELECT pg_postmaster_start_time()"},
      {"pg_proc", "SELECT * FROM pg_proc()"},
      {"pg_range", "SELECT * FROM pg_range()"},
      {"pg_roles", "SELECT * FROM pg_roles()"},
      {"pg_type", "SELECT * FROM pg_type()"},
      {"pi", "SELECT pi()"},
      {"position", "SELECT position(s, 'a') FROM t"},
      {"power", "SELECT power(v, 2) FROM t"},
      {"radians", "SELECT radians(180)"},
      {"rank", "SELECT rank() OVER (ORDER BY v) FROM t"},
      {"reader_pool", "SELECT * FROM reader_pool()"},
      {"regexp_replace", "SELECT regexp_replace(s, '[ab]', 'x') FROM t"},
      {"reload_tls", "SELECT reload_tls()"},
      {"replace", "SELECT replace(s, 'a', 'b') FROM t"},
      {"right", "SELECT right(s, 1) FROM t"},
      {"rnd_bin", "SELECT rnd_bin(2, 4, 0)"},
      {"rnd_boolean", "SELECT rnd_boolean()"},
      {"rnd_byte", "SELECT rnd_byte(1, 10)"},
      {"rnd_char", "SELECT rnd_char()"},
      {"rnd_date", "SELECT rnd_date(to_date('2015', 'yyyy'), to_date('2016', 'yyyy'), 2)"},
      {"rnd_double", "SELECT rnd_double(2)"},
      {"rnd_float", "SELECT rnd_float()"},
      {"rnd_geohash", "SELECT rnd_geohash(30)"},
      {"rnd_int", "SELECT rnd_int(1, 10, 2)"},
      {"rnd_ipv4", "SELECT rnd_ipv4()"},
      {"rnd_log", "SELECT rnd_log(10, 5)"},
      {"rnd_long", "SELECT rnd_long(1, 10, 0)"},
      {"rnd_long256", "SELECT rnd_long256()"},
      {"rnd_short", "SELECT rnd_short()"},
      {"rnd_str", "SELECT rnd_str(3, 5, 2), rnd_str('a', 'b')"},
      {"rnd_symbol", "SELECT rnd_symbol(4, 2, 3, 0), rnd_symbol('a', 'b')"},
      {"rnd_timestamp", "SELECT rnd_timestamp('2024-01-01T00:00:00Z', '2024-12-31T00:00:00Z', 0)"},
      {"rnd_uuid4", "SELECT rnd_uuid4()"},
      {"round", "SELECT round(v, 1) FROM t"},
      {"round_down", "SELECT round_down(1.257, 2)"},
      {"round_half_even", "SELECT round_half_even(1.255, 2)"},
      {"round_up", "SELECT round_up(1.251, 2)"},
      {"row_number", "SELECT row_number() OVER (ORDER BY ts) FROM t"},
      {"rpad", "SELECT rpad(s, 4, '*') FROM t"},
      {"rtrim", "SELECT rtrim(s) FROM t"},
      {"second", "SELECT second(ts) FROM t"},
      {"server_conf", "SELECT * FROM server_conf()"},
      {"server_version", "SELECT server_version()"},
      {"session_user", "SELECT session_user()"},
      {"show", "SHOW TABLES"},
      {"simulate_crash", "SELECT simulate_crash('0')"},
      {"sin", "SELECT sin(0)"},
      {"size_pretty", "SELECT size_pretty(1048576)"},
      {"split_part", "SELECT split_part('a,b,c', ',', 2)"},
      {"sqrt", "SELECT sqrt(v) FROM t"},
      {"starts_with", "SELECT starts_with(s, 'a') FROM t"},
      {"stddev", "SELECT stddev(v) FROM t"},
      {"stddev_pop", "SELECT stddev_pop(v) FROM t"},
      {"stddev_samp", "SELECT stddev_samp(v) FROM t"},
      {"string_agg", "SELECT string_agg(s, ',') FROM t"},
      {"strpos", "SELECT strpos(s, 'a') FROM t"},
      {"substring", "SELECT substring(s, 1, 1) FROM t"},
      {"sum", "SELECT sum(v) FROM t"},
      {"switch", "SELECT switch(s, 'a', 1, 'b', 2, 0) FROM t"},
      {"sysdate", "SELECT sysdate()"},
      {"systimestamp", "SELECT systimestamp()"},
      {"table_columns", "SELECT * FROM table_columns('t')"},
      {"table_partitions", "SELECT * FROM table_partitions('t')"},
      {"table_writer_metrics", "SELECT * FROM table_writer_metrics()"},
      {"tables", "SELECT * FROM tables()"},
      {"tan", "SELECT tan(0)"},
      {"timestamp_ceil", "SELECT timestamp_ceil('h', ts) FROM t"},
      {"timestamp_floor", "SELECT timestamp_floor('h', ts) FROM t"},
      {"timestamp_sequence", "SELECT timestamp_sequence(0, 1000) FROM long_sequence(3)"},
      {"timestamp_shuffle",
       "SELECT timestamp_shuffle('2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z')"},
      {"to_char", "SELECT to_char(ts, 'yyyy-MM-dd') FROM t"},
      {"to_date", "SELECT to_date('2024-01-02', 'yyyy-MM-dd')"},
      {"to_long128", "SELECT to_long128(1, 2)"},
      {"to_lowercase", "SELECT to_lowercase(s) FROM t"},
      {"to_pg_date", "SELECT to_pg_date('2024-01-02')"},
      {"to_str", "SELECT to_str(ts, 'yyyy-MM-dd') FROM t"},
      {"to_timestamp", "SELECT to_timestamp('2024-01-02', 'yyyy-MM-dd')"},
      {"to_timezone", "SELECT to_timezone(ts, 'Europe/Berlin') FROM t"},
      {"to_uppercase", "SELECT to_uppercase(s) FROM t"},
      {"to_utc", "SELECT to_utc(ts, 'Europe/Berlin') FROM t"},
      {"to_uuid", "SELECT to_uuid(1, 2)"},
      {"touch", "SELECT touch(SELECT * FROM t)"},
      {"trim", "SELECT trim(s) FROM t"},
      {"txid_current", "SELECT txid_current()"},
      {"typeOf", "SELECT typeOf(v) FROM t"},
      {"ucase", "SELECT ucase(s) FROM t"},
      {"upper", "SELECT upper(s) FROM t"},
      {"var_pop", "SELECT var_pop(v) FROM t"},
      {"var_samp", "SELECT var_samp(v) FROM t"},
      {"variance", "SELECT variance(v) FROM t"},
      {"version", "SELECT version()"},
      {"vwap", "SELECT vwap(v, v) FROM t"},
      {"wal_tables", "SELECT * FROM wal_tables()"},
      {"week_of_year", "SELECT week_of_year(ts) FROM t"},
      {"within",
       "SELECT g FROM (SELECT rnd_geohash(40) g FROM long_sequence(3)) WHERE g within(#u33, 'u34')"},
      {"year", "SELECT year(ts) FROM t"},
  };
  return *calls;
}

// The data types of the list that round-trip (the count at the last change of this file).
constexpr int kWorkingTypesFloor = 18;

// Per type of the package's `dataTypes`: the column type as CREATE TABLE spells it, a value as
// INSERT writes it, and the value as SELECT must print it (QuestDB's text forms).
struct TypeSample {
  std::string column_type, literal, printed;
};
const std::map<std::string, TypeSample>& TypeSamples() {
  static const auto* samples = new std::map<std::string, TypeSample>{
      {"binary", {"BINARY", "rnd_bin(4, 4, 0)", "(4 bytes)"}},
      {"boolean", {"BOOLEAN", "true", "true"}},
      {"byte", {"BYTE", "7", "7"}},
      {"char", {"CHAR", "'x'", "x"}},
      {"date", {"DATE", "'2024-01-02T03:04:05.678Z'", "1704164645678"}},
      {"double", {"DOUBLE", "1.5", "1.5"}},
      {"float", {"FLOAT", "1.5", "1.5"}},
      {"geohash", {"GEOHASH(5c)", "#u33d8", "u33d8"}},
      {"int", {"INT", "42", "42"}},
      {"ipv4", {"IPv4", "'192.168.0.1'", "192.168.0.1"}},
      {"long", {"LONG", "42", "42"}},
      {"long128",
       {"LONG128", "'00000000-0000-0001-0000-000000000002'",
        "00000000-0000-0001-0000-000000000002"}},
      {"long256", {"LONG256", "'0x01ab'", "0x1ab"}},
      {"short", {"SHORT", "7", "7"}},
      {"string", {"STRING", "'abc'", "abc"}},
      {"symbol", {"SYMBOL", "'abc'", "abc"}},
      {"timestamp", {"TIMESTAMP", "'2024-01-02T03:04:05.678901Z'", "2024-01-02T03:04:05.678901Z"}},
      {"uuid",
       {"UUID", "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}},
  };
  return *samples;
}

// One list of the npm package (`file` in the install directory); empty with `why` set when it
// cannot be had.
std::vector<std::string> QuestDbList(const std::string& file, std::string* why) {
  const char* src = std::getenv("SUNDIAL_SOURCE_DIR");
  const char* bin = std::getenv("SUNDIAL_BINARY_DIR");
  if (!src || !bin) {
    *why = "SUNDIAL_SOURCE_DIR/SUNDIAL_BINARY_DIR not set (run through ctest)";
    return {};
  }
  std::string dir = std::string(bin) + "/tests/sql/sql-grammar";
  std::string cmd = "command -v npm >/dev/null && command -v node >/dev/null && bash '" +
                    std::string(src) + "/tests/sql/sql_grammar/install.sh' '" + dir +
                    "' >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    *why = "npm/node unavailable or `npm install @questdb/sql-grammar` failed";
    return {};
  }
  std::ifstream in(dir + "/" + file);
  std::vector<std::string> names;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) names.push_back(line);
  }
  if (names.empty()) *why = "the installed package's " + file + " is empty";
  return names;
}

class FunctionWalkTest : public SqlFixture {
 protected:
  void SetUp() override {
    SqlFixture::SetUp();
    Exec("CREATE TABLE t (ts TIMESTAMP, s SYMBOL, v DOUBLE) TIMESTAMP(ts) PARTITION BY DAY");
    Exec(
        "INSERT INTO t VALUES ('2024-01-01T10:00:00.000000Z', 'a', 1.5), "
        "('2024-01-02T11:30:00.000000Z', 'b', 2.5), ('2024-01-03T12:00:00.000000Z', 'a', NULL)");
  }
};

TEST_F(FunctionWalkTest, QuestDbFunctionsWork) {
  std::string why;
  std::vector<std::string> names = QuestDbList("functions.txt", &why);
  if (names.empty()) GTEST_SKIP() << "skipped: " << why;
  int working = 0;
  std::string failing;
  for (const std::string& name : names) {
    auto it = Calls().find(name);
    std::string result =
        it == Calls().end() ? "ERROR no call in the test's table" : Query(it->second);
    if (result.rfind("ERROR", 0) == 0) {
      failing += "  " + name + ": " + result.substr(0, 100) + "\n";
    } else {
      ++working;
    }
  }
  for (const auto& [name, sql] : Calls()) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end())
        << "the table calls `" << name << "`, which the list does not have";
  }
  double percent = 100.0 * working / static_cast<double>(names.size());
  std::printf("function walk: %d of %zu QuestDB functions work (%.1f%%); not working:\n%s", working,
              names.size(), percent, failing.c_str());
  EXPECT_GE(working, kWorkingFloor) << "fewer functions work than before";
}

// Every data type of QuestDB's list: CREATE TABLE with a column of it, INSERT a value, SELECT
// it back as QuestDB prints it. Prints the types that do not round-trip; fails when fewer than
// kWorkingTypesFloor do.
TEST_F(FunctionWalkTest, QuestDbTypesRoundTrip) {
  std::string why;
  std::vector<std::string> types = QuestDbList("types.txt", &why);
  if (types.empty()) GTEST_SKIP() << "skipped: " << why;
  int working = 0;
  std::string failing;
  for (const std::string& type : types) {
    auto it = TypeSamples().find(type);
    if (it == TypeSamples().end()) {
      failing += "  " + type + ": no sample in the test's table\n";
      continue;
    }
    const TypeSample& t = it->second;
    const std::string table = "types_" + type;
    std::string step = Query("CREATE TABLE " + table + " (c " + t.column_type + ")");
    if (step == "OK") step = Query("INSERT INTO " + table + " VALUES (" + t.literal + ")");
    if (step == "OK") {
      step = Query("SELECT c FROM " + table);
      if (step == "c\n" + t.printed + "\n") {
        ++working;
        continue;
      }
    }
    failing += "  " + type + ": " + step.substr(0, 100) + "\n";
  }
  std::printf("type walk: %d of %zu QuestDB types round-trip; not working:\n%s", working,
              types.size(), failing.c_str());
  EXPECT_GE(working, kWorkingTypesFloor) << "fewer types round-trip than before";
}

// sql/README.md carries the function list generated from the registry (between the
// `functions:begin` and `functions:end` markers). Run with SUNDIAL_UPDATE_FUNCTION_LIST=1 to
// rewrite it after adding a function.
TEST(FunctionListDocTest, ReadmeListMatchesTheRegistry) {
  const char* src = std::getenv("SUNDIAL_SOURCE_DIR");
  if (!src) GTEST_SKIP() << "skipped: SUNDIAL_SOURCE_DIR not set (run through ctest)";
  std::string path = std::string(src) + "/sql/README.md";
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string begin = "<!-- functions:begin -->\n", end = "<!-- functions:end -->";
  size_t b = text.find(begin), e = text.find(end);
  ASSERT_NE(b, std::string::npos) << path << " lacks the marker " << begin;
  ASSERT_NE(e, std::string::npos) << path << " lacks the marker " << end;
  b += begin.size();
  std::string want = FunctionListMarkdown();
  if (std::getenv("SUNDIAL_UPDATE_FUNCTION_LIST")) {
    text.replace(b, e - b, want);
    std::ofstream(path) << text;
    return;
  }
  EXPECT_EQ(text.substr(b, e - b), want)
      << "the function list in " << path
      << " is out of date: rerun with SUNDIAL_UPDATE_FUNCTION_LIST=1";
}

// Every registered name is lower case (lookups lower-case the call) and every scalar function
// has at least one overload with a binder.
TEST_F(FunctionWalkTest, RegisteredScalarFunctionsBindThroughTheRegistry) {
  for (const FunctionDef* d : FunctionRegistry::Get().All()) {
    EXPECT_FALSE(d->name.empty());
    EXPECT_EQ(d->name, [&] {
      std::string lower = d->name;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return lower;
    }()) << "registry names are lower case";
    if (d->kind == FunctionKind::kScalar) {
      EXPECT_FALSE(d->overloads.empty()) << d->name;
      for (const auto& o : d->overloads) EXPECT_TRUE(o.bind) << d->name << " " << o.signature;
    }
  }
  EXPECT_NE(FunctionRegistry::Get().Find("date_trunc"), nullptr);
  EXPECT_EQ(FunctionRegistry::Get().Find("no_such_function"), nullptr);
}

}  // namespace
}  // namespace sundial::sql
