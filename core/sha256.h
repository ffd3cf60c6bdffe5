// core/sha256.h — SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), used to verify the ECDSA
// signatures of line protocol over TCP authentication (core/p256.h) and to sign object-store
// requests (core/sigv4.h). An Sha256 object is one running hash and is not thread-safe; the
// free functions are. Nothing here fails.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sundial::core {

using Sha256Digest = std::array<uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  void Update(const void* data, size_t n);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  // Pads, returns the digest; the object is then reset to hash a new message.
  Sha256Digest Finish();

 private:
  void Block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_bytes_ = 0;
};

Sha256Digest Sha256Hash(std::string_view message);

// HMAC-SHA256 of `message` under `key` (any length; keys over 64 bytes are hashed first).
Sha256Digest HmacSha256(std::string_view key, std::string_view message);

// Lower-case hexadecimal of a digest (64 characters).
std::string HexDigest(const Sha256Digest& digest);

}  // namespace sundial::core
