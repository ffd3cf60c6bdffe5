#include "cairo/column_type.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "core/timestamp.h"

namespace sundial::cairo {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_add_overflow(a, b, &r) ? INT64_MAX : r;
}

void AppendInt(std::string* s, int64_t v, int width) {
  std::string d = std::to_string(v < 0 ? -v : v);
  if (v < 0) s->push_back('-');
  for (int i = static_cast<int>(d.size()); i < width; ++i) s->push_back('0');
  s->append(d);
}

// ISO week-numbering year and week of the Monday-started week containing `days`.
void IsoWeek(int64_t days, int64_t* iso_year, int* week) {
  int64_t dow = ((days + 3) % 7 + 7) % 7;  // 0 = Monday
  int64_t thursday = days - dow + 3;
  int64_t y;
  int m, d;
  core::CivilFromDays(thursday, &y, &m, &d);
  int64_t jan1 = core::DaysFromCivil(y, 1, 1);
  *iso_year = y;
  *week = static_cast<int>((thursday - jan1) / 7 + 1);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// QuestDB's rules (TableUtils.isValidTableName / isValidColumnName, and the same in its
// clients): names become directory and file names, so no path characters, no control
// characters, at most 127 bytes; a table name may hold one '.' between other characters
// (`file.csv`), a column name none, nor '-'.
std::string ValidateName(std::string_view name, const char* what, bool column) {
  if (name.empty()) return std::string(what) + " name is empty";
  if (name.size() > 127) return std::string(what) + " name is too long (max 127 bytes)";
  if (name == "." || name == "..") return "'" + std::string(name) + "' is an invalid " + what + " name";
  if (name.front() == ' ' || name.back() == ' ') {
    return std::string(what) + " name must not start or end with a space";
  }
  const std::string shown = " [name=" + std::string(name.substr(0, 127)) + "]";
  int dots = 0;
  for (size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (c == '.') {
      if (column) return "'.' is not allowed in a column name" + shown;
      if (i == 0 || i + 1 == name.size() || ++dots > 1) {
        return "a table name may hold one '.', between other characters" + shown;
      }
      continue;
    }
    if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == '?' || c == ',' || c == '\'' ||
        c == '"' || c == ':' || c == '*' || c == '<' || c == '>' || c == '|' || c == '~' ||
        c == '(' || c == ')' || c == '+' || c == '%' || (column && c == '-')) {
      std::string ch = c < 0x20 || c == 0x7f ? "control character" : "'" + std::string(1, static_cast<char>(c)) + "'";
      return ch + " is not allowed in a " + what + " name" + shown;
    }
    // U+FEFF (byte order mark), as QuestDB.
    if (c == 0xef && i + 2 < name.size() && static_cast<unsigned char>(name[i + 1]) == 0xbb &&
        static_cast<unsigned char>(name[i + 2]) == 0xbf) {
      return "byte order mark is not allowed in a " + std::string(what) + " name" + shown;
    }
  }
  return {};
}

}  // namespace

namespace {

// One row per stored type: the one table of names and sizes (index = the enum's value).
struct TypeInfo {
  ColumnType type;
  std::string_view name;
  int size_bytes;  // 0: variable size
};
constexpr TypeInfo kTypes[] = {
    {ColumnType::kBoolean, "BOOLEAN", 1},  {ColumnType::kByte, "BYTE", 1},
    {ColumnType::kShort, "SHORT", 2},      {ColumnType::kChar, "CHAR", 2},
    {ColumnType::kInt, "INT", 4},          {ColumnType::kLong, "LONG", 8},
    {ColumnType::kFloat, "FLOAT", 4},      {ColumnType::kDouble, "DOUBLE", 8},
    {ColumnType::kDate, "DATE", 8},        {ColumnType::kTimestamp, "TIMESTAMP", 8},
    {ColumnType::kSymbol, "SYMBOL", 4},    {ColumnType::kVarchar, "VARCHAR", 0},
    {ColumnType::kIPv4, "IPv4", 4},        {ColumnType::kUuid, "UUID", 16},
    {ColumnType::kLong256, "LONG256", 32}, {ColumnType::kLong128, "LONG128", 16},
    {ColumnType::kBinary, "BINARY", 0},
};

const TypeInfo* Info(ColumnType type) {
  for (const TypeInfo& t : kTypes) {
    if (t.type == type) return &t;
  }
  return nullptr;
}

}  // namespace

