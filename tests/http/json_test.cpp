#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <random>
#include <string>

#include "core/json.h"
#include "core/utf8.h"

namespace sundial {
namespace {

TEST(JsonTest, EscapesStrings) {
  std::string out;
  core::JsonAppendString(&out, std::string("a\"b\\c\n\t\x01z\xc3\xa9", 11));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\t\\u0001z\xc3\xa9\"");
}

TEST(JsonTest, DoublesInJavaLayoutAndNonFiniteNull) {
  std::string out;
  core::JsonAppendDouble(&out, 0.1);
  out.push_back(' ');
  core::JsonAppendDouble(&out, 1e21);
  out.push_back(' ');
  core::JsonAppendDouble(&out, std::nan(""));
  out.push_back(' ');
  core::JsonAppendDouble(&out, -std::numeric_limits<double>::infinity());
  out.push_back(' ');
  core::JsonAppendDouble(&out, 42.0);
  out.push_back(' ');
  core::JsonAppendFloat(&out, 0.1f);
  out.push_back(' ');
  core::JsonAppendDouble(&out, -3.0);
  out.push_back(' ');
  core::JsonAppendFloat(&out, 7.0f);
  out.push_back(' ');
  core::JsonAppendDouble(&out, 100000.0);
  out.push_back(' ');
  core::JsonAppendDouble(&out, 0.0001);
  out.push_back(' ');
  core::JsonAppendFloat(&out, std::numeric_limits<float>::quiet_NaN());
  out.push_back(' ');
  core::JsonAppendFloat(&out, 1e10f);
  EXPECT_EQ(out, "0.1 1.0E21 null null 42.0 0.1 -3.0 7.0 100000.0 1.0E-4 null 1.0E10");
}


TEST(Utf8Test, AcceptsUtf8AndRefusesEverythingElse) {
  EXPECT_TRUE(core::IsValidUtf8(""));
  EXPECT_TRUE(core::IsValidUtf8("plain ascii text, long enough for the 8-byte steps"));
  EXPECT_TRUE(core::IsValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \xed\x9f\xbf"));
  for (const char* bad : {"\x80", "\xbf", "\xc0\xaf", "\xc1\xbf", "\xc3", "\xc3\x28",
                          "\xe0\x80\xaf", "\xed\xa0\x80", "\xe2\x82", "\xf0\x8f\xbf\xbf",
                          "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\xfe"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(core::IsValidUtf8(bad));
    EXPECT_FALSE(core::IsValidUtf8(std::string("12345678") + bad + "12345678"));
    EXPECT_EQ(core::FirstInvalidUtf8(std::string("abcdefghij") + bad), 10u);
  }
}

// Differential: the validator against a decoder written from the definition (code point
// ranges), on random byte strings biased towards the interesting bytes.
TEST(Utf8Test, MatchesADecoderFromTheDefinition) {
  auto model = [](const std::string& s) {
    size_t i = 0;
    while (i < s.size()) {
      unsigned c = static_cast<unsigned char>(s[i]);
      int n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
      if (n == 0 || i + n > s.size()) return false;
      uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
      for (int k = 1; k < n; ++k) {
        unsigned d = static_cast<unsigned char>(s[i + k]);
        if ((d & 0xC0) != 0x80) return false;
        cp = (cp << 6) | (d & 0x3F);
      }
      const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
      if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
      i += static_cast<size_t>(n);
    }
    return true;
  };
  std::mt19937 rng(7);
  const unsigned char pool[] = {'a', 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0,
                                0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff};
  int valid = 0;
  for (int round = 0; round < 200000; ++round) {
    std::string s;
    const int len = static_cast<int>(rng() % 12);
    for (int k = 0; k < len; ++k) s.push_back(static_cast<char>(pool[rng() % sizeof(pool)]));
    ASSERT_EQ(core::IsValidUtf8(s), model(s)) << round;
    valid += model(s);
    // The JSON writer's output is always valid UTF-8, and keeps valid input as it is.
    std::string out;
    core::JsonAppendEscaped(&out, s);
    ASSERT_TRUE(core::IsValidUtf8(out)) << round;
    if (model(s)) {
      bool plain = true;
      for (char c : s) plain = plain && c != '\\' && c != '"' && static_cast<unsigned char>(c) >= 0x20;
      if (plain) {
        ASSERT_EQ(out, s);
      }
    }
  }
  EXPECT_GT(valid, 1000);
}

TEST(JsonTest, InvalidUtf8BecomesReplacementCharacters) {
  std::string out;
  core::JsonAppendString(&out, "ok\xff\xc3\x28\xe2\x82\xac\xed\xa0\x80");
  EXPECT_EQ(out, "\"ok\\ufffd\\ufffd(\xe2\x82\xac\\ufffd\\ufffd\\ufffd\"");
}

}  // namespace
}  // namespace sundial
