// Round-trip, differential and damage tests of the block codecs in core/codec/: bit packing,
// the integer codecs, ALP and XOR for doubles, LZ for bytes. Every check is bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/codec/bit_pack.h"
#include "core/codec/double_codec.h"
#include "core/codec/int_codec.h"
#include "core/codec/lz.h"

namespace sundial::core::codec {
namespace {

constexpr uint32_t kSeed = 20261203;
constexpr IntCodec kIntCodecs[] = {IntCodec::kFor, IntCodec::kDelta, IntCodec::kDeltaDelta,
                                   IntCodec::kRle};

// The model of bit packing: bit b of the stream is bit b % 8 of byte b / 8, set one at a time.
std::string ModelPack(const std::vector<uint64_t>& v, int width) {
  std::string out(PackedSize(v.size(), width), '\0');
  for (size_t k = 0; k < v.size(); ++k) {
    for (int i = 0; i < width; ++i) {
      if ((v[k] >> i) & 1) {
        const size_t bit = k * width + i;
        out[bit / 8] = static_cast<char>(out[bit / 8] | (1 << (bit % 8)));
      }
    }
  }
  return out;
}

TEST(BitPackTest, EveryWidthMatchesTheBitByBitModelAndRoundTrips) {
  std::mt19937_64 rng(kSeed);
  for (int width = 0; width <= 64; ++width) {
    for (size_t n : {0, 1, 7, 8, 63, 64, 65, 1000}) {
      std::vector<uint64_t> v(n);
      const uint64_t mask = width == 64 ? ~0ull : (1ull << width) - 1;
      for (auto& x : v) x = rng() & mask;
      if (n > 0) v[0] = mask;  // the widest value of the width
      std::string packed;
      PackBits(v.data(), n, width, &packed);
      ASSERT_EQ(packed, ModelPack(v, width)) << "width " << width << " n " << n;
      std::vector<uint64_t> back(n, 12345);
      UnpackBits(reinterpret_cast<const uint8_t*>(packed.data()), n, width, back.data());
      ASSERT_EQ(back, v) << "width " << width << " n " << n;
    }
  }
}

// Runs `body` with the decode loops of every instruction set level this CPU has (DecodeIsa),
// leaving the best one on.
template <typename Body>
void ForEachDecodePath(Body body) {
  for (DecodeIsa isa : {DecodeIsa::kPortable, DecodeIsa::kAvx2, DecodeIsa::kAvx512}) {
    if (isa > CpuDecodeIsa()) {
      std::printf("decode level %d not on this CPU: not tested\n", static_cast<int>(isa));
      continue;
    }
    SetDecodeIsaForTesting(isa);
    SCOPED_TRACE("decode level " + std::to_string(static_cast<int>(isa)));
    body();
  }
  SetDecodeIsaForTesting(CpuDecodeIsa());
}

// The model of unpacking: value k is bits [k*width, (k+1)*width) of the stream, read one bit at
// a time, plus base.
std::vector<uint64_t> ModelUnpackFor(const std::vector<uint8_t>& in, size_t n, int width,
                                     uint64_t base) {
  std::vector<uint64_t> v(n);
  for (size_t k = 0; k < n; ++k) {
    uint64_t x = 0;
    for (int i = 0; i < width; ++i) {
      const size_t bit = k * width + i;
      x |= static_cast<uint64_t>((in[bit / 8] >> (bit % 8)) & 1) << i;
    }
    v[k] = x + base;
  }
  return v;
}

// Each width 0..64 at counts around the group of 8 and the batch, from random bytes (so the
// padding bits past the last value are not zero either) held in a buffer of exactly
// PackedSize bytes and written to one of exactly n values: ASan sees any read or write past
// either.
TEST(BitPackTest, UnpackForMatchesTheModelAtEveryWidthAndCountOnEveryPath) {
  std::mt19937_64 rng(kSeed + 10);
  ForEachDecodePath([&] {
    for (int width = 0; width <= 64; ++width) {
      for (size_t n : {0,  1,  2,  7,  8,   9,   15,  16,  17,   23,   24,  25,
                       31, 63, 64, 65, 127, 255, 256, 257, 4095, 4096, 4097}) {
        std::vector<uint8_t> in(PackedSize(n, width));
        for (auto& b : in) b = static_cast<uint8_t>(rng());
        const uint64_t base = rng();
        std::vector<uint64_t> out(n);
        UnpackFor(in.data(), n, width, base, out.data());
        ASSERT_EQ(out, ModelUnpackFor(in, n, width, base)) << "width " << width << " n " << n;
        UnpackBits(in.data(), n, width, out.data());
        ASSERT_EQ(out, ModelUnpackFor(in, n, width, 0)) << "width " << width << " n " << n;
      }
    }
  });
}

TEST(BitPackTest, HighBitsAboveTheWidthAreDropped) {
  std::vector<uint64_t> v = {~0ull, 0x1234, ~0ull};
  std::string packed;
  PackBits(v.data(), v.size(), 4, &packed);
  std::vector<uint64_t> back(3);
  UnpackBits(reinterpret_cast<const uint8_t*>(packed.data()), 3, 4, back.data());
  EXPECT_EQ(back, (std::vector<uint64_t>{15, 4, 15}));
}

// Integer inputs of every shape the tests care about, named for failure messages.
std::vector<std::pair<std::string, std::vector<int64_t>>> IntShapes(std::mt19937_64& rng) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  std::vector<std::pair<std::string, std::vector<int64_t>>> s;
  s.push_back({"empty", {}});
  s.push_back({"one", {42}});
  s.push_back({"one null", {kMin}});
  s.push_back({"extremes", {kMin, kMax, kMin, kMax, 0, -1, 1}});
  s.push_back({"wrap deltas", {kMax, kMin, kMax - 1, kMin + 1, kMax, kMin}});
  std::vector<int64_t> v(4096);
  for (auto& x : v) x = static_cast<int64_t>(rng());
  s.push_back({"random 64-bit", v});
  for (size_t k = 0; k < v.size(); ++k) v[k] = 1'704'067'200'000'000 + k * 10'000'000;
  s.push_back({"timestamps 10 s apart", v});
  for (size_t k = 0; k < v.size(); ++k) v[k] = 1'704'067'200'000'000 + (k / 1000) * 60'000'000;
  s.push_back({"timestamps shared by 1000 hosts", v});
  for (size_t k = 0; k < v.size(); ++k) {
    v[k] = 1'704'067'200'000'000 + k * 10'000'000 + static_cast<int64_t>(rng() % 1000);
  }
  s.push_back({"jittered timestamps", v});
  for (size_t k = 0; k < v.size(); ++k) v[k] = kMax - static_cast<int64_t>(v.size() - k);
  s.push_back({"near INT64_MAX ascending", v});
  for (size_t k = 0; k < v.size(); ++k) v[k] = kMin + 1 + static_cast<int64_t>(rng() % 100);
  s.push_back({"near INT64_MIN", v});
  for (auto& x : v) x = 7;
  s.push_back({"constant", v});
  for (size_t k = 0; k < v.size(); ++k) v[k] = rng() % 5 == 0 ? kMin : static_cast<int64_t>(k);
  s.push_back({"sorted with INT64_MIN nulls", v});
  for (auto& x : v) x = static_cast<int64_t>(rng() % 1000) - 500;
  s.push_back({"small signed", v});
  for (size_t k = 0; k < v.size(); ++k) v[k] = static_cast<int64_t>(k % 1000);
  s.push_back({"symbol keys cycling", v});
  for (size_t k = 0; k < v.size(); ++k) v[k] = static_cast<int64_t>((k / 37) % 3);
  s.push_back({"runs", v});
  for (size_t k = 0; k < v.size(); ++k) v[k] = static_cast<int64_t>(v.size() - k) * 1'000'003;
  s.push_back({"descending", v});
  return s;
}

TEST(IntCodecTest, EveryCodecRoundTripsEveryShape) {
  std::mt19937_64 rng(kSeed);
  for (const auto& [name, v] : IntShapes(rng)) {
    for (IntCodec c : kIntCodecs) {
      std::string enc;
      EncodeInts(c, v.data(), v.size(), &enc);
      std::vector<int64_t> back(v.size(), 99);
      Status st = DecodeInts(c, enc, v.size(), back.data());
      ASSERT_TRUE(st.ok()) << name << " codec " << int(c) << ": " << st.ToString();
      ASSERT_EQ(back, v) << name << " codec " << int(c);
    }
  }
}

TEST(IntCodecTest, RandomWidthsRoundTrip) {
  std::mt19937_64 rng(kSeed + 1);
  for (int iter = 0; iter < 300; ++iter) {
    const size_t n = rng() % 5000;
    const int width = static_cast<int>(rng() % 65);
    const int64_t base = static_cast<int64_t>(rng());
    std::vector<int64_t> v(n);
    for (auto& x : v) {
      const uint64_t off = width == 64 ? rng() : rng() & ((1ull << width) - 1);
      x = static_cast<int64_t>(static_cast<uint64_t>(base) + off);
    }
    for (IntCodec c : kIntCodecs) {
      std::string enc;
      EncodeInts(c, v.data(), n, &enc);
      std::vector<int64_t> back(n);
      ASSERT_TRUE(DecodeInts(c, enc, n, back.data()).ok()) << "seed " << kSeed + 1;
      ASSERT_EQ(back, v) << "iter " << iter << " codec " << int(c);
    }
  }
}

TEST(IntCodecTest, ConstantBlocksAndRegularStepsCostAlmostNothing) {
  std::vector<int64_t> v(4096, -5);
  std::vector<int64_t> steps(4096);
  for (size_t k = 0; k < steps.size(); ++k) steps[k] = 1000 + 10 * static_cast<int64_t>(k);
  for (IntCodec c : kIntCodecs) {
    std::string enc;
    EncodeInts(c, v.data(), v.size(), &enc);
    EXPECT_LE(enc.size(), 40u) << int(c);
  }
  std::string enc;
  EncodeInts(IntCodec::kDelta, steps.data(), steps.size(), &enc);
  EXPECT_LE(enc.size(), 20u);
}

TEST(IntCodecTest, EveryTruncationAndExtensionIsCorruption) {
  std::mt19937_64 rng(kSeed);
  for (const auto& [name, v] : IntShapes(rng)) {
    if (v.size() > 64) continue;  // short shapes: every cut
    for (IntCodec c : kIntCodecs) {
      std::string enc;
      EncodeInts(c, v.data(), v.size(), &enc);
      std::vector<int64_t> back(v.size());
      for (size_t cut = 0; cut < enc.size(); ++cut) {
        Status st = DecodeInts(c, std::string_view(enc).substr(0, cut), v.size(), back.data());
        ASSERT_EQ(st.code(), StatusCode::kCorruption) << name << " codec " << int(c) << " " << cut;
      }
      Status st = DecodeInts(c, enc + "x", v.size(), back.data());
      ASSERT_EQ(st.code(), StatusCode::kCorruption) << name << " codec " << int(c);
    }
  }
}

TEST(IntCodecTest, DamagedHeadersAreCorruptionNeverACrash) {
  std::vector<int64_t> v(100);
  for (size_t k = 0; k < v.size(); ++k) v[k] = static_cast<int64_t>(k % 7);
  std::vector<int64_t> back(v.size());
  std::mt19937_64 rng(kSeed);
  for (IntCodec c : kIntCodecs) {
    std::string enc;
    EncodeInts(c, v.data(), v.size(), &enc);
    for (int iter = 0; iter < 2000; ++iter) {
      std::string bad = enc;
      bad[rng() % bad.size()] = static_cast<char>(rng());
      Status st = DecodeInts(c, bad, v.size(), back.data());
      if (!st.ok()) {
        EXPECT_EQ(st.code(), StatusCode::kCorruption);
      }
    }
  }
  std::string bad(9, '\0');
  bad[8] = 65;  // width 65
  EXPECT_EQ(DecodeInts(IntCodec::kFor, bad, 1, back.data()).code(), StatusCode::kCorruption);
}

TEST(IntCodecTest, ChooserPicksTheSmallestOnShortInputsAndFitsTheShape) {
  std::mt19937_64 rng(kSeed);
  for (const auto& [name, v] : IntShapes(rng)) {
    std::vector<int64_t> head(v.begin(), v.begin() + std::min<size_t>(v.size(), 512));
    const IntCodec chosen = ChooseIntCodec(head.data(), head.size());
    std::string best;
    EncodeInts(chosen, head.data(), head.size(), &best);
    for (IntCodec c : kIntCodecs) {
      std::string enc;
      EncodeInts(c, head.data(), head.size(), &enc);
      EXPECT_LE(best.size(), enc.size()) << name << " chose " << int(chosen) << " over " << int(c);
    }
  }
  std::vector<int64_t> shared(4096);
  for (size_t k = 0; k < shared.size(); ++k) shared[k] = (k / 1000) * 60'000'000;
  EXPECT_EQ(ChooseIntCodec(shared.data(), shared.size()), IntCodec::kRle);
}

uint64_t Bits(double d) { return std::bit_cast<uint64_t>(d); }

// Doubles of every class of bit pattern.
std::vector<double> AdversarialDoubles(std::mt19937_64& rng) {
  std::vector<double> v = {0.0,
                           -0.0,
                           1.0,
                           -1.0,
                           0.1,
                           0.29,
                           100.0,
                           std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity(),
                           std::numeric_limits<double>::quiet_NaN(),
                           std::bit_cast<double>(0x7ff0000000000001ull),  // signalling NaN
                           std::bit_cast<double>(0xfff8dead0000beefull),  // negative NaN payload
                           std::bit_cast<double>(0x7fffffffffffffffull),
                           std::numeric_limits<double>::denorm_min(),
                           -std::numeric_limits<double>::denorm_min(),
                           std::bit_cast<double>(0x000fffffffffffffull),  // largest subnormal
                           std::numeric_limits<double>::min(),
                           std::numeric_limits<double>::max(),
                           std::numeric_limits<double>::lowest(),
                           std::numeric_limits<double>::epsilon(),
                           9007199254740993.0,
                           1e300,
                           -1e-300,
                           123456789.123456789};
  for (int k = 0; k < 200; ++k) v.push_back(std::bit_cast<double>(rng()));
  for (int k = 0; k < 200; ++k) v.push_back(static_cast<double>(rng() % 10001) / 100.0);
  return v;
}

void ExpectSameBits(const std::vector<double>& a, const std::vector<double>& b,
                    const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t k = 0; k < a.size(); ++k) {
    ASSERT_EQ(Bits(a[k]), Bits(b[k])) << what << " at " << k;
  }
}

