// The catalogue relations (pg_catalog, information_schema, QuestDB's meta functions) against
// the tables they describe: random schemas are created and each relation is compared with a
// model built from what was created; plus EXPLAIN's shape for each operator kind, and the
// catalogue and server functions. Seeded: the seed is printed on failure
// (SUNDIAL_CATALOG_SEED replays one).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <vector>

#include "core/log.h"
#include "tests/sql/sql_test_util.h"

namespace sundial::sql {
namespace {

// The model: PostgreSQL type oids and sizes by column type name, written out independently of
// sql/pg_catalog.cpp (QuestDB's mapping).
struct TypeModel {
  const char* name;
  int oid;
  int len;
};
constexpr TypeModel kTypes[] = {
    {"BOOLEAN", 16, 1}, {"BYTE", 21, 2},        {"SHORT", 21, 2},     {"CHAR", 18, 1},
    {"INT", 23, 4},     {"LONG", 20, 8},        {"FLOAT", 700, 4},    {"DOUBLE", 701, 8},
    {"DATE", 1114, 8},  {"TIMESTAMP", 1114, 8}, {"SYMBOL", 1043, -1}, {"VARCHAR", 1043, -1},
};

struct ColumnModel {
  std::string name;
  const TypeModel* type;
};
struct TableModel {
  std::string name;
  std::vector<ColumnModel> columns;
  int rows = 0;
};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The rows of a result without its header, sorted.
std::vector<std::string> SortedRows(const std::string& text) {
  std::vector<std::string> rows = Lines(text);
  if (!rows.empty()) rows.erase(rows.begin());
  std::sort(rows.begin(), rows.end());
  return rows;
}

class CatalogTest : public SqlFixture {
 protected:
  uint64_t Seed() {
    const char* s = std::getenv("SUNDIAL_CATALOG_SEED");
    return s ? std::strtoull(s, nullptr, 10) : std::random_device{}();
  }

  // Creates `count` tables with random columns and rows; returns the model.
  std::vector<TableModel> CreateRandomTables(std::mt19937_64& rng, int count) {
    std::vector<TableModel> tables;
    for (int t = 0; t < count; ++t) {
      TableModel m;
      m.name = "tab_" + std::to_string(t) + "_" + std::to_string(rng() % 1000);
      const int ncols = 1 + static_cast<int>(rng() % 6);
      std::string ddl = "CREATE TABLE '" + m.name + "' (ts TIMESTAMP";
      m.columns.push_back({"ts", &kTypes[9]});
      for (int c = 0; c < ncols; ++c) {
        const TypeModel* type = &kTypes[rng() % std::size(kTypes)];
        m.columns.push_back({"c" + std::to_string(c), type});
        ddl += ", c" + std::to_string(c) + " " + type->name;
      }
      ddl += ") TIMESTAMP(ts) PARTITION BY DAY";
      Exec(ddl);
      m.rows = static_cast<int>(rng() % 5);
      for (int r = 0; r < m.rows; ++r) {
        Exec("INSERT INTO '" + m.name + "' (ts) VALUES (" + std::to_string(1000000 * (r + 1)) +
             ")");
      }
      tables.push_back(m);
    }
    return tables;
  }

