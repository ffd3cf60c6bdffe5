// core/base64.h — Base64 decoding (RFC 4648) for HTTP Basic credentials and line protocol over
// TCP authentication keys and signatures. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace sundial::core {

// Decodes `in`, accepting both alphabets ('+' '/' and the URL-safe '-' '_') and optional
// padding: input ends at the first '='. Appends the bytes to *out; false on any other
// character (what was decoded so far is left in *out).
bool Base64Decode(std::string_view in, std::string* out);

}  // namespace sundial::core
