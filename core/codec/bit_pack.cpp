// core/codec/bit_pack.cpp — see bit_pack.h.
#include "core/codec/bit_pack.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

namespace sundial::core::codec {

void PackBits(const uint64_t* values, size_t n, int width, std::string* out) {
  const size_t start = out->size();
  const size_t size = PackedSize(n, width);
  out->resize(start + size, '\0');
  if (width == 0 || n == 0) return;
  uint8_t* dst = reinterpret_cast<uint8_t*>(out->data() + start);
  const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  // A 128-bit accumulator: up to 63 pending bits plus one 64-bit value never overflow it.
  unsigned __int128 acc = 0;
  int pending = 0;
  size_t pos = 0;
  for (size_t k = 0; k < n; ++k) {
    acc |= static_cast<unsigned __int128>(values[k] & mask) << pending;
    pending += width;
    if (pending >= 64) {
      const uint64_t word = static_cast<uint64_t>(acc);
      std::memcpy(dst + pos, &word, 8);
      pos += 8;
      acc >>= 64;
      pending -= 64;
    }
  }
  while (pending > 0) {
    dst[pos++] = static_cast<uint8_t>(acc);
    acc >>= 8;
    pending -= 8;
  }
}

namespace {

// Values of up to 56 bits: one unaligned 8-byte load holds each value whatever its bit offset.
// With the width a constant the compiler unrolls groups of 8 values (W bytes) with constant
// shifts. Decodes the first `count` values, each of whose 8-byte load stays inside the input.
template <int W>
void UnpackNarrow(const uint8_t* in, size_t count, uint64_t* out) {
  constexpr uint64_t kMask = (uint64_t{1} << W) - 1;
  size_t k = 0;
  for (; k + 8 <= count; k += 8) {
    const uint8_t* p = in + (k / 8) * W;
    for (int j = 0; j < 8; ++j) {
      uint64_t word;
      std::memcpy(&word, p + (j * W) / 8, 8);
      out[k + j] = (word >> ((j * W) % 8)) & kMask;
    }
  }
  for (; k < count; ++k) {
    const size_t bit = k * W;
    uint64_t word;
    std::memcpy(&word, in + (bit >> 3), 8);
    out[k] = (word >> (bit & 7)) & kMask;
  }
}

using UnpackFn = void (*)(const uint8_t*, size_t, uint64_t*);

template <int... W>
constexpr auto MakeUnpackTable(std::integer_sequence<int, W...>) {
  return std::array<UnpackFn, sizeof...(W)>{&UnpackNarrow<W + 1>...};
}
constexpr auto kUnpackNarrow = MakeUnpackTable(std::make_integer_sequence<int, 56>());

}  // namespace

void UnpackBits(const uint8_t* in, size_t n, int width, uint64_t* out) {
  if (n == 0) return;
  if (width == 0) {
    std::memset(out, 0, n * sizeof(uint64_t));
    return;
  }
  const size_t size = PackedSize(n, width);
  const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  size_t k = 0;
  if (width <= 56) {
    // Values whose 8-byte load ends inside the input: value k starts at byte k*width/8.
    const size_t safe = size < 8 ? 0 : std::min(n, ((size - 8) * 8) / width + 1);
    kUnpackNarrow[width - 1](in, safe, out);
    k = safe;
  }
  // Wide values and the tail: assemble from single bytes, never reading past `size`.
  for (; k < n; ++k) {
    const size_t bit = k * static_cast<size_t>(width);
    size_t byte = bit >> 3;
    const int shift = static_cast<int>(bit & 7);
    unsigned __int128 acc = 0;
    int have = 0;
    while (have < width + shift && byte < size) {
      acc |= static_cast<unsigned __int128>(in[byte++]) << have;
      have += 8;
    }
    out[k] = static_cast<uint64_t>(acc >> shift) & mask;
  }
}

}  // namespace sundial::core::codec
