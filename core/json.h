// core/json.h — small helpers for writing JSON text (no DOM): string escaping and number
// formatting as QuestDB renders them (doubles as core/number_format.h lays them out; NaN and
// infinities as null). Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sundial::core {

// Appends `s` as a quoted JSON string. Control characters become \uXXXX (or \n, \t, ...);
// valid UTF-8 sequences are copied as they are, and every byte that does not start one
// becomes \ufffd (U+FFFD), so the output is valid JSON whatever `s` holds.
void JsonAppendString(std::string* out, std::string_view s);
// Appends the escaped body of a JSON string without the quotes.
void JsonAppendEscaped(std::string* out, std::string_view s);
void JsonAppendInt(std::string* out, int64_t v);
// Java's Double.toString layout of the shortest round-trip digits ("0.1", "100000.0", "1.0E21",
// "1.0E-4"); non-finite → null. Valid JSON numbers either way.
void JsonAppendDouble(std::string* out, double v);
// Same for a float, with the shortest digits that round-trip as a float (0.1f → "0.1").
void JsonAppendFloat(std::string* out, float v);

}  // namespace sundial::core
