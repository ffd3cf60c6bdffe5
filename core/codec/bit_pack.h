// core/codec/bit_pack.h — fixed-width bit packing of unsigned 64-bit values, the building block
// of the integer and double codecs (layout in cairo/FORMAT.md, "Compressed column files").
// Value k occupies bits [k*width, (k+1)*width) of a little-endian bit stream: bit b of the stream
// is bit (b % 8) of byte b / 8. The packed size is exactly PackedSize(n, width) bytes; unused high
// bits of the last byte are zero. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace sundial::core::codec {

// Bits needed to hold `v` (0 for 0, 64 for values with the top bit set).
inline int BitWidth(uint64_t v) { return v == 0 ? 0 : 64 - __builtin_clzll(v); }

// Bytes of `n` values packed at `width` bits (0..64).
inline size_t PackedSize(size_t n, int width) {
  return static_cast<size_t>((static_cast<unsigned __int128>(n) * width + 7) / 8);
}

// Appends `n` values, each masked to its low `width` bits (0..64), to `out`.
void PackBits(const uint64_t* values, size_t n, int width, std::string* out);

// Reads `n` values of `width` bits from `in`, which must hold at least PackedSize(n, width)
// bytes (the caller checks the size; nothing past it is read).
void UnpackBits(const uint8_t* in, size_t n, int width, uint64_t* out);

// UnpackBits fused with a frame of reference: out[k] = value k + base (mod 2^64). One pass,
// specialised per width: the decoders' inner loop.
void UnpackFor(const uint8_t* in, size_t n, int width, uint64_t base, uint64_t* out);

// The instruction sets the decode loops use: the best this CPU has (checked once: AVX-512 with
// VBMI, else AVX2 + BMI2 + FMA, else portable C++), unless a test lowers it. Every level gives
// the same bits; tests run each level the CPU has and compare (setting it is not thread-safe
// against running decoders: tests only; a level above the CPU's is lowered to it).
enum class DecodeIsa { kPortable = 0, kAvx2 = 1, kAvx512 = 2 };
DecodeIsa CpuDecodeIsa();
DecodeIsa DecodeIsaInUse();
void SetDecodeIsaForTesting(DecodeIsa isa);

}  // namespace sundial::core::codec