TEST(DoubleCodecTest, AlpAtEveryExponentAndXorRoundTripEveryBitPattern) {
  std::mt19937_64 rng(kSeed);
  const std::vector<double> v = AdversarialDoubles(rng);
  for (size_t n : {size_t{0}, size_t{1}, v.size()}) {
    const std::vector<double> in(v.begin(), v.begin() + n);
    for (int e = 0; e <= kAlpMaxExponent; ++e) {
      std::string enc;
      EncodeAlp(in.data(), n, e, &enc);
      std::vector<double> back(n);
      ASSERT_TRUE(DecodeAlp(enc, n, back.data()).ok());
      ExpectSameBits(in, back, "alp e=" + std::to_string(e));
    }
    std::string enc;
    EncodeXor(in.data(), n, &enc);
    std::vector<double> back(n);
    ASSERT_TRUE(DecodeXor(enc, n, back.data()).ok());
    ExpectSameBits(in, back, "xor");
  }
}

TEST(DoubleCodecTest, RandomBitPatternsRoundTrip) {
  std::mt19937_64 rng(kSeed + 2);
  for (int iter = 0; iter < 50; ++iter) {
    std::vector<double> v(1 + rng() % 4096);
    const int shape = iter % 3;
    for (size_t k = 0; k < v.size(); ++k) {
      v[k] = shape == 0 ? std::bit_cast<double>(rng())
             : shape == 1
                 ? std::sin(static_cast<double>(k) * 0.01) * 1e3
                 : static_cast<double>(static_cast<int64_t>(rng() % 2000001) - 1000000) / 1000.0;
    }
    const AlpChoice choice = ChooseAlpExponent(v.data(), v.size());
    std::string a, x;
    EncodeAlp(v.data(), v.size(), choice.exponent, &a);
    EncodeXor(v.data(), v.size(), &x);
    std::vector<double> back(v.size());
    ASSERT_TRUE(DecodeAlp(a, v.size(), back.data()).ok());
    ExpectSameBits(v, back, "alp iter " + std::to_string(iter));
    ASSERT_TRUE(DecodeXor(x, v.size(), back.data()).ok());
    ExpectSameBits(v, back, "xor iter " + std::to_string(iter));
  }
}

