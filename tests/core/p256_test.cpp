#include "core/p256.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace sundial::core {
namespace {

P256Scalar FromHex(const std::string& hex) {
  P256Scalar out{};
  EXPECT_EQ(hex.size(), 64u);
  for (size_t i = 0; i < 32 && 2 * i + 1 < hex.size(); ++i) {
    out[i] = static_cast<uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  }
  return out;
}

// RFC 6979 A.2.5: the P-256 key and the SHA-256 signatures of "sample" and "test".
const P256Scalar kD = FromHex("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721");
const P256PublicKey kKey{FromHex("60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"),
                         FromHex("7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299")};
struct Vector {
  const char* message;
  const char* k;
  const char* r;
  const char* s;
};
const Vector kVectors[] = {
    {"sample", "A6E3C57DD01ABE90086538398355DD4C3B17AA873382B0F24D6129493D8AAD60",
     "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
     "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"},
    {"test", "D16B6AE827F17175E040871A1C7EC3500192C4C92677336EC2537ACAEE0008E0",
     "F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367",
     "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083"},
};
const char* kOrderHex = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";
const char* kPrimeHex = "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF";

std::string Raw(const P256Scalar& r, const P256Scalar& s) {
  return std::string(r.begin(), r.end()) + std::string(s.begin(), s.end());
}

TEST(P256Test, PublicKeyOfRfc6979PrivateKey) {
  P256PublicKey q;
  ASSERT_TRUE(P256PublicKeyFromPrivate(kD, &q));
  EXPECT_EQ(q.x, kKey.x);
  EXPECT_EQ(q.y, kKey.y);
  EXPECT_TRUE(P256IsValidPublicKey(kKey));
}

TEST(P256Test, Rfc6979SignaturesVerifyAndSigningReproducesThem) {
  for (const Vector& v : kVectors) {
    P256Scalar r = FromHex(v.r), s = FromHex(v.s);
    Sha256Digest digest = Sha256Hash(v.message);
    EXPECT_TRUE(P256VerifyDigest(kKey, digest, r, s)) << v.message;
    EXPECT_TRUE(P256VerifySha256(kKey, v.message, EcdsaDerEncode(r, s))) << v.message;
    EXPECT_TRUE(P256VerifySha256(kKey, v.message, Raw(r, s))) << v.message;
    P256Scalar r2, s2;
    ASSERT_TRUE(P256SignDigest(kD, FromHex(v.k), digest, &r2, &s2));
    EXPECT_EQ(r2, r) << v.message;
    EXPECT_EQ(s2, s) << v.message;
  }
}

// SigVer-style negative cases: every single-bit flip of r, s, the message or the key fails.
TEST(P256Test, AnyFlippedBitFails) {
  const Vector& v = kVectors[0];
  const P256Scalar r = FromHex(v.r), s = FromHex(v.s);
  const Sha256Digest digest = Sha256Hash(v.message);
  for (int bit = 0; bit < 256; ++bit) {
    P256Scalar r2 = r, s2 = s;
    r2[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
    s2[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
    EXPECT_FALSE(P256VerifyDigest(kKey, digest, r2, s)) << "r bit " << bit;
    EXPECT_FALSE(P256VerifyDigest(kKey, digest, r, s2)) << "s bit " << bit;
    P256PublicKey kx = kKey, ky = kKey;
    kx.x[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
    ky.y[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
    EXPECT_FALSE(P256VerifyDigest(kx, digest, r, s)) << "key x bit " << bit;
    EXPECT_FALSE(P256VerifyDigest(ky, digest, r, s)) << "key y bit " << bit;
    EXPECT_FALSE(P256IsValidPublicKey(kx)) << bit;
  }
  std::string m = v.message;
  for (size_t i = 0; i < m.size() * 8; ++i) {
    std::string m2 = m;
    m2[i / 8] = static_cast<char>(m2[i / 8] ^ (1 << (i % 8)));
    EXPECT_FALSE(P256VerifySha256(kKey, m2, Raw(r, s))) << "message bit " << i;
  }
}

TEST(P256Test, OutOfRangeScalarsAndBadKeysFail) {
  const Vector& v = kVectors[1];
  const P256Scalar r = FromHex(v.r), s = FromHex(v.s);
  const Sha256Digest digest = Sha256Hash(v.message);
  const P256Scalar zero{}, n = FromHex(kOrderHex);
  P256Scalar all_ones;
  all_ones.fill(0xff);
  for (const P256Scalar& bad : {zero, n, all_ones}) {
    EXPECT_FALSE(P256VerifyDigest(kKey, digest, bad, s));
    EXPECT_FALSE(P256VerifyDigest(kKey, digest, r, bad));
  }
  // r + n, s + n would pass a check that only reduces mod n: they must fail (when < 2^256).
  // The point at infinity (0, 0), a coordinate >= p, and a point off the curve are refused.
  EXPECT_FALSE(P256IsValidPublicKey(P256PublicKey{}));
  P256PublicKey big = kKey;
  big.x = FromHex(kPrimeHex);
  EXPECT_FALSE(P256IsValidPublicKey(big));
  EXPECT_FALSE(P256VerifyDigest(big, digest, r, s));
  P256PublicKey off = kKey;
  off.y[31] ^= 1;
  EXPECT_FALSE(P256VerifyDigest(off, digest, r, s));
  // (x, -y) is on the curve but is another key.
  P256PublicKey neg = kKey;
  {
    // -y = p - y
    const P256Scalar p = FromHex(kPrimeHex);
    int borrow = 0;
    for (int i = 31; i >= 0; --i) {
      int d = p[i] - kKey.y[i] - borrow;
      borrow = d < 0;
      neg.y[i] = static_cast<uint8_t>(d + (borrow ? 256 : 0));
    }
  }
  EXPECT_TRUE(P256IsValidPublicKey(neg));
  EXPECT_FALSE(P256VerifyDigest(neg, digest, r, s));
}

TEST(P256Test, DerParsingIsStrict) {
  const P256Scalar r = FromHex(kVectors[0].r), s = FromHex(kVectors[1].s);  // s has a 0x01 lead
  const std::string good = EcdsaDerEncode(r, s);
  P256Scalar r2, s2;
  ASSERT_TRUE(ParseEcdsaDerSignature(good, &r2, &s2));
  EXPECT_EQ(r2, r);
  EXPECT_EQ(s2, s);
  EXPECT_EQ(static_cast<uint8_t>(good[3]), 33);  // r has its high bit set: a 0x00 prefix
  // Every truncation and every extension fails.
  for (size_t len = 0; len < good.size(); ++len) {
    EXPECT_FALSE(ParseEcdsaDerSignature(good.substr(0, len), &r2, &s2)) << len;
  }
  EXPECT_FALSE(ParseEcdsaDerSignature(good + '\0', &r2, &s2));
  auto mutated = [&](size_t at, char byte) {
    std::string m = good;
    m[at] = byte;
    return ParseEcdsaDerSignature(m, &r2, &s2);
  };
  EXPECT_FALSE(mutated(0, 0x31));                          // not a SEQUENCE
  EXPECT_FALSE(mutated(1, static_cast<char>(good[1] + 1)));  // length mismatch
  EXPECT_FALSE(mutated(1, static_cast<char>(0x81)));       // long form
  EXPECT_FALSE(mutated(2, 0x03));                          // not an INTEGER
  EXPECT_FALSE(mutated(4, 0x01));                          // 33 bytes without a 0x00 prefix
  // Negative, non-minimal, empty and too long integers.
  auto der = [](const std::string& ri, const std::string& si) {
    std::string body = std::string{'\x02', static_cast<char>(ri.size())} + ri +
                       std::string{'\x02', static_cast<char>(si.size())} + si;
    return std::string{'\x30', static_cast<char>(body.size())} + body;
  };
  EXPECT_TRUE(ParseEcdsaDerSignature(der("\x01", "\x7f"), &r2, &s2));
  EXPECT_EQ(r2[31], 1);
  EXPECT_EQ(s2[31], 0x7f);
  EXPECT_FALSE(ParseEcdsaDerSignature(der("\x80", "\x01"), &r2, &s2));
  EXPECT_FALSE(ParseEcdsaDerSignature(der(std::string("\x00\x01", 2), "\x01"), &r2, &s2));
  EXPECT_FALSE(ParseEcdsaDerSignature(der("", "\x01"), &r2, &s2));
  EXPECT_FALSE(ParseEcdsaDerSignature(der(std::string(33, '\x01'), "\x01"), &r2, &s2));
  EXPECT_FALSE(ParseEcdsaDerSignature(der(std::string("\x00", 1) + std::string(33, '\x81'), "\x01"),
                                      &r2, &s2));
  // A signature that is neither 64 raw bytes nor DER is refused by verification.
  EXPECT_FALSE(P256VerifySha256(kKey, kVectors[0].message, good.substr(0, 63)));
  EXPECT_FALSE(P256VerifySha256(kKey, kVectors[0].message, ""));
}

// Every one-byte change of a valid DER signature either fails to parse or parses to other
// (r, s) (never past the end: ASan checks the reads); one change per position is verified and
// refused.
TEST(P256Test, EveryByteChangeOfDerIsRefused) {
  const Vector& v = kVectors[0];
  const std::string good = EcdsaDerEncode(FromHex(v.r), FromHex(v.s));
  const P256Scalar r = FromHex(v.r), s = FromHex(v.s);
  for (size_t at = 0; at < good.size(); ++at) {
    for (int byte = 0; byte < 256; ++byte) {
      if (static_cast<uint8_t>(good[at]) == byte) continue;
      std::string m = good;
      m[at] = static_cast<char>(byte);
      P256Scalar r2, s2;
      if (ParseEcdsaDerSignature(m, &r2, &s2)) {
        EXPECT_TRUE(r2 != r || s2 != s) << at << " " << byte;
      }
    }
    std::string m = good;
    m[at] = static_cast<char>(m[at] ^ 0x10);
    EXPECT_FALSE(P256VerifySha256(kKey, v.message, m)) << at;
  }
}

// Keys whose point is G, -G or 2G exercise the equal-point and opposite-point cases of the
// combined u1*G + u2*Q; signing takes the plain double-and-add path, so the two must agree.
TEST(P256Test, EdgeKeysNearTheGenerator) {
  P256Scalar one{}, two{}, n_minus_1 = FromHex(kOrderHex);
  one[31] = 1;
  two[31] = 2;
  n_minus_1[31] -= 1;
  const P256Scalar k = FromHex(kVectors[0].k);
  for (const P256Scalar& d : {one, two, n_minus_1}) {
    P256PublicKey q;
    ASSERT_TRUE(P256PublicKeyFromPrivate(d, &q));
    P256Scalar r, s;
    for (const char* m : {"sample", "test", ""}) {
      ASSERT_TRUE(P256SignDigest(d, k, Sha256Hash(m), &r, &s));
      EXPECT_TRUE(P256VerifyDigest(q, Sha256Hash(m), r, s)) << m;
      EXPECT_FALSE(P256VerifyDigest(q, Sha256Hash(std::string(m) + "!"), r, s)) << m;
    }
  }
}

// Random keys, nonces and messages: what is signed verifies, under that key only.
TEST(P256Test, RandomSignVerifyRoundTrips) {
  std::mt19937_64 rng(20261202);
  auto random_scalar = [&] {
    P256Scalar v;
    for (auto& b : v) b = static_cast<uint8_t>(rng());
    v[0] &= 0x7f;  // below n
    v[31] |= 1;    // not zero
    return v;
  };
  P256PublicKey previous = kKey;
  for (int i = 0; i < 40; ++i) {
    P256Scalar d = random_scalar(), k = random_scalar();
    P256PublicKey q;
    ASSERT_TRUE(P256PublicKeyFromPrivate(d, &q));
    ASSERT_TRUE(P256IsValidPublicKey(q));
    std::string m(static_cast<size_t>(rng() % 600), '\0');
    for (char& c : m) c = static_cast<char>(rng());
    P256Scalar r, s;
    ASSERT_TRUE(P256SignDigest(d, k, Sha256Hash(m), &r, &s));
    EXPECT_TRUE(P256VerifySha256(q, m, EcdsaDerEncode(r, s))) << i;
    EXPECT_TRUE(P256VerifySha256(q, m, Raw(r, s))) << i;
    EXPECT_FALSE(P256VerifySha256(previous, m, EcdsaDerEncode(r, s))) << i;
    EXPECT_FALSE(P256VerifySha256(q, m + "x", EcdsaDerEncode(r, s))) << i;
    previous = q;
  }
}

}  // namespace
}  // namespace sundial::core
