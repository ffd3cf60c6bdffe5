// core/codec/lz.cpp — see lz.h.
//
// A compressed form is a list of sequences. Each: a token byte (high nibble: literal count,
// low nibble: match length - 4); if the literal nibble is 15, more count bytes follow, each
// added, until one below 255; the literals; then, except in the last sequence, a u16 offset
// (1..65535 bytes back from the current end of output) and, if the match nibble is 15, more
// length bytes as for literals. The last sequence ends the input right after its literals.
// The match copy goes byte by byte, so an offset shorter than the length repeats a pattern.
#include "core/codec/lz.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace sundial::core::codec {
namespace {

constexpr size_t kMinMatch = 4;
constexpr size_t kMaxOffset = 65535;
constexpr int kHashBits = 14;

inline uint32_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint32_t Hash(uint32_t v) { return (v * 2654435761u) >> (32 - kHashBits); }

void PutLength(size_t len, std::string* out) {
  while (len >= 255) {
    out->push_back(static_cast<char>(255));
    len -= 255;
  }
  out->push_back(static_cast<char>(len));
}

void PutSequence(const char* lit, size_t lit_len, size_t offset, size_t match_len,
                 std::string* out) {
  const bool has_match = match_len > 0;
  const size_t m = has_match ? match_len - kMinMatch : 0;
  const uint8_t token =
      static_cast<uint8_t>(((lit_len < 15 ? lit_len : 15) << 4) | (m < 15 ? m : 15));
  out->push_back(static_cast<char>(token));
  if (lit_len >= 15) PutLength(lit_len - 15, out);
  out->append(lit, lit_len);
  if (!has_match) return;
  const uint16_t off = static_cast<uint16_t>(offset);
  out->append(reinterpret_cast<const char*>(&off), 2);
  if (m >= 15) PutLength(m - 15, out);
}

Status Damaged(const char* what) {
  return Status::Corruption(std::string("damaged compressed bytes: ") + what);
}

// Reads the extra bytes of a length whose nibble was 15.
bool GetLength(const uint8_t** p, const uint8_t* end, size_t* len) {
  for (;;) {
    if (*p == end) return false;
    const uint8_t b = *(*p)++;
    *len += b;
    if (b != 255) return true;
  }
}

}  // namespace

void LzCompress(std::string_view in, std::string* out) {
  const char* base = in.data();
  const size_t n = in.size();
  std::vector<uint32_t> table(size_t{1} << kHashBits, UINT32_MAX);
  size_t anchor = 0, pos = 0;
  while (n >= kMinMatch && pos + kMinMatch <= n) {
    const uint32_t v = Load32(base + pos);
    const uint32_t h = Hash(v);
    const uint32_t cand = table[h];
    table[h] = static_cast<uint32_t>(pos);
    if (cand == UINT32_MAX || pos - cand > kMaxOffset || Load32(base + cand) != v) {
      ++pos;
      continue;
    }
    size_t len = kMinMatch;
    while (pos + len < n && base[cand + len] == base[pos + len]) ++len;
    PutSequence(base + anchor, pos - anchor, pos - cand, len, out);
    pos += len;
    anchor = pos;
  }
  PutSequence(base + anchor, n - anchor, 0, 0, out);
}

Status LzDecompress(std::string_view in, char* out, size_t raw_size) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(in.data());
  const uint8_t* end = p + in.size();
  size_t o = 0;
  for (;;) {
    if (p == end) return Damaged("sequence missing");
    const uint8_t token = *p++;
    size_t lit = token >> 4;
    if (lit == 15 && !GetLength(&p, end, &lit)) return Damaged("literal length cut short");
    if (lit > static_cast<size_t>(end - p)) return Damaged("literals cut short");
    if (lit > raw_size - o) return Damaged("output longer than its size");
    if (lit > 0) std::memcpy(out + o, p, lit);
    p += lit;
    o += lit;
    if (p == end) break;  // the last sequence
    if (end - p < 2) return Damaged("offset cut short");
    const size_t offset = static_cast<size_t>(p[0]) | (static_cast<size_t>(p[1]) << 8);
    p += 2;
    size_t len = token & 15;
    if (len == 15 && !GetLength(&p, end, &len)) return Damaged("match length cut short");
    len += kMinMatch;
    if (offset == 0 || offset > o) return Damaged("match before the start");
    if (len > raw_size - o) return Damaged("output longer than its size");
    const char* src = out + o - offset;
    if (offset >= len) {
      std::memcpy(out + o, src, len);
    } else {
      for (size_t k = 0; k < len; ++k) out[o + k] = src[k];
    }
    o += len;
  }
  if (o != raw_size) return Damaged("output shorter than its size");
  return Status::Ok();
}

}  // namespace sundial::core::codec