TEST(DoubleCodecTest, AlpStoresTwoDecimalValuesAsSmallIntegers) {
  std::mt19937_64 rng(kSeed);
  std::vector<double> v(4096);
  for (auto& d : v) d = static_cast<double>(rng() % 10001) / 100.0;  // 0.00 .. 100.00
  const AlpChoice choice = ChooseAlpExponent(v.data(), v.size());
  EXPECT_EQ(choice.exponent, 2);
  EXPECT_EQ(choice.exception_share, 0.0);
  std::string enc;
  EncodeAlp(v.data(), v.size(), choice.exponent, &enc);
  EXPECT_LE(enc.size(), 4096u * 14 / 8 + 32);  // 14 bits per value: 0..10000
  std::vector<double> back(v.size());
  ASSERT_TRUE(DecodeAlp(enc, v.size(), back.data()).ok());
  ExpectSameBits(v, back, "two decimals");
}

TEST(DoubleCodecTest, TruncatedOrExtendedEncodingsAreCorruption) {
  std::mt19937_64 rng(kSeed);
  std::vector<double> v = AdversarialDoubles(rng);
  v.resize(40);
  std::vector<double> back(v.size());
  std::string a, x;
  EncodeAlp(v.data(), v.size(), 2, &a);
  EncodeXor(v.data(), v.size(), &x);
  for (size_t cut = 0; cut < a.size(); ++cut) {
    ASSERT_EQ(DecodeAlp(std::string_view(a).substr(0, cut), v.size(), back.data()).code(),
              StatusCode::kCorruption)
        << cut;
  }
  for (size_t cut = 0; cut < x.size(); ++cut) {
    ASSERT_EQ(DecodeXor(std::string_view(x).substr(0, cut), v.size(), back.data()).code(),
              StatusCode::kCorruption)
        << cut;
  }
  EXPECT_EQ(DecodeAlp(a + "x", v.size(), back.data()).code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeXor(x + "x", v.size(), back.data()).code(), StatusCode::kCorruption);
  for (int iter = 0; iter < 3000; ++iter) {
    std::string bad = iter % 2 ? a : x;
    bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    Status st =
        iter % 2 ? DecodeAlp(bad, v.size(), back.data()) : DecodeXor(bad, v.size(), back.data());
    if (!st.ok()) {
      ASSERT_EQ(st.code(), StatusCode::kCorruption);
    }
  }
}

