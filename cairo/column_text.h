// cairo/column_text.h — text forms and storage layouts of IPv4, UUID, LONG128 and LONG256
// values: the one place that parses and prints them (SQL casts and literals, /imp, line
// protocol, /exec and /exp all come here). Pure functions; thread-safe.
//
// Storage layouts (little-endian, as QuestDB's):
//   IPv4     uint32 address (1.2.3.4 = 0x01020304); 0 (0.0.0.0) is null.
//   UUID     uint64 lo, uint64 hi; text hhhhhhhh-hhhh-hhhh-llll-llllllllllll (hi then lo).
//   LONG128  as UUID, same text form.
//   LONG256  four uint64, least significant first; text `0x` and hex digits without leading
//            zeros (`0x0` for zero); input takes 1..64 hex digits after `0x`.
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

}  // namespace sundial::cairo
