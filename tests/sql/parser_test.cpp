#include "sql/parser.h"

#include <gtest/gtest.h>

#include <string>

namespace sundial::sql {
namespace {

std::string Expr_(std::string_view s) {
  auto r = ParseExpression(s);
  if (!r.ok()) return "ERR " + r.status().message() + " @" + std::to_string(r.status().position());
  return ExprToString(**r);
}

TEST(ParserTest, ArithmeticPrecedence) {
  EXPECT_EQ(Expr_("a + b * 2"), "(a + (b * 2))");
  EXPECT_EQ(Expr_("(a + b) * 2"), "((a + b) * 2)");
  EXPECT_EQ(Expr_("a - b - c"), "((a - b) - c)");
  EXPECT_EQ(Expr_("-a * 2"), "(-a * 2)");
  EXPECT_EQ(Expr_("-5"), "-5");
}

TEST(ParserTest, BooleanAndComparison) {
  EXPECT_EQ(Expr_("a > 1 and b < 2 or not c = 3"), "(((a > 1) and (b < 2)) or not (c = 3))");
  EXPECT_EQ(Expr_("a <> b"), "(a != b)");
  EXPECT_EQ(Expr_("x between 1 and 2 and y"), "(x between 1 and 2 and y)");
  EXPECT_EQ(Expr_("x not in (1, 2)"), "x not in (1, 2)");
  EXPECT_EQ(Expr_("ts in '2024-01-02'"), "ts in ('2024-01-02')");
  EXPECT_EQ(Expr_("s not like 'a%'"), "s not like 'a%'");
  EXPECT_EQ(Expr_("s ilike 'a%'"), "s ilike 'a%'");
  EXPECT_EQ(Expr_("s is not null"), "s is not null");
}

TEST(ParserTest, FunctionsCastsCase) {
  EXPECT_EQ(Expr_("count()"), "count()");
  EXPECT_EQ(Expr_("count(*)"), "count(*)");
  EXPECT_EQ(Expr_("a::long + cast(b as double)"), "(a::long + b::double)");
  EXPECT_EQ(Expr_("case when a > 1 then 'x' else 'y' end"), "case when (a > 1) then 'x' else 'y' end");
  EXPECT_EQ(Expr_("extract(hour from ts)"), "extract('hour', ts)");
  EXPECT_EQ(Expr_("t.a + \"my col\""), "(t.a + my col)");
  EXPECT_EQ(Expr_("a || 'b'"), "(a concat 'b')");
}

TEST(ParserTest, ErrorsCarryPositions) {
  EXPECT_EQ(Expr_("a +"), "ERR function, literal or constant is expected @3");
  EXPECT_EQ(Expr_("f(a b)"), "ERR ',' or ')' expected @4");
  EXPECT_EQ(Expr_("(a"), "ERR ')' expected @2");
  EXPECT_EQ(Expr_("case a end"), "ERR 'when' expected @7");
}

TEST(ParserTest, DepthIsBounded) {
  ParserLimits limits;
  limits.max_expression_depth = 50;
  std::string deep(10000, '(');
  auto r = ParseExpression(deep + "1", limits);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("too deeply nested"), std::string::npos);
  std::string minus(100000, '-');
  EXPECT_FALSE(ParseExpression(minus + "1", limits).ok());
  std::string nots;
  for (int i = 0; i < 10000; ++i) nots += "not ";
  EXPECT_FALSE(ParseExpression(nots + "a", limits).ok());
  std::string q;
  for (int i = 0; i < 5000; ++i) q += "select * from (";
  EXPECT_FALSE(ParseStatement(q + "t", limits).ok());
}

TEST(ParserTest, QueryLengthIsBounded) {
  ParserLimits limits;
  limits.max_query_length = 10;
  auto r = ParseStatement("select 1 from long_table", limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().position(), 0);
}

TEST(ParserTest, SelectWithAllClauses) {
  auto r = ParseStatement(
      "with x as (select * from t) select a, max(b) m from x join y on x.a = y.a "
      "where ts in '2024' sample by 1h fill(prev, 0) align to calendar order by 1 desc limit -5;");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Query& q = *r->query;
  ASSERT_EQ(q.with.size(), 1u);
  const SelectCore& c = q.cores[0];
  ASSERT_EQ(c.items.size(), 2u);
  EXPECT_EQ(c.items[1].alias, "m");
  ASSERT_EQ(c.joins.size(), 1u);
  ASSERT_TRUE(c.sample_by.has_value());
  EXPECT_EQ(c.sample_by->count, 1);
  EXPECT_EQ(c.sample_by->unit, 'h');
  ASSERT_EQ(c.sample_by->fills.size(), 2u);
  EXPECT_EQ(c.sample_by->fills[0], FillKind::kPrev);
  EXPECT_EQ(c.sample_by->fills[1], FillKind::kValue);
  ASSERT_EQ(q.order_by.size(), 1u);
  EXPECT_TRUE(q.order_by[0].descending);
  ASSERT_TRUE(q.limit_lo);
  EXPECT_EQ(q.limit_lo->ival, -5);
}

TEST(ParserTest, BareTableNameIsAQuery) {
  auto r = ParseStatement("cpu");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->query->cores[0].select_star_implicit);
  EXPECT_EQ(r->query->cores[0].from->name, "cpu");
}

