#include "core/p256.h"

namespace sundial::core {
namespace {

using u128 = unsigned __int128;
using U256 = std::array<uint64_t, 4>;  // little-endian limbs

U256 FromBytes(const uint8_t* be) {
  U256 r{};
  for (int i = 0; i < 32; ++i) r[3 - i / 8] = (r[3 - i / 8] << 8) | be[i];
  return r;
}

P256Scalar ToBytes(const U256& a) {
  P256Scalar out{};
  for (int i = 0; i < 32; ++i) out[i] = static_cast<uint8_t>(a[3 - i / 8] >> (56 - 8 * (i % 8)));
  return out;
}

U256 FromHex(const char* hex) {  // exactly 64 hex digits (constants below)
  P256Scalar b{};
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'A' + 10; };
  for (int i = 0; i < 32; ++i) b[i] = static_cast<uint8_t>(nibble(hex[2 * i]) * 16 + nibble(hex[2 * i + 1]));
  return FromBytes(b.data());
}

bool IsZero(const U256& a) { return (a[0] | a[1] | a[2] | a[3]) == 0; }

// -1, 0, 1 as a <, ==, > b.
int Compare(const U256& a, const U256& b) {
  for (int i = 3; i >= 0; --i) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

uint64_t Add(const U256& a, const U256& b, U256* r) {
  uint64_t carry = 0;
  for (int i = 0; i < 4; ++i) {
    u128 x = u128{a[i]} + b[i] + carry;
    (*r)[i] = static_cast<uint64_t>(x);
    carry = static_cast<uint64_t>(x >> 64);
  }
  return carry;
}

uint64_t Sub(const U256& a, const U256& b, U256* r) {
  uint64_t borrow = 0;
  for (int i = 0; i < 4; ++i) {
    u128 x = u128{a[i]} - b[i] - borrow;
    (*r)[i] = static_cast<uint64_t>(x);
    borrow = static_cast<uint64_t>(x >> 64) & 1;
  }
  return borrow;
}

// An odd modulus m < 2^256 with its Montgomery constants (R = 2^256).
struct Modulus {
  U256 m;
  uint64_t m0inv;  // -m^-1 mod 2^64
  U256 r2;         // R^2 mod m
  U256 one;        // R mod m (1 in Montgomery form)

  explicit Modulus(const char* hex) : m(FromHex(hex)) {
    uint64_t inv = m[0];  // correct to 3 bits for odd m; each step doubles them
    for (int i = 0; i < 6; ++i) inv *= 2 - m[0] * inv;
    m0inv = ~inv + 1;
    U256 x{1, 0, 0, 0};
    for (int i = 0; i < 512; ++i) x = AddMod(x, x);
    r2 = x;
    one = Mul(U256{1, 0, 0, 0}, r2);
  }

  // Inputs below m; results below m.
  U256 AddMod(const U256& a, const U256& b) const {
    U256 r;
    uint64_t carry = Add(a, b, &r);
    if (carry != 0 || Compare(r, m) >= 0) Sub(r, m, &r);
    return r;
  }
  U256 SubMod(const U256& a, const U256& b) const {
    U256 r;
    if (Sub(a, b, &r) != 0) Add(r, m, &r);
    return r;
  }
  // Montgomery product a * b / R mod m (CIOS). With one factor in Montgomery form and the other
  // plain, the result is the plain product.
  U256 Mul(const U256& a, const U256& b) const {
    uint64_t t[6] = {0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 4; ++i) {
      uint64_t carry = 0;
      for (int j = 0; j < 4; ++j) {
        u128 x = u128{a[j]} * b[i] + t[j] + carry;
        t[j] = static_cast<uint64_t>(x);
        carry = static_cast<uint64_t>(x >> 64);
      }
      u128 x = u128{t[4]} + carry;
      t[4] = static_cast<uint64_t>(x);
      t[5] = static_cast<uint64_t>(x >> 64);
      const uint64_t q = t[0] * m0inv;
      x = u128{q} * m[0] + t[0];
      carry = static_cast<uint64_t>(x >> 64);
      for (int j = 1; j < 4; ++j) {
        x = u128{q} * m[j] + t[j] + carry;
        t[j - 1] = static_cast<uint64_t>(x);
        carry = static_cast<uint64_t>(x >> 64);
      }
      x = u128{t[4]} + carry;
      t[3] = static_cast<uint64_t>(x);
      t[4] = t[5] + static_cast<uint64_t>(x >> 64);
    }
    U256 r{t[0], t[1], t[2], t[3]};
    if (t[4] != 0 || Compare(r, m) >= 0) Sub(r, m, &r);
    return r;
  }
  U256 ToMont(const U256& a) const { return Mul(a, r2); }
  U256 FromMont(const U256& a) const { return Mul(a, U256{1, 0, 0, 0}); }
  // a^(m-2), the inverse of a (Montgomery form in and out) for prime m; 0 maps to 0.
  U256 Inverse(const U256& a) const {
    U256 e;
    Sub(m, U256{2, 0, 0, 0}, &e);
    U256 r = one;
    for (int i = 255; i >= 0; --i) {
      r = Mul(r, r);
      if ((e[i / 64] >> (i % 64)) & 1) r = Mul(r, a);
    }
    return r;
  }
};

const Modulus& P() {
  static const Modulus kP("FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF");
  return kP;
}
const Modulus& N() {
  static const Modulus kN("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
  return kN;
}

// Jacobian coordinates in Montgomery form mod p: (X/Z^2, Y/Z^3); Z = 0 is the point at infinity.
struct Point {
  U256 x, y, z;
};

const U256& CurveB() {  // b in Montgomery form
  static const U256 kB =
      P().ToMont(FromHex("5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B"));
  return kB;
}

const Point& Generator() {
  static const Point kG{
      P().ToMont(FromHex("6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296")),
      P().ToMont(FromHex("4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5")),
      P().one};
  return kG;
}

// 2P for a = -3 (dbl-2001-b).
Point Double(const Point& a) {
  const Modulus& f = P();
  if (IsZero(a.z)) return a;
  U256 delta = f.Mul(a.z, a.z);
  U256 gamma = f.Mul(a.y, a.y);
  U256 beta = f.Mul(a.x, gamma);
  U256 t = f.Mul(f.SubMod(a.x, delta), f.AddMod(a.x, delta));
  U256 alpha = f.AddMod(f.AddMod(t, t), t);
  U256 beta2 = f.AddMod(beta, beta);
  U256 beta4 = f.AddMod(beta2, beta2);
  U256 beta8 = f.AddMod(beta4, beta4);
  Point r;
  r.x = f.SubMod(f.Mul(alpha, alpha), beta8);
  U256 yz = f.AddMod(a.y, a.z);
  r.z = f.SubMod(f.SubMod(f.Mul(yz, yz), gamma), delta);
  U256 g2 = f.Mul(gamma, gamma);
  U256 g2x2 = f.AddMod(g2, g2);
  U256 g2x4 = f.AddMod(g2x2, g2x2);
  U256 g2x8 = f.AddMod(g2x4, g2x4);
  r.y = f.SubMod(f.Mul(alpha, f.SubMod(beta4, r.x)), g2x8);
  return r;
}

// P + Q (add-2007-bl), with the infinity and equal-point cases.
Point AddPoints(const Point& a, const Point& b) {
  const Modulus& f = P();
  if (IsZero(a.z)) return b;
  if (IsZero(b.z)) return a;
  U256 z1z1 = f.Mul(a.z, a.z);
  U256 z2z2 = f.Mul(b.z, b.z);
  U256 u1 = f.Mul(a.x, z2z2);
  U256 u2 = f.Mul(b.x, z1z1);
  U256 s1 = f.Mul(f.Mul(a.y, b.z), z2z2);
  U256 s2 = f.Mul(f.Mul(b.y, a.z), z1z1);
  U256 h = f.SubMod(u2, u1);
  U256 sd = f.SubMod(s2, s1);
  if (IsZero(h)) {
    if (IsZero(sd)) return Double(a);
    return Point{f.one, f.one, U256{}};  // P + (-P)
  }
  U256 h2 = f.AddMod(h, h);
  U256 i = f.Mul(h2, h2);
  U256 j = f.Mul(h, i);
  U256 rr = f.AddMod(sd, sd);
  U256 v = f.Mul(u1, i);
  Point r;
  r.x = f.SubMod(f.SubMod(f.Mul(rr, rr), j), f.AddMod(v, v));
  U256 s1j = f.Mul(s1, j);
  r.y = f.SubMod(f.Mul(rr, f.SubMod(v, r.x)), f.AddMod(s1j, s1j));
  U256 zz = f.AddMod(a.z, b.z);
  r.z = f.Mul(f.SubMod(f.SubMod(f.Mul(zz, zz), z1z1), z2z2), h);
  return r;
}

// k * P by double-and-add over all 256 bits of k.
Point Multiply(const U256& k, const Point& p) {
  Point r{P().one, P().one, U256{}};
  for (int i = 255; i >= 0; --i) {
    r = Double(r);
    if ((k[i / 64] >> (i % 64)) & 1) r = AddPoints(r, p);
  }
  return r;
}

// a * P + b * Q in one pass (Shamir's trick): one doubling per bit, then P, Q or P + Q added.
Point MultiplyTwo(const U256& a, const Point& p, const U256& b, const Point& q) {
  const Point pq = AddPoints(p, q);
  Point r{P().one, P().one, U256{}};
  for (int i = 255; i >= 0; --i) {
    r = Double(r);
    const bool bit_a = (a[i / 64] >> (i % 64)) & 1;
    const bool bit_b = (b[i / 64] >> (i % 64)) & 1;
    if (bit_a && bit_b) {
      r = AddPoints(r, pq);
    } else if (bit_a) {
      r = AddPoints(r, p);
    } else if (bit_b) {
      r = AddPoints(r, q);
    }
  }
  return r;
}

// Affine x (plain) of a finite point.
U256 AffineX(const Point& a) {
  const Modulus& f = P();
  U256 zi = f.Inverse(a.z);
  return f.FromMont(f.Mul(a.x, f.Mul(zi, zi)));
}

// A scalar in [1, n-1]?
bool InScalarRange(const U256& v) { return !IsZero(v) && Compare(v, N().m) < 0; }

// The digest as an integer mod n (a 256-bit value is below 2n).
U256 DigestScalar(const Sha256Digest& digest) {
  U256 e = FromBytes(digest.data());
  if (Compare(e, N().m) >= 0) Sub(e, N().m, &e);
  return e;
}

bool OnCurve(const U256& x, const U256& y) {
  const Modulus& f = P();
  if (Compare(x, f.m) >= 0 || Compare(y, f.m) >= 0) return false;
  U256 xm = f.ToMont(x), ym = f.ToMont(y);
  U256 rhs = f.Mul(f.Mul(xm, xm), xm);
  rhs = f.SubMod(rhs, f.AddMod(f.AddMod(xm, xm), xm));
  rhs = f.AddMod(rhs, CurveB());
  return Compare(f.Mul(ym, ym), rhs) == 0;
}

// One DER INTEGER at der[*pos]: a positive value of at most 32 bytes, minimally encoded.
bool ParseDerInteger(std::string_view der, size_t* pos, P256Scalar* out) {
  size_t p = *pos;
  if (der.size() - p < 2 || static_cast<uint8_t>(der[p]) != 0x02) return false;
  const size_t len = static_cast<uint8_t>(der[p + 1]);
  p += 2;
  if (len == 0 || len > 33 || len >= 0x80 || der.size() - p < len) return false;
  const auto* v = reinterpret_cast<const uint8_t*>(der.data() + p);
  if (v[0] & 0x80) return false;                           // negative
  if (len > 1 && v[0] == 0 && !(v[1] & 0x80)) return false;  // not minimal
  size_t skip = (v[0] == 0 && len > 1) ? 1 : 0;
  if (len - skip > 32) return false;
  out->fill(0);
  for (size_t i = skip; i < len; ++i) (*out)[32 - (len - i)] = v[i];
  *pos = p + len;
  return true;
}

}  // namespace

bool P256IsValidPublicKey(const P256PublicKey& key) {
  return OnCurve(FromBytes(key.x.data()), FromBytes(key.y.data()));
}

bool P256VerifyDigest(const P256PublicKey& key, const Sha256Digest& digest, const P256Scalar& r,
                      const P256Scalar& s) {
  const U256 qx = FromBytes(key.x.data()), qy = FromBytes(key.y.data());
  if (!OnCurve(qx, qy)) return false;
  const U256 rv = FromBytes(r.data()), sv = FromBytes(s.data());
  if (!InScalarRange(rv) || !InScalarRange(sv)) return false;
  const Modulus& n = N();
  const U256 w = n.Inverse(n.ToMont(sv));  // s^-1, Montgomery form
  const U256 u1 = n.Mul(DigestScalar(digest), w);  // plain * Montgomery = plain
  const U256 u2 = n.Mul(rv, w);
  const Point q{P().ToMont(qx), P().ToMont(qy), P().one};
  const Point x = MultiplyTwo(u1, Generator(), u2, q);
  if (IsZero(x.z)) return false;
  U256 xr = AffineX(x);
  if (Compare(xr, n.m) >= 0) Sub(xr, n.m, &xr);
  return Compare(xr, rv) == 0;
}

bool ParseEcdsaDerSignature(std::string_view der, P256Scalar* r, P256Scalar* s) {
  if (der.size() < 2 || static_cast<uint8_t>(der[0]) != 0x30) return false;
  const size_t len = static_cast<uint8_t>(der[1]);
  if (len >= 0x80 || len != der.size() - 2) return false;
  size_t pos = 2;
  if (!ParseDerInteger(der, &pos, r)) return false;
  if (!ParseDerInteger(der, &pos, s)) return false;
  return pos == der.size();
}

bool P256VerifySha256(const P256PublicKey& key, std::string_view message,
                      std::string_view signature) {
  P256Scalar r{}, s{};
  if (signature.size() == 64) {
    for (int i = 0; i < 32; ++i) {
      r[i] = static_cast<uint8_t>(signature[i]);
      s[i] = static_cast<uint8_t>(signature[32 + i]);
    }
  } else if (!ParseEcdsaDerSignature(signature, &r, &s)) {
    return false;
  }
  return P256VerifyDigest(key, Sha256Hash(message), r, s);
}

bool P256PublicKeyFromPrivate(const P256Scalar& d, P256PublicKey* out) {
  const U256 dv = FromBytes(d.data());
  if (!InScalarRange(dv)) return false;
  const Point q = Multiply(dv, Generator());
  const Modulus& f = P();
  U256 zi = f.Inverse(q.z);
  U256 zi2 = f.Mul(zi, zi);
  out->x = ToBytes(f.FromMont(f.Mul(q.x, zi2)));
  out->y = ToBytes(f.FromMont(f.Mul(q.y, f.Mul(zi2, zi))));
  return true;
}

bool P256SignDigest(const P256Scalar& d, const P256Scalar& k, const Sha256Digest& digest,
                    P256Scalar* r, P256Scalar* s) {
  const U256 dv = FromBytes(d.data()), kv = FromBytes(k.data());
  if (!InScalarRange(dv) || !InScalarRange(kv)) return false;
  const Modulus& n = N();
  U256 rv = AffineX(Multiply(kv, Generator()));
  if (Compare(rv, n.m) >= 0) Sub(rv, n.m, &rv);
  const U256 sum = n.AddMod(DigestScalar(digest), n.Mul(rv, n.ToMont(dv)));
  const U256 sv = n.Mul(sum, n.Inverse(n.ToMont(kv)));
  if (IsZero(rv) || IsZero(sv)) return false;
  *r = ToBytes(rv);
  *s = ToBytes(sv);
  return true;
}

std::string EcdsaDerEncode(const P256Scalar& r, const P256Scalar& s) {
  auto integer = [](const P256Scalar& v) {
    size_t i = 0;
    while (i < 31 && v[i] == 0) ++i;
    std::string out;
    if (v[i] & 0x80) out.push_back('\0');
    out.append(reinterpret_cast<const char*>(v.data() + i), 32 - i);
    return std::string{'\x02', static_cast<char>(out.size())} + out;
  };
  std::string body = integer(r) + integer(s);
  return std::string{'\x30', static_cast<char>(body.size())} + body;
}

}  // namespace sundial::core
