// Property tests of cairo/column_text.h against simple models: random values round-trip
// stored -> text -> stored (GEOHASH at every precision 1..60); text order matches the model's
// value order where the executor relies on it; malformed text is refused and leaves the output
// untouched.
#include "cairo/column_text.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <random>
#include <string>

#include "tests/testutil/geohash_model.h"

namespace sundial::cairo {
namespace {

constexpr uint32_t kSeed = 20261203;

std::string Text(ColumnType t, const void* stored) {
  std::string s;
  AppendStoredText(t, stored, &s);
  return s;
}

// Model of the IPv4 text: the four bytes in decimal, most significant first.
std::string ModelIPv4(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

// Model of the UUID text: hi then lo as 32 hex digits, dashes after 8, 12, 16, 20.
std::string ModelUuid(uint64_t hi, uint64_t lo) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(hi),
                static_cast<unsigned long long>(lo));
  std::string h(buf);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

TEST(ColumnTextPropertyTest, IPv4RoundTrips) {
  std::mt19937_64 rng(kSeed);
  for (int k = 0; k < 20000; ++k) {
    SCOPED_TRACE("seed " + std::to_string(kSeed) + " iteration " + std::to_string(k));
    const uint32_t a = static_cast<uint32_t>(rng());
    const std::string ta = Text(ColumnType::kIPv4, &a);
    ASSERT_EQ(ta, ModelIPv4(a));
    auto back = ParseIPv4(ta);
    ASSERT_TRUE(back.has_value());
    ASSERT_EQ(*back, a);
    uint8_t stored[4];
    ASSERT_TRUE(ParseStoredText(ColumnType::kIPv4, ta, stored).ok());
    ASSERT_EQ(std::memcmp(stored, &a, 4), 0);
    ASSERT_EQ(IsStoredNull(ColumnType::kIPv4, &a), a == 0);
  }
}

TEST(ColumnTextPropertyTest, IPv4RefusesMalformedText) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.", "1.2.3.4.5", "256.0.0.1", "1..2.3", "a.b.c.d",
                          " 1.2.3.4", "1.2.3.4 ", "1.2.3.-4", "1.2.3.0004", "1.2.3.4/24"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(ParseIPv4(bad).has_value());
    uint8_t out[4] = {9, 9, 9, 9};
    EXPECT_FALSE(ParseStoredText(ColumnType::kIPv4, bad, out).ok());
    EXPECT_EQ(out[0], 9);
  }
  EXPECT_EQ(*ParseIPv4("0.0.0.0"), 0u);
  EXPECT_EQ(*ParseIPv4("255.255.255.255"), 0xffffffffu);
}

TEST(ColumnTextPropertyTest, UuidAndLong128RoundTripAndOrderByText) {
  std::mt19937_64 rng(kSeed + 1);
  for (ColumnType t : {ColumnType::kUuid, ColumnType::kLong128}) {
    for (int k = 0; k < 20000; ++k) {
      SCOPED_TRACE("seed " + std::to_string(kSeed + 1) + " iteration " + std::to_string(k));
      uint64_t a[2] = {rng(), k % 5 == 0 ? 0 : rng()};  // lo, hi
      uint64_t b[2] = {rng(), k % 3 == 0 ? a[1] : rng()};
      const std::string ta = Text(t, a), tb = Text(t, b);
      ASSERT_EQ(ta, ModelUuid(a[1], a[0]));
      uint64_t back[2];
      ASSERT_TRUE(ParseStoredText(t, ta, back).ok());
      ASSERT_EQ(back[0], a[0]);
      ASSERT_EQ(back[1], a[1]);
      // Upper case parses to the same value.
      std::string upper = ta;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      ASSERT_TRUE(ParseStoredText(t, upper, back).ok());
      ASSERT_EQ(back[1], a[1]);
      // The executor orders these by their text: that is the unsigned (hi, lo) order.
      const bool model_less = a[1] != b[1] ? a[1] < b[1] : a[0] < b[0];
      ASSERT_EQ(ta < tb, model_less);
    }
  }
  uint64_t null_value[2] = {static_cast<uint64_t>(kNullLong), static_cast<uint64_t>(kNullLong)};
  EXPECT_TRUE(IsStoredNull(ColumnType::kUuid, null_value));
  null_value[0] = 0;
  EXPECT_FALSE(IsStoredNull(ColumnType::kUuid, null_value));
}

