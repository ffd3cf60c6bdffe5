#include "cairo/column_text.h"

#include <cstring>

namespace sundial::cairo {
namespace {

constexpr char kHex[] = "0123456789abcdef";

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads exactly `n` hex digits of `s` from `*at` into the low bits of `*v`.
bool ReadHex(std::string_view s, size_t* at, int n, uint64_t* v) {
  if (*at + static_cast<size_t>(n) > s.size()) return false;
  for (int k = 0; k < n; ++k) {
    const int d = HexDigit(s[(*at)++]);
    if (d < 0) return false;
    *v = (*v << 4) | static_cast<uint64_t>(d);
  }
  return true;
}

void AppendHex(std::string* out, uint64_t v, int digits) {
  for (int k = digits - 1; k >= 0; --k) out->push_back(kHex[(v >> (4 * k)) & 15]);
}

// 8-4-4-4-12 → hi (first 16 digits), lo (last 16).
bool ParseUuid(std::string_view s, uint64_t* hi, uint64_t* lo) {
  if (s.size() != 36) return false;
  size_t at = 0;
  uint64_t h = 0, l = 0;
  auto dash = [&] { return s[at++] == '-'; };
  if (!ReadHex(s, &at, 8, &h) || !dash() || !ReadHex(s, &at, 4, &h) || !dash() ||
      !ReadHex(s, &at, 4, &h) || !dash() || !ReadHex(s, &at, 4, &l) || !dash() ||
      !ReadHex(s, &at, 12, &l)) {
    return false;
  }
  *hi = h;
  *lo = l;
  return true;
}

bool ParseLong256(std::string_view s, uint64_t w[4]) {
  if (s.size() < 3 || s.size() > 66 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
  std::string_view digits = s.substr(2);
  uint64_t out[4] = {0, 0, 0, 0};
  // The last 16 digits fill word 0, the 16 before them word 1, ...
  for (size_t k = 0; k < digits.size(); ++k) {
    const int d = HexDigit(digits[digits.size() - 1 - k]);
    if (d < 0) return false;
    out[k / 16] |= static_cast<uint64_t>(d) << (4 * (k % 16));
  }
  std::memcpy(w, out, sizeof(out));
  return true;
}

uint64_t Word(const void* stored, int k) {
  uint64_t v;
  std::memcpy(&v, static_cast<const char*>(stored) + 8 * k, 8);
  return v;
}

constexpr char kBase32[] = "0123456789bcdefghjkmnpqrstuvwxyz";

// The geohash alphabet's value of `c` (case-insensitive), or -1.
int Base32Digit(char c) {
  if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  for (int k = 0; k < 32; ++k) {
    if (kBase32[k] == c) return k;
  }
  return -1;
}

int64_t GeoHashNullBits(ColumnType type) {
  const int width = ColumnTypeSize(type);
  return width == 8 ? -1 : static_cast<int64_t>((uint64_t{1} << (8 * width)) - 1);
}

core::Status Invalid(ColumnType type, std::string_view text) {
  return core::Status::InvalidArgument("invalid " + std::string(ColumnTypeName(type)) +
                                       " value [value=" + std::string(text.substr(0, 80)) + "]");
}

}  // namespace

bool HasStoredText(ColumnType type) {
  return type == ColumnType::kIPv4 || type == ColumnType::kUuid || type == ColumnType::kLong128 ||
         type == ColumnType::kLong256 || IsGeoHash(type);
}

int64_t LoadGeoHash(ColumnType type, const void* stored) {
  uint64_t v = 0;
  std::memcpy(&v, stored, static_cast<size_t>(ColumnTypeSize(type)));  // little-endian
  if (static_cast<int64_t>(v) == GeoHashNullBits(type)) return kNullLong;
  // Only the type's bits: a stored value is never wider, but a damaged file must not make one.
  return static_cast<int64_t>(v & ((uint64_t{1} << GeoHashBits(type)) - 1));
}

void StoreGeoHash(ColumnType type, int64_t value, void* out) {
  const int width = ColumnTypeSize(type);
  const uint64_t mask = (uint64_t{1} << GeoHashBits(type)) - 1;
  const uint64_t v = value < 0 ? ~uint64_t{0} : static_cast<uint64_t>(value) & mask;
  std::memcpy(out, &v, static_cast<size_t>(width));  // little-endian: the low bytes
}

void AppendGeoHash(std::string* out, int64_t value, int bits) {
  const uint64_t v = static_cast<uint64_t>(value);
  if (bits % 5 == 0) {
    for (int k = bits / 5 - 1; k >= 0; --k) out->push_back(kBase32[(v >> (5 * k)) & 31]);
    return;
  }
  for (int k = bits - 1; k >= 0; --k) out->push_back(((v >> k) & 1) ? '1' : '0');
}

std::optional<int64_t> ParseGeoHashChars(std::string_view text) {
  if (text.empty() || text.size() > static_cast<size_t>(kGeoHashMaxBits / 5)) return std::nullopt;
  int64_t v = 0;
  for (char c : text) {
    const int d = Base32Digit(c);
    if (d < 0) return std::nullopt;
    v = (v << 5) | d;
  }
  return v;
}

std::optional<GeoHashLiteral> ParseGeoHashLiteral(std::string_view text) {
  if (text.size() < 2 || text[0] != '#') return std::nullopt;
  GeoHashLiteral lit;
  if (text[1] == '#') {
    const std::string_view digits = text.substr(2);
    if (digits.empty() || digits.size() > static_cast<size_t>(kGeoHashMaxBits)) return std::nullopt;
    for (char c : digits) {
      if (c != '0' && c != '1') return std::nullopt;
      lit.value = (lit.value << 1) | (c - '0');
    }
    lit.bits = static_cast<int>(digits.size());
    return lit;
  }
  std::string_view chars = text.substr(1);
  int cut = -1;
  if (const size_t slash = chars.find('/'); slash != std::string_view::npos) {
    const std::string_view n = chars.substr(slash + 1);
    chars = chars.substr(0, slash);
    if (n.empty() || n.size() > 2) return std::nullopt;
    cut = 0;
    for (char c : n) {
      if (c < '0' || c > '9') return std::nullopt;
      cut = cut * 10 + (c - '0');
    }
  }
  auto v = ParseGeoHashChars(chars);
  if (!v) return std::nullopt;
  const int bits = 5 * static_cast<int>(chars.size());
  if (cut == -1) cut = bits;
  if (cut < 1 || cut > bits) return std::nullopt;
  lit.value = *v >> (bits - cut);
  lit.bits = cut;
  return lit;
}

std::optional<uint32_t> ParseIPv4(std::string_view s) {
  uint32_t addr = 0;
  size_t at = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (at >= s.size() || s[at] != '.') return std::nullopt;
      ++at;
    }
    int digits = 0, v = 0;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9' && digits < 3) {
      v = v * 10 + (s[at++] - '0');
      ++digits;
    }
    if (digits == 0 || v > 255) return std::nullopt;
    addr = (addr << 8) | static_cast<uint32_t>(v);
  }
  if (at != s.size()) return std::nullopt;
  return addr;
}

