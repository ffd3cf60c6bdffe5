// sql/utf8_case.h — upper/lower case mapping of UTF-8 text for ASCII, Latin-1, Latin
// Extended-A, Greek and Cyrillic (what upper()/lower() need; other characters are kept).
#pragma once

#include <string>
#include <string_view>

namespace sundial::sql {

std::string Utf8Upper(std::string_view s);
std::string Utf8Lower(std::string_view s);

}  // namespace sundial::sql