  // What pg_class, pg_attribute and information_schema say, compared with the model.
  void ExpectRelationsDescribe(const std::vector<TableModel>& tables) {
    // Table ids, as tables() reports them: pg_class.oid must be the same.
    std::map<std::string, std::string> ids;
    for (const auto& row : SortedRows(Query("SELECT table_name, id FROM tables()"))) {
      ids[row.substr(0, row.find('\t'))] = row.substr(row.find('\t') + 1);
    }
    ASSERT_EQ(ids.size(), tables.size());

    std::vector<std::string> classes, attributes, is_tables, is_columns;
    for (const auto& t : tables) {
      classes.push_back(t.name + "\t" + ids[t.name] + "\t2200\t10\tr\t" +
                        std::to_string(t.columns.size()) + "\t" + std::to_string(t.rows) + ".0");
      is_tables.push_back("qdb\tpublic\t" + t.name + "\tBASE TABLE");
      for (size_t c = 0; c < t.columns.size(); ++c) {
        const auto& col = t.columns[c];
        attributes.push_back(ids[t.name] + "\t" + col.name + "\t" + std::to_string(c + 1) + "\t" +
                             std::to_string(col.type->oid) + "\t" + std::to_string(col.type->len));
        std::string type = col.type->name;
        for (char& ch : type) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        is_columns.push_back(t.name + "\t" + col.name + "\t" + std::to_string(c + 1) + "\t" + type);
      }
    }
    std::sort(classes.begin(), classes.end());
    std::sort(attributes.begin(), attributes.end());
    std::sort(is_tables.begin(), is_tables.end());
    std::sort(is_columns.begin(), is_columns.end());
    EXPECT_EQ(SortedRows(Query("SELECT relname, oid, relnamespace, relowner, relkind, relnatts, "
                               "reltuples FROM pg_catalog.pg_class")),
              classes);
    EXPECT_EQ(
        SortedRows(Query("SELECT attrelid, attname, attnum, atttypid, attlen FROM pg_attribute()")),
        attributes);
    EXPECT_EQ(SortedRows(Query("SELECT table_catalog, table_schema, table_name, table_type FROM "
                               "information_schema.tables")),
              is_tables);
    EXPECT_EQ(SortedRows(Query("SELECT table_name, column_name, ordinal_position, data_type FROM "
                               "information_schema.columns()")),
              is_columns);
  }
};

TEST_F(CatalogTest, RelationsDescribeRandomTables) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("seed " + std::to_string(seed) + " (SUNDIAL_CATALOG_SEED replays it)");
  std::mt19937_64 rng(seed);
  std::vector<TableModel> tables = CreateRandomTables(rng, 4);
  ExpectRelationsDescribe(tables);

