#include "http/csv_import.h"

#include <strings.h>

#include <charconv>
#include <cmath>
#include <cstring>

#include "cairo/column_text.h"
#include "core/timestamp.h"

namespace sundial::http {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool IEq(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Value of `key=` in a header parameter list (quoted or not).
std::string HeaderParam(std::string_view header, std::string_view key) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t semi = header.find(';', pos);
    std::string_view part = Trim(header.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos));
    size_t eq = part.find('=');
    if (eq != std::string_view::npos && IEq(Trim(part.substr(0, eq)), key)) {
      std::string_view v = Trim(part.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return std::string(v);
    }
    if (semi == std::string_view::npos) break;
    pos = semi + 1;
  }
  return {};
}

bool ParseLong(std::string_view v, int64_t* out) {
  if (!v.empty() && v[0] == '+') v.remove_prefix(1);
  auto r = std::from_chars(v.data(), v.data() + v.size(), *out);
  return !v.empty() && r.ec == std::errc() && r.ptr == v.data() + v.size();
}

bool ParseDoubleValue(std::string_view v, double* out) {
  if (!v.empty() && v[0] == '+') v.remove_prefix(1);
  if (v.empty()) return false;
  auto r = std::from_chars(v.data(), v.data() + v.size(), *out);
  return r.ec == std::errc() && r.ptr == v.data() + v.size();
}

bool LooksLikeTimestamp(std::string_view v) {
  // ISO dates only: yyyy-MM-dd...
  return v.size() >= 10 && v[4] == '-' && v[7] == '-' && std::isdigit(static_cast<unsigned char>(v[0]));
}

}  // namespace

bool ParseMultipart(std::string_view content_type, std::string_view body,
                    std::vector<MultipartPart>* parts) {
  std::string boundary = HeaderParam(content_type, "boundary");
  if (boundary.empty() || boundary.size() > 200) return false;
  std::string delim = "--" + boundary;
  size_t pos = body.find(delim);
  if (pos == std::string_view::npos) return false;
  for (;;) {
    pos += delim.size();
    if (body.substr(pos, 2) == "--") return true;  // closing delimiter
    size_t eol = body.find("\r\n", pos);
    if (eol == std::string_view::npos) return false;
    size_t head_end = body.find("\r\n\r\n", eol);
    if (head_end == std::string_view::npos) return false;
    std::string_view head = body.substr(eol + 2, head_end - eol - 2);
    MultipartPart part;
    size_t hp = 0;
    while (hp <= head.size()) {
      size_t e = head.find("\r\n", hp);
      std::string_view h = head.substr(hp, e == std::string_view::npos ? std::string_view::npos : e - hp);
      size_t colon = h.find(':');
      if (colon != std::string_view::npos && IEq(Trim(h.substr(0, colon)), "content-disposition")) {
        std::string_view v = h.substr(colon + 1);
        part.name = HeaderParam(v, "name");
        part.filename = HeaderParam(v, "filename");
      }
      if (e == std::string_view::npos) break;
      hp = e + 2;
    }
    size_t data_start = head_end + 4;
    size_t next = body.find("\r\n" + delim, data_start);
    if (next == std::string_view::npos) return false;
    part.body = body.substr(data_start, next - data_start);
    parts->push_back(part);
    pos = next + 2;
  }
}

bool ReadCsvRecord(std::string_view text, size_t* pos, char delimiter,
                   std::vector<std::string>* fields, bool* malformed) {
  fields->clear();
  *malformed = false;
  size_t i = *pos;
  if (i >= text.size()) return false;
  std::string field;
  bool in_quotes = false;
  bool was_quoted = false;
  for (;;) {
    if (i >= text.size()) {
      if (in_quotes) *malformed = true;
      fields->push_back(std::move(field));
      break;
    }
    char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          i += 2;
          continue;
        }
        in_quotes = false;
        ++i;
        continue;
      }
      field.push_back(c);
      ++i;
      continue;
    }
    if (c == '"' && (field.empty() || Trim(field).empty()) && !was_quoted) {
      field.clear();
      in_quotes = true;
      was_quoted = true;
      ++i;
      continue;
    }
    if (c == delimiter) {
      fields->push_back(std::move(field));
      field.clear();
      was_quoted = false;
      ++i;
      continue;
    }
    if (c == '\n' || c == '\r') {
      fields->push_back(std::move(field));
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      ++i;
      break;
    }
    field.push_back(c);
    ++i;
  }
  *pos = i;
  return true;
}

char DetectDelimiter(std::string_view text) {
  size_t eol = text.find('\n');
  std::string_view line = text.substr(0, eol);
  const char cands[] = {',', ';', '\t', '|'};
  char best = ',';
  size_t best_n = 0;
  for (char c : cands) {
    size_t n = 0;
    bool q = false;
    for (char x : line) {
      if (x == '"') q = !q;
      if (!q && x == c) ++n;
    }
    if (n > best_n) {
      best_n = n;
      best = c;
    }
  }
  return best;
}

cairo::ColumnType DetectType(const std::vector<std::string_view>& values) {
  bool can_bool = true, can_int = true, can_long = true, can_double = true, can_ts = true;
  bool any = false;
  for (std::string_view raw : values) {
    std::string_view v = Trim(raw);
    if (v.empty()) continue;
    any = true;
    if (can_bool && !(IEq(v, "true") || IEq(v, "false"))) can_bool = false;
    int64_t l;
    bool is_long = ParseLong(v, &l);
    if (!is_long) can_long = can_int = false;
    if (is_long && (l < INT32_MIN + 1LL || l > INT32_MAX)) can_int = false;
    double d;
    if (can_double && !ParseDoubleValue(v, &d)) can_double = false;
    if (can_ts && (!LooksLikeTimestamp(v) || !core::ParseTimestamp(v).ok())) can_ts = false;
  }
  if (!any) return cairo::ColumnType::kVarchar;
  if (can_bool) return cairo::ColumnType::kBoolean;
  if (can_int) return cairo::ColumnType::kInt;
  if (can_long) return cairo::ColumnType::kLong;
  if (can_double) return cairo::ColumnType::kDouble;
  if (can_ts) return cairo::ColumnType::kTimestamp;
  return cairo::ColumnType::kVarchar;
}

