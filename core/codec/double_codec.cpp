// core/codec/double_codec.cpp — see double_codec.h.
#include "core/codec/double_codec.h"

#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "core/codec/bit_pack.h"
#include "core/codec/int_codec.h"
#include "core/codec/unpack_kernels.h"

namespace sundial::core::codec {
namespace {

// Powers of ten up to 10^18 are exact doubles (10^22 is the last), so digits / 10^e is the
// correctly rounded quotient: for a value printed with e decimals it is the value strtod reads.
constexpr double kPow10[kAlpMaxExponent + 1] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,
                                                1e7,  1e8,  1e9,  1e10, 1e11, 1e12, 1e13,
                                                1e14, 1e15, 1e16, 1e17, 1e18};
// Digits stay within (-2^51, 2^51): their conversion to double is exact, and decoding can
// convert them with the add-and-subtract of 1.5 * 2^52 (below), which vectorises.
constexpr double kMaxDigits = 2251799813685248.0;
constexpr uint64_t kMagicBits = 0x4338000000000000;  // the double 1.5 * 2^52
constexpr double kMagic = 6755399441055744.0;

using V2u = uint64_t __attribute__((vector_size(16)));
using V2d = double __attribute__((vector_size(16)));

// out[k] = digits[k] / scale for digits in (-2^51, 2^51); false if one is outside. For such
// d, the bits of 1.5 * 2^52 plus d are the double 1.5 * 2^52 + d exactly, so subtracting
// 1.5 * 2^52 gives (double) d. Two lanes at a time with the compiler's vector extensions
// (SSE2 on x86-64, NEON on aarch64).
bool DigitsToDoubles(const int64_t* digits, size_t n, double scale, double* out) {
  uint64_t out_of_range = 0;
  size_t k = 0;
  const V2u magic_bits = {kMagicBits, kMagicBits};
  const V2u bias = {uint64_t{1} << 51, uint64_t{1} << 51};
  const V2d magic = {kMagic, kMagic}, scales = {scale, scale};
  V2u range = {0, 0};
  for (; k + 2 <= n; k += 2) {
    V2u d;
    std::memcpy(&d, digits + k, 16);
    range |= (d + bias) >> 52;  // nonzero unless -2^51 <= d < 2^51
    V2d f;
    const V2u b = d + magic_bits;
    std::memcpy(&f, &b, 16);
    const V2d q = (f - magic) / scales;
    std::memcpy(out + k, &q, 16);
  }
  out_of_range = range[0] | range[1];
  for (; k < n; ++k) {
    const uint64_t d = static_cast<uint64_t>(digits[k]);
    out_of_range |= (d + (uint64_t{1} << 51)) >> 52;
    out[k] = (std::bit_cast<double>(d + kMagicBits) - kMagic) / scale;
  }
  return out_of_range == 0;
}

Status Damaged(const char* what) {
  return Status::Corruption(std::string("damaged double block: ") + what);
}

// 10^-e rounded to the nearest double (the literals are correctly rounded).
constexpr double kInvPow10[kAlpMaxExponent + 1] = {1e0,   1e-1,  1e-2,  1e-3,  1e-4,  1e-5,  1e-6,
                                                   1e-7,  1e-8,  1e-9,  1e-10, 1e-11, 1e-12, 1e-13,
                                                   1e-14, 1e-15, 1e-16, 1e-17, 1e-18};

// The fused ALP loop for one width W: unpack a group of 8 digits, add the frame's base, convert
// to double (exact: the caller has checked that every digit of the block is in (-2^51, 2^51)),
// divide by 10^e, store. Division has a throughput of about 2 cycles per value on current x86
// cores whatever the vector width, more than everything else together, so where FMA exists the
// quotient is computed as Markstein's corrected product instead:
//   q0 = f * RN(10^-e),  r = f - q0 * 10^e (exact, one fma),  q = RN(q0 + r * RN(10^-e))
// which is the correctly rounded f / 10^e for every f (Markstein 1990; Muller et al., Handbook of
// Floating-Point Arithmetic, theorem on division by Newton-Raphson with a correctly rounded
// reciprocal: q0 is within an ulp of the quotient and no intermediate underflows here).
// tests/core/codec_test.cpp checks it against the division for every exponent.
//
// Two passes per chunk of 256 values: the scalar unpacking stores the digits into a buffer in L1,
// then one loop over the whole chunk (a constant trip count the compiler vectorises) converts
// them. Building vectors straight from the unpacked registers compiled to stores of single
// values reloaded as vectors, a store-forwarding stall per vector.
constexpr size_t kAlpChunk = 256;

template <bool kFma>
__attribute__((always_inline)) inline void ConvertChunk(const uint64_t* digits, double p,
                                                        double inv, double* out) {
  for (size_t j = 0; j < kAlpChunk; ++j) {
    // digits[] hold the bits of 1.5 * 2^52 + digit; minus 1.5 * 2^52 is the digit, exactly.
    const double f = std::bit_cast<double>(digits[j]) - kMagic;
    if constexpr (kFma) {
      const double q0 = f * inv;
      out[j] = __builtin_fma(__builtin_fma(-q0, p, f), inv, q0);
    } else {
      out[j] = f / p;
    }
  }
}

template <int W, bool kFma>
__attribute__((always_inline)) inline void AlpBody(const uint8_t* in, size_t n, size_t size,
                                                   uint64_t base, int e, double* out) {
  const double p = kPow10[e], inv = kInvPow10[e];
  alignas(64) uint64_t digits[kAlpChunk] = {};  // a last partial chunk converts all 256
  internal::UnpackGroups<W>(
      in, n, size, base + kMagicBits,
      [&](size_t k) __attribute__((always_inline)) { return digits + k % kAlpChunk; },
      [&](size_t k, size_t count) __attribute__((always_inline)) {
        const size_t end = k + count;
        if (end % kAlpChunk == 0) {
          ConvertChunk<kFma>(digits, p, inv, out + (end - kAlpChunk));
        } else if (end == n) {
          alignas(64) double last[kAlpChunk];
          ConvertChunk<kFma>(digits, p, inv, last);
          const size_t start = n - n % kAlpChunk;
          std::memcpy(out + start, last, (n - start) * sizeof(double));
        }
      });
}

using AlpFn = void (*)(const uint8_t*, size_t, size_t, uint64_t, int, double*);

template <int W>
void AlpPortable(const uint8_t* in, size_t n, size_t size, uint64_t base, int e, double* out) {
  AlpBody<W, false>(in, n, size, base, e, out);
}
template <int... W>
constexpr std::array<AlpFn, sizeof...(W)> MakeAlpPortable(std::integer_sequence<int, W...>) {
  return {&AlpPortable<W + 1>...};
}
// Digits span less than 2^52, so widths 1..52.
constexpr auto kAlpPortable = MakeAlpPortable(std::make_integer_sequence<int, 52>());

#if defined(__x86_64__)
// The AVX2 loop unpacks in vectors as well: four digits at a time, two per 128-bit lane. Each
// lane loads the 16 bytes from its first digit's byte, a byte shuffle (the same in every group:
// W is a constant) moves each digit's 8 bytes into its 64-bit slot, a per-slot shift aligns it
// and a mask cuts it; then the conversion as above. 16 bytes from a digit's first byte hold
// that digit and the next (2W + 7 bits <= 111 for W <= 52).
using V16b = uint8_t __attribute__((vector_size(16)));
using V32b = uint8_t __attribute__((vector_size(32)));
using V4u = uint64_t __attribute__((vector_size(32)));
using V4d = double __attribute__((vector_size(32)));

constexpr int ByteOf(int w, int j) { return j * w / 8; }
// Output byte i of the shuffle for digits j..j+3 (lane 0: digits j, j+1 from the 16 bytes at
// ByteOf(j); lane 1: digits j+2, j+3 from the 16 bytes at ByteOf(j+2)).
constexpr int ShuffleIndex(int w, int j, int i) {
  const int lane = i / 16, slot = (i % 16) / 8, byte = i % 8;
  const int first = j + 2 * lane;
  return lane * 16 + ByteOf(w, first + slot) - ByteOf(w, first) + byte;
}
// Bytes past a group's start that the vector loads of its 8 digits touch.
constexpr size_t VectorReach(int w) { return static_cast<size_t>(ByteOf(w, 6)) + 16; }

template <int W, int J, int... I>
__attribute__((always_inline, target("avx2,bmi2,fma"))) inline V4u Unpack4(
    const uint8_t* p, std::integer_sequence<int, I...>) {
  V16b lo, hi;
  std::memcpy(&lo, p + ByteOf(W, J), 16);
  std::memcpy(&hi, p + ByteOf(W, J + 2), 16);
  const V32b bytes = __builtin_shufflevector(lo, hi, ShuffleIndex(W, J, I)...);
  constexpr V4u kShift = {(J * W) % 8, ((J + 1) * W) % 8, ((J + 2) * W) % 8, ((J + 3) * W) % 8};
  constexpr uint64_t kMask = (uint64_t{1} << W) - 1;
  return (__builtin_bit_cast(V4u, bytes) >> kShift) & kMask;
}

__attribute__((always_inline, target("avx2,bmi2,fma"))) inline void Convert4(V4u d, V4u offset,
                                                                             V4d p, V4d inv,
                                                                             V4d magic,
                                                                             double* out) {
  d += offset;
  const V4d f = __builtin_bit_cast(V4d, d) - magic;
  const V4d q0 = f * inv;
  const V4d r = __builtin_ia32_vfmaddpd256(-q0, p, f);
  const V4d q = __builtin_ia32_vfmaddpd256(r, inv, q0);
  std::memcpy(out, &q, 32);
}

template <int W>
__attribute__((target("avx2,bmi2,fma"))) void AlpAvx2(const uint8_t* in, size_t n, size_t size,
                                                      uint64_t base, int e, double* out) {
  const V4d p = V4d{} + kPow10[e], inv = V4d{} + kInvPow10[e], magic = V4d{} + kMagic;
  const V4u offset = V4u{} + (base + kMagicBits);
  constexpr size_t kReach = VectorReach(W);
  size_t safe = size < kReach ? 0 : (size - kReach) / W + 1;
  if (safe > n / 8) safe = n / 8;
  for (size_t g = 0; g < safe; ++g) {
    const uint8_t* group = in + g * W;
    Convert4(Unpack4<W, 0>(group, std::make_integer_sequence<int, 32>()), offset, p, inv, magic,
             out + g * 8);
    Convert4(Unpack4<W, 4>(group, std::make_integer_sequence<int, 32>()), offset, p, inv, magic,
             out + g * 8 + 4);
  }
  // The last groups (whose 16-byte loads would pass the end) by the scalar loop.
  if (safe * 8 < n) {
    const size_t at = safe * W;
    AlpBody<W, true>(in + at, n - safe * 8, size - at, base, e, out + safe * 8);
  }
}
// With AVX-512 (VBMI: a byte permutation across 64 bytes) a whole group of 8 digits is one
// 64-byte load, one permutation, one shift, one mask (internal::Unpack8): half the
// instructions of the AVX2 loop.
using V8u = internal::V8u;
using V8d = double __attribute__((vector_size(64)));
using internal::Unpack8;

template <int W>
__attribute__((target(SUNDIAL_CODEC_AVX512))) void AlpAvx512(const uint8_t* in, size_t n,
                                                             size_t size, uint64_t base, int e,
                                                             double* out) {
  const V8d p = V8d{} + kPow10[e], inv = V8d{} + kInvPow10[e], magic = V8d{} + kMagic;
  const V8u offset = V8u{} + (base + kMagicBits);
  size_t safe = size < 64 ? 0 : (size - 64) / W + 1;
  if (safe > n / 8) safe = n / 8;
  for (size_t g = 0; g < safe; ++g) {
    V8u d = Unpack8<W>(in + g * W, std::make_integer_sequence<int, 64>());
    const V8d f = __builtin_bit_cast(V8d, d += offset) - magic;
    const V8d q0 = f * inv;
    const V8d r = __builtin_ia32_vfmaddpd512_mask(-q0, p, f, 0xff, 4);
    const V8d q = __builtin_ia32_vfmaddpd512_mask(r, inv, q0, 0xff, 4);
    std::memcpy(out + g * 8, &q, 64);
  }
  if (safe * 8 < n) {
    const size_t at = safe * W;
    AlpAvx2<W>(in + at, n - safe * 8, size - at, base, e, out + safe * 8);
  }
}
template <int... W>
constexpr std::array<AlpFn, sizeof...(W)> MakeAlpAvx512(std::integer_sequence<int, W...>) {
  return {&AlpAvx512<W + 1>...};
}
constexpr auto kAlpAvx512 = MakeAlpAvx512(std::make_integer_sequence<int, 52>());

template <int... W>
constexpr std::array<AlpFn, sizeof...(W)> MakeAlpAvx2(std::integer_sequence<int, W...>) {
  return {&AlpAvx2<W + 1>...};
}
constexpr auto kAlpAvx2 = MakeAlpAvx2(std::make_integer_sequence<int, 52>());
#endif

// Whether base + [0, 2^width) lies inside [-2^51, 2^51): then no digit of the frame needs its
// own range check.
bool FrameInDigitRange(uint64_t base, int width) {
  if (width > 52) return false;
  const __int128 lo = static_cast<int64_t>(base);
  const __int128 hi = lo + ((__int128{1} << width) - 1);
  return lo >= -(__int128{1} << 51) && hi < (__int128{1} << 51);
}

// The digits of `v` at exponent e, or false when v does not round-trip through them.
inline bool AlpDigits(double v, int e, int64_t* digits) {
  const double x = v * kPow10[e];
  if (!(std::fabs(x) < kMaxDigits - 1)) return false;  // also NaN; keeps d in (-2^51, 2^51)
  const int64_t d = static_cast<int64_t>(std::nearbyint(x));
  if (std::bit_cast<uint64_t>(static_cast<double>(d) / kPow10[e]) != std::bit_cast<uint64_t>(v)) {
    return false;  // -0.0 lands here too: 0 / 10^e is +0.0
  }
  *digits = d;
  return true;
}

}  // namespace

