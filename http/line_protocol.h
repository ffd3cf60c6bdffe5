// http/line_protocol.h — InfluxDB line protocol (v1, text) parser, as QuestDB's clients send it:
//
//   measurement[,tag=value...] field=value[,field=value...] [timestamp]\n
//
// Field values: 1.5 / 1e+21 / NaN / Infinity / -Infinity (DOUBLE), 12i (LONG), t f true false
// (BOOLEAN), "text" with \" \\ and backslash-newline escapes (VARCHAR), 1700000000000000t (a
// TIMESTAMP in µs). Names may escape space, comma and equals with a backslash. A line without
// a timestamp gets the server's time. Lines starting with '#' and blank lines are skipped.
//
// The parser unescapes names and strings in place (the output is never longer than the input),
// so it needs a mutable buffer; the IlpLine's views point into that buffer. No allocation per
// line once the line's vectors have grown. Not thread-safe; one per connection/request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sundial::http {

enum class IlpType : uint8_t { kTag, kDouble, kLong, kBool, kString, kTimestamp };

std::string_view IlpTypeName(IlpType t);

// 48 bytes: /write stages every value of a request before appending.
struct IlpValue {
  std::string_view name;
  std::string_view s;    // kTag, kString
  union {
    double d = 0;        // kDouble
    int64_t i;           // kLong, kTimestamp (µs)
  };
  IlpType type = IlpType::kDouble;
  bool b = false;        // kBool
};

struct IlpLine {
  std::string_view table;
  std::vector<IlpValue> values;  // tags first, then fields, in line order
  bool has_timestamp = false;
  int64_t timestamp = 0;         // as sent, in the request's precision
};

// The end of the last complete line in [p, end) — just past its '\n', with line ends found as
// LineParser::Parse finds them (escaped newlines and newlines in strings do not end a line,
// comment lines end at their first newline) — or `p` when no line is complete. Lets a body be
// cut into parts that parse independently.
char* EndOfCompleteLines(char* p, char* end);

// Decimal without exponent and at most 15 significant digits: exact mantissa divided by an
// exact power of ten is correctly rounded (Clinger's fast path). Anything else: from_chars.
// Reads [-]digits[.digits] from p (up to e). Returns the position after it, or nullptr if it
// has no digit or more than 15.
inline const char* ScanPlainDecimal(const char* p, const char* e, double* out) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  bool neg = false;
  if (p < e && *p == '-') {
    neg = true;
    ++p;
  }
  uint64_t mant = 0;
  int digits = 0, frac = 0;
  while (p < e && static_cast<unsigned>(*p - '0') < 10) {
    mant = mant * 10 + static_cast<unsigned>(*p - '0');
    ++p;
    ++digits;
  }
  if (p < e && *p == '.') {
    ++p;
    while (p < e && static_cast<unsigned>(*p - '0') < 10) {
      mant = mant * 10 + static_cast<unsigned>(*p - '0');
      ++p;
      ++digits;
      ++frac;
    }
  }
  if (digits == 0 || digits > 15) return nullptr;
  double d = static_cast<double>(mant) / kPow10[frac];
  *out = neg ? -d : d;
  return p;
}

// ScanPlainDecimal without bounds: the caller knows a byte that is no digit and no '.' follows
// the number (a line's '\n').
inline const char* ScanPlainDecimalToStop(const char* p, double* out) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const bool neg = *p == '-';
  if (neg) ++p;
  const char* const start = p;
  uint64_t mant = 0;  // wraps past 19 digits; such a number is refused below anyway
  while (static_cast<unsigned>(*p - '0') < 10) {
    mant = mant * 10 + static_cast<unsigned>(*p - '0');
    ++p;
  }
  ptrdiff_t digits = p - start;
  if (*p == '.') {
    ++p;
    const char* const frac_start = p;
    while (static_cast<unsigned>(*p - '0') < 10) {
      mant = mant * 10 + static_cast<unsigned>(*p - '0');
      ++p;
    }
    const ptrdiff_t frac = p - frac_start;
    digits += frac;
    if (digits == 0 || digits > 15) return nullptr;
    const double d = static_cast<double>(mant) / kPow10[frac];
    *out = neg ? -d : d;
    return p;
  }
  if (digits == 0 || digits > 15) return nullptr;
  const double d = static_cast<double>(mant);
  *out = neg ? -d : d;
  return p;
}

enum class IlpPrecision { kNanos, kMicros, kMillis, kSeconds, kMinutes, kHours };
// "n"/"ns", "u"/"us", "ms", "s", "m", "h"; false for anything else.
bool ParseIlpPrecision(std::string_view s, IlpPrecision* out);
// Converts a timestamp in `p` to µs (ns are floored). False on overflow.
bool IlpTimestampToMicros(int64_t value, IlpPrecision p, int64_t* out_us);

class LineParser {
 public:
  enum class Outcome {
    kLine,        // *line holds a parsed line
    kSkip,        // blank or comment line
    kIncomplete,  // no line terminator before `end` and !at_eof: wait for more bytes
    kError,       // error() says what is wrong
  };

  // Parses one line starting at `p`. `*next` is set past the line's '\n' (or to `end` when
  // the last line has no terminator and `at_eof`). On kError, `*next` is past the bad line's
  // terminator when one was found, so parsing may go on; `error()` holds the message.
  // The bytes of the line may be rewritten (unescaping).
  Outcome Parse(char* p, char* end, bool at_eof, IlpLine* line, char** next);

  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

}  // namespace sundial::http
