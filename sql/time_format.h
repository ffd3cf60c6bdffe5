// sql/time_format.h — QuestDB's date format patterns (to_timestamp, to_str):
// yyyy yy MM M MMM dd d HH H hh h mm m ss s SSS S UUU U NNN a E EEE Z, other characters and
// 'quoted text' literal. Compiled once per statement; Parse/Format are const and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sundial::sql {

class TimeFormat {
 public:
  struct Part {
    char letter = 0;  // 0: literal
    int width = 0;
    std::string literal;
  };
  explicit TimeFormat(std::vector<Part> parts) : parts_(std::move(parts)) {}
  // Parses `s` fully; false on mismatch.
  bool Parse(std::string_view s, int64_t* timestamp_us) const;
  void Format(int64_t timestamp_us, std::string* out) const;

 private:
  std::vector<Part> parts_;
};

core::Result<TimeFormat> CompileTimeFormat(std::string_view pattern, int32_t pos);

}  // namespace sundial::sql
