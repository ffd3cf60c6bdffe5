#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "http/line_protocol.h"

namespace sundial::http {
namespace {

using Outcome = LineParser::Outcome;

struct Parsed {
  std::vector<Outcome> outcomes;
  std::vector<IlpLine> lines;
  std::vector<std::string> strings;  // owned copies of the views
  std::string error;
};

// Parses all of `text` (as a body: at_eof) and returns outcomes.
Parsed ParseAll(std::string text) {
  Parsed r;
  LineParser parser;
  char* p = text.data();
  char* end = p + text.size();
  while (p < end) {
    IlpLine line;
    char* next = nullptr;
    Outcome o = parser.Parse(p, end, true, &line, &next);
    r.outcomes.push_back(o);
    if (o == Outcome::kError) r.error = parser.error();
    if (o == Outcome::kLine) {
      // Copy views (the buffer dies with this function).
      r.strings.emplace_back(line.table);
      for (auto& v : line.values) {
        r.strings.emplace_back(v.name);
        r.strings.emplace_back(v.s);
      }
      r.lines.push_back(line);
    }
    EXPECT_GT(next, p);
    p = next;
  }
  // Re-point views at the owned copies.
  size_t k = 0;
  for (auto& l : r.lines) {
    l.table = r.strings[k++];
    for (auto& v : l.values) {
      v.name = r.strings[k++];
      v.s = r.strings[k++];
    }
  }
  return r;
}

TEST(LineParserTest, ParsesNodejsClientPayload) {
  auto r = ParseAll(
      "tr\\ ades,sym=BTC\\,USD,side=buy price=1.5,amount=9007199254740991i,ok=t,bad=f,"
      "big=1e+21,small=5e-7,n=NaN,pi=Infinity,ni=-Infinity,z=0,"
      "s=\"he said \\\"hi\\\" \\\\ back\\\nslash\",ts=1700000000123456t 1700000000123000000\n");
  ASSERT_EQ(r.lines.size(), 1u) << r.error;
  const IlpLine& l = r.lines[0];
  EXPECT_EQ(l.table, "tr ades");
  ASSERT_EQ(l.values.size(), 14u);
  EXPECT_EQ(l.values[0].type, IlpType::kTag);
  EXPECT_EQ(l.values[0].s, "BTC,USD");
  EXPECT_EQ(l.values[1].s, "buy");
  EXPECT_EQ(l.values[2].type, IlpType::kDouble);
  EXPECT_EQ(l.values[2].d, 1.5);
  EXPECT_EQ(l.values[3].type, IlpType::kLong);
  EXPECT_EQ(l.values[3].i, 9007199254740991LL);
  EXPECT_EQ(l.values[4].type, IlpType::kBool);
  EXPECT_TRUE(l.values[4].b);
  EXPECT_FALSE(l.values[5].b);
  EXPECT_EQ(l.values[6].d, 1e21);
  EXPECT_EQ(l.values[7].d, 5e-7);
  EXPECT_TRUE(std::isnan(l.values[8].d));
  EXPECT_TRUE(std::isinf(l.values[9].d) && l.values[9].d > 0);
  EXPECT_TRUE(std::isinf(l.values[10].d) && l.values[10].d < 0);
  EXPECT_EQ(l.values[11].d, 0.0);
  EXPECT_EQ(l.values[12].type, IlpType::kString);
  EXPECT_EQ(l.values[12].s, "he said \"hi\" \\ back\nslash");
  EXPECT_EQ(l.values[13].type, IlpType::kTimestamp);
  EXPECT_EQ(l.values[13].i, 1700000000123456LL);
  EXPECT_TRUE(l.has_timestamp);
  EXPECT_EQ(l.timestamp, 1700000000123000000LL);
}

TEST(LineParserTest, NoTimestampBlankLinesCommentsAndCrlf) {
  auto r = ParseAll("\n# comment\nm f=1\r\nm,t=a f=2 10\r\n\n   \nm f=3");
  ASSERT_EQ(r.lines.size(), 3u) << r.error;
  EXPECT_FALSE(r.lines[0].has_timestamp);
  EXPECT_EQ(r.lines[1].timestamp, 10);
  EXPECT_EQ(r.lines[2].values[0].d, 3.0);
}

TEST(LineParserTest, ErrorsAreReportedAndParsingResumesAtNextLine) {
  const char* bad[] = {"m f=\n",     "m f=1x\n",   "m f=\"open\n",  ",t=a f=1\n", "m,t= f=1\n",
                       "m f=1 abc\n", "m f=1i2\n", "m  \n",         "m f=1,\n",   "m,t=a\x01 \n",
                       "m =1\n",      "m f=1 1 2\n"};
  for (const char* b : bad) {
    auto r = ParseAll(std::string(b) + "ok f=1\n");
    ASSERT_FALSE(r.error.empty()) << b;
    EXPECT_EQ(r.outcomes[0], Outcome::kError) << b;
  }
  auto r = ParseAll("m f=1x\nok f=1\n");
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_EQ(r.lines[0].table, "ok");
}

TEST(LineParserTest, IncompleteLineWaitsForMoreBytes) {
  std::string text = "cpu,host=a usage=1.5 100\ncpu,host=b usa";
  LineParser p;
  IlpLine line;
  char* next = nullptr;
  char* begin = text.data();
  char* end = begin + text.size();
  ASSERT_EQ(p.Parse(begin, end, false, &line, &next), Outcome::kLine);
  EXPECT_EQ(p.Parse(next, end, false, &line, &next), Outcome::kIncomplete);
}

TEST(LineParserTest, SplitAtEveryByteGivesTheSameRows) {
  const std::string text =
      "t\\ x,s=a\\,b f=\"x\\\"y\\\\\\\nz\",g=2i 1\nt\\ x,s=c f=\"q\",g=3i 2\n";
  for (size_t split = 0; split <= text.size(); ++split) {
    std::string buf = text.substr(0, split);
    std::string rest = text.substr(split);
    LineParser p;
    std::vector<std::string> got;
    size_t off = 0;
    auto drain = [&](bool eof) {
      for (;;) {
        IlpLine line;
        char* next = nullptr;
        char* b = buf.data() + off;
        auto o = p.Parse(b, buf.data() + buf.size(), eof, &line, &next);
        if (o == Outcome::kIncomplete || b == buf.data() + buf.size()) break;
        ASSERT_NE(o, Outcome::kError) << p.error() << " split " << split;
        if (o == Outcome::kLine) {
          got.push_back(std::string(line.values[0].s) + "|" + std::string(line.values[1].s));
        }
        off = static_cast<size_t>(next - buf.data());
      }
    };
    drain(false);
    buf.erase(0, off);
    off = 0;
    buf += rest;
    drain(true);
    ASSERT_EQ(got.size(), 2u) << split;
    EXPECT_EQ(got[0], "a,b|x\"y\\\nz");
    EXPECT_EQ(got[1], "c|q");
  }
}

TEST(LineParserTest, PrecisionConversion) {
  IlpPrecision p;
  EXPECT_TRUE(ParseIlpPrecision("ms", &p));
  EXPECT_FALSE(ParseIlpPrecision("x", &p));
  int64_t us;
  ASSERT_TRUE(IlpTimestampToMicros(1700000000123456789LL, IlpPrecision::kNanos, &us));
  EXPECT_EQ(us, 1700000000123456LL);
  ASSERT_TRUE(IlpTimestampToMicros(-1, IlpPrecision::kNanos, &us));
  EXPECT_EQ(us, -1);
  ASSERT_TRUE(IlpTimestampToMicros(2, IlpPrecision::kHours, &us));
  EXPECT_EQ(us, 7'200'000'000LL);
  EXPECT_FALSE(IlpTimestampToMicros(INT64_MAX / 10, IlpPrecision::kSeconds, &us));
}

TEST(LineParserFuzzTest, RandomMutationsNeverCrash) {
  const uint32_t seed = 4242;
  std::mt19937 rng(seed);
  const std::string base =
      "cpu,host=a\\ b,region=x usage=1.5,n=2i,s=\"a\\\"b\",ok=t,ts=5t 1700000000000000000\n";
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s = base + base;
    int mutations = 1 + static_cast<int>(rng() % 6);
    for (int m = 0; m < mutations; ++m) {
      size_t pos = rng() % s.size();
      static const char kChars[] = " ,=\\\"\n\rtfi.-e0123456789aZ\x80";
      char c = rng() % 2 ? kChars[rng() % (sizeof(kChars) - 1)] : static_cast<char>(rng());
      switch (rng() % 3) {
        case 0: s[pos] = c; break;
        case 1: s.erase(pos, 1); break;
        default: s.insert(pos, 1, c); break;
      }
      if (s.empty()) s = "x";
    }
    LineParser p;
    char* b = s.data();
    char* end = b + s.size();
    int guard = 0;
    while (b < end && ++guard < 1000) {
      IlpLine line;
      char* next = nullptr;
      auto o = p.Parse(b, end, true, &line, &next);
      ASSERT_NE(o, LineParser::Outcome::kIncomplete) << "seed " << seed;
      ASSERT_TRUE(next > b && next <= end) << "seed " << seed;
      if (o == LineParser::Outcome::kLine) {
        for (auto& v : line.values) {
          ASSERT_TRUE(v.name.data() >= s.data() && v.name.data() + v.name.size() <= end);
        }
      }
      b = next;
    }
  }
}

}  // namespace
}  // namespace sundial::http

namespace sundial::http {
namespace {

TEST(LineParserTest, DecimalFieldsMatchStrtodExactly) {
  std::mt19937_64 rng(2024);
  for (int i = 0; i < 20000; ++i) {
    int int_digits = 1 + static_cast<int>(rng() % 8), frac_digits = static_cast<int>(rng() % 9);
    std::string num = (rng() % 2 ? "-" : "");
    for (int d = 0; d < int_digits; ++d) num.push_back(static_cast<char>('0' + rng() % 10));
    if (frac_digits > 0) {
      num.push_back('.');
      for (int d = 0; d < frac_digits; ++d) num.push_back(static_cast<char>('0' + rng() % 10));
    }
    std::string text = "m f=" + num + "\n";
    LineParser p;
    IlpLine line;
    char* next = nullptr;
    ASSERT_EQ(p.Parse(text.data(), text.data() + text.size(), true, &line, &next),
              LineParser::Outcome::kLine) << num;
    EXPECT_EQ(line.values[0].d, std::strtod(num.c_str(), nullptr)) << num;
  }
}

}  // namespace
}  // namespace sundial::http
