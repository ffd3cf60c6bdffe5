// core/json.h — small helpers for writing JSON text (no DOM): string escaping and number
// formatting as QuestDB renders them (doubles in the shortest form that round-trips; NaN and
// infinities as null). Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sundial::core {

// Appends `s` as a quoted JSON string. Control characters become \uXXXX (or \n, \t, ...);
// bytes >= 0x80 are copied as they are (the text is UTF-8).
void JsonAppendString(std::string* out, std::string_view s);
// Appends the escaped body of a JSON string without the quotes.
void JsonAppendEscaped(std::string* out, std::string_view s);
void JsonAppendInt(std::string* out, int64_t v);
// Shortest round-trip form ("0.1", "1.0E21" style is not used: "1e+21"); non-finite → null.
void JsonAppendDouble(std::string* out, double v);
// Same for a float (shortest form that round-trips as a float).
void JsonAppendFloat(std::string* out, float v);

// Appends the shortest round-trip text of `v` with no special-casing (may give "nan", "inf").
void AppendShortestDouble(std::string* out, double v);

}  // namespace sundial::core