TEST(DoubleCodecTest, AlpDigitsOutsideTheExactRangeAreCorruption) {
  for (int64_t digits : {int64_t{1} << 51, -(int64_t{1} << 51) - 1, INT64_MIN, INT64_MAX}) {
    for (size_t n : {size_t{1}, size_t{5}}) {
      // exponent 0, no exceptions, FOR section: base = digits, width 0.
      std::string enc(1, '\0');
      enc.append(4, '\0');
      enc.append(reinterpret_cast<const char*>(&digits), 8);
      enc.push_back('\0');
      std::vector<double> back(n);
      EXPECT_EQ(DecodeAlp(enc, n, back.data()).code(), StatusCode::kCorruption) << digits;
    }
  }
  const int64_t ok = (int64_t{1} << 51) - 1;
  std::string enc(5, '\0');
  enc.append(reinterpret_cast<const char*>(&ok), 8);
  enc.push_back('\0');
  double back[3];
  ASSERT_TRUE(DecodeAlp(enc, 3, back).ok());
  EXPECT_EQ(back[2], static_cast<double>(ok));
}

// An ALP payload written by hand: exponent e, no exceptions, the digits as a FOR section.
std::string AlpPayload(int e, const std::vector<int64_t>& digits) {
  std::string enc(1, static_cast<char>(e));
  enc.append(4, '\0');
  EncodeInts(IntCodec::kFor, digits.data(), digits.size(), &enc);
  return enc;
}

