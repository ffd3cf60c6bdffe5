#include "core/number_format.h"

#include <gtest/gtest.h>

#include <bit>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

namespace sundial {
namespace {

std::string D(double v) {
  std::string out;
  core::AppendDouble(&out, v);
  return out;
}

std::string F(float v) {
  std::string out;
  core::AppendFloat(&out, v);
  return out;
}

TEST(NumberFormatTest, PlainDecimalBetweenOneThousandthAndTenMillion) {
  EXPECT_EQ(D(100000.0), "100000.0");
  EXPECT_EQ(D(1.5), "1.5");
  EXPECT_EQ(D(0.001), "0.001");
  EXPECT_EQ(D(3.0), "3.0");
  EXPECT_EQ(D(-2.25), "-2.25");
  EXPECT_EQ(D(1.0), "1.0");
  EXPECT_EQ(D(10.0), "10.0");
  EXPECT_EQ(D(0.1), "0.1");
  EXPECT_EQ(D(0.5), "0.5");
  EXPECT_EQ(D(0.01), "0.01");
  EXPECT_EQ(D(0.0123), "0.0123");
  EXPECT_EQ(D(120.0), "120.0");
  EXPECT_EQ(D(1234567.0), "1234567.0");
  EXPECT_EQ(D(123.456), "123.456");
  EXPECT_EQ(D(-0.001), "-0.001");
  EXPECT_EQ(D(1000000.5), "1000000.5");
}

TEST(NumberFormatTest, ScientificOutsideTheRange) {
  EXPECT_EQ(D(1e20), "1.0E20");
  EXPECT_EQ(D(1e-4), "1.0E-4");
  EXPECT_EQ(D(0.0001), "1.0E-4");
  EXPECT_EQ(D(1.2345e7), "1.2345E7");
  EXPECT_EQ(D(12345678.0), "1.2345678E7");
  EXPECT_EQ(D(-1.25e-5), "-1.25E-5");
  EXPECT_EQ(D(1e21), "1.0E21");
  EXPECT_EQ(D(1e23), "1.0E23");
  EXPECT_EQ(D(1e100), "1.0E100");
  EXPECT_EQ(D(-1e-100), "-1.0E-100");
  EXPECT_EQ(D(9007199254740992.0), "9.007199254740992E15");
  EXPECT_EQ(D(9223372036854775808.0), "9.223372036854776E18");
  EXPECT_EQ(D(123456789.0), "1.23456789E8");
}

TEST(NumberFormatTest, Boundaries) {
  EXPECT_EQ(D(9999999.0), "9999999.0");
  EXPECT_EQ(D(1e7), "1.0E7");
  EXPECT_EQ(D(-1e7), "-1.0E7");
  EXPECT_EQ(D(std::nextafter(1e7, 0.0)), "9999999.999999998");
  EXPECT_EQ(D(std::nextafter(1e7, 1e8)), "1.0000000000000002E7");
  EXPECT_EQ(D(0.001), "0.001");
  EXPECT_EQ(D(9.99e-4), "9.99E-4");
  EXPECT_EQ(D(std::nextafter(0.001, 0.0)), "9.999999999999998E-4");
  EXPECT_EQ(D(std::nextafter(0.001, 1.0)), "0.0010000000000000002");
  EXPECT_EQ(D(9.999999999999999e-4), "9.999999999999998E-4");  // same double as above
}

TEST(NumberFormatTest, ZeroAndNonFinite) {
  EXPECT_EQ(D(0.0), "0.0");
  EXPECT_EQ(D(-0.0), "-0.0");
  EXPECT_EQ(D(std::nan("")), "NaN");
  EXPECT_EQ(D(std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(D(-std::numeric_limits<double>::infinity()), "-Infinity");
  EXPECT_EQ(F(0.0f), "0.0");
  EXPECT_EQ(F(-0.0f), "-0.0");
  EXPECT_EQ(F(std::nanf("")), "NaN");
  EXPECT_EQ(F(-std::numeric_limits<float>::infinity()), "-Infinity");
}

TEST(NumberFormatTest, ExtremesAndSubnormals) {
  EXPECT_EQ(D(DBL_MAX), "1.7976931348623157E308");
  EXPECT_EQ(D(-DBL_MAX), "-1.7976931348623157E308");
  EXPECT_EQ(D(DBL_MIN), "2.2250738585072014E-308");
  EXPECT_EQ(D(std::nextafter(DBL_MIN, 0.0)), "2.225073858507201E-308");  // largest subnormal
  // Java takes the closest of the one- and two-digit decimals: 4.9E-324, not 5.0E-324.
  EXPECT_EQ(D(std::numeric_limits<double>::denorm_min()), "4.9E-324");
  EXPECT_EQ(D(-std::numeric_limits<double>::denorm_min()), "-4.9E-324");
  EXPECT_EQ(D(2 * std::numeric_limits<double>::denorm_min()), "9.9E-324");
  EXPECT_EQ(D(3 * std::numeric_limits<double>::denorm_min()), "1.5E-323");
  EXPECT_EQ(D(1e-310), "1.0E-310");
}

TEST(NumberFormatTest, SeventeenSignificantDigits) {
  EXPECT_EQ(D(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(D(3.3333333333333335), "3.3333333333333335");
  EXPECT_EQ(D(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(D(2.0 / 3), "0.6666666666666666");
  EXPECT_EQ(D(-123456.78901234567), "-123456.78901234567");
  EXPECT_EQ(D(1234567.8901234567), "1234567.8901234567");
  EXPECT_EQ(D(4.35), "4.35");
  EXPECT_EQ(D(2.0000000000000004), "2.0000000000000004");
}

TEST(NumberFormatTest, FloatsUseFloatDigits) {
  EXPECT_EQ(F(1.5f), "1.5");
  EXPECT_EQ(F(0.1f), "0.1");
  EXPECT_EQ(F(7.0f), "7.0");
  EXPECT_EQ(F(-2.25f), "-2.25");
  EXPECT_EQ(F(100000.0f), "100000.0");
  EXPECT_EQ(F(1.0f / 3), "0.33333334");
  EXPECT_EQ(F(9999999.0f), "9999999.0");
  EXPECT_EQ(F(1e7f), "1.0E7");
  EXPECT_EQ(F(16777216.0f), "1.6777216E7");
  EXPECT_EQ(F(0.001f), "0.001");
  EXPECT_EQ(F(1e-4f), "1.0E-4");
  EXPECT_EQ(F(FLT_MAX), "3.4028235E38");
  EXPECT_EQ(F(FLT_MIN), "1.1754944E-38");  // shortest (JDK 17 printed 1.17549435E-38)
  EXPECT_EQ(F(std::numeric_limits<float>::denorm_min()), "1.4E-45");
  EXPECT_EQ(F(3.4e10f), "3.4E10");
}

TEST(NumberFormatTest, FormatIntoBufferMatchesAppend) {
  char buf[core::kMaxFloatingTextBytes];
  for (double v : {0.0, -DBL_MAX, 1e-300, 12.5, -std::nextafter(DBL_MIN, 0.0)}) {
    EXPECT_EQ(std::string(buf, core::FormatDouble(buf, v)), D(v));
  }
  EXPECT_EQ(std::string(buf, core::FormatFloat(buf, -FLT_MIN)), "-1.1754944E-38");
}

// Every value's text must read back as the same bits, use the layout its magnitude calls for,
// and be no longer than the limit.
template <typename T, typename Bits>
void CheckRoundTrip(T v, const std::string& text, Bits bits) {
  ASSERT_LE(text.size(), core::kMaxFloatingTextBytes) << text;
  T back = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), back);
  ASSERT_TRUE(r.ec == std::errc() && r.ptr == text.data() + text.size()) << text;
  ASSERT_EQ(std::bit_cast<Bits>(back), bits) << text;
  double a = std::fabs(static_cast<double>(v));
  bool is_plain = a == 0 || (a >= 1e-3 && a < 1e7);
  ASSERT_EQ(text.find('E') == std::string::npos, is_plain) << text;
  size_t point = text.find('.');
  ASSERT_NE(point, std::string::npos) << text;
  ASSERT_TRUE(point + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[point + 1])))
      << text;
}

TEST(NumberFormatFuzzTest, MillionRandomDoublesRoundTrip) {
  uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::string text;
  int checked = 0;
  while (checked < 1000000) {
    uint64_t bits = rng();
    double v = std::bit_cast<double>(bits);
    if (!std::isfinite(v)) continue;
    text.clear();
    core::AppendDouble(&text, v);
    CheckRoundTrip(v, text, bits);
    if (HasFatalFailure()) return;
    ++checked;
  }
}

TEST(NumberFormatFuzzTest, RandomFloatsAndDecimalRangeRoundTrip) {
  uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::string text;
  for (int i = 0; i < 300000; ++i) {
    uint32_t bits = static_cast<uint32_t>(rng());
    float f = std::bit_cast<float>(bits);
    if (!std::isfinite(f)) continue;
    text.clear();
    core::AppendFloat(&text, f);
    CheckRoundTrip(f, text, bits);
    if (HasFatalFailure()) return;
  }
  // Random bit patterns rarely land in the plain range; cover it and its edges densely.
  std::uniform_real_distribution<double> exponent(-5.0, 9.0);
  for (int i = 0; i < 300000; ++i) {
    double v = std::pow(10.0, exponent(rng)) * (i % 2 ? -1 : 1);
    text.clear();
    core::AppendDouble(&text, v);
    CheckRoundTrip(v, text, std::bit_cast<uint64_t>(v));
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace sundial
