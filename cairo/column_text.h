// cairo/column_text.h — text forms and storage layouts of IPv4, UUID, LONG128, LONG256 and
// GEOHASH values: the one place that parses and prints them (SQL casts and literals, /imp,
// line protocol, /exec and /exp all come here). Pure functions; thread-safe.
//
// Storage layouts (little-endian, as QuestDB's):
//   IPv4     uint32 address (1.2.3.4 = 0x01020304); 0 (0.0.0.0) is null.
//   UUID     uint64 lo, uint64 hi; text hhhhhhhh-hhhh-hhhh-llll-llllllllllll (hi then lo).
//   LONG128  as UUID, same text form.
//   LONG256  four uint64, least significant first; text `0x` and hex digits without leading
//            zeros (`0x0` for zero); input takes 1..64 hex digits after `0x`.
//   GEOHASH(b) the value's b bits (0 .. 2^b - 1) as an unsigned integer of ColumnTypeSize bytes;
//            null = every bit of that width set. Text: b/5 base32 characters of the geohash
//            alphabet `0123456789bcdefghjkmnpqrstuvwxyz` when b is a multiple of 5, else the b
//            bits as `0`/`1` characters, most significant first (QuestDB's rendering). Input
//            text (a string cast, /imp, line protocol) is 1..12 base32 characters, case-
//            insensitive, of at least b bits; longer values are cut to their first b bits.
// The null of UUID/LONG128/LONG256 is every uint64 word INT64_MIN; its text is empty (no value).
// Input hex is case-insensitive; output is lower case.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cairo/column_type.h"
#include "core/status.h"

namespace sundial::cairo {

// True for the types whose values this file converts.
bool HasStoredText(ColumnType type);

// Dotted quad: four decimal numbers 0..255 (1..3 digits each). nullopt when not valid.
std::optional<uint32_t> ParseIPv4(std::string_view text);
void AppendIPv4(std::string* out, uint32_t address);

// Parses `text` as a value of `type` (HasStoredText) into ColumnTypeSize(type) bytes at `out`.
// InvalidArgument naming the type and the text when it is not a valid value; `out` is then
// unchanged. A text that denotes the null value gives the null bytes.
core::Status ParseStoredText(ColumnType type, std::string_view text, void* out);
// Whether `stored` (ColumnTypeSize(type) bytes) is the type's null value.
bool IsStoredNull(ColumnType type, const void* stored);
// Appends the text of a non-null stored value.
void AppendStoredText(ColumnType type, const void* stored, std::string* out);

// GEOHASH values as the executor holds them: the b bits in an int64, kNullLong for null.
int64_t LoadGeoHash(ColumnType type, const void* stored);
// Writes ColumnTypeSize(type) bytes; kNullLong (or any negative value) writes the null.
void StoreGeoHash(ColumnType type, int64_t value, void* out);
// The text of a non-null value of `bits` bits (see the layouts above).
void AppendGeoHash(std::string* out, int64_t value, int bits);
// 1..12 base32 characters (case-insensitive) → their 5 × size bits; nullopt otherwise.
std::optional<int64_t> ParseGeoHashChars(std::string_view text);

// A SQL geohash literal: `#` and 1..12 base32 characters, optionally `/<bits>` (1..60, at most
// 5 × chars) cutting it to its first bits, or `##` and 1..60 binary digits.
struct GeoHashLiteral {
  int64_t value = 0;
  int bits = 0;
};
std::optional<GeoHashLiteral> ParseGeoHashLiteral(std::string_view text);

}  // namespace sundial::cairo