TEST(ColumnTextPropertyTest, UuidRefusesEveryOneCharacterCorruption) {
  const std::string good = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
  uint64_t out[2];
  ASSERT_TRUE(ParseStoredText(ColumnType::kUuid, good, out).ok());
  for (size_t i = 0; i < good.size(); ++i) {
    for (char c : {'g', '-', 'x', ' '}) {
      if (good[i] == c) continue;
      std::string bad = good;
      bad[i] = c;
      uint64_t o[2] = {7, 7};
      EXPECT_FALSE(ParseStoredText(ColumnType::kUuid, bad, o).ok()) << bad;
      EXPECT_EQ(o[0], 7u);
    }
  }
  EXPECT_FALSE(ParseStoredText(ColumnType::kUuid, good.substr(1), out).ok());
  EXPECT_FALSE(ParseStoredText(ColumnType::kUuid, good + "0", out).ok());
}

// Model of LONG256's text: 0x and the hex digits of the 256-bit number, no leading zeros.
std::string ModelLong256(const uint64_t w[4]) {
  std::string hex;
  char buf[20];
  for (int k = 3; k >= 0; --k) {
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(w[k]));
    hex += buf;
  }
  const size_t first = hex.find_first_not_of('0');
  return "0x" + (first == std::string::npos ? std::string("0") : hex.substr(first));
}

TEST(ColumnTextPropertyTest, Long256RoundTrips) {
  std::mt19937_64 rng(kSeed + 2);
  for (int k = 0; k < 20000; ++k) {
    SCOPED_TRACE("seed " + std::to_string(kSeed + 2) + " iteration " + std::to_string(k));
    uint64_t w[4];
    const int zero_top = static_cast<int>(rng() % 5);  // 0..4 most significant words zero
    for (int i = 0; i < 4; ++i) w[i] = i >= 4 - zero_top ? 0 : rng() >> (rng() % 64);
    const std::string t = Text(ColumnType::kLong256, w);
    ASSERT_EQ(t, ModelLong256(w));
    uint64_t back[4];
    ASSERT_TRUE(ParseStoredText(ColumnType::kLong256, t, back).ok());
    ASSERT_EQ(std::memcmp(back, w, 32), 0);
    // Leading zeros and upper case parse to the same value.
    std::string padded = "0X000" + t.substr(2);
    if (padded.size() <= 66) {
      for (char& c : padded) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      ASSERT_TRUE(ParseStoredText(ColumnType::kLong256, padded, back).ok()) << padded;
      ASSERT_EQ(std::memcmp(back, w, 32), 0);
    }
  }
  uint64_t out[4];
  for (const char* bad : {"", "0x", "123", "x12", "0x12g", "0x-1", " 0x1",
                          "0x10000000000000000000000000000000000000000000000000000000000000000"}) {
    EXPECT_FALSE(ParseStoredText(ColumnType::kLong256, bad, out).ok()) << bad;
  }
}

TEST(ColumnTextPropertyTest, OnlyTheFourTypesHaveText) {
  for (int raw = 1; raw <= 18; ++raw) {
    const auto t = static_cast<ColumnType>(raw);
    const bool expected = t == ColumnType::kIPv4 || t == ColumnType::kUuid ||
                          t == ColumnType::kLong128 || t == ColumnType::kLong256;
    EXPECT_EQ(HasStoredText(t), expected) << raw;
    if (!expected) {
      uint8_t out[32];
      EXPECT_FALSE(ParseStoredText(t, "1", out).ok()) << raw;
    }
  }
  EXPECT_EQ(ColumnTypeSize(ColumnType::kIPv4), 4);
  EXPECT_EQ(ColumnTypeSize(ColumnType::kUuid), 16);
  EXPECT_EQ(ColumnTypeSize(ColumnType::kLong128), 16);
  EXPECT_EQ(ColumnTypeSize(ColumnType::kLong256), 32);
  EXPECT_EQ(ParseColumnType("ipv4"), ColumnType::kIPv4);
  EXPECT_EQ(ParseColumnType("Uuid"), ColumnType::kUuid);
  EXPECT_EQ(ColumnTypeName(ColumnType::kIPv4), "IPv4");
  EXPECT_FALSE(IsValidColumnType(static_cast<uint8_t>(ColumnType::kGeoHash)));
  // BINARY is stored (as VARCHAR is: variable size) but has no text form here.
  EXPECT_TRUE(IsValidColumnType(static_cast<uint8_t>(ColumnType::kBinary)));
  EXPECT_TRUE(IsVarSize(ColumnType::kBinary));
  EXPECT_EQ(ColumnTypeSize(ColumnType::kBinary), 0);
  EXPECT_EQ(ParseColumnType("binary"), ColumnType::kBinary);
  EXPECT_FALSE(IsValidColumnType(19));
}