AlpChoice ChooseAlpExponent(const double* values, size_t n) {
  constexpr size_t kSample = 64;
  const size_t count = n < kSample ? n : kSample;
  AlpChoice best;
  double best_bits = INFINITY;
  for (int e = 0; e <= kAlpMaxExponent; ++e) {
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    size_t exceptions = 0;
    for (size_t s = 0; s < count; ++s) {
      int64_t d;
      if (!AlpDigits(values[s * n / count], e, &d)) {
        ++exceptions;
        continue;
      }
      lo = d < lo ? d : lo;
      hi = d > hi ? d : hi;
    }
    const int width = exceptions == count ? 0 : BitWidth(static_cast<uint64_t>(hi) - lo);
    const double bits = static_cast<double>(count - exceptions) * width + exceptions * 80.0;
    if (bits < best_bits) {
      best_bits = bits;
      best.exponent = e;
      best.exception_share = count ? static_cast<double>(exceptions) / count : 0;
    }
  }
  return best;
}

namespace {

// The FOR section of `n` digits (exactly `in`) decoded and divided by 10^e into `out`.
Status DecodeAlpDigits(std::string_view in, size_t n, int e, double* out) {
  uint64_t base;
  if (in.size() < 9) return Damaged("digits header cut short");
  std::memcpy(&base, in.data(), 8);
  const int width = static_cast<uint8_t>(in[8]);
  const std::string_view packed = in.substr(9);
  if (width > 0 && width <= 52 && FrameInDigitRange(base, width)) {
    if (packed.size() != PackedSize(n, width)) return Damaged("digits size");
#if defined(__x86_64__)
    const DecodeIsa isa = DecodeIsaInUse();
    const auto& table = isa == DecodeIsa::kAvx512 ? kAlpAvx512
                        : isa == DecodeIsa::kAvx2 ? kAlpAvx2
                                                  : kAlpPortable;
#else
    const auto& table = kAlpPortable;
#endif
    if (n > 0) {
      table[width - 1](reinterpret_cast<const uint8_t*>(packed.data()), n, packed.size(), base, e,
                       out);
    }
    return Status::Ok();
  }
  // Width 0, or a frame reaching out of range: decode the digits, then check each.
  thread_local std::vector<int64_t> digits;
  digits.resize(n);
  RETURN_IF_ERROR(DecodeInts(IntCodec::kFor, in, n, digits.data()));
  if (!DigitsToDoubles(digits.data(), n, kPow10[e], out)) return Damaged("digits out of range");
  return Status::Ok();
}

}  // namespace