std::string_view ColumnTypeName(ColumnType type) {
  if (IsGeoHash(type)) {
    // Built once (thread-safe static initialisation); index = bits.
    static const auto* const kNames = [] {
      auto* names = new std::string[kGeoHashMaxBits + 1];
      for (int bits = 1; bits <= kGeoHashMaxBits; ++bits) {
        names[bits] = bits % 5 == 0 ? "GEOHASH(" + std::to_string(bits / 5) + "c)"
                                    : "GEOHASH(" + std::to_string(bits) + "b)";
      }
      return names;
    }();
    return kNames[GeoHashBits(type)];
  }
  const TypeInfo* t = Info(type);
  return t ? t->name : "UNKNOWN";
}

std::optional<int> ParseGeoHashPrecision(std::string_view text) {
  if (text.size() < 2 || text.size() > 3) return std::nullopt;
  int n = 0;
  for (size_t k = 0; k + 1 < text.size(); ++k) {
    if (text[k] < '0' || text[k] > '9') return std::nullopt;
    n = n * 10 + (text[k] - '0');
  }
  const char unit = static_cast<char>(std::tolower(static_cast<unsigned char>(text.back())));
  if (unit == 'c' && n >= 1 && n <= kGeoHashMaxBits / 5) return n * 5;
  if (unit == 'b' && n >= 1 && n <= kGeoHashMaxBits) return n;
  return std::nullopt;
}

std::optional<ColumnType> ParseColumnType(std::string_view name) {
  static constexpr std::pair<std::string_view, ColumnType> kAliases[] = {
      {"INTEGER", ColumnType::kInt},    {"BIGINT", ColumnType::kLong},
      {"REAL", ColumnType::kFloat},     {"STRING", ColumnType::kVarchar},
      {"SMALLINT", ColumnType::kShort}, {"TINYINT", ColumnType::kByte},
  };
  for (const TypeInfo& t : kTypes) {
    if (EqualsIgnoreCase(t.name, name)) return t.type;
  }
  // GEOHASH(8c), GEOHASH(40b): the spelling of ColumnTypeName (and of /imp schemas).
  if (name.size() > 9 && EqualsIgnoreCase(name.substr(0, 8), "GEOHASH(") && name.back() == ')') {
    if (auto bits = ParseGeoHashPrecision(name.substr(8, name.size() - 9))) {
      return GeoHashType(*bits);
    }
    return std::nullopt;
  }
  for (const auto& [n, t] : kAliases) {
    if (EqualsIgnoreCase(n, name)) return t;
  }
  return std::nullopt;
}

int ColumnTypeSize(ColumnType type) {
  if (IsGeoHash(type)) {
    const int bits = GeoHashBits(type);
    return bits < 8 ? 1 : bits < 16 ? 2 : bits < 32 ? 4 : 8;
  }
  const TypeInfo* t = Info(type);
  return t ? t->size_bytes : 0;
}

bool IsValidColumnType(uint8_t raw) {
  const auto type = static_cast<ColumnType>(raw);
  return IsGeoHash(type) || Info(type) != nullptr;
}

std::string_view PartitionByName(PartitionBy by) {
  switch (by) {
    case PartitionBy::kNone: return "NONE";
    case PartitionBy::kHour: return "HOUR";
    case PartitionBy::kDay: return "DAY";
    case PartitionBy::kWeek: return "WEEK";
    case PartitionBy::kMonth: return "MONTH";
    case PartitionBy::kYear: return "YEAR";
  }
  return "NONE";
}

std::optional<PartitionBy> ParsePartitionBy(std::string_view name) {
  for (PartitionBy by : {PartitionBy::kNone, PartitionBy::kHour, PartitionBy::kDay,
                         PartitionBy::kWeek, PartitionBy::kMonth, PartitionBy::kYear}) {
    if (EqualsIgnoreCase(PartitionByName(by), name)) return by;
  }
  return std::nullopt;
}

core::Status CheckDesignatedTimestamp(int64_t ts, std::string_view table) {
  if (ts == kNullLong) {
    return core::Status::InvalidArgument("designated timestamp must not be null [table=" +
                                         std::string(table) + "]");
  }
  if (ts < kMinDesignatedTimestamp) {
    // As QuestDB: partitions and the designated timestamp's order start at the epoch.
    return core::Status::InvalidArgument(
        "designated timestamp before 1970-01-01 is not allowed [table=" + std::string(table) + "]");
  }
  if (ts > kMaxDesignatedTimestamp) {
    return core::Status::InvalidArgument(
        "designated timestamp after 9999-12-31T23:59:59.999999Z is not allowed [table=" +
        std::string(table) + ", timestamp=" + std::to_string(ts) + "]");
  }
  return core::Status::Ok();
}