using testutil::ModelGeoHashText;

int ModelGeoHashWidth(int bits) { return bits <= 7 ? 1 : bits <= 15 ? 2 : bits <= 31 ? 4 : 8; }

TEST(ColumnTextPropertyTest, GeoHashRoundTripsAtEveryPrecision) {
  std::mt19937_64 rng(kSeed);
  for (int bits = 1; bits <= kGeoHashMaxBits; ++bits) {
    const ColumnType t = GeoHashType(bits);
    ASSERT_TRUE(IsGeoHash(t));
    ASSERT_EQ(GeoHashBits(t), bits);
    ASSERT_EQ(ColumnTypeSize(t), ModelGeoHashWidth(bits));
    ASSERT_TRUE(IsValidColumnType(static_cast<uint8_t>(t)));
    for (int k = 0; k < 500; ++k) {
      SCOPED_TRACE("seed " + std::to_string(kSeed) + " bits " + std::to_string(bits) +
                   " iteration " + std::to_string(k));
      // Edge values first, then random ones.
      const uint64_t max = (uint64_t{1} << bits) - 1;
      const uint64_t v = k == 0 ? 0 : k == 1 ? max : rng() & max;
      uint8_t stored[8];
      std::memset(stored, 0xab, sizeof stored);
      StoreGeoHash(t, static_cast<int64_t>(v), stored);
      uint64_t raw = 0;
      std::memcpy(&raw, stored, static_cast<size_t>(ModelGeoHashWidth(bits)));
      ASSERT_EQ(raw, v);  // little-endian, exactly the value
      for (int b = ModelGeoHashWidth(bits); b < 8; ++b) ASSERT_EQ(stored[b], 0xab);  // untouched
      ASSERT_EQ(LoadGeoHash(t, stored), static_cast<int64_t>(v));
      ASSERT_FALSE(IsStoredNull(t, stored));
      const std::string text = Text(t, stored);
      ASSERT_EQ(text, ModelGeoHashText(v, bits));
      // The literal of the text reads back as the same value and precision.
      auto lit = ParseGeoHashLiteral((bits % 5 == 0 ? "#" : "##") + text);
      ASSERT_TRUE(lit.has_value()) << text;
      ASSERT_EQ(lit->value, static_cast<int64_t>(v));
      ASSERT_EQ(lit->bits, bits);
      if (bits % 5 != 0) continue;
      // Base32 text parses into this precision and, cut to its first bits, into every
      // narrower one; a wider precision refuses it and leaves the output as it was.
      for (int to = 1; to <= kGeoHashMaxBits; ++to) {
        uint8_t out[8];
        std::memset(out, 0xcd, sizeof out);
        const core::Status st = ParseStoredText(GeoHashType(to), text, out);
        if (to > bits) {
          ASSERT_FALSE(st.ok()) << to;
          for (uint8_t b : out) ASSERT_EQ(b, 0xcd);
          continue;
        }
        ASSERT_TRUE(st.ok()) << to << " " << st.message();
        ASSERT_EQ(LoadGeoHash(GeoHashType(to), out), static_cast<int64_t>(v >> (bits - to)));
      }
      // #text/n: the first n bits.
      const int cut = 1 + static_cast<int>(rng() % static_cast<uint64_t>(bits));
      auto cut_lit = ParseGeoHashLiteral("#" + text + "/" + std::to_string(cut));
      ASSERT_TRUE(cut_lit.has_value());
      ASSERT_EQ(cut_lit->bits, cut);
      ASSERT_EQ(cut_lit->value, static_cast<int64_t>(v >> (bits - cut)));
    }
  }
}

