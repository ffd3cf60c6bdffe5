#include <gtest/gtest.h>

#include "tests/sql/sql_test_util.h"

namespace sundial::sql {
namespace {

class SqlEngineTest : public SqlFixture {};

TEST_F(SqlEngineTest, CreateInsertSelect) {
  Exec("create table t (ts timestamp, s symbol, a int, b double, v varchar) timestamp(ts) partition by day");
  Exec("insert into t values ('2024-01-01T00:00:00.000000Z', 'x', 1, 1.5, 'hello'), "
       "('2024-01-01T01:00:00.000000Z', 'y', 2, null, 'world'), "
       "('2024-01-02T00:00:00.000000Z', null, null, 3.25, null)");
  EXPECT_EQ(Query("select * from t"),
            "ts\ts\ta\tb\tv\n"
            "2024-01-01T00:00:00.000000Z\tx\t1\t1.5\thello\n"
            "2024-01-01T01:00:00.000000Z\ty\t2\tNULL\tworld\n"
            "2024-01-02T00:00:00.000000Z\tNULL\tNULL\t3.25\tNULL\n");
  EXPECT_EQ(Query("select a + 1 as x, b * 2 as y from t where a > 1"), "x\ty\n3\tNULL\n");
  EXPECT_EQ(Query("t where s = 'x'"),
            "ts\ts\ta\tb\tv\n2024-01-01T00:00:00.000000Z\tx\t1\t1.5\thello\n");
}

TEST_F(SqlEngineTest, ErrorsCarryPositions) {
  Exec("create table xyz (a int, b double)");
  EXPECT_EQ(Error("select a, z from xyz"), "Invalid column: z @10");
  EXPECT_EQ(Error("select a from nope"), "table does not exist [table=nope] @14");
  EXPECT_EQ(Error("create table xyz (a int)"), "table already exists @13");
}

TEST_F(SqlEngineTest, AggregatesWithImplicitGroupBy) {
  Exec("create table t (ts timestamp, s symbol, v double, i int) timestamp(ts) partition by day");
  Exec("insert into t values ('2024-01-01T00:00:00Z', 'a', 1.0, 1), ('2024-01-01T00:01:00Z', 'b', 2.0, 2),"
       " ('2024-01-01T00:02:00Z', 'a', 3.0, null), ('2024-01-02T00:00:00Z', 'b', null, 4)");
  EXPECT_EQ(Query("select count() from t"), "count\n4\n");
  EXPECT_EQ(Query("select s, count(), sum(v), avg(v), min(i), max(i), count(i) from t order by s"),
            "s\tcount\tsum\tavg\tmin\tmax\tcount1\n"
            "a\t2\t4.0\t2.0\t1\t1\t1\n"
            "b\t2\t2.0\t2.0\t2\t4\t2\n");
  EXPECT_EQ(Query("select s, first(v), last(v) from t group by s order by 1 desc"),
            "s\tfirst\tlast\nb\t2.0\tNULL\na\t1.0\t3.0\n");
}

TEST_F(SqlEngineTest, OrderByLimit) {
  Exec("create table t (x long)");
  Exec("insert into t select x from long_sequence(10)");
  EXPECT_EQ(Query("select x from t order by x desc limit 3"), "x\n10\n9\n8\n");
  EXPECT_EQ(Query("select x from t limit -2"), "x\n9\n10\n");
  EXPECT_EQ(Query("select x from t limit 2, 4"), "x\n3\n4\n");
}

TEST_F(SqlEngineTest, IntervalFilterPrunesAndSearches) {
  Exec("create table t (ts timestamp, v long) timestamp(ts) partition by day");
  Exec("insert into t select dateadd('h', x::int, '2024-01-01T00:00:00Z'::timestamp), x from long_sequence(72)");
  EXPECT_EQ(Query("select count() from t where ts in '2024-01-02'"), "count\n24\n");
  EXPECT_EQ(Query("select count() from t where ts in '2024-01-02T10;2h'"), "count\n3\n");
  EXPECT_EQ(Query("select min(v), max(v) from t where ts > '2024-01-03T20:00:00Z'"), "min\tmax\n69\t72\n");
}

// INSERT's implicit conversions refuse integers that do not fit the column (QuestDB's
// `inconvertible value`), and the statement commits nothing; explicit casts still wrap.
TEST_F(SqlEngineTest, InsertRefusesIntegersThatDoNotFitTheColumn) {
  Exec("create table n (sh short, b byte, i int)");
  EXPECT_EQ(Error("insert into n values (40000, 1, 1)"), "inconvertible value: 40000 [INT -> SHORT] @22");
  EXPECT_EQ(Error("insert into n values (1, -129, 1)"), "inconvertible value: -129 [INT -> BYTE] @25");
  EXPECT_EQ(Error("insert into n values (1, 1, 3000000000)"),
            "inconvertible value: 3000000000 [LONG -> INT] @28");
  EXPECT_EQ(Error("insert into n select x * 16384, 1, 1 from long_sequence(2)"),
            "inconvertible value: 32768 [LONG -> SHORT] @12");
  Exec("insert into n values (-32768, 127, 2147483647)");
  Exec("insert into n values (cast(40000 as short), 1, 1)");
  EXPECT_EQ(Query("select * from n"), "sh\tb\ti\n-32768\t127\t2147483647\n-25536\t1\t1\n");
}

// QuestDB's NaN constant is the DOUBLE null; a column named nan still wins.
TEST_F(SqlEngineTest, NanConstantIsTheDoubleNull) {
  EXPECT_EQ(Query("select NaN, nan + 1"), "NaN\tcolumn\nNULL\tNULL\n");
  Exec("create table t (ts timestamp, d double) timestamp(ts) partition by day");
  Exec("insert into t values ('2024-01-01T00:00:00Z', NaN), ('2024-01-01T00:00:01Z', 1.5)");
  EXPECT_EQ(Query("select count() from t where d = NaN"), "count\n1\n");
  Exec("create table n (nan int)");
  Exec("insert into n values (7)");
  EXPECT_EQ(Query("select nan from n"), "nan\n7\n");
}

}  // namespace
}  // namespace sundial::sql
