// core/base64.h — Base64 (RFC 4648): decoding for HTTP Basic credentials and line protocol over
// TCP authentication keys and signatures. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace sundial::core {

// Decodes `in`, accepting both alphabets ('+' '/' and the URL-safe '-' '_') and optional
// padding: input ends at the first '='. Appends the bytes to *out; false on any other
// character (what was decoded so far is left in *out).
bool Base64Decode(std::string_view in, std::string* out);
// Encodes `in` with the standard alphabet and padding (HTTP Basic credentials of a client).
std::string Base64Encode(std::string_view in);

}  // namespace sundial::core
