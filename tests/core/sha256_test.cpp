#include "core/sha256.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace sundial::core {
namespace {


// FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA256_2.pdf") and the million-'a' vector.
TEST(Sha256Test, PublishedVectors) {
  EXPECT_EQ(HexDigest(Sha256Hash("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexDigest(Sha256Hash("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexDigest(Sha256Hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(HexDigest(Sha256Hash(std::string(1'000'000, 'a'))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(HexDigest(Sha256Hash("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

// Every length around the padding boundaries (55/56/63/64 bytes), fed in random pieces, hashes
// the same as in one piece; the object resets after Finish().
TEST(Sha256Test, PiecewiseEqualsWholeAtEveryLength) {
  std::mt19937 rng(7);
  Sha256 h;
  for (size_t len = 0; len < 300; ++len) {
    std::string m(len, '\0');
    for (char& c : m) c = static_cast<char>(rng());
    Sha256Digest whole = Sha256Hash(m);
    size_t pos = 0;
    while (pos < len) {
      size_t take = std::min(len - pos, static_cast<size_t>(rng() % 70));
      h.Update(m.data() + pos, take);
      pos += take;
    }
    ASSERT_EQ(HexDigest(h.Finish()), HexDigest(whole)) << len;
  }
}

}  // namespace
}  // namespace sundial::core
