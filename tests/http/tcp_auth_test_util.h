// tests/http/tcp_auth_test_util.h — the client side of line protocol over TCP authentication
// for tests: a test key pair, base64 encoders and a deterministic signer (core/p256.h's
// test-only signing), as QuestDB's clients do it.
#pragma once

#include <string>

#include "core/p256.h"
#include "core/sha256.h"

namespace sundial::testing {

inline std::string Base64Encode(const std::string& in, bool url) {
  const char* alphabet = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                             : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint32_t{static_cast<uint8_t>(in[i])} << 16) |
                 (uint32_t{static_cast<uint8_t>(in[i + 1])} << 8) | static_cast<uint8_t>(in[i + 2]);
    for (int k = 3; k >= 0; --k) out.push_back(alphabet[(v >> (6 * k)) & 63]);
  }
  if (i < in.size()) {
    uint32_t v = uint32_t{static_cast<uint8_t>(in[i])} << 16;
    if (i + 1 < in.size()) v |= uint32_t{static_cast<uint8_t>(in[i + 1])} << 8;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (i + 1 < in.size()) out.push_back(alphabet[(v >> 6) & 63]);
    if (!url) out.append(i + 1 < in.size() ? "=" : "==");
  }
  return out;
}

inline std::string Bytes(const core::P256Scalar& v) { return std::string(v.begin(), v.end()); }

struct TestKey {
  std::string id;
  core::P256Scalar d{};
  core::P256PublicKey pub;

  // A key from a seed: d = SHA-256(seed) with the top bit cleared (below n, not zero).
  static TestKey FromSeed(const std::string& id, const std::string& seed) {
    TestKey k;
    k.id = id;
    k.d = core::Sha256Hash(seed);
    k.d[0] &= 0x7f;
    k.d[31] |= 1;
    core::P256PublicKeyFromPrivate(k.d, &k.pub);
    return k;
  }
  // The key file line: <id> ec-p-256-sha256 <x> <y> (base64url, no padding).
  std::string AuthLine() const {
    return id + " ec-p-256-sha256 " + Base64Encode(Bytes(pub.x), true) + " " +
           Base64Encode(Bytes(pub.y), true);
  }
  // d in base64url: the `token` option of QuestDB's clients.
  std::string Token() const { return Base64Encode(Bytes(d), true); }
  // The signature of `message` (the nonce is derived from d and the message); DER or r||s.
  std::string Sign(const std::string& message, bool der = true) const {
    core::Sha256 h;
    h.Update(Bytes(d));
    h.Update(message);
    core::P256Scalar k = h.Finish();
    k[0] &= 0x7f;
    k[31] |= 1;
    core::P256Scalar r, s;
    core::P256SignDigest(d, k, core::Sha256Hash(message), &r, &s);
    return der ? core::EcdsaDerEncode(r, s) : Bytes(r) + Bytes(s);
  }
};

}  // namespace sundial::testing
