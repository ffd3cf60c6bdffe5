// UPDATE: values, the entries it rewrites, atomicity on error, pinned readers, restart.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/sql/sql_test_util.h"

namespace sundial::sql {
namespace {

class UpdateTest : public SqlFixture {
 protected:
  int64_t Updated(const std::string& q) {
    auto r = sql_->Execute(q);
    EXPECT_TRUE(r.ok()) << q << " -> " << r.status().ToString();
    if (!r.ok()) return -1;
    EXPECT_EQ(r->kind, StatementKind::kDml);
    EXPECT_TRUE(r->is_update);
    return r->affected_rows;
  }
  // Directory names of the table's partitions (sorted).
  std::vector<std::string> Dirs(const std::string& table) {
    auto view = engine_->Pin(table);
    EXPECT_TRUE(view.ok());
    std::vector<std::string> out;
    for (const auto& p : view->partitions()) out.push_back(p.dir_name);
    return out;
  }
  static constexpr const char* kCreate =
      "(ts timestamp, s symbol, v varchar, d double, f float, i int, l long, sh short, "
      "b boolean, c char) timestamp(ts) partition by day";
};

// Three days of rows (more than one batch per day, one day split by an out-of-order insert);
// the result must equal what the same CASE expressions give as a query over the old rows.
TEST_F(UpdateTest, MatchingRowsTakeTheNewValuesAndOthersKeepTheirs) {
  for (const char* t : {"u", "expected"}) Exec(std::string("create table ") + t + " " + kCreate);
  const std::string rows =
      "select dateadd('s', (x * 7)::int, '2024-01-01T00:00:00Z'::timestamp), "
      "case when x % 3 = 0 then 'a' when x % 3 = 1 then 'b' else null end, "
      "case when x % 5 = 0 then null else 'v' || x end, x * 1.5, (x * 0.5)::float, "
      "case when x % 7 = 0 then null else x::int end, x, (x % 100)::short, x % 2 = 0, 'q' "
      "from long_sequence(30000)";
  Exec("insert into u " + rows);
  // Older rows into the first day: that partition is split into two entries.
  Exec("insert into u select dateadd('s', x::int, '2024-01-01T00:00:00Z'::timestamp), 'b', "
       "'late', -1.0, -1.0::float, -1, -1, -1::short, false, 'z' from long_sequence(5)");
  Exec("insert into expected select * from u");
  const std::string cond = "s = 'a' and (i > 1000 or i is null)";
  Exec("create table expected2 as (select ts, case when " + cond +
       " then 'new_' || v else s end as s, case when " + cond +
       " then v || '!' else v end as v, case when " + cond + " then d * 2 else d end as d, "
       "case when " + cond + " then f + 1 else f end as f, case when " + cond +
       " then null else i end as i, case when " + cond + " then l - ts::long else l end as l, "
       "sh, case when " + cond + " then not b else b end as b, c from expected) "
       "timestamp(ts) partition by day");
  const int64_t expect_updated =
      std::stoll(Query("select count() from u where " + cond).substr(6));
  ASSERT_GT(expect_updated, 1000);
  EXPECT_EQ(Updated("update u set s = 'new_' || v, v = v || '!', d = d * 2, f = f + 1, i = null, "
                    "l = l - ts::long, b = not b where " + cond),
            expect_updated);
  const std::string cols = "ts, s::varchar, v, d, f, i, l, sh, b, c";
  EXPECT_EQ(Query("select " + cols + " from u"), Query("select " + cols + " from expected2"));
  EXPECT_EQ(Query("select count() from u where s = 'new_v3'"), "count\n0\n");  // i = 3 <= 1000
  EXPECT_EQ(Query("select count() from u where s = 'new_v3003'"), "count\n1\n");
}

TEST_F(UpdateTest, OnlyEntriesWithMatchingRowsAreRewritten) {
  Exec(std::string("create table u ") + kCreate);
  Exec("insert into u (ts, l) select dateadd('h', (x - 1)::int, '2024-01-01T00:00:00Z'::timestamp), "
       "x from long_sequence(72)");
  const std::vector<std::string> before = Dirs("u");
  ASSERT_EQ(before.size(), 3u);
  EXPECT_EQ(Updated("update u set d = 1 where ts in '2024-01-02'"), 24);
  const std::vector<std::string> after = Dirs("u");
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after[0], before[0]);
  EXPECT_NE(after[1], before[1]);
  EXPECT_EQ(after[2], before[2]);
  EXPECT_EQ(Query("select count() from u where d = 1"), "count\n24\n");
  EXPECT_EQ(Updated("update u set d = 2 where l < 0"), 0);
  EXPECT_EQ(Dirs("u"), after);
  EXPECT_EQ(Updated("update u set d = 3"), 72);
  EXPECT_EQ(Query("select min(d), max(d), count() from u"), "min\tmax\tcount\n3.0\t3.0\t72\n");
}

// A column added after a partition was written has no file there; UPDATE writes one.
TEST_F(UpdateTest, ColumnAddedLaterAndNewSymbolsSurviveARestart) {
  Exec(std::string("create table u ") + kCreate);
  Exec("insert into u (ts, l) select dateadd('h', x::int, '2024-01-01T00:00:00Z'::timestamp), x "
       "from long_sequence(48)");
  Exec("alter table u add column n int");
  Exec("alter table u add column w varchar");
  EXPECT_EQ(Updated("update u set n = l::int * 10, w = 'w' || l, s = 'sym' || (l % 2) "
                    "where l % 4 = 0"),
            12);
  const std::string q = "select l, n, w, s from u where l in (3, 4, 47, 48)";
  const std::string want =
      "l\tn\tw\ts\n3\tNULL\tNULL\tNULL\n4\t40\tw4\tsym0\n47\tNULL\tNULL\tNULL\n48\t480\tw48\tsym0\n";
  EXPECT_EQ(Query(q), want);
  Reopen();
  EXPECT_EQ(Query(q), want);
  EXPECT_EQ(Query("select s, count() from u order by s"), "s\tcount\nNULL\t36\nsym0\t12\n");
  EXPECT_EQ(Updated("update u set s = 'sym1' where l = 4"), 1);
  Reopen();
  EXPECT_EQ(Query("select s, count() from u order by s"),
            "s\tcount\nNULL\t36\nsym0\t11\nsym1\t1\n");
}

// An error in a later partition leaves every partition as it was, and nothing of the failed
// statement stays on disk.
TEST_F(UpdateTest, AFailedUpdateChangesNothing) {
  Exec("create table u (ts timestamp, v varchar, d double) timestamp(ts) partition by day");
  Exec("insert into u values ('2024-01-01T00:00:00Z', '1.5', 1), ('2024-01-02T00:00:00Z', '2.5', 2),"
       " ('2024-01-03T00:00:00Z', 'abc', 3)");
  const std::string before = Query("select * from u");
  const std::vector<std::string> dirs = Dirs("u");
  // The implicit VARCHAR -> DOUBLE conversion refuses 'abc' (an explicit v::double would give
  // NULL, as QuestDB's casts do).
  EXPECT_EQ(Error("update u set d = v"), "inconvertible value: `abc` [VARCHAR -> DOUBLE] @17");
  EXPECT_EQ(Query("select * from u"), before);
  EXPECT_EQ(Dirs("u"), dirs);
  auto listing = fs_->ListDir(root_ + "/db/u");
  ASSERT_TRUE(listing.ok());
  for (const core::DirEntry& entry : *listing) {
    const std::string& name = entry.name;
    if (name[0] == '2') {
      EXPECT_NE(std::find(dirs.begin(), dirs.end(), name), dirs.end()) << name << " left behind";
    }
  }
  // Partitions outside the WHERE's timestamp intervals are not read (as a query would not read
  // them): the unconvertible value of the third day does not matter here.
  EXPECT_EQ(Query("select count() from u where ts in '2024-01-01' and v::double > 0"), "count\n1\n");
  EXPECT_EQ(Updated("update u set d = v::double where ts in '2024-01-01' and v::double > 0"), 1);
  EXPECT_EQ(Query("select d from u"), "d\n1.5\n2.0\n3.0\n");
  Exec("update u set d = 1 where ts in '2024-01-01'");
  // An integer that does not fit the column is refused (not wrapped), and nothing changes.
  Exec("alter table u add column sh short");
  Exec("alter table u add column l long");
  Exec("update u set l = 40000 where ts in '2024-01-03'");
  EXPECT_EQ(Error("update u set sh = l::int"), "inconvertible value: 40000 [INT -> SHORT] @19");
  EXPECT_EQ(Error("update u set sh = 32768"), "inconvertible value: 32768 [INT -> SHORT] @18");
  EXPECT_EQ(Query("select count() from u where sh is not null and sh <> 0"), "count\n0\n");
  Exec("alter table u drop column sh");
  Exec("alter table u drop column l");
  // Refused before anything runs.
  EXPECT_EQ(Error("update u set ts = now()"), "Designated timestamp column cannot be updated @13");
  EXPECT_EQ(Error("update u set nope = 1"), "Invalid column: nope @13");
  EXPECT_EQ(Error("update u a set b.d = 1"), "Invalid column: b.d @15");
  EXPECT_EQ(Error("update u set a.d = 1"), "Invalid column: a.d @13");
  EXPECT_EQ(Error("update u set d = 1, d = 2"), "Duplicate column d in SET clause @20");
  EXPECT_EQ(Error("update u set d = 1 where d"), "boolean expression expected @25");
  EXPECT_EQ(Error("update u set d = sum(d)"), "aggregate functions are not allowed in UPDATE @17");
  EXPECT_EQ(Error("update nope set d = 1"), "table does not exist [table=nope] @7");
  EXPECT_EQ(Error("update u set d = 1 from x"), "UPDATE ... FROM is not supported @19");
  EXPECT_EQ(Query("select * from u"), before);
}

// A reader that pinned the table before the UPDATE keeps reading the old values.
TEST_F(UpdateTest, PinnedReadersKeepTheOldValues) {
  Exec("create table u (ts timestamp, d double) timestamp(ts) partition by day");
  Exec("insert into u select dateadd('m', x::int, '2024-01-01T00:00:00Z'::timestamp), x "
       "from long_sequence(100)");
  auto pinned = engine_->Pin("u");
  ASSERT_TRUE(pinned.ok());
  EXPECT_EQ(Updated("update u x set x.d = x.d * -1 where x.d > 50"), 50);
  EXPECT_EQ(Query("select sum(d) from u"), "sum\n-2500.0\n");  // 1275 - 3775
  auto col = pinned->Column(0, 1);
  ASSERT_TRUE(col.ok());
  double sum = 0;
  for (int64_t r = 0; r < col->row_count; ++r) sum += col->values<double>()[r];
  EXPECT_EQ(sum, 5050.0);
}

}  // namespace
}  // namespace sundial::sql