  // Schema changes show at once: a dropped table, a new column.
  Exec("DROP TABLE '" + tables[0].name + "'");
  tables.erase(tables.begin());
  Exec("ALTER TABLE '" + tables[0].name + "' ADD COLUMN added DOUBLE");
  tables[0].columns.push_back({"added", &kTypes[7]});
  ExpectRelationsDescribe(tables);
}

TEST_F(CatalogTest, NoTablesNoRows) {
  EXPECT_EQ(SortedRows(Query("SELECT * FROM pg_class")).size(), 0u);
  EXPECT_EQ(SortedRows(Query("SELECT * FROM pg_attribute")).size(), 0u);
  EXPECT_EQ(SortedRows(Query("SELECT * FROM information_schema.columns")).size(), 0u);
}

// A client's discovery queries: joins across the relations by their ids.
TEST_F(CatalogTest, ClientJoinsAcrossRelations) {
  Exec("CREATE TABLE trades (ts TIMESTAMP, sym SYMBOL, price DOUBLE) TIMESTAMP(ts)");
  EXPECT_EQ(Query("SELECT n.nspname, c.relname, a.attname, t.typname, "
                  "pg_get_userbyid(c.relowner) owner "
                  "FROM pg_catalog.pg_class c "
                  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                  "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid "
                  "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
                  "ORDER BY a.attnum"),
            "nspname\trelname\tattname\ttypname\towner\n"
            "public\ttrades\tts\ttimestamp\tadmin\n"
            "public\ttrades\tsym\tvarchar\tadmin\n"
            "public\ttrades\tprice\tfloat8\tadmin\n");
  EXPECT_EQ(Query("SELECT format_type(atttypid, atttypmod) t FROM pg_attribute ORDER BY attnum"),
            "t\ntimestamp without time zone\ncharacter varying\ndouble precision\n");
  EXPECT_EQ(Query("SELECT datname FROM pg_database WHERE datname = current_database()"),
            "datname\nqdb\n");
  EXPECT_EQ(Query("SELECT rolname FROM pg_roles WHERE oid = 10"), "rolname\nadmin\n");
}

// The three spellings name one relation; a table shadows only the bare name.
TEST_F(CatalogTest, SpellingsAndShadowing) {
  Exec("CREATE TABLE a (ts TIMESTAMP) TIMESTAMP(ts)");
  const std::string want = Query("SELECT relname FROM pg_class()");
  EXPECT_EQ(want, "relname\na\n");
  EXPECT_EQ(Query("SELECT relname FROM pg_class"), want);
  EXPECT_EQ(Query("SELECT relname FROM pg_catalog.pg_class"), want);
  EXPECT_EQ(Query("SELECT relname FROM PG_CATALOG.PG_CLASS()"), want);
  EXPECT_EQ(Query("SELECT count() FROM public.a"), "count\n0\n");
  Exec("CREATE TABLE pg_class (relname VARCHAR)");
  EXPECT_EQ(Query("SELECT count() FROM pg_class"), "count\n0\n");  // the table
  EXPECT_EQ(SortedRows(Query("SELECT relname FROM pg_catalog.pg_class")),
            (std::vector<std::string>{"a", "pg_class"}));
  EXPECT_EQ(Query("SELECT * FROM pg_catalog.no_such"), "ERROR unknown function name: no_such @14");
  EXPECT_EQ(Query("SELECT * FROM pg_class(1)").rfind("ERROR too many arguments", 0), 0u);
}

TEST_F(CatalogTest, CatalogueFunctions) {
  EXPECT_EQ(Query("SELECT pg_catalog.version() = version() v"), "v\ntrue\n");
  EXPECT_EQ(Query("SELECT format_type(1043, 24) a, format_type(23, -1) b, format_type(99999, -1) "
                  "c, format_type(NULL, -1) d"),
            "a\tb\tc\td\ncharacter varying(20)\tinteger\t???\tNULL\n");
  EXPECT_EQ(
      Query("SELECT format('%s|%I|%I|%L|%L|%%', 'x', 'plain', 'Mixed Case', 'it''s', NULL) f"),
      "f\nx|plain|\"Mixed Case\"|'it''s'|NULL|%\n");
  EXPECT_EQ(Query("SELECT format('%x', 1)").rfind("ERROR unrecognized format() type specifier", 0),
            0u);
  EXPECT_EQ(Query("SELECT format('%s %s', 1)"), "ERROR too few arguments for format() @7");
  EXPECT_EQ(Query("SELECT cast(to_pg_date('2024-02-03') AS TIMESTAMP) d, to_pg_date('nope') n, "
                  "typeOf(to_pg_date('x')) t"),
            "d\tn\tt\n2024-02-03T00:00:00.000000Z\tNULL\tDATE\n");
  EXPECT_EQ(Query("SELECT pg_get_userbyid(10) a, pg_get_userbyid(7) b"),
            "a\tb\nadmin\tunknown (OID=7)\n");
  EXPECT_EQ(Query("SELECT pg_table_is_visible(1) v, pg_get_expr('x', 1) e, "
                  "pg_get_partkeydef(1) p"),
            "v\te\tp\ntrue\tNULL\tNULL\n");
  // txid_current() increases; age() counts the numbers handed out since.
  const std::string a = Lines(Query("SELECT txid_current()"))[1];
  const std::string b = Lines(Query("SELECT txid_current()"))[1];
  EXPECT_LT(std::stoll(a), std::stoll(b));
  EXPECT_EQ(Query("SELECT age(" + a + ")"), "age\n1\n");
  // The process started before now and not long ago.
  EXPECT_EQ(Query("SELECT pg_postmaster_start_time() <= systimestamp() ok"), "ok\ntrue\n");
  EXPECT_EQ(Query("SELECT mid('abcdef', 2, 3) m"), "m\nbcd\n");
}

TEST_F(CatalogTest, AdminActionsAreRefusedOrDone) {
  for (const char* f : {"flush_query_cache", "reload_tls", "simulate_crash"}) {
    std::string r = Query(std::string("SELECT ") + f + "()");
    EXPECT_EQ(r.rfind(std::string("ERROR ") + f + ": this server", 0), 0u) << r;
  }
  std::vector<std::string> log;
  core::SetLogSink([&log](core::LogLevel, std::string_view line) { log.emplace_back(line); });
  EXPECT_EQ(Query("SELECT dump_memory_usage() a, dump_thread_stacks() b, rnd_log(20, 50) c"),
            "a\tb\tc\ntrue\ttrue\ttrue\n");
  core::SetLogSink(nullptr);
  int memory = 0, threads = 0, random = 0;
  for (const auto& l : log) {
    memory += l.find("memory usage [rss=") != std::string::npos;
    threads += l.find("thread [tid=") != std::string::npos;
    random += l.find("random log line") != std::string::npos;
  }
  EXPECT_EQ(memory, 1);
  EXPECT_GE(threads, 1);
  EXPECT_EQ(random, 20);
  EXPECT_EQ(Query("SELECT rnd_log(1000000, 1)").rfind("ERROR line count", 0), 0u);
}

TEST_F(CatalogTest, MetaRelations) {
  Exec("CREATE TABLE t (ts TIMESTAMP, v DOUBLE) TIMESTAMP(ts)");
  Exec("INSERT INTO t VALUES (1, 1.0), (2, 2.0)");
  Exec("INSERT INTO t VALUES (3, 3.0)");
  EXPECT_EQ(Query("SELECT total_commits, committed_rows, rollbacks FROM table_writer_metrics()"),
            "total_commits\tcommitted_rows\trollbacks\n2\t3\tNULL\n");
  EXPECT_EQ(Query("SELECT count() FROM memory_metrics() WHERE memory_tag = 'RSS' AND bytes > 0"),
            "count\n1\n");
  EXPECT_EQ(Query("SELECT count() FROM reader_pool()"), "count\n0\n");
  EXPECT_EQ(Query("SELECT count() FROM wal_tables()"), "count\n0\n");
  EXPECT_EQ(Query("SELECT count() FROM keywords() WHERE keyword = 'select'"), "count\n1\n");
  EXPECT_EQ(Query("SELECT count() FROM pg_get_keywords() WHERE word = 'from' AND catcode = 'R'"),
            "count\n1\n");
  EXPECT_EQ(Query("SELECT count() FROM permissions()"),
            Query("SELECT count() FROM all_permissions()"));
  EXPECT_EQ(Query("SELECT count() FROM server_conf()"), "count\n0\n");  // no configuration here
}

// permissions() follows the read-only rule; server_conf() lists settings, credentials masked.
TEST_F(CatalogTest, PermissionsAndServerConfFollowOptions) {
  core::Properties conf;
  conf.Set("http.password", "hunter2");
  conf.Set("query.timeout", "60s");
  SqlOptions so;
  so.read_only = true;
  so.server_conf = &conf;
  sql_ = std::make_unique<SqlEngine>(engine_.get(), nullptr, so);
  EXPECT_EQ(SortedRows(Query("SELECT permission FROM permissions()")),
            (std::vector<std::string>{"EXPLAIN", "SELECT", "SHOW", "VERIFY BACKUP"}));
  EXPECT_EQ(SortedRows(Query("SELECT permission FROM all_permissions() WHERE NOT is_write")),
            (std::vector<std::string>{"EXPLAIN", "SELECT", "SHOW", "VERIFY BACKUP"}));
  EXPECT_EQ(Query("SELECT property_path, env_var_name, value, sensitive FROM server_conf() ORDER "
                  "BY property_path"),
            "property_path\tenv_var_name\tvalue\tsensitive\n"
            "http.password\tQDB_HTTP_PASSWORD\t****\ttrue\n"
            "query.timeout\tQDB_QUERY_TIMEOUT\t60s\tfalse\n");
  // EXPLAIN is a read: allowed in read-only mode.
  EXPECT_EQ(Query("EXPLAIN SELECT 1"), "QUERY PLAN\nProject columns: [1]\n    SingleRow\n");
}

// isOrdered(x) per group against std::is_sorted over the same rows (NULL the smallest value).
TEST_F(CatalogTest, IsOrderedMatchesModel) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("seed " + std::to_string(seed) + " (SUNDIAL_CATALOG_SEED replays it)");
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 20; ++round) {
    Exec("DROP TABLE IF EXISTS o");
    Exec("CREATE TABLE o (k INT, v LONG, d DOUBLE)");
    std::map<int, std::vector<int64_t>> model;
    std::string values;
    const int rows = static_cast<int>(rng() % 12);
    const bool sorted = rng() % 2 == 0;
    int64_t next = -5;
    for (int r = 0; r < rows; ++r) {
      const int k = static_cast<int>(rng() % 3);
      next += sorted ? static_cast<int64_t>(rng() % 3) : static_cast<int64_t>(rng() % 7) - 3;
      const bool is_null = rng() % 8 == 0;
      model[k].push_back(is_null ? INT64_MIN : next);
      const std::string v = is_null ? "NULL" : std::to_string(next);
      values += std::string(values.empty() ? "" : ", ") + "(" + std::to_string(k) + ", " + v +
                ", " + (is_null ? "NULL" : v + ".5") + ")";
    }
    if (!values.empty()) Exec("INSERT INTO o VALUES " + values);
    std::string want = "k\tv\td\n";
    for (const auto& [k, vs] : model) {
      const char* b = std::is_sorted(vs.begin(), vs.end()) ? "true" : "false";
      want += std::to_string(k) + "\t" + b + "\t" + b + "\n";
    }
    EXPECT_EQ(Query("SELECT k, isOrdered(v) v, isOrdered(d) d FROM o ORDER BY k"), want) << values;
  }
  EXPECT_EQ(Query("SELECT isOrdered('a') FROM o").rfind("ERROR unexpected argument type", 0), 0u);
}