// The decoder may compute digits / 10^e without a division (double_codec.cpp: a corrected
// product); it must give the correctly rounded quotient, i.e. what the division gives, for
// every digit in range at every exponent.
TEST(DoubleCodecTest, AlpDecodeEqualsTheDivisionForEveryExponentAndDigitRange) {
  std::mt19937_64 rng(kSeed + 11);
  constexpr int64_t kLimit = int64_t{1} << 51;
  double pow10[kAlpMaxExponent + 1];
  for (int e = 0; e <= kAlpMaxExponent; ++e) pow10[e] = e == 0 ? 1 : pow10[e - 1] * 10;
  ForEachDecodePath([&] {
    for (int e = 0; e <= kAlpMaxExponent; ++e) {
      // Frames of every width 1..52 at random places inside (-2^51, 2^51), each with the
      // frame's ends, then the whole range's ends.
      for (int width = 1; width <= 52; ++width) {
        const int64_t span = width == 52 ? 2 * kLimit - 1 : (int64_t{1} << width) - 1;
        const int64_t lo =
            -kLimit + static_cast<int64_t>(rng() % static_cast<uint64_t>(2 * kLimit - span));
        std::vector<int64_t> d(300);
        for (auto& x : d) x = lo + static_cast<int64_t>(rng() % (static_cast<uint64_t>(span) + 1));
        d[0] = lo;
        d[299] = lo + span;
        std::vector<double> out(d.size());
        ASSERT_TRUE(DecodeAlp(AlpPayload(e, d), d.size(), out.data()).ok());
        for (size_t k = 0; k < d.size(); ++k) {
          ASSERT_EQ(Bits(out[k]), Bits(static_cast<double>(d[k]) / pow10[e]))
              << "e " << e << " digits " << d[k];
        }
      }
      // Small digits exhaustively: -99999..99999 (the decimals of typical data), in blocks of
      // at most 65536 values.
      for (int64_t first = -99999; first <= 99999; first += 50000) {
        std::vector<int64_t> d(static_cast<size_t>(std::min<int64_t>(50000, 100000 - first)));
        for (size_t k = 0; k < d.size(); ++k) d[k] = first + static_cast<int64_t>(k);
        std::vector<double> out(d.size());
        ASSERT_TRUE(DecodeAlp(AlpPayload(e, d), d.size(), out.data()).ok());
        for (size_t k = 0; k < d.size(); ++k) {
          ASSERT_EQ(Bits(out[k]), Bits(static_cast<double>(d[k]) / pow10[e])) << "e " << e;
        }
      }
    }
  });
}

