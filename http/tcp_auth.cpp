#include "http/tcp_auth.h"

#include <errno.h>
#include <sys/random.h>

#include <cstring>

#include "core/base64.h"

namespace sundial::http {
namespace {

// Splits a key file line into whitespace-separated tokens; a token starting with '#' ends it.
std::vector<std::string_view> Tokens(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; };
  while (i < line.size()) {
    while (i < line.size() && space(line[i])) ++i;
    if (i == line.size()) break;
    size_t j = i;
    while (j < line.size() && !space(line[j])) ++j;
    std::string_view token = line.substr(i, j - i);
    if (token[0] == '#') break;
    out.push_back(token);
    i = j;
  }
  return out;
}

// A base64url coordinate of 1..32 bytes, left-padded to 32.
bool DecodeCoordinate(std::string_view text, core::P256Scalar* out) {
  std::string bytes;
  if (text.empty() || !core::Base64Decode(text, &bytes) || bytes.empty() || bytes.size() > 32) {
    return false;
  }
  out->fill(0);
  std::memcpy(out->data() + (32 - bytes.size()), bytes.data(), bytes.size());
  return true;
}

}  // namespace

core::Result<TcpAuthKeys> ParseTcpAuthKeys(std::string_view text) {
  TcpAuthKeys keys;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    std::vector<std::string_view> t = Tokens(line);
    if (t.empty()) continue;
    auto bad = [&](const std::string& what) {
      return core::Status::InvalidArgument("line " + std::to_string(line_no) + ": " + what);
    };
    if (t.size() != 4) {
      return bad("expected '<key_id> ec-p-256-sha256 <x> <y>', found " + std::to_string(t.size()) +
                 " tokens");
    }
    if (t[1] != "ec-p-256-sha256") {
      return bad("unknown key type '" + std::string(t[1]) + "' (expected ec-p-256-sha256)");
    }
    std::string id(t[0]);
    if (keys.by_id.count(id) != 0) return bad("duplicate key id '" + id + "'");
    core::P256PublicKey key;
    if (!DecodeCoordinate(t[2], &key.x) || !DecodeCoordinate(t[3], &key.y)) {
      return bad("key '" + id + "': coordinates must be base64url of at most 32 bytes");
    }
    if (!core::P256IsValidPublicKey(key)) {
      return bad("key '" + id + "': not a point of the P-256 curve");
    }
    keys.by_id.emplace(std::move(id), key);
  }
  return keys;
}

core::Result<std::string> NewTcpAuthChallenge() {
  std::string out;
  out.reserve(kTcpAuthChallengeBytes);
  unsigned char buf[256];
  while (out.size() < kTcpAuthChallengeBytes) {
    ssize_t n = ::getrandom(buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return core::Status::FromErrno(errno, "getrandom");
    }
    // 95 printable characters; bytes >= 190 are dropped so that each is equally likely.
    for (ssize_t i = 0; i < n && out.size() < kTcpAuthChallengeBytes; ++i) {
      if (buf[i] < 190) out.push_back(static_cast<char>(0x20 + buf[i] % 95));
    }
  }
  return out;
}

TcpAuthHandshake::Step TcpAuthHandshake::Fail(std::string why) {
  state_ = State::kFailed;
  error_ = std::move(why);
  return Step::kFailed;
}

TcpAuthHandshake::Step TcpAuthHandshake::Feed(const char* data, size_t len, size_t* consumed) {
  *consumed = 0;
  std::string_view in(data, len);
  const size_t nl = in.find('\n');
  switch (state_) {
    case State::kKeyId: {
      if (nl == std::string_view::npos) {
        if (len > kTcpAuthMaxKeyIdBytes) return Fail("key id longer than 1024 bytes");
        return Step::kNeedMore;
      }
      if (nl > kTcpAuthMaxKeyIdBytes) return Fail("key id longer than 1024 bytes");
      key_id_.assign(in.substr(0, nl));
      auto challenge = NewTcpAuthChallenge();
      if (!challenge.ok()) return Fail("no random challenge: " + challenge.status().ToString());
      challenge_ = std::move(*challenge);
      reply_ = challenge_ + "\n";
      *consumed = nl + 1;
      state_ = State::kSignature;
      return Step::kSend;
    }
    case State::kSignature: {
      if (nl == std::string_view::npos) {
        if (len > kTcpAuthMaxSignatureChars) return Fail("signature too long");
        return Step::kNeedMore;
      }
      if (nl > kTcpAuthMaxSignatureChars) return Fail("signature too long");
      std::string signature;
      if (!core::Base64Decode(in.substr(0, nl), &signature)) {
        return Fail("signature is not base64");
      }
      auto it = keys_->by_id.find(key_id_);
      if (it == keys_->by_id.end()) return Fail("unknown key id");
      if (!core::P256VerifySha256(it->second, challenge_, signature)) {
        return Fail("signature does not verify");
      }
      *consumed = nl + 1;
      state_ = State::kDone;
      return Step::kDone;
    }
    case State::kDone:
      return Step::kDone;
    case State::kFailed:
      return Step::kFailed;
  }
  return Step::kFailed;
}

}  // namespace sundial::http
