// core/codec/double_codec.h — lossless codecs for blocks of IEEE 754 binary64 values. Every bit
// pattern round-trips: NaN payloads, -0.0, subnormals, infinities. Byte layouts are in
// cairo/FORMAT.md, "Compressed column files". Pure functions; thread-safe.
//
//   ALP (Afroozeh & Boncz, SIGMOD 2023, "ALP: Adaptive Lossless floating-Point Compression"):
//     a value with at most e decimals is the integer round(v * 10^e), bit-packed by frame of
//     reference; a value that does not come back bit for bit as digits / 10^e is an exception,
//     kept as its 64 bits with its position.
//   XOR (Gorilla, Pelkonen et al., VLDB 2015): each value XOR the previous one, coding the
//     meaningful bits between the leading and trailing zeros; for real floats where ALP finds
//     no decimal exponent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sundial::core::codec {

inline constexpr int kAlpMaxExponent = 18;

// The exponent e (0..kAlpMaxExponent) that encodes a sample of `values` smallest, and the
// estimated share of exceptions (0..1) at that exponent.
struct AlpChoice {
  int exponent = 0;
  double exception_share = 0;
};
AlpChoice ChooseAlpExponent(const double* values, size_t n);

// Appends the ALP encoding of `values[0..n)` at `exponent` (0..kAlpMaxExponent) to `out`.
void EncodeAlp(const double* values, size_t n, int exponent, std::string* out);
// Decodes exactly `n` values from exactly one ALP encoding; Corruption otherwise.
Status DecodeAlp(std::string_view in, size_t n, double* out);

// Appends the XOR encoding of `values[0..n)` to `out`.
void EncodeXor(const double* values, size_t n, std::string* out);
// Decodes exactly `n` values from exactly one XOR encoding; Corruption otherwise.
Status DecodeXor(std::string_view in, size_t n, double* out);

}  // namespace sundial::core::codec
