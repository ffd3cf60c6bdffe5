#include "sql/lexer.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace sundial::sql {
namespace {

TEST(LexerTest, SplitsTokensWithPositions) {
  auto r = Tokenize("select a, 'it''s' from \"my table\" -- c\n where x >= 1.5e3 SAMPLE BY 15m");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& t = *r;
  ASSERT_EQ(t.size(), 14u);
  EXPECT_EQ(t[0].text, "select");
  EXPECT_EQ(t[1].text, "a");
  EXPECT_EQ(t[1].pos, 7);
  EXPECT_TRUE(t[2].IsOp(","));
  EXPECT_EQ(t[3].kind, TokenKind::kString);
  EXPECT_EQ(t[3].text, "it's");
  EXPECT_EQ(t[5].kind, TokenKind::kQuotedIdent);
  EXPECT_EQ(t[5].text, "my table");
  EXPECT_TRUE(t[6].IsKeyword("WHERE"));
  EXPECT_TRUE(t[8].IsOp(">="));
  EXPECT_EQ(t[9].kind, TokenKind::kFloat);
  EXPECT_EQ(t[12].kind, TokenKind::kDuration);
  EXPECT_EQ(t[12].text, "15m");
  EXPECT_EQ(t.back().kind, TokenKind::kEnd);
}

TEST(LexerTest, UnterminatedStringIsAnErrorAtItsStart) {
  auto r = Tokenize("select 'abc");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().position(), 7);
}

TEST(LexerTest, UnexpectedCharacter) {
  auto r = Tokenize("select a # b");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().position(), 9);
}

TEST(LexerTest, GeoHashLiteralsAreOneTokenEach) {
  auto r = Tokenize("g = #u33d8/20 or g=##0110+#U33 or ##012");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& t = *r;
  ASSERT_EQ(t.size(), 12u);
  EXPECT_EQ(t[2].kind, TokenKind::kGeoHash);
  EXPECT_EQ(t[2].text, "#u33d8/20");
  EXPECT_EQ(t[2].pos, 4);
  EXPECT_EQ(t[6].text, "##0110");
  EXPECT_TRUE(t[7].IsOp("+"));
  EXPECT_EQ(t[8].text, "#U33");
  EXPECT_EQ(t[10].text, "##012");  // one token; the parser refuses it
  // A `#` that starts no literal is still an unexpected character.
  EXPECT_FALSE(Tokenize("select # b").ok());
  EXPECT_FALSE(Tokenize("select #").ok());
}

TEST(LexerTest, NumbersAndCasts) {
  auto r = Tokenize("1::int .5 7.");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].kind, TokenKind::kInteger);
  EXPECT_TRUE((*r)[1].IsOp("::"));
  EXPECT_EQ((*r)[3].kind, TokenKind::kFloat);
  EXPECT_EQ((*r)[4].kind, TokenKind::kFloat);
}

// FirstToken lexes only the first token, by Tokenize's rules: what follows is not looked at.
TEST(LexerTest, FirstTokenSkipsSpaceAndCommentsAndIgnoresTheRest) {
  auto t = FirstToken("  -- c\n /* x */ Backup table 'unclosed");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_TRUE(t->IsKeyword("backup"));
  EXPECT_EQ(t->pos, 16);
  t = FirstToken("   ");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->kind, TokenKind::kEnd);
  EXPECT_EQ(t->pos, 3);
  EXPECT_FALSE(FirstToken("'backup").ok());
  EXPECT_FALSE(FirstToken("/* unclosed").ok());
  EXPECT_TRUE(StartsWithKeyword("\tBACKUP database", "backup"));
  EXPECT_FALSE(StartsWithKeyword("'backup' table", "backup"));
  EXPECT_FALSE(StartsWithKeyword("\"backup\" table", "backup"));
  EXPECT_FALSE(StartsWithKeyword("backups", "backup"));
  EXPECT_FALSE(StartsWithKeyword("", "backup"));
  // Differential: FirstToken agrees with the first token of Tokenize.
  for (const char* sql : {"select 1", "  (select 1)", "1h", "'s' x", "\"q\" x", "-- c\n x",
                          ">= 1", "/* a */ /* b */ y", "x"}) {
    auto all = Tokenize(sql);
    auto first = FirstToken(sql);
    ASSERT_TRUE(all.ok() && first.ok()) << sql;
    EXPECT_EQ(first->kind, (*all)[0].kind) << sql;
    EXPECT_EQ(first->pos, (*all)[0].pos) << sql;
    EXPECT_EQ(first->text, (*all)[0].text) << sql;
  }
}

TEST(LexerTest, UnclosedQuotesOneMessage) {
  for (const char* sql : {"select 'abc", "select \"abc"}) {
    auto r = Tokenize(sql);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().message(), "unclosed quotation mark") << sql;
    EXPECT_EQ(r.status().position(), 7) << sql;
  }
}

// Property: on random text, FirstToken is exactly Tokenize's first token, or its first error
// when that error is in the first token (comments, quotes and unknown characters included).
TEST(LexerTest, FirstTokenMatchesTokenizeOnRandomText) {
  const std::string alphabet = "ab1 \t\n'\"-/*().;,=<>!:$_\xc3\xa9#";
  std::mt19937 rng(20261202);
  for (int iter = 0; iter < 20000; ++iter) {
    std::string sql;
    const int len = static_cast<int>(rng() % 12);
    for (int i = 0; i < len; ++i) sql.push_back(alphabet[rng() % alphabet.size()]);
    auto all = Tokenize(sql);
    auto first = FirstToken(sql);
    if (all.ok()) {
      ASSERT_TRUE(first.ok()) << sql;
      EXPECT_EQ(first->kind, (*all)[0].kind) << sql;
      EXPECT_EQ(first->pos, (*all)[0].pos) << sql;
      EXPECT_EQ(first->text, (*all)[0].text) << sql;
    } else if (!first.ok()) {
      EXPECT_EQ(first.status().message(), all.status().message()) << sql;
      EXPECT_EQ(first.status().position(), all.status().position()) << sql;
    } else {
      // The error is after the first token.
      EXPECT_GT(all.status().position(), first->pos) << sql;
    }
  }
}

}  // namespace
}  // namespace sundial::sql
