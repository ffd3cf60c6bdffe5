#include "core/crc32c.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace sundial::core {
namespace {

TEST(Crc32cTest, KnownVectors) {
  // RFC 3720 B.4 test vectors.
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  std::string zeros(32, '\0');
  EXPECT_EQ(Crc32c(zeros), 0x8A9136AAu);
  std::string ones(32, '\xff');
  EXPECT_EQ(Crc32c(ones), 0x62A8AB43u);
}

TEST(Crc32cTest, ExtendEqualsWhole) {
  std::string s;
  for (int i = 0; i < 1000; ++i) s.push_back(static_cast<char>(i * 7));
  for (size_t cut : {0u, 1u, 7u, 8u, 9u, 500u, 999u, 1000u}) {
    uint32_t c = Crc32cExtend(Crc32c(s.data(), cut), s.data() + cut, s.size() - cut);
    EXPECT_EQ(c, Crc32c(s)) << cut;
  }
}

// Bit by bit, straight from the definition: the model the fast paths are checked against.
uint32_t ReferenceCrc32c(const uint8_t* p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
  }
  return ~c;
}

// The three-lane path (blocks of 3 x 8 KiB and 3 x 256 bytes) and its joins, against the model:
// lengths around every block boundary and random ones, at every alignment, whole and extended
// piece by piece at random cuts.
TEST(Crc32cTest, EveryLengthAndAlignmentMatchesTheBitwiseDefinition) {
  std::mt19937_64 rng(42);
  std::vector<uint8_t> buf(200'000 + 8);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  std::vector<size_t> lengths;
  for (size_t block : {size_t{3 * 256}, size_t{3 * 8192}}) {
    for (size_t m = 1; m <= 3; ++m) {
      for (int d = -9; d <= 9; ++d) lengths.push_back(m * block + d);
    }
  }
  for (size_t n = 0; n < 40; ++n) lengths.push_back(n);
  for (int i = 0; i < 60; ++i) lengths.push_back(rng() % 200'000);
  for (size_t n : lengths) {
    for (size_t align = 0; align < 8; ++align) {
      const uint8_t* p = buf.data() + align;
      const uint32_t want = ReferenceCrc32c(p, n);
      ASSERT_EQ(Crc32c(p, n), want) << "n=" << n << " align=" << align;
      uint32_t c = 0;
      for (size_t off = 0; off < n;) {
        const size_t piece = std::min<size_t>(n - off, 1 + rng() % 30'000);
        c = Crc32cExtend(c, p + off, piece);
        off += piece;
      }
      ASSERT_EQ(c, want) << "pieces, n=" << n << " align=" << align;
    }
  }
  // All-zero and all-ones blocks (the shift tables are built from zeros) and a one-bit change
  // in each lane of a block changes the result.
  std::vector<uint8_t> zeros(3 * 8192 * 2, 0), ones(3 * 8192 * 2, 0xff);
  EXPECT_EQ(Crc32c(zeros.data(), zeros.size()), ReferenceCrc32c(zeros.data(), zeros.size()));
  EXPECT_EQ(Crc32c(ones.data(), ones.size()), ReferenceCrc32c(ones.data(), ones.size()));
  const uint32_t base = Crc32c(zeros.data(), zeros.size());
  for (size_t at : {size_t{0}, size_t{8192}, size_t{2 * 8192 + 7}, zeros.size() - 1}) {
    zeros[at] = 1;
    EXPECT_NE(Crc32c(zeros.data(), zeros.size()), base) << at;
    EXPECT_EQ(Crc32c(zeros.data(), zeros.size()), ReferenceCrc32c(zeros.data(), zeros.size()));
    zeros[at] = 0;
  }
}

}  // namespace
}  // namespace sundial::core
