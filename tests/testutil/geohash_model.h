// The tests' model of a GEOHASH's text, written apart from cairo/column_text.cpp: base32
// characters (5 bits each, most significant first) when the bits are a multiple of 5, else the
// bits as '0'/'1'.
#pragma once

#include <cstdint>
#include <string>

namespace sundial::testutil {

inline std::string ModelGeoHashText(uint64_t v, int bits) {
  static const std::string kAlphabet = "0123456789bcdefghjkmnpqrstuvwxyz";
  std::string s;
  if (bits % 5 == 0) {
    for (int c = bits / 5 - 1; c >= 0; --c) s += kAlphabet[(v >> (5 * c)) % 32];
  } else {
    for (int b = bits - 1; b >= 0; --b) s += ((v >> b) & 1) ? '1' : '0';
  }
  return s;
}

}  // namespace sundial::testutil
