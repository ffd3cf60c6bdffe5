#include "core/number_format.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <system_error>

namespace sundial::core {

namespace {

// A positive decimal digits[0].digits[1..count) × 10^exponent; no trailing zeros once trimmed.
struct Decimal {
  char digits[24];
  int count = 0;
  int exponent = 0;
};

char* Copy(char* out, const char* text) {
  size_t n = std::strlen(text);
  std::memcpy(out, text, n);
  return out + n;
}

// Reads to_chars' scientific text of a positive value: "d[.ddd]e±XX".
void ParseScientific(const char* p, const char* end, Decimal* d) {
  d->count = 0;
  for (; p != end && *p != 'e'; ++p) {
    if (*p != '.') d->digits[d->count++] = *p;
  }
  ++p;  // 'e'
  bool is_negative = *p == '-';
  ++p;  // sign, always present
  int e = 0;
  for (; p < end; ++p) e = e * 10 + (*p - '0');
  d->exponent = is_negative ? -e : e;
  while (d->count > 1 && d->digits[d->count - 1] == '0') --d->count;
}

// Java picks, among the decimals that round to `v`, the shortest, but when that has a single
// digit it also considers two-digit ones and takes the closest (Double.MIN_VALUE prints 4.9E-324,
// not 5.0E-324). For a normal value the rounding interval is so narrow relative to the leading
// digit that the closest two-digit decimal is the one-digit one with a 0 appended, so only
// subnormals, which have few significant bits, get here. The closest two-digit decimal is the
// correctly rounded 2-significant-digit text; it is taken only if it reads back as `v`.
template <typename F>
void PreferCloserTwoDigits(F v, Decimal* d) {
  char tmp[40];
  auto r = std::to_chars(tmp, tmp + sizeof tmp, v, std::chars_format::scientific, 1);
  if (r.ec != std::errc()) return;
  F back = 0;
  auto p = std::from_chars(tmp, r.ptr, back);
  if (p.ec != std::errc() || back != v) return;
  ParseScientific(tmp, r.ptr, d);
}

char* LayOutPlain(char* out, const Decimal& d) {
  if (d.exponent >= 0) {
    int int_digits = d.exponent + 1;
    for (int i = 0; i < int_digits; ++i) *out++ = i < d.count ? d.digits[i] : '0';
    *out++ = '.';
    if (d.count > int_digits) {
      std::memcpy(out, d.digits + int_digits, d.count - int_digits);
      out += d.count - int_digits;
    } else {
      *out++ = '0';
    }
    return out;
  }
  *out++ = '0';
  *out++ = '.';
  for (int i = 0; i < -d.exponent - 1; ++i) *out++ = '0';
  std::memcpy(out, d.digits, d.count);
  return out + d.count;
}

char* LayOutScientific(char* out, const Decimal& d) {
  *out++ = d.digits[0];
  *out++ = '.';
  if (d.count > 1) {
    std::memcpy(out, d.digits + 1, d.count - 1);
    out += d.count - 1;
  } else {
    *out++ = '0';
  }
  *out++ = 'E';
  return std::to_chars(out, out + 8, d.exponent).ptr;
}

template <typename F>
char* FormatFloating(char* out, F v) {
  if (std::isnan(v)) return Copy(out, "NaN");
  if (std::signbit(v)) {
    *out++ = '-';
    v = -v;
  }
  if (std::isinf(v)) return Copy(out, "Infinity");
  if (v == 0) return Copy(out, "0.0");
  char tmp[40];
  auto r = std::to_chars(tmp, tmp + sizeof tmp, v, std::chars_format::scientific);
  Decimal d;
  ParseScientific(tmp, r.ptr, &d);
  if (d.count == 1 && v < std::numeric_limits<F>::min()) PreferCloserTwoDigits(v, &d);
  // The shortest decimal of a value >= 1e-3 is >= 1e-3 and that of a value < 1e7 is < 1e7
  // (both bounds are one-digit decimals, so they would be chosen over anything beyond them),
  // hence Java's test on the value can be made on the decimal exponent.
  if (d.exponent >= -3 && d.exponent < 7) return LayOutPlain(out, d);
  return LayOutScientific(out, d);
}

}  // namespace

char* FormatDouble(char* buf, double v) { return FormatFloating(buf, v); }
char* FormatFloat(char* buf, float v) { return FormatFloating(buf, v); }

void AppendDouble(std::string* out, double v) {
  char buf[kMaxFloatingTextBytes];
  out->append(buf, FormatDouble(buf, v));
}

void AppendFloat(std::string* out, float v) {
  char buf[kMaxFloatingTextBytes];
  out->append(buf, FormatFloat(buf, v));
}

}  // namespace sundial::core