// Block sizes at the edges of the group of 8 and the decoder's chunk of 256, exceptions (NaN,
// -0.0, infinity, a value with too many decimals) at the first and the last row and in between.
TEST(DoubleCodecTest, AlpBlockEdgesAndExceptionsAtTheEndsRoundTripOnEveryPath) {
  std::mt19937_64 rng(kSeed + 12);
  ForEachDecodePath([&] {
    for (size_t n : {1, 2, 7, 8, 9, 255, 256, 257, 263, 511, 512, 4095, 4096, 65536}) {
      for (int exceptions = 0; exceptions < 4; ++exceptions) {
        std::vector<double> v(n);
        for (auto& x : v) x = static_cast<double>(rng() % 20001) / 100.0 - 100.0;
        if (exceptions & 1) v[0] = std::numeric_limits<double>::quiet_NaN();
        if (exceptions & 2) v[n - 1] = n % 2 ? -0.0 : 0.123456789;
        if (exceptions == 3 && n > 2) v[n / 2] = -std::numeric_limits<double>::infinity();
        std::string enc;
        EncodeAlp(v.data(), n, 2, &enc);
        std::vector<double> back(n);
        ASSERT_TRUE(DecodeAlp(enc, n, back.data()).ok());
        ExpectSameBits(v, back,
                       "n " + std::to_string(n) + " exceptions " + std::to_string(exceptions));
      }
    }
  });
}

// A frame that reaches past 2^51 makes the decoder check each digit: in range it decodes, out of
// range it is Corruption.
TEST(DoubleCodecTest, AlpFrameReachingOutOfRangeIsCheckedPerDigit) {
  ForEachDecodePath([&] {
    const int64_t top = (int64_t{1} << 51) - 1;
    // base top - 2, width 3: the frame reaches top + 5, the digits do not.
    std::vector<int64_t> d = {top - 2, top, top - 1, top - 2 + 4};
    d.pop_back();
    std::string enc = AlpPayload(0, d);
    std::vector<double> out(d.size());
    ASSERT_TRUE(DecodeAlp(enc, d.size(), out.data()).ok());
    EXPECT_EQ(out[1], static_cast<double>(top));
    d.push_back(top + 1);
    out.resize(d.size());
    EXPECT_EQ(DecodeAlp(AlpPayload(0, d), d.size(), out.data()).code(), StatusCode::kCorruption);
    d = {-(int64_t{1} << 51) - 1, 0};
    EXPECT_EQ(DecodeAlp(AlpPayload(0, d), d.size(), out.data()).code(), StatusCode::kCorruption);
  });
}

