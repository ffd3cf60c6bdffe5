// core/p256.h — ECDSA signature verification on NIST P-256 with SHA-256 (FIPS 186-4), as used
// by QuestDB's line protocol over TCP authentication (key files list public keys; a client signs
// a server challenge). Standard library only: 256-bit integers as 4 x 64-bit limbs with 128-bit
// products, Montgomery arithmetic modulo p and modulo n, Jacobian point add/double, Fermat
// inversion.
//
// Verification handles public data only (public key, message, signature), so it is not written
// to run in constant time: loops have a fixed length but branches and timing depend on the data.
// The signing functions below exist for tests (making signatures to check the server against);
// they handle a private key without any side-channel care and must not be used in the server.
//
// All functions are pure and thread-safe. Bad input (a point off the curve, r or s out of
// [1, n-1], malformed DER) makes them return false; nothing throws or aborts.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/sha256.h"

namespace sundial::core {

using P256Scalar = std::array<uint8_t, 32>;  // big-endian

struct P256PublicKey {
  P256Scalar x{};  // affine coordinates, big-endian
  P256Scalar y{};
};

// True if both coordinates are below p and (x, y) lies on the curve.
bool P256IsValidPublicKey(const P256PublicKey& key);

// Verifies the signature (r, s) of a message whose SHA-256 is `digest`.
bool P256VerifyDigest(const P256PublicKey& key, const Sha256Digest& digest, const P256Scalar& r,
                      const P256Scalar& s);

// Parses a DER ECDSA-Sig-Value (SEQUENCE { INTEGER r, INTEGER s }) strictly: short-form lengths
// that match exactly, no trailing bytes, positive minimal integers of at most 32 value bytes.
// Range (1 <= r, s < n) is checked by verification, not here.
bool ParseEcdsaDerSignature(std::string_view der, P256Scalar* r, P256Scalar* s);

// Verifies an ECDSA P-256 / SHA-256 signature of `message`. `signature` is DER or, when it is
// exactly 64 bytes, raw r || s (IEEE P1363), the two forms QuestDB accepts.
bool P256VerifySha256(const P256PublicKey& key, std::string_view message,
                      std::string_view signature);

// --- For tests only (see above). ---
// The public key d*G of private key d (1 <= d < n).
bool P256PublicKeyFromPrivate(const P256Scalar& d, P256PublicKey* out);
// Signs `digest` with private key d and nonce k (both in [1, n-1]). False if r or s is 0.
bool P256SignDigest(const P256Scalar& d, const P256Scalar& k, const Sha256Digest& digest,
                    P256Scalar* r, P256Scalar* s);
// DER encoding of (r, s), the form ParseEcdsaDerSignature accepts.
std::string EcdsaDerEncode(const P256Scalar& r, const P256Scalar& s);

}  // namespace sundial::core
