// core/utf8.h — the UTF-8 rule of the server (RFC 3629: no overlong forms, no surrogates,
// nothing past U+10FFFF), used where text comes in (line protocol) and where JSON goes out,
// and the one encoder of code points.
// Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sundial::core {

// Length (1..4) of the valid UTF-8 sequence at the start of `s`, or 0 if it is not one (an
// invalid byte, a truncated or overlong sequence, a surrogate, a code point past U+10FFFF).
// `s` must not be empty.
size_t Utf8SequenceLength(std::string_view s);

// True if the whole of `s` is valid UTF-8. ASCII runs are checked 8 bytes at a time.
bool IsValidUtf8(std::string_view s);

// Offset of the first byte of `s` that does not start a valid sequence; s.size() if none.
size_t FirstInvalidUtf8(std::string_view s);

// Appends the UTF-8 bytes of `code_point` (<= U+10FFFF; callers pass code points they decoded
// or UTF-16 units, never a value past that).
void AppendUtf8(uint32_t code_point, std::string* out);

}  // namespace sundial::core
