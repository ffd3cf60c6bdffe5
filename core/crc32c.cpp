#include "core/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace sundial::core {
namespace {

constexpr uint32_t kPoly = 0x82F63B78u;  // reflected Castagnoli polynomial

struct Tables {
  std::array<std::array<uint32_t, 256>, 8> t{};
  constexpr Tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    }
  }
};
constexpr Tables kTables;

uint32_t SoftwareExtend(uint32_t crc, const uint8_t* p, size_t n) {
  const auto& t = kTables.t;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    v ^= crc;
    crc = t[7][v & 0xff] ^ t[6][(v >> 8) & 0xff] ^ t[5][(v >> 16) & 0xff] ^
          t[4][(v >> 24) & 0xff] ^ t[3][(v >> 32) & 0xff] ^ t[2][(v >> 40) & 0xff] ^
          t[1][(v >> 48) & 0xff] ^ t[0][v >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
  return crc;
}

#if defined(__x86_64__)
// The crc32 instruction has a latency of 3 cycles and a throughput of 1, so one dependent chain
// uses a third of it. Long inputs are cut into blocks of three equal lanes checksummed side by
// side, then joined: for the raw register (no pre/post inversion) the update is affine,
//   f(x, B) = M_n(x) ^ f(0, B)   where M_n(x) = f(x, n zero bytes) is linear in x,
// so f(x, A B C) = M_n(M_n(f(x, A)) ^ f(0, B)) ^ f(0, C). M_n is applied with four 256-entry
// tables (one per byte of x), built once from f itself.
template <size_t kLane>
struct ShiftTables {
  std::array<std::array<uint32_t, 256>, 4> t{};
  ShiftTables();
  uint32_t Shift(uint32_t x) const {
    return t[0][x & 0xff] ^ t[1][(x >> 8) & 0xff] ^ t[2][(x >> 16) & 0xff] ^ t[3][x >> 24];
  }
};

__attribute__((target("sse4.2"))) uint64_t Chain(uint64_t c, const uint8_t* p, size_t n) {
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
  }
  for (; n > 0; ++p, --n) c = _mm_crc32_u8(static_cast<uint32_t>(c), *p);
  return c;
}

template <size_t kLane>
ShiftTables<kLane>::ShiftTables() {
  static const std::array<uint8_t, kLane> zeros{};
  for (int k = 0; k < 4; ++k) {
    for (uint32_t v = 0; v < 256; ++v) {
      t[k][v] = static_cast<uint32_t>(Chain(v << (8 * k), zeros.data(), kLane));
    }
  }
}

// Three lanes of kLane bytes (a multiple of 8) at a time while at least 3 * kLane remain.
template <size_t kLane>
__attribute__((target("sse4.2"))) uint64_t ThreeLanes(uint64_t c, const uint8_t** pp,
                                                      size_t* nn) {
  static const ShiftTables<kLane> shift;  // built on first use (thread-safe)
  const uint8_t* p = *pp;
  size_t n = *nn;
  for (; n >= 3 * kLane; p += 3 * kLane, n -= 3 * kLane) {
    uint64_t c1 = 0, c2 = 0;
    for (size_t i = 0; i < kLane; i += 8) {
      uint64_t v0, v1, v2;
      std::memcpy(&v0, p + i, 8);
      std::memcpy(&v1, p + kLane + i, 8);
      std::memcpy(&v2, p + 2 * kLane + i, 8);
      c = _mm_crc32_u64(c, v0);
      c1 = _mm_crc32_u64(c1, v1);
      c2 = _mm_crc32_u64(c2, v2);
    }
    c = shift.Shift(static_cast<uint32_t>(c)) ^ c1;
    c = shift.Shift(static_cast<uint32_t>(c)) ^ c2;
  }
  *pp = p;
  *nn = n;
  return c;
}

uint32_t HardwareExtend(uint32_t crc, const uint8_t* p, size_t n) {
  uint64_t c = crc;
  c = ThreeLanes<8192>(c, &p, &n);
  c = ThreeLanes<256>(c, &p, &n);
  return static_cast<uint32_t>(Chain(c, p, n));
}
bool HasSse42() {
  static const bool has = __builtin_cpu_supports("sse4.2");
  return has;
}
#endif

}  // namespace

uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  crc = ~crc;
#if defined(__x86_64__)
  if (HasSse42()) return ~HardwareExtend(crc, p, n);
#endif
  return ~SoftwareExtend(crc, p, n);
}

}  // namespace sundial::core