int64_t PartitionFloor(PartitionBy by, int64_t ts) {
  using namespace core;
  switch (by) {
    case PartitionBy::kNone: return 0;
    case PartitionBy::kHour: return FloorDiv(ts, kMicrosPerHour) * kMicrosPerHour;
    case PartitionBy::kDay: return FloorDiv(ts, kMicrosPerDay) * kMicrosPerDay;
    case PartitionBy::kWeek: {
      int64_t days = FloorDiv(ts, kMicrosPerDay);
      int64_t dow = ((days + 3) % 7 + 7) % 7;  // 0 = Monday
      return (days - dow) * kMicrosPerDay;
    }
    case PartitionBy::kMonth: {
      CivilTime c = ToCivil(ts);
      return DaysFromCivil(c.year, c.month, 1) * kMicrosPerDay;
    }
    case PartitionBy::kYear: {
      CivilTime c = ToCivil(ts);
      return DaysFromCivil(c.year, 1, 1) * kMicrosPerDay;
    }
  }
  return 0;
}

int64_t PartitionNext(PartitionBy by, int64_t start) {
  using namespace core;
  switch (by) {
    case PartitionBy::kNone: return INT64_MAX;
    case PartitionBy::kHour: return SaturatingAdd(start, kMicrosPerHour);
    case PartitionBy::kDay: return SaturatingAdd(start, kMicrosPerDay);
    case PartitionBy::kWeek: return SaturatingAdd(start, 7 * kMicrosPerDay);
    case PartitionBy::kMonth: {
      if (start > kMaxDesignatedTimestamp) return INT64_MAX;
      CivilTime c = ToCivil(start);
      int64_t y = c.year + (c.month == 12);
      int m = c.month == 12 ? 1 : c.month + 1;
      return DaysFromCivil(y, m, 1) * kMicrosPerDay;
    }
    case PartitionBy::kYear: {
      if (start > kMaxDesignatedTimestamp) return INT64_MAX;
      CivilTime c = ToCivil(start);
      return DaysFromCivil(c.year + 1, 1, 1) * kMicrosPerDay;
    }
  }
  return INT64_MAX;
}

std::string PartitionName(PartitionBy by, int64_t start) {
  if (by == PartitionBy::kNone) return "default";
  core::CivilTime c = core::ToCivil(start);
  std::string s;
  if (by == PartitionBy::kWeek) {
    int64_t iso_year;
    int week;
    IsoWeek(core::FloorDiv(start, core::kMicrosPerDay), &iso_year, &week);
    AppendInt(&s, iso_year, 4);
    s += "-W";
    AppendInt(&s, week, 2);
    return s;
  }
  AppendInt(&s, c.year, 4);
  if (by == PartitionBy::kYear) return s;
  s.push_back('-');
  AppendInt(&s, c.month, 2);
  if (by == PartitionBy::kMonth) return s;
  s.push_back('-');
  AppendInt(&s, c.day, 2);
  if (by == PartitionBy::kDay) return s;
  s.push_back('T');
  AppendInt(&s, c.hour, 2);
  return s;
}

std::optional<int64_t> ParsePartitionName(PartitionBy by, std::string_view name) {
  name = Trim(name);
  if (by == PartitionBy::kNone) {
    if (name == "default") return 0;
    return std::nullopt;
  }
  if (by == PartitionBy::kWeek) {
    // YYYY-Www
    if (name.size() == 8 && name[4] == '-' && (name[5] == 'W' || name[5] == 'w')) {
      int64_t y = 0;
      int w = 0;
      for (int i = 0; i < 4; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(name[i]))) return std::nullopt;
        y = y * 10 + (name[i] - '0');
      }
      for (int i = 6; i < 8; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(name[i]))) return std::nullopt;
        w = w * 10 + (name[i] - '0');
      }
      if (w < 1 || w > 53) return std::nullopt;
      // Monday of ISO week 1 is the Monday of the week holding January 4th.
      int64_t jan4 = core::DaysFromCivil(y, 1, 4);
      int64_t dow = ((jan4 + 3) % 7 + 7) % 7;
      int64_t monday = jan4 - dow + (w - 1) * 7;
      int64_t start = monday * core::kMicrosPerDay;
      if (PartitionName(by, start) != name) return std::nullopt;
      return start;
    }
  }
  auto ts = core::ParseTimestamp(name);
  if (!ts.ok()) return std::nullopt;
  return PartitionFloor(by, *ts);
}

bool NamesEqualIgnoreCase(std::string_view a, std::string_view b) { return EqualsIgnoreCase(a, b); }

std::string ValidateTableName(std::string_view name) { return ValidateName(name, "table", false); }
std::string ValidateColumnName(std::string_view name) { return ValidateName(name, "column", true); }

}  // namespace sundial::cairo