TEST(ParserTest, LatestOnAndUnion) {
  auto r = ParseStatement(
      "select * from cpu latest on ts partition by hostname, region union all select * from b");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->query->cores.size(), 2u);
  EXPECT_EQ(r->query->cores[0].latest_partition_by.size(), 2u);
  EXPECT_EQ(r->query->ops[0], SetOp::kUnionAll);
}

TEST(ParserTest, CreateTable) {
  auto r = ParseStatement(
      "CREATE TABLE IF NOT EXISTS \"my t\" (ts TIMESTAMP, s SYMBOL CAPACITY 256 CACHE INDEX, "
      "v DOUBLE) TIMESTAMP(ts) PARTITION BY DAY WAL");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->kind, Statement::Kind::kCreateTable);
  EXPECT_EQ(r->create->name, "my t");
  EXPECT_TRUE(r->create->if_not_exists);
  ASSERT_EQ(r->create->columns.size(), 3u);
  EXPECT_EQ(r->create->columns[1].type, cairo::ColumnType::kSymbol);
  EXPECT_EQ(r->create->timestamp_column, "ts");
  EXPECT_EQ(r->create->partition_by, cairo::PartitionBy::kDay);
}

TEST(ParserTest, CreateTableErrors) {
  auto r = ParseStatement("create table t (a FOO)");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().position(), 18);
  r = ParseStatement("create table t (a int) partition by CENTURY");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().position(), 36);
}

TEST(ParserTest, CreateTableAs) {
  auto r = ParseStatement("create table t2 as (select * from t) timestamp(ts) partition by month");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->create->as_query);
  EXPECT_EQ(r->create->partition_by, cairo::PartitionBy::kMonth);
}

TEST(ParserTest, InsertAlterDropRenameShow) {
  auto r = ParseStatement("insert into t (a, b) values (1, 'x'), (2, null)");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->insert->rows.size(), 2u);
  EXPECT_EQ(r->insert->columns.size(), 2u);
  r = ParseStatement("insert into t select * from u");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->insert->query);
  r = ParseStatement("alter table t drop partition list '2026-11-21', '2026-11-22'");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->alter->partitions.size(), 2u);
  r = ParseStatement("alter table t rename column a to b");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->alter->names[1], "b");
  r = ParseStatement("drop table if exists t");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->drop->if_exists);
  r = ParseStatement("rename table a to b");
  ASSERT_TRUE(r.ok());
  r = ParseStatement("show columns from t");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->show->what, ShowStmt::What::kColumns);
  r = ParseStatement("select 1 from t garbage garbage");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().position(), 24);
}

TEST(ParserTest, EmptyQuery) {
  auto r = ParseStatement("  ");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "empty query");
}

// BACKUP / SNAPSHOT / CHECKPOINT are statements of the one parser.
TEST(ParserTest, BackupAndSnapshotStatements) {
  auto r = ParseStatement("BACKUP DATABASE;");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->kind, Statement::Kind::kBackup);
  EXPECT_TRUE(r->backup->database);
  r = ParseStatement("backup table t, \"my table\", 'trades', my-table, sensors.eu, t2024");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->backup->database);
  EXPECT_EQ(r->backup->tables,
            std::vector<std::string>({"t", "my table", "trades", "my-table", "sensors.eu", "t2024"}));
  EXPECT_EQ(r->backup->table_positions, std::vector<int32_t>({13, 16, 28, 38, 48, 60}));
  r = ParseStatement("snapshot prepare");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, Statement::Kind::kSnapshot);
  EXPECT_TRUE(r->snapshot->prepare);
  EXPECT_FALSE(r->snapshot->checkpoint);
  r = ParseStatement("Checkpoint Release ;");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->snapshot->prepare);
  EXPECT_TRUE(r->snapshot->checkpoint);
  // A name is one word: `my -table` is two, `../t` starts with the name '.'.
  r = ParseStatement("backup table my -table");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "expected ','");
  EXPECT_EQ(r.status().position(), 16);
  r = ParseStatement("backup table sensors..eu");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "expected ','");
  EXPECT_EQ(r.status().position(), 20);
  r = ParseStatement("backup table ../t");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "'.' is an invalid table name");
  EXPECT_EQ(r.status().position(), 13);
}

TEST(ParserTest, IsWriteByKind) {
  EXPECT_FALSE(IsWrite(Statement::Kind::kQuery));
  EXPECT_FALSE(IsWrite(Statement::Kind::kShow));
  for (auto k : {Statement::Kind::kCreateTable, Statement::Kind::kDropTable,
                 Statement::Kind::kTruncate, Statement::Kind::kRenameTable,
                 Statement::Kind::kAlterTable, Statement::Kind::kInsert, Statement::Kind::kUpdate,
                 Statement::Kind::kBackup, Statement::Kind::kSnapshot, Statement::Kind::kRestoreTable}) {
    EXPECT_TRUE(IsWrite(k)) << static_cast<int>(k);
  }
}

}  // namespace
}  // namespace sundial::sql