// u8 exponent, u32 exception count x, a kFor section of n digits (an exception's slot holds the
// digits of the value before it, so it does not widen the frame), x u16 positions ascending,
// x u64 bit patterns.
void EncodeAlp(const double* values, size_t n, int exponent, std::string* out) {
  std::vector<int64_t> digits(n);
  std::vector<uint16_t> positions;
  std::vector<uint64_t> patterns;
  int64_t last = 0;
  bool have_last = false;
  for (size_t k = 0; k < n; ++k) {
    int64_t d;
    if (AlpDigits(values[k], exponent, &d)) {
      if (!have_last) {
        for (size_t j = 0; j < k; ++j) digits[j] = d;  // leading exceptions
        have_last = true;
      }
      digits[k] = last = d;
    } else {
      digits[k] = last;
      positions.push_back(static_cast<uint16_t>(k));
      patterns.push_back(std::bit_cast<uint64_t>(values[k]));
    }
  }
  out->push_back(static_cast<char>(exponent));
  const uint32_t x = static_cast<uint32_t>(positions.size());
  out->append(reinterpret_cast<const char*>(&x), 4);
  EncodeInts(IntCodec::kFor, digits.data(), n, out);
  out->append(reinterpret_cast<const char*>(positions.data()), positions.size() * 2);
  out->append(reinterpret_cast<const char*>(patterns.data()), patterns.size() * 8);
}

