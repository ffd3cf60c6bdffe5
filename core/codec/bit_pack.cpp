// core/codec/bit_pack.cpp — see bit_pack.h.
#include "core/codec/bit_pack.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "core/codec/unpack_kernels.h"

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

using internal::UnpackGroups;

// out[k] = value k + base (mod 2^64), for one width.
template <int W>
__attribute__((always_inline)) inline void UnpackForBody(const uint8_t* in, size_t n, size_t size,
                                                         uint64_t base, uint64_t* out) {
  UnpackGroups<W>(
      in, n, size, base, [&](size_t k) __attribute__((always_inline)) { return out + k; },
      [](size_t, size_t) __attribute__((always_inline)){});
}

using UnpackForFn = void (*)(const uint8_t*, size_t, size_t, uint64_t, uint64_t*);

template <int W>
void UnpackForPortable(const uint8_t* in, size_t n, size_t size, uint64_t base, uint64_t* out) {
  UnpackForBody<W>(in, n, size, base, out);
}

template <int... W>
constexpr std::array<UnpackForFn, sizeof...(W)> MakePortableTable(
    std::integer_sequence<int, W...>) {
  return {&UnpackForPortable<W + 1>...};
}
constexpr auto kUnpackPortable = MakePortableTable(std::make_integer_sequence<int, 64>());

#if defined(__x86_64__)
// The same loops in VEX encoding (AVX2, BMI2: shifts without flags), chosen at run time as
// core/crc32c.cpp chooses its instruction; the results are the same bits.
template <int W>
__attribute__((target("avx2,bmi2"))) void UnpackForAvx2(const uint8_t* in, size_t n, size_t size,
                                                        uint64_t base, uint64_t* out) {
  UnpackForBody<W>(in, n, size, base, out);
}
// AVX-512: groups of 8 values in one vector each (internal::Unpack8) for widths up to 56, the
// groups whose 64-byte load would pass the end by the AVX2 loop.
template <int W>
__attribute__((target(SUNDIAL_CODEC_AVX512))) void UnpackForAvx512(const uint8_t* in, size_t n,
                                                                   size_t size, uint64_t base,
                                                                   uint64_t* out) {
  if constexpr (W <= 56) {
    size_t safe = size < 64 ? 0 : (size - 64) / W + 1;
    if (safe > n / 8) safe = n / 8;
    for (size_t g = 0; g < safe; ++g) {
      const internal::V8u v =
          internal::Unpack8<W>(in + g * W, std::make_integer_sequence<int, 64>()) + base;
      std::memcpy(out + g * 8, &v, 64);
    }
    if (safe * 8 == n) return;
    const size_t at = safe * W;
    in += at;
    size -= at;
    out += safe * 8;
    n -= safe * 8;
  }
  UnpackForAvx2<W>(in, n, size, base, out);
}
template <int... W>
constexpr std::array<UnpackForFn, sizeof...(W)> MakeAvx512Table(std::integer_sequence<int, W...>) {
  return {&UnpackForAvx512<W + 1>...};
}
constexpr auto kUnpackAvx512 = MakeAvx512Table(std::make_integer_sequence<int, 64>());

template <int... W>
constexpr std::array<UnpackForFn, sizeof...(W)> MakeAvx2Table(std::integer_sequence<int, W...>) {
  return {&UnpackForAvx2<W + 1>...};
}
constexpr auto kUnpackAvx2 = MakeAvx2Table(std::make_integer_sequence<int, 64>());
#endif

DecodeIsa DetectIsa() {
#if defined(__x86_64__)
  __builtin_cpu_init();  // this runs as a static initializer, maybe before the runtime's own
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("bmi2") ||
      !__builtin_cpu_supports("fma")) {
    return DecodeIsa::kPortable;
  }
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vbmi")) {
    return DecodeIsa::kAvx512;
  }
  return DecodeIsa::kAvx2;
#else
  return DecodeIsa::kPortable;
#endif
}

// Decoding before these are initialised (from another file's static initializer) reads them
// zero: the portable loops, the same bits.
const DecodeIsa cpu_isa = DetectIsa();
DecodeIsa isa_in_use = cpu_isa;

}  // namespace

DecodeIsa CpuDecodeIsa() { return cpu_isa; }
DecodeIsa DecodeIsaInUse() { return isa_in_use; }
void SetDecodeIsaForTesting(DecodeIsa isa) { isa_in_use = isa < cpu_isa ? isa : cpu_isa; }

void UnpackFor(const uint8_t* in, size_t n, int width, uint64_t base, uint64_t* out) {
  if (n == 0) return;
  if (width == 0) {
    for (size_t k = 0; k < n; ++k) out[k] = base;
    return;
  }
#if defined(__x86_64__)
  const DecodeIsa isa = DecodeIsaInUse();
  const auto& table = isa == DecodeIsa::kAvx512 ? kUnpackAvx512
                      : isa == DecodeIsa::kAvx2 ? kUnpackAvx2
                                                : kUnpackPortable;
#else
  const auto& table = kUnpackPortable;
#endif
  table[width - 1](in, n, PackedSize(n, width), base, out);
}

void UnpackBits(const uint8_t* in, size_t n, int width, uint64_t* out) {
  UnpackFor(in, n, width, 0, out);
}

}  // namespace sundial::core::codec