class ExplainTest : public SqlFixture {
 protected:
  void SetUp() override {
    SqlFixture::SetUp();
    Exec(
        "CREATE TABLE t (ts TIMESTAMP, s SYMBOL, v DOUBLE, n LONG) TIMESTAMP(ts) PARTITION BY "
        "DAY");
    Exec("CREATE TABLE u (ts TIMESTAMP, s SYMBOL, w DOUBLE) TIMESTAMP(ts) PARTITION BY DAY");
    Exec("INSERT INTO t VALUES ('2024-01-01T00:00:00Z', 'a', 1.0, 1)");
  }
  std::string Plan(const std::string& q) {
    std::string r = Query("EXPLAIN " + q);
    return r.rfind("QUERY PLAN\n", 0) == 0 ? r.substr(11) : r;
  }
};

TEST_F(ExplainTest, EachOperatorKind) {
  EXPECT_EQ(Plan("SELECT v FROM t WHERE v > 1 AND s = 'a'"),
            "Project columns: [v]\n"
            "    Filter\n"
            "        TableScan t columns: [s, v]\n");
  EXPECT_EQ(Plan("SELECT * FROM t WHERE ts IN '2024-01-02' LIMIT 5"),
            "Limit lo: 5\n"
            "    Project columns: [ts, s, v, n]\n"
            "        TableScan t columns: [ts, s, v, n] intervals: "
            "[2024-01-02T00:00:00.000000Z..2024-01-02T23:59:59.999999Z]\n");
  EXPECT_EQ(Plan("SELECT v FROM t ORDER BY v DESC LIMIT 1, 3"),
            "Limit lo: 1 hi: 3\n"
            "    Sort keys: [v desc]\n"
            "        Project columns: [v]\n"
            "            TableScan t columns: [v]\n");
  // Aggregations compute into internal columns that a projection names.
  EXPECT_EQ(Plan("SELECT s, sum(v), count() FROM t WHERE v > 0"),
            "Project columns: [s, sum, count]\n"
            "    GroupBy vectorized workers: 2\n"
            "        keys: [s]\n"
            "        values: [sum(v), count(*)]\n"
            "        filter: on column data\n"
            "        TableScan t columns: [s, v]\n");
  EXPECT_EQ(Plan("SELECT s, first(v) f FROM t"),
            "Project columns: [s, f]\n"
            "    GroupBy\n"
            "        keys: [SYMBOL]\n"
            "        values: [first]\n"
            "        TableScan t columns: [s, v]\n");
  EXPECT_EQ(Lines(Plan("SELECT ts, first(v) FROM t SAMPLE BY 1h FILL(NULL)"))[1],
            "    SampleBy 1h");
  EXPECT_EQ(Lines(Plan("SELECT ts, avg(v) FROM t SAMPLE BY 15m"))[1],
            "    SampleBy 15m vectorized workers: 2");
  EXPECT_EQ(Plan("SELECT * FROM t LATEST ON ts PARTITION BY s"),
            "Project columns: [ts, s, v, n]\n"
            "    LatestOn keys: [s]\n"
            "        TableScan t columns: [ts, s, v, n] backward\n");
  EXPECT_EQ(Lines(Plan("SELECT t.v, u.w FROM t JOIN u ON t.s = u.s"))[1],
            "    Join type: inner on: [s = s]");
  EXPECT_EQ(Lines(Plan("SELECT t.v, u.w FROM t ASOF JOIN u ON (s)"))[1],
            "    Join type: asof on: [s = s]");
  EXPECT_EQ(Plan("SELECT s FROM t UNION ALL SELECT s FROM u"),
            "UnionAll\n"
            "    Project columns: [s]\n"
            "        TableScan t columns: [s]\n"
            "    Project columns: [s]\n"
            "        TableScan u columns: [s]\n");
  EXPECT_EQ(Lines(Plan("SELECT s FROM t EXCEPT SELECT s FROM u"))[0], "Except");
  EXPECT_EQ(Lines(Plan("SELECT s FROM t INTERSECT SELECT s FROM u"))[0], "Intersect");
  EXPECT_EQ(Lines(Plan("SELECT DISTINCT s FROM t"))[0], "Distinct");
  EXPECT_EQ(Lines(Plan("SELECT row_number() OVER (ORDER BY ts) FROM t"))[1],
            "    Window functions: 1 orderings: 1");
  EXPECT_EQ(Plan("SELECT x FROM long_sequence(3)"),
            "Project columns: [x]\n    LongSequence count: 3\n");
  EXPECT_EQ(Lines(Plan("SELECT * FROM tables()"))[1].rfind("    Rows count: 2 columns: [id, ", 0),
            0u);
}

TEST_F(ExplainTest, RefusesWhatIsNotAQueryAndChangesNothing) {
  EXPECT_EQ(Query("EXPLAIN INSERT INTO t VALUES (1, 'b', 2.0, 2)"),
            "ERROR EXPLAIN supports queries only @8");
  EXPECT_EQ(Query("EXPLAIN DROP TABLE t"), "ERROR EXPLAIN supports queries only @8");
  EXPECT_EQ(Query("SELECT count() FROM t"), "count\n1\n");
  EXPECT_EQ(Query("EXPLAIN SELECT z FROM t"), "ERROR Invalid column: z @15");
  EXPECT_EQ(Query("EXPLAIN SELECT * FROM missing"),
            "ERROR table does not exist [table=missing] @22");
}

}  // namespace
}  // namespace sundial::sql