void AppendIPv4(std::string* out, uint32_t a) {
  for (int k = 3; k >= 0; --k) {
    out->append(std::to_string((a >> (8 * k)) & 255));
    if (k > 0) out->push_back('.');
  }
}

core::Status ParseStoredText(ColumnType type, std::string_view text, void* out) {
  if (IsGeoHash(type)) {
    // As QuestDB: an empty text is null; a longer value is cut to the column's bits, a shorter
    // one is refused (every bit of a geohash is significant).
    if (text.empty()) {
      StoreGeoHash(type, kNullLong, out);
      return core::Status::Ok();
    }
    auto v = ParseGeoHashChars(text);
    const int have = 5 * static_cast<int>(text.size()), bits = GeoHashBits(type);
    if (!v || have < bits) return Invalid(type, text);
    StoreGeoHash(type, *v >> (have - bits), out);
    return core::Status::Ok();
  }
  switch (type) {
    case ColumnType::kIPv4: {
      auto a = ParseIPv4(text);
      if (!a) return Invalid(type, text);
      std::memcpy(out, &*a, 4);
      return core::Status::Ok();
    }
    case ColumnType::kUuid:
    case ColumnType::kLong128: {
      uint64_t w[2];
      if (!ParseUuid(text, &w[1], &w[0])) return Invalid(type, text);
      std::memcpy(out, w, 16);
      return core::Status::Ok();
    }
    case ColumnType::kLong256: {
      uint64_t w[4];
      if (!ParseLong256(text, w)) return Invalid(type, text);
      std::memcpy(out, w, 32);
      return core::Status::Ok();
    }
    default:
      return core::Status::InvalidArgument("no text form for type " +
                                           std::string(ColumnTypeName(type)));
  }
}

bool IsStoredNull(ColumnType type, const void* stored) {
  if (IsGeoHash(type)) return LoadGeoHash(type, stored) == kNullLong;
  if (type == ColumnType::kIPv4) {
    uint32_t a;
    std::memcpy(&a, stored, 4);
    return a == 0;
  }
  const int words = ColumnTypeSize(type) / 8;
  for (int k = 0; k < words; ++k) {
    if (Word(stored, k) != static_cast<uint64_t>(kNullLong)) return false;
  }
  return true;
}

void AppendStoredText(ColumnType type, const void* stored, std::string* out) {
  if (IsGeoHash(type)) {
    AppendGeoHash(out, LoadGeoHash(type, stored), GeoHashBits(type));
    return;
  }
  switch (type) {
    case ColumnType::kIPv4: {
      uint32_t a;
      std::memcpy(&a, stored, 4);
      AppendIPv4(out, a);
      return;
    }
    case ColumnType::kUuid:
    case ColumnType::kLong128: {
      const uint64_t lo = Word(stored, 0), hi = Word(stored, 1);
      AppendHex(out, hi >> 32, 8);
      out->push_back('-');
      AppendHex(out, hi >> 16, 4);
      out->push_back('-');
      AppendHex(out, hi, 4);
      out->push_back('-');
      AppendHex(out, lo >> 48, 4);
      out->push_back('-');
      AppendHex(out, lo, 12);
      return;
    }
    case ColumnType::kLong256: {
      out->append("0x");
      int top = 3;
      while (top > 0 && Word(stored, top) == 0) --top;
      const uint64_t first = Word(stored, top);
      int digits = 16;
      while (digits > 1 && ((first >> (4 * (digits - 1))) & 15) == 0) --digits;
      AppendHex(out, first, digits);
      for (int k = top - 1; k >= 0; --k) AppendHex(out, Word(stored, k), 16);
      return;
    }
    default:
      return;
  }
}

}  // namespace sundial::cairo
