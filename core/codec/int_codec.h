// core/codec/int_codec.h — lossless codecs for blocks of int64 values (timestamps, longs, and
// every narrower integer widened to int64). All arithmetic on values wraps modulo 2^64, so any
// bit pattern round-trips, INT64_MIN and INT64_MAX side by side included. Byte layouts are in
// cairo/FORMAT.md, "Compressed column files". Pure functions; thread-safe.
//
//   kFor         frame of reference: the minimum, then every value minus it, bit-packed
//   kDelta       the first value, then the differences of neighbours as kFor
//   kDeltaDelta  the first value and difference, then the second differences as kFor
//   kRle         runs of equal values: run values as kFor, then run lengths - 1 as kFor
//
// A block of equal values costs a few bytes with any of them (width 0).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sundial::core::codec {

// Stored as one byte in block headers; never renumber.
enum class IntCodec : uint8_t { kFor = 1, kDelta = 2, kDeltaDelta = 3, kRle = 4 };

// Appends the encoding of `values[0..n)` to `out`.
void EncodeInts(IntCodec codec, const int64_t* values, size_t n, std::string* out);

// Decodes exactly `n` values from `in`, which must be exactly one encoding of `n` values;
// Corruption if it is shorter, longer or inconsistent (never reads outside `in`).
Status DecodeInts(IntCodec codec, std::string_view in, size_t n, int64_t* out);

// The codec that encodes `values` smallest, judged on a sample (the whole input up to 512
// values, else four windows of 128 consecutive values spread over it).
IntCodec ChooseIntCodec(const int64_t* values, size_t n);

}  // namespace sundial::core::codec