Status DecodeAlp(std::string_view in, size_t n, double* out) {
  if (n > 65536) return Damaged("more than 65536 values in an ALP block");
  if (in.size() < 5) return Damaged("header cut short");
  const int e = static_cast<uint8_t>(in[0]);
  uint32_t x;
  std::memcpy(&x, in.data() + 1, 4);
  in.remove_prefix(5);
  if (e > kAlpMaxExponent) return Damaged("exponent over 18");
  if (x > n) return Damaged("more exceptions than values");
  const size_t tail = static_cast<size_t>(x) * 10;
  if (in.size() < tail) return Damaged("exceptions cut short");
  RETURN_IF_ERROR(DecodeAlpDigits(in.substr(0, in.size() - tail), n, e, out));
  const char* pos = in.data() + in.size() - tail;
  const char* pat = pos + static_cast<size_t>(x) * 2;
  int prev = -1;
  for (uint32_t i = 0; i < x; ++i) {
    uint16_t p;
    uint64_t bits;
    std::memcpy(&p, pos + i * 2, 2);
    std::memcpy(&bits, pat + static_cast<size_t>(i) * 8, 8);
    if (p >= n || static_cast<int>(p) <= prev) return Damaged("exception position out of order");
    prev = p;
    out[p] = std::bit_cast<double>(bits);
  }
  return Status::Ok();
}

