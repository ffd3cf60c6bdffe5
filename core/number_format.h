// core/number_format.h — doubles and floats as text, laid out the way QuestDB (and Java's
// Double.toString / Float.toString since JDK 19) prints them. Used by /exec JSON, /exp CSV and
// SQL casts to strings. Pure functions, thread-safe, no allocation beyond appending to `out`.
//
// Digits: the shortest decimal that parses back to the same value (std::to_chars), so the text
// always round-trips exactly. Layout:
//   1e-3 <= |v| < 1e7   plain decimal with at least one fraction digit: 100000.0, 0.001, -2.25
//   otherwise           <d>.<ddd>E<exp>: 1.0E20, 1.0E-4, 1.2345E7, 4.9E-324
//   zero                0.0 / -0.0
//   non-finite          NaN, Infinity, -Infinity (callers that want JSON null or an empty CSV
//                       field test std::isfinite first)
// As Java does, a value whose shortest form has one digit is given two when the two-digit
// decimal is closer (only subnormals are that coarse): 4.9E-324, not 5.0E-324.
#pragma once

#include <cstddef>
#include <string>

namespace sundial::core {

// Longest text either function produces ("-2.2250738585072014E-308" is 24 characters).
inline constexpr size_t kMaxFloatingTextBytes = 32;

void AppendDouble(std::string* out, double v);
// Float.toString: the shortest digits that round-trip as a float (0.1f gives 0.1).
void AppendFloat(std::string* out, float v);

// Writes the same text into `buf` (at least kMaxFloatingTextBytes) and returns its end.
char* FormatDouble(char* buf, double v);
char* FormatFloat(char* buf, float v);

}  // namespace sundial::core
