// core/codec/unpack_kernels.h — the inner loops of bit unpacking, shared by bit_pack.cpp (integer
// frames of reference) and double_codec.cpp (ALP digits). Internal to core/codec/.
//
// Values are unpacked in groups of 8: a group at width W is exactly W bytes, so with W a
// template constant every value's byte offset and shift within its group is a constant and the
// loop has no per-value branch. Each value is read with one unaligned 8-byte load (plus one
// byte when W + shift > 64, which only widths over 56 need). A group's loads reach up to
// GroupReach(W) bytes past its start, which can be past the end of the input for the last
// groups: UnpackGroups takes those from a zero-padded copy, so nothing past the input is read.
//
// The caller passes `slot(k)`, where the 8 values of the group starting at value k go (each
// plus a base, mod 2^64), and `filled(k, count)`, called after each group (count = 8 but for a
// last partial group, whose values are written to slot(k)[0..count) only). Values go straight
// from registers to their slot: gathering them in a local array first made the compiler copy it
// with vector loads over scalar stores, a store-forwarding stall each.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

namespace sundial::core::codec::internal {

// Bytes past a group's start that its loads touch.
constexpr size_t GroupReach(int w) {
  const size_t last_bit = 7 * static_cast<size_t>(w);
  return last_bit / 8 + 8 + ((last_bit % 8) + w > 64 ? 1 : 0);
}

template <int W>
__attribute__((always_inline)) inline void UnpackGroup(const uint8_t* p, uint64_t base,
                                                       uint64_t* v) {
  constexpr uint64_t kMask = W == 64 ? ~uint64_t{0} : (uint64_t{1} << W) - 1;
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) {
    const int bit = j * W, byte = bit / 8, shift = bit % 8;
    uint64_t word;
    std::memcpy(&word, p + byte, 8);
    uint64_t x = word >> shift;
    if (shift + W > 64) x |= static_cast<uint64_t>(p[byte + 8]) << (64 - shift);
    v[j] = (x & kMask) + base;
  }
}

// Unpacks `n` values of W bits (1..64) from `in`, which holds `size` >= PackedSize(n, W)
// bytes.
template <int W, typename Slot, typename Filled>
__attribute__((always_inline)) inline void UnpackGroups(const uint8_t* in, size_t n, size_t size,
                                                        uint64_t base, Slot&& slot,
                                                        Filled&& filled) {
  constexpr size_t kReach = GroupReach(W);
  const size_t groups = (n + 7) / 8;
  // Full groups whose loads stay inside the input.
  size_t safe = size < kReach ? 0 : (size - kReach) / W + 1;
  if (safe > n / 8) safe = n / 8;
  for (size_t g = 0; g < safe; ++g) {
    UnpackGroup<W>(in + g * W, base, slot(g * 8));
    filled(g * 8, size_t{8});
  }
  // The rest (at most kReach / W + 1 groups) from a zero-padded copy of the bytes left.
  for (size_t g = safe; g < groups; ++g) {
    uint8_t pad[GroupReach(64)] = {};
    uint64_t v[8];
    const size_t at = g * W;
    const size_t left = size - at;
    std::memcpy(pad, in + at, left < kReach ? left : kReach);
    UnpackGroup<W>(pad, base, v);
    const size_t count = n - g * 8 < 8 ? n - g * 8 : 8;
    std::memcpy(slot(g * 8), v, count * sizeof(uint64_t));
    filled(g * 8, count);
  }
}

#if defined(__x86_64__)
// The instruction sets of the AVX-512 decode loops (DecodeIsa::kAvx512).
#define SUNDIAL_CODEC_AVX512 "avx512f,avx512bw,avx512vbmi,avx512vl,avx2,bmi2,fma"

using V64b = uint8_t __attribute__((vector_size(64)));
using V8u = uint64_t __attribute__((vector_size(64)));

// The 8 values of the group at `p` (W <= 56 bits each) in one vector: one 64-byte load (the
// caller makes sure 64 bytes are there), a byte permutation moving value j's 8 bytes (from byte
// jW/8) into slot j, a shift per slot and a mask. Value 7's last byte is byte 7W/8 + 7 <= 56.
template <int W, int... I>
__attribute__((always_inline, target(SUNDIAL_CODEC_AVX512))) inline V8u Unpack8(
    const uint8_t* p, std::integer_sequence<int, I...>) {
  static_assert(W >= 1 && W <= 56);
  V64b bytes;
  std::memcpy(&bytes, p, 64);
  const V64b moved = __builtin_shufflevector(bytes, bytes, ((I / 8) * W / 8 + I % 8)...);
  constexpr V8u kShift = {0,           W % 8,       (2 * W) % 8, (3 * W) % 8,
                          (4 * W) % 8, (5 * W) % 8, (6 * W) % 8, (7 * W) % 8};
  constexpr uint64_t kMask = (uint64_t{1} << W) - 1;
  V8u words;
  std::memcpy(&words, &moved, 64);
  return (words >> kShift) & kMask;
}
#endif

}  // namespace sundial::core::codec::internal
