// core::Regex: Java's syntax and leftmost-first matching, checked against std::regex's
// ECMAScript grammar (also leftmost-first, and the same for the syntax both share) on random
// patterns and texts, against Java's documented answers for what the two differ on, and for
// linear time and constant stack on the inputs that crash or stall a backtracking matcher.
#include "core/regex.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <regex>
#include <string>
#include <vector>

namespace sundial::core {
namespace {

Regex Must(std::string_view p) {
  auto r = Regex::Compile(p);
  EXPECT_TRUE(r.ok()) << p << ": " << r.status().ToString();
  return std::move(r).value();
}

bool Matches(std::string_view p, std::string_view text) {
  auto r = Must(p).Search(text);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() && *r;
}

std::string Replace(std::string_view p, std::string_view text, std::string_view rep) {
  auto r = Must(p).ReplaceAll(text, rep);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : "<error>";
}

// A random pattern over a small alphabet from the syntax ECMAScript and Java share with the
// same meaning: literals, ., classes, groups, alternation, greedy and lazy quantifiers, ^ $ \b.
// Sets `*nested_empty_loop` when a quantified group holds something that can match empty (a
// quantifier or an assertion): there a backtracking matcher's extent can differ (see regex.h).
std::string RandomPattern(std::mt19937& rng, int depth, bool* nested_empty_loop) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  std::string out;
  int items = 1 + pick(3);
  for (int k = 0; k < items; ++k) {
    std::string atom;
    switch (pick(depth > 0 ? 9 : 6)) {
      case 0:
      case 1:
        atom = std::string(1, "abc"[pick(3)]);
        break;
      case 2:
        atom = ".";
        break;
      case 3:
        atom = pick(2) ? "[ab]" : "[^a]";
        break;
      case 4:
        atom = pick(2) ? "\\d" : "\\w";
        break;
      case 5:
        atom = std::string(1, "^$"[pick(2)]);
        if (pick(3) == 0) atom = "\\b";
        break;
      case 6:
        atom = "(" + RandomPattern(rng, depth - 1, nested_empty_loop) + ")";
        break;
      case 7:
        atom = "(?:" + RandomPattern(rng, depth - 1, nested_empty_loop) + "|" +
               RandomPattern(rng, depth - 1, nested_empty_loop) + ")";
        break;
      default:
        atom = "(" + RandomPattern(rng, depth - 1, nested_empty_loop) + "|" +
               RandomPattern(rng, depth - 1, nested_empty_loop) + ")";
        break;
    }
    bool assertion = atom == "^" || atom == "$" || atom == "\\b";
    if (!assertion && pick(3) == 0) {
      static const char* const kQuant[] = {"*", "+", "?", "{2}", "{1,2}", "{0,}"};
      if (atom[0] == '(' && atom.find_first_of("*?{^$\\") != std::string::npos) {
        *nested_empty_loop = true;
      }
      atom += kQuant[pick(6)];
      if (pick(3) == 0) atom += "?";
    }
    out += atom;
  }
  return out;
}

std::string RandomText(std::mt19937& rng) {
  std::string s;
  int n = static_cast<int>(rng() % 9);
  for (int k = 0; k < n; ++k) s += "abc1 "[rng() % 5];
  return s;
}

TEST(RegexTest, MatchesAndGroupsAgreeWithLeftmostFirstReference) {
  std::mt19937 rng(getenv("RX_SEED") ? atoi(getenv("RX_SEED")) : 20261203);
  int compared = 0, extents = 0;
  for (int iter = 0; iter < (getenv("RX_ITERS") ? atoi(getenv("RX_ITERS")) : 3000); ++iter) {
    bool nested_empty_loop = false;
    std::string p = RandomPattern(rng, 2, &nested_empty_loop);
    std::regex ref;
    try {
      ref = std::regex(p, std::regex::ECMAScript);
    } catch (const std::exception&) {
      continue;
    }
    auto re = Regex::Compile(p);
    ASSERT_TRUE(re.ok()) << p << ": " << re.status().ToString();
    for (int t = 0; t < 8; ++t) {
      std::string text = RandomText(rng);
      std::smatch m;
      bool want = std::regex_search(text, m, ref);
      ASSERT_EQ(*re->Search(text), want) << "pattern " << p << " text '" << text << "'";
      std::vector<int64_t> g;
      ASSERT_EQ(*re->Find(text, 0, &g), want) << p << " '" << text << "'";
      if (!want) continue;
      ASSERT_EQ(g.size(), 2 * (m.size()));
      for (size_t k = 0; k < m.size(); ++k) {
        int64_t b = m[k].matched ? m.position(static_cast<int>(k)) : -1;
        int64_t e = m[k].matched ? b + m.length(static_cast<int>(k)) : -1;
        // ECMAScript resets a group inside a repetition on each pass; Java keeps the last
        // capture. Compare the whole match always, groups where no quantifier wraps them.
        extents += k == 0 && !nested_empty_loop;
        if ((k == 0 && !nested_empty_loop) || p.find_first_of("*+?{") == std::string::npos) {
          ASSERT_EQ(g[2 * k], b) << p << " '" << text << "' group " << k;
          ASSERT_EQ(g[2 * k + 1], e) << p << " '" << text << "' group " << k;
        }
      }
      ++compared;
    }
  }
  EXPECT_GT(compared, 5000);
  EXPECT_GT(extents, 3000);
}

TEST(RegexTest, ReplaceAllFollowsJava) {
  // Java: "baaac".replaceAll("a*", "X") and friends.
  EXPECT_EQ(Replace("a*", "baaac", "X"), "XbXXcX");
  EXPECT_EQ(Replace("a*", "aaa", "X"), "XX");
  EXPECT_EQ(Replace("(a|b)*", std::string(2048, 'a'), "x"), "xx");
  EXPECT_EQ(Replace("(\\d+)-(\\d+)-(\\d+)", "2024-01-31", "$3.$2.$1"), "31.01.2024");
  EXPECT_EQ(Replace("^(\\S*)", "MYSQL is a great database", "QuestDB"),
            "QuestDB is a great database");
  EXPECT_EQ(Replace("[0-9]+", "a1b22c333", "#"), "a#b#c#");
  EXPECT_EQ(Replace("(?<y>\\d{4})", "in 2026", "<${y}>"), "in <2026>");
  EXPECT_EQ(Replace("(a)|b", "ab", "[$1]"), "[a][]");  // a group that took no part: nothing
  EXPECT_EQ(Replace("a", "a", "\\$1"), "$1");
  EXPECT_EQ(Replace("(a)", "a", "$11"), "a1");  // Java: digits only while the group exists
  EXPECT_EQ(Replace("", "żó", "-"), "-ż-ó-");   // empty matches step by character, not byte
  auto r = Must("(a)");
  EXPECT_FALSE(r.ReplaceAll("a", "$2").ok());
  EXPECT_FALSE(r.ReplaceAll("a", "$x").ok());
  EXPECT_FALSE(r.ReplaceAll("a", "x\\").ok());
  EXPECT_FALSE(r.ReplaceAll("a", "${nope}").ok());
}

TEST(RegexTest, JavaSyntax) {
  EXPECT_TRUE(Matches("(?i)abc", "xABCx"));
  EXPECT_TRUE(Matches("a(?i:b)c", "aBc"));
  EXPECT_FALSE(Matches("a(?i:b)c", "aBC"));
  EXPECT_TRUE(Matches("(?i)[a-c]+", "CAB"));
  EXPECT_FALSE(Matches("a.c", "a\nc"));
  EXPECT_TRUE(Matches("(?s)a.c", "a\nc"));
  EXPECT_TRUE(Matches("^b", "b"));
  EXPECT_FALSE(Matches("^b", "a\nb"));
  EXPECT_TRUE(Matches("(?m)^b", "a\nb"));
  EXPECT_TRUE(Matches("a$", "a\n"));  // $ before a final line terminator
  EXPECT_FALSE(Matches("a\\z", "a\n"));
  EXPECT_TRUE(Matches("\\bfox\\b", "the fox."));
  EXPECT_FALSE(Matches("\\bfox\\b", "foxes"));
  EXPECT_TRUE(Matches("\\p{Alpha}+\\p{Digit}", "ab1"));
  EXPECT_TRUE(Matches("\\x41\\u0042\\x{43}\\0101", "ABCA"));
  EXPECT_TRUE(Matches("\\Qa.b\\E", "a.b"));
  EXPECT_FALSE(Matches("\\Qa.b\\E", "axb"));
  EXPECT_TRUE(Matches("[\\d\\s]+x", "1 2x"));
  EXPECT_TRUE(Matches("[^\\D]", "a5"));
  EXPECT_FALSE(Matches("ż.w", "żółw"));
  EXPECT_TRUE(Matches("ż..w", "żółw"));  // a character, not a byte
  EXPECT_TRUE(Matches("[ó]", "żółw"));
  EXPECT_TRUE(Matches("\\xff", "\xc3\xbf"));  // U+00FF
  EXPECT_TRUE(Matches(".", "\xff"));          // an invalid byte is one character
  for (const char* bad : {"(",           ")",
                          "a)",          "[a",
                          "*a",          "a**",
                          "a{2",         "a{3,1}",
                          "\\1",         "(a)\\1",
                          "(?=a)",       "(?!a)",
                          "(?<=a)",      "(?<!a)",
                          "(?>a)",       "a*+",
                          "[a-z&&[^e]]", "[[a]]",
                          "\\q",         "\\p{Greek}",
                          "[b-a]",       "(?<n>a)(?<n>b)",
                          "(?z)",        "\\",
                          "a{100001}",   "(a{1000}){1000}"}) {
    EXPECT_FALSE(Regex::Compile(bad).ok()) << bad;
  }
}

TEST(RegexTest, DeepNestingIsRefusedNotRecursedInto) {
  // A pattern of nested groups would recurse once per level in the parser and the compiler.
  EXPECT_TRUE(Regex::Compile(std::string(100, '(') + "a" + std::string(100, ')')).ok());
  auto deep = Regex::Compile(std::string(100000, '(') + "a" + std::string(100000, ')'));
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find("nest"), std::string::npos);
  EXPECT_FALSE(Regex::Compile(std::string(101, '(')).ok());
}

TEST(RegexTest, HostileInputsRunInLinearTimeAndConstantStack) {
  // A backtracking matcher recurses once per character here (std::regex overflows an 8 MiB
  // stack near 100 k characters) or takes exponential time; this one takes one pass.
  std::string text(1 << 18, 'a');
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(Matches("^(a|b)*$", text));
  EXPECT_FALSE(Matches("(a+)+b", text.substr(0, 1 << 16)));
  EXPECT_FALSE(Matches("(a|aa)*c", text.substr(0, 1 << 16)));
  EXPECT_EQ(Replace("(a|b)*", text, "x"), "xx");
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // Linear: a few MB of steps. Quadratic on 64 KiB would be billions of steps.
  EXPECT_LT(s, 30.0);
  // Repeated searches can be quadratic (each search from a position scans to the end before
  // `a` wins over `a*b`): bounded by the step limit, a clear error, not minutes per row.
  auto slow = Must("a*b|a").ReplaceAll(text.substr(0, 1 << 16), "x");
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(Replace("a*b|a", "aaa", "x"), "xxx");
}

}  // namespace
}  // namespace sundial::core
