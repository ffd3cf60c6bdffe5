// cairo/column_type.h — column types (QuestDB's names, sizes and null conventions) and
// PARTITION BY units. Pure value types and functions; thread-safe.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sundial::cairo {

// Stored as one byte in the txn record; never renumber (format stability).
enum class ColumnType : uint8_t {
  kBoolean = 1,     // 1 byte, 0/1; not nullable (null reads as false)
  kByte = 2,        // int8; not nullable (null reads as 0)
  kShort = 3,       // int16; not nullable (null reads as 0)
  kChar = 4,        // uint16 UTF-16 unit; null = 0
  kInt = 5,         // int32; null = INT32_MIN
  kLong = 6,        // int64; null = INT64_MIN
  kFloat = 7,       // float; null = NaN
  kDouble = 8,      // double; null = NaN
  kDate = 9,        // int64 ms since epoch; null = INT64_MIN
  kTimestamp = 10,  // int64 µs since epoch; null = INT64_MIN
  kSymbol = 11,     // int32 key into the column's dictionary; null = INT32_MIN (kNullSymbolKey)
  kVarchar = 12,    // UTF-8 bytes, variable size (data + index files); STRING is an alias
  // QuestDB's further types; their text forms and storage layouts live in cairo/column_text.h.
  kIPv4 = 13,     // uint32 address; null = 0 (0.0.0.0)
  kUuid = 14,     // 16 bytes: lo then hi uint64; null = both INT64_MIN
  kLong256 = 15,  // 32 bytes: four uint64, least significant first; null = all four INT64_MIN
  kLong128 = 16,  // 16 bytes: lo then hi uint64; null = both INT64_MIN
  // GEOHASH(n): the family's code in `_txn` (its precision is stored beside it). In memory each
  // precision is a value of its own, GeoHashType(bits) (below), never kGeoHash itself.
  kGeoHash = 17,
  kBinary = 18,  // bytes, variable size; stored as VARCHAR is (data + index files)
};

// GEOHASH(bits), bits 1..60: an unsigned value of `bits` bits stored in 1, 2, 4 or 8 bytes
// (1-7, 8-15, 16-31, 32-60 bits), null = every bit of the stored width set (as QuestDB). In
// memory the type is kGeoHashTypeBase + bits (65..124), so that one byte carries the precision
// through schemas, expressions and results; `_txn` stores kGeoHash and the bits instead.
inline constexpr int kGeoHashMaxBits = 60;
inline constexpr uint8_t kGeoHashTypeBase = 64;
constexpr ColumnType GeoHashType(int bits) {
  return static_cast<ColumnType>(kGeoHashTypeBase + bits);
}
constexpr bool IsGeoHash(ColumnType t) {
  const uint8_t v = static_cast<uint8_t>(t);
  return v > kGeoHashTypeBase && v <= kGeoHashTypeBase + kGeoHashMaxBits;
}
// The precision of a GEOHASH type in bits; 0 for other types.
constexpr int GeoHashBits(ColumnType t) {
  return IsGeoHash(t) ? static_cast<uint8_t>(t) - kGeoHashTypeBase : 0;
}
// "8c" (chars, 1..12) or "40b" (bits, 1..60), case-insensitive: the precision in bits.
std::optional<int> ParseGeoHashPrecision(std::string_view text);

inline constexpr int32_t kNullInt = std::numeric_limits<int32_t>::min();
inline constexpr int64_t kNullLong = std::numeric_limits<int64_t>::min();
inline constexpr int32_t kNullSymbolKey = std::numeric_limits<int32_t>::min();
inline constexpr uint16_t kNullChar = 0;

// "BOOLEAN", "BYTE", ..., "VARCHAR", "IPv4", "UUID", "LONG256", "LONG128" (QuestDB's names);
// GEOHASH as "GEOHASH(<n>c)" when its bits are a multiple of 5, else "GEOHASH(<n>b)".
std::string_view ColumnTypeName(ColumnType type);
// Case-insensitive; accepts STRING as VARCHAR and "GEOHASH(8c)" / "GEOHASH(40b)". nullopt for
// unknown names.
std::optional<ColumnType> ParseColumnType(std::string_view name);
// Bytes per value in the data file; 0 for VARCHAR and BINARY (variable size) and for kGeoHash
// itself (a GEOHASH column's type is GeoHashType(bits)).
int ColumnTypeSize(ColumnType type);
// Null value bytes of a fixed-size type (ColumnTypeSize bytes written to `out`); what a
// partition without the column's file reads as. Defined in table_view.cpp.
void WriteNullValue(ColumnType type, void* out);
// Fills `n` values of `type` with nulls.
void FillNulls(ColumnType type, void* out, size_t n);
inline bool IsVarSize(ColumnType t) {
  return t == ColumnType::kVarchar || t == ColumnType::kBinary;
}
// A type this server stores: the in-memory value, so GeoHashType(1..60) is, the family code
// kGeoHash is not.
bool IsValidColumnType(uint8_t raw);

// Stored as one byte; never renumber.
enum class PartitionBy : uint8_t { kNone = 0, kHour = 1, kDay = 2, kWeek = 3, kMonth = 4, kYear = 5 };

std::string_view PartitionByName(PartitionBy by);  // "NONE", "HOUR", ...
std::optional<PartitionBy> ParsePartitionBy(std::string_view name);  // case-insensitive
// The range of a designated timestamp, for every PARTITION BY: from the epoch (as QuestDB) to
// 9999-12-31T23:59:59.999999Z, the last instant whose partition name has a 4-digit year.
// PartitionFloor/Next/Name are exact (no overflow) in this range.
inline constexpr int64_t kMinDesignatedTimestamp = 0;
inline constexpr int64_t kMaxDesignatedTimestamp = 253'402'300'799'999'999;
// Ok, or InvalidArgument naming `table` for a null, pre-epoch or too-late designated timestamp.
// The one check every ingest path (INSERT, /imp, /write, TCP) goes through.
core::Status CheckDesignatedTimestamp(int64_t timestamp_us, std::string_view table);
// Start of the partition that holds `timestamp_us` (0 for NONE).
int64_t PartitionFloor(PartitionBy by, int64_t timestamp_us);
// Start of the partition after the one starting at `partition_start_us` (INT64_MAX for NONE;
// saturates at INT64_MAX rather than overflow past the designated timestamp range).
int64_t PartitionNext(PartitionBy by, int64_t partition_start_us);
// Directory name: NONE "default", HOUR "2026-11-21T13", DAY "2026-11-21", WEEK "2026-W47",
// MONTH "2026-11", YEAR "2026".
std::string PartitionName(PartitionBy by, int64_t partition_start_us);
// Inverse of PartitionName (used by ALTER TABLE DROP PARTITION LIST '...'). Also accepts any
// timestamp text that falls inside the partition for DAY/HOUR/MONTH/YEAR.
std::optional<int64_t> ParsePartitionName(PartitionBy by, std::string_view name);

// Table and column names: 1..127 bytes, no '/', '\\', '.', '..', control characters, and none of
// ?,'"\\:*<>|~ or a leading/trailing space. Returns an error message, or empty if valid.
std::string ValidateTableName(std::string_view name);
std::string ValidateColumnName(std::string_view name);
// Table and column names compare case-insensitively (ASCII), as in QuestDB.
bool NamesEqualIgnoreCase(std::string_view a, std::string_view b);

}  // namespace sundial::cairo