bool ParseCsvValue(std::string_view raw, cairo::ColumnType type, ParsedValue* out,
                   const DatePattern* pattern) {
  using cairo::ColumnType;
  *out = ParsedValue();
  std::string_view v = type == ColumnType::kVarchar || type == ColumnType::kSymbol ? raw : Trim(raw);
  if (v.empty()) {
    out->is_null = true;
    return true;
  }
  if (cairo::IsGeoHash(type)) {  // base32 text (cairo/column_text.h), stored as a fixed value
    if (!cairo::ParseStoredText(type, v, out->stored).ok()) return false;
    out->is_null = cairo::IsStoredNull(type, out->stored);
    return true;
  }
  switch (type) {
    case ColumnType::kBoolean:
      if (IEq(v, "true")) return out->b = true, true;
      if (IEq(v, "false")) return out->b = false, true;
      return false;
    case ColumnType::kByte:
    case ColumnType::kShort:
    case ColumnType::kInt:
    case ColumnType::kLong: {
      if (!ParseLong(v, &out->l)) return false;
      int64_t lo = type == ColumnType::kByte ? INT8_MIN : type == ColumnType::kShort ? INT16_MIN
                 : type == ColumnType::kInt ? INT32_MIN + 1LL : INT64_MIN + 1;
      int64_t hi = type == ColumnType::kByte ? INT8_MAX : type == ColumnType::kShort ? INT16_MAX
                 : type == ColumnType::kInt ? INT32_MAX : INT64_MAX;
      return out->l >= lo && out->l <= hi;
    }
    case ColumnType::kFloat:
    case ColumnType::kDouble:
      return ParseDoubleValue(v, &out->d);
    case ColumnType::kTimestamp:
    case ColumnType::kDate: {
      if (pattern != nullptr) {
        if (!pattern->Parse(v, &out->l)) return false;
        if (type == ColumnType::kDate) out->l = core::FloorDiv(out->l, 1000);
        return true;
      }
      auto ts = core::ParseTimestamp(v);
      if (!ts.ok()) {
        // Also accept epoch micros as a number.
        if (!ParseLong(v, &out->l)) return false;
        if (type == ColumnType::kDate) out->l = core::FloorDiv(out->l, 1000);
        return true;
      }
      out->l = type == ColumnType::kDate ? core::FloorDiv(*ts, 1000) : *ts;
      return true;
    }
    case ColumnType::kChar:
      if (v.size() != 1) return false;
      out->l = static_cast<unsigned char>(v[0]);
      return true;
    case ColumnType::kSymbol:
    case ColumnType::kVarchar:
      return true;
    case ColumnType::kIPv4:
    case ColumnType::kUuid:
    case ColumnType::kLong128:
    case ColumnType::kLong256:
      if (!cairo::ParseStoredText(type, v, out->stored).ok()) return false;
      out->is_null = cairo::IsStoredNull(type, out->stored);
      return true;
    case ColumnType::kGeoHash:
    case ColumnType::kBinary:
      return false;
  }
  return false;
}

bool ParseImportSchema(std::string_view json, std::vector<SchemaColumn>* out) {
  // A tolerant scan: objects in order, "name" and "type" string members.
  size_t i = 0;
  auto read_string = [&](std::string* s) -> bool {
    if (i >= json.size() || json[i] != '"') return false;
    ++i;
    while (i < json.size() && json[i] != '"') {
      if (json[i] == '\\' && i + 1 < json.size()) ++i;
      s->push_back(json[i++]);
    }
    if (i >= json.size()) return false;
    ++i;
    return true;
  };
  while (i < json.size() && json[i] != '[') ++i;
  if (i >= json.size()) return false;
  ++i;
  while (i < json.size()) {
    while (i < json.size() && json[i] != '{' && json[i] != ']') ++i;
    if (i >= json.size()) return false;
    if (json[i] == ']') return true;
    ++i;
    SchemaColumn col;
    while (i < json.size() && json[i] != '}') {
      if (json[i] == '"') {
        std::string key, value;
        if (!read_string(&key)) return false;
        while (i < json.size() && (json[i] == ' ' || json[i] == ':')) ++i;
        if (i < json.size() && json[i] == '"') {
          if (!read_string(&value)) return false;
          if (key == "name") col.name = value;
          if (key == "type") col.type = value;
          if (key == "pattern") col.pattern = value;
        }
        continue;
      }
      ++i;
    }
    if (i >= json.size()) return false;
    ++i;
    if (col.name.empty()) return false;
    out->push_back(col);
  }
  return false;
}

bool IsSkippedForExtraValues(size_t field_count, size_t column_count, bool skip_lev) {
  return skip_lev && field_count > column_count;
}

ExistingTableWarnings CompareWithExistingTable(std::string_view requested_timestamp,
                                               cairo::PartitionBy requested_partition_by,
                                               std::string_view table_timestamp,
                                               cairo::PartitionBy table_partition_by) {
  ExistingTableWarnings w;
  w.is_timestamp_overridden = !requested_timestamp.empty() && requested_timestamp != table_timestamp;
  w.is_partition_overridden = requested_partition_by != cairo::PartitionBy::kNone &&
                              requested_partition_by != table_partition_by;
  return w;
}

}  // namespace sundial::http