namespace {

class BitWriter {
 public:
  explicit BitWriter(std::string* out) : out_(out) {}
  // Appends the low `bits` (0..64) bits of `v`.
  void Put(uint64_t v, int bits) {
    if (bits == 0) return;
    if (bits < 64) v &= (uint64_t{1} << bits) - 1;
    acc_ |= static_cast<unsigned __int128>(v) << pending_;
    pending_ += bits;
    if (pending_ >= 64) {
      const uint64_t word = static_cast<uint64_t>(acc_);
      out_->append(reinterpret_cast<const char*>(&word), 8);
      acc_ >>= 64;
      pending_ -= 64;
    }
  }
  void Flush() {
    while (pending_ > 0) {
      out_->push_back(static_cast<char>(static_cast<uint8_t>(acc_)));
      acc_ >>= 8;
      pending_ -= 8;
    }
    pending_ = 0;
  }

 private:
  std::string* out_;
  unsigned __int128 acc_ = 0;
  int pending_ = 0;
};

class BitReader {
 public:
  explicit BitReader(std::string_view in)
      : in_(reinterpret_cast<const uint8_t*>(in.data())), size_bits_(in.size() * 8) {}
  // Reads `bits` (0..64) bits; false past the end of the input.
  bool Get(int bits, uint64_t* v) {
    if (size_bits_ - pos_ < static_cast<size_t>(bits)) return false;
    unsigned __int128 acc = 0;
    size_t byte = pos_ >> 3;
    const int shift = static_cast<int>(pos_ & 7);
    if (byte + 16 <= size_bits_ / 8) {
      // Away from the end: one 16-byte load holds the bits wherever they start.
      std::memcpy(&acc, in_ + byte, 16);
    } else {
      int have = 0;
      while (have < bits + shift) {
        acc |= static_cast<unsigned __int128>(in_[byte++]) << have;
        have += 8;
      }
    }
    acc >>= shift;
    *v = bits == 64 ? static_cast<uint64_t>(acc)
                    : static_cast<uint64_t>(acc) & ((uint64_t{1} << bits) - 1);
    pos_ += bits;
    return true;
  }
  // Whole bytes consumed, the last one possibly in part.
  size_t bytes_used() const { return (pos_ + 7) / 8; }

