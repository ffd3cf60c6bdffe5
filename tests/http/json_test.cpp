#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/json.h"

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

}  // namespace
}  // namespace sundial