// Delta and delta-of-delta are undone by running sums; the integer codecs decode the same on
// both paths at every width (random values of every width, and counts around the groups).
TEST(IntCodecTest, EveryCodecAtEveryWidthAndCountDecodesOnEveryPath) {
  std::mt19937_64 rng(kSeed + 13);
  ForEachDecodePath([&] {
    for (int width = 0; width <= 64; ++width) {
      for (size_t n : {1, 2, 3, 8, 9, 257, 4096}) {
        std::vector<int64_t> v(n);
        const uint64_t mask = width == 64 ? ~0ull : (1ull << width) - 1;
        const uint64_t base = rng();
        for (auto& x : v) x = static_cast<int64_t>(base + (rng() & mask));
        for (IntCodec c : kIntCodecs) {
          std::string enc;
          EncodeInts(c, v.data(), n, &enc);
          std::vector<int64_t> back(n);
          ASSERT_TRUE(DecodeInts(c, enc, n, back.data()).ok());
          ASSERT_EQ(back, v) << "codec " << static_cast<int>(c) << " width " << width << " n " << n;
        }
      }
    }
  });
}

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(LzTest, RoundTripsEveryShape) {
  std::mt19937_64 rng(kSeed);
  std::vector<std::string> inputs = {"",
                                     "a",
                                     "abc",
                                     "abcd",
                                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                                     std::string(100000, 'z'),
                                     RandomBytes(rng, 70000)};
  std::string text;
  for (int k = 0; k < 5000; ++k) text += "host_" + std::to_string(k % 1000) + ",us-east-1;";
  inputs.push_back(text);
  std::string mixed;
  for (int k = 0; k < 200; ++k) {
    mixed += RandomBytes(rng, rng() % 300);
    mixed += std::string(rng() % 300, static_cast<char>(rng()));
    mixed += mixed.substr(0, std::min<size_t>(mixed.size(), rng() % 500));
  }
  inputs.push_back(mixed);
  for (const std::string& in : inputs) {
    std::string enc;
    LzCompress(in, &enc);
    std::string back(in.size(), '\0');
    Status st = LzDecompress(enc, back.data(), back.size());
    ASSERT_TRUE(st.ok()) << in.size() << ": " << st.ToString();
    ASSERT_EQ(back, in);
    EXPECT_LE(enc.size(), in.size() + in.size() / 255 + 16);
  }
  std::string enc;
  LzCompress(text, &enc);
  EXPECT_LT(enc.size(), text.size() / 4);  // repetitive text compresses
}

TEST(LzTest, DamageIsCorruptionNeverAnOverrun) {
  std::mt19937_64 rng(kSeed);
  std::string text;
  for (int k = 0; k < 300; ++k) text += "value " + std::to_string(k % 17) + " ";
  std::string enc;
  LzCompress(text, &enc);
  std::string back(text.size(), '\0');
  for (size_t cut = 0; cut < enc.size(); ++cut) {
    ASSERT_EQ(LzDecompress(std::string_view(enc).substr(0, cut), back.data(), back.size()).code(),
              StatusCode::kCorruption)
        << cut;
  }
  EXPECT_EQ(LzDecompress(enc, back.data(), back.size() - 1).code(), StatusCode::kCorruption);
  std::string longer(text.size() + 1, '\0');
  EXPECT_EQ(LzDecompress(enc, longer.data(), longer.size()).code(), StatusCode::kCorruption);
  for (int iter = 0; iter < 5000; ++iter) {
    std::string bad = enc;
    bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    Status st = LzDecompress(bad, back.data(), back.size());
    if (!st.ok()) {
      ASSERT_EQ(st.code(), StatusCode::kCorruption);
    }
  }
}

}  // namespace
}  // namespace sundial::core::codec