TEST(ColumnTextPropertyTest, GeoHashNullIsEveryBitOfTheWidth) {
  for (int bits = 1; bits <= kGeoHashMaxBits; ++bits) {
    SCOPED_TRACE(bits);
    const ColumnType t = GeoHashType(bits);
    uint8_t stored[8] = {}, written[8] = {}, parsed[8] = {};
    StoreGeoHash(t, kNullLong, stored);
    WriteNullValue(t, written);
    ASSERT_TRUE(ParseStoredText(t, "", parsed).ok());  // empty text is null, as QuestDB
    for (int b = 0; b < 8; ++b) {
      const uint8_t expected = b < ModelGeoHashWidth(bits) ? 0xff : 0;
      ASSERT_EQ(stored[b], expected);
      ASSERT_EQ(written[b], expected);
      ASSERT_EQ(parsed[b], expected);
    }
    ASSERT_TRUE(IsStoredNull(t, stored));
    ASSERT_EQ(LoadGeoHash(t, stored), kNullLong);
  }
}

TEST(ColumnTextPropertyTest, GeoHashTypeNamesRoundTrip) {
  for (int bits = 1; bits <= kGeoHashMaxBits; ++bits) {
    const ColumnType t = GeoHashType(bits);
    const std::string name(ColumnTypeName(t));
    const std::string expected = bits % 5 == 0 ? "GEOHASH(" + std::to_string(bits / 5) + "c)"
                                               : "GEOHASH(" + std::to_string(bits) + "b)";
    EXPECT_EQ(name, expected);
    EXPECT_EQ(ParseColumnType(name), t) << name;
    EXPECT_EQ(ParseGeoHashPrecision(std::to_string(bits) + "B"), bits);
    if (bits <= 12) {
      EXPECT_EQ(ParseGeoHashPrecision(std::to_string(bits) + "c"), 5 * bits);
    }
  }
  EXPECT_EQ(ParseColumnType("geohash(8c)"), GeoHashType(40));
  for (const char* bad : {"0c", "13c", "0b", "61b", "c", "8", "8x", "100b", "-1b", " 8c"}) {
    EXPECT_FALSE(ParseGeoHashPrecision(bad).has_value()) << bad;
  }
  for (const char* bad : {"GEOHASH", "GEOHASH()", "GEOHASH(13c)", "GEOHASH(8c", "GEOHASH 8c"}) {
    EXPECT_FALSE(ParseColumnType(bad).has_value()) << bad;
  }
  // kGeoHash is the `_txn` family code, not a type of its own.
  EXPECT_FALSE(IsGeoHash(ColumnType::kGeoHash));
  EXPECT_FALSE(IsValidColumnType(static_cast<uint8_t>(kGeoHashTypeBase)));
  EXPECT_FALSE(IsValidColumnType(static_cast<uint8_t>(kGeoHashTypeBase + kGeoHashMaxBits + 1)));
}

TEST(ColumnTextPropertyTest, GeoHashRefusesMalformedText) {
  for (const char* bad : {"#", "##", "#a", "#i", "#l", "#o", "#u33/16", "#u33/0", "#u33/", "##012",
                          "#u33d8b12u33d8", "u33", "#u3 3", "#u33/1x",
                          "##1111111111111111111111111111111111111111111111111111111111111"}) {
    EXPECT_FALSE(ParseGeoHashLiteral(bad).has_value()) << bad;
  }
  uint8_t out[8];
  std::memset(out, 0x5a, sizeof out);
  for (const char* bad : {"u3a", "u33d8b12u33d8", " u33", "#u33", "u33 ", "u3"}) {
    EXPECT_FALSE(ParseStoredText(GeoHashType(15), bad, out).ok()) << bad;
  }
  for (uint8_t b : out) EXPECT_EQ(b, 0x5a);  // untouched by refused text
  // The documented example: #u33d8b12 is 8 characters, 40 bits; upper case reads the same.
  auto lit = ParseGeoHashLiteral("#U33D8B12");
  ASSERT_TRUE(lit.has_value());
  EXPECT_EQ(lit->bits, 40);
  std::string text;
  AppendGeoHash(&text, lit->value, 40);
  EXPECT_EQ(text, "u33d8b12");
}

}  // namespace
}  // namespace sundial::cairo
