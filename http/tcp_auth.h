// http/tcp_auth.h — QuestDB's authentication for line protocol over TCP.
//
// The key file (server.conf `line.tcp.auth.db.path`) lists public keys, one per line:
//   <key_id> ec-p-256-sha256 <x> <y>
// x and y are the P-256 public key coordinates in base64url; blank lines are skipped and a token
// starting with '#' ends its line. The exchange on a new connection, before any line protocol:
//   client: <key_id>\n
//   server: <512 random printable ASCII bytes, 0x20..0x7e>\n
//   client: <base64 of the ECDSA P-256 SHA-256 signature of those 512 bytes (DER, or 64 bytes
//            r||s)>\n
// then line protocol on the same connection. An unknown key id still gets a challenge (the
// answer does not reveal which ids exist); a bad or late answer closes the connection.
//
// TcpAuthKeys is immutable after ParseTcpAuthKeys and safe to share between threads.
// TcpAuthHandshake is one connection's state and is used by one thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/p256.h"
#include "core/status.h"

namespace sundial::http {

inline constexpr size_t kTcpAuthChallengeBytes = 512;
inline constexpr size_t kTcpAuthMaxKeyIdBytes = 1024;
// A DER signature is at most 72 bytes: 96 base64 characters.
inline constexpr size_t kTcpAuthMaxSignatureChars = 96;

struct TcpAuthKeys {
  std::unordered_map<std::string, core::P256PublicKey> by_id;
};

// Parses the key file text. An error (InvalidArgument) names the 1-based line and what is wrong:
// a line of other than 4 tokens, a type other than ec-p-256-sha256, a duplicate key id, a
// coordinate that is not base64url of at most 32 bytes, a point not on the curve.
core::Result<TcpAuthKeys> ParseTcpAuthKeys(std::string_view text);

class TcpAuthHandshake {
 public:
  enum class Step {
    kNeedMore,   // wait for more bytes
    kSend,       // send reply() (the challenge), then wait for more bytes
    kDone,       // authenticated: *consumed bytes were the handshake, the rest is line protocol
    kFailed,     // close the connection; error() says why
  };
  explicit TcpAuthHandshake(const TcpAuthKeys* keys) : keys_(keys) {}

  // Feeds the bytes received so far that are not consumed yet ([data, data + len)); sets
  // *consumed to how many of them the handshake used.
  Step Feed(const char* data, size_t len, size_t* consumed);
  const std::string& reply() const { return reply_; }
  const std::string& key_id() const { return key_id_; }
  const std::string& error() const { return error_; }
  bool done() const { return state_ == State::kDone; }

 private:
  enum class State { kKeyId, kSignature, kDone, kFailed };
  Step Fail(std::string why);
  const TcpAuthKeys* keys_;
  State state_ = State::kKeyId;
  std::string key_id_;
  std::string challenge_;
  std::string reply_;
  std::string error_;
};

// kTcpAuthChallengeBytes random bytes in 0x20..0x7e from the kernel's random source.
core::Result<std::string> NewTcpAuthChallenge();

}  // namespace sundial::http