 private:
  const uint8_t* in_;
  size_t size_bits_;
  size_t pos_ = 0;
};

}  // namespace

// Bit stream (bit_pack.h's bit order): the first value's 64 bits; then per value, with
// x = bits XOR previous bits: `0` when x = 0; `10` + the meaningful bits when x's
// meaningful bits fit in the previous window; else `11` + 6 bits leading zeros + 6 bits
// (meaningful length - 1) + the meaningful bits. Zero-padded to a whole byte.
void EncodeXor(const double* values, size_t n, std::string* out) {
  if (n == 0) return;
  BitWriter w(out);
  uint64_t prev = std::bit_cast<uint64_t>(values[0]);
  w.Put(prev, 64);
  int lead = -1, len = 0;  // the current window: leading zeros and meaningful bit count
  for (size_t k = 1; k < n; ++k) {
    const uint64_t cur = std::bit_cast<uint64_t>(values[k]);
    const uint64_t x = cur ^ prev;
    prev = cur;
    if (x == 0) {
      w.Put(0, 1);
      continue;
    }
    const int l = __builtin_clzll(x), t = __builtin_ctzll(x);
    if (lead >= 0 && l >= lead && 64 - t <= lead + len) {
      w.Put(0b01, 2);  // bits `1`, `0` in stream order
      w.Put(x >> (64 - lead - len), len);
      continue;
    }
    lead = l;
    len = 64 - l - t;
    w.Put(0b11, 2);
    w.Put(static_cast<uint64_t>(lead), 6);
    w.Put(static_cast<uint64_t>(len - 1), 6);
    w.Put(x >> t, len);
  }
  w.Flush();
}

Status DecodeXor(std::string_view in, size_t n, double* out) {
  if (n == 0) {
    if (!in.empty()) return Damaged("bytes left after the values");
    return Status::Ok();
  }
  BitReader r(in);
  uint64_t prev;
  if (!r.Get(64, &prev)) return Damaged("first value cut short");
  out[0] = std::bit_cast<double>(prev);
  int lead = -1, len = 0;
  for (size_t k = 1; k < n; ++k) {
    uint64_t bit, x;
    if (!r.Get(1, &bit)) return Damaged("values cut short");
    if (bit == 1) {
      if (!r.Get(1, &bit)) return Damaged("values cut short");
      if (bit == 1) {
        uint64_t l, m;
        if (!r.Get(6, &l) || !r.Get(6, &m)) return Damaged("values cut short");
        lead = static_cast<int>(l);
        len = static_cast<int>(m) + 1;
        if (lead + len > 64) return Damaged("window past 64 bits");
      } else if (lead < 0) {
        return Damaged("window used before it was set");
      }
      if (!r.Get(len, &x)) return Damaged("values cut short");
      prev ^= x << (64 - lead - len);
    }
    out[k] = std::bit_cast<double>(prev);
  }
  if (r.bytes_used() != in.size()) return Damaged("bytes left after the values");
  return Status::Ok();
}

}  // namespace sundial::core::codec
