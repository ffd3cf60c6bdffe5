// Parsing of BACKUP ... ASYNC, BACKUP ABORT and SHOW BACKUPS (ASYNC is the word after the last
// name, so a table may still be called async), and the read-only rule for them.
#include <gtest/gtest.h>

#include "sql/ast.h"
#include "sql/parser.h"

namespace sundial::sql {
namespace {

Statement Parse(std::string_view sql) {
  auto st = ParseStatement(sql);
  EXPECT_TRUE(st.ok()) << sql << ": " << st.status().ToString();
  return st.ok() ? *st : Statement{};
}

TEST(BackupAsyncParseTest, AsyncAbortAndShowBackups) {
  Statement d = Parse("BACKUP DATABASE ASYNC;");
  ASSERT_EQ(d.kind, Statement::Kind::kBackup);
  EXPECT_TRUE(d.backup->database);
  EXPECT_TRUE(d.backup->async);
  EXPECT_FALSE(Parse("backup database").backup->async);

  Statement t = Parse("backup table a, \"b c\" async");
  EXPECT_TRUE(t.backup->async);
  EXPECT_EQ(t.backup->tables, (std::vector<std::string>{"a", "b c"}));

  Statement named = Parse("BACKUP TABLE async");  // a table called async
  EXPECT_FALSE(named.backup->async);
  EXPECT_EQ(named.backup->tables, std::vector<std::string>{"async"});
  Statement both = Parse("BACKUP TABLE async ASYNC");
  EXPECT_TRUE(both.backup->async);
  EXPECT_EQ(both.backup->tables, std::vector<std::string>{"async"});

  Statement a = Parse("BACKUP ABORT;");
  EXPECT_TRUE(a.backup->abort);
  EXPECT_TRUE(IsWrite(a));  // refused in read-only mode, like BACKUP
  EXPECT_TRUE(IsWrite(d));

  Statement s = Parse("SHOW BACKUPS");
  ASSERT_EQ(s.kind, Statement::Kind::kShow);
  EXPECT_EQ(s.show->what, ShowStmt::What::kBackups);
  EXPECT_FALSE(IsWrite(s));

  for (const char* bad : {"BACKUP DATABASE ASYNC x", "BACKUP ABORT now", "BACKUP TABLE a ASYNC, b",
                          "BACKUP ASYNC"}) {
    EXPECT_FALSE(ParseStatement(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace sundial::sql
