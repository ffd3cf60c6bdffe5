// libFuzzer target for the server's untrusted-input parsers. The first byte picks one:
//   0  line protocol: LineParser over the whole input, line by line, and EndOfCompleteLines,
//      which must cut where the parser's line ends fall;
//   1  HTTP requests: RequestParser fed the input in pieces (pipelined requests, chunked
//      bodies, limits), sizes taken from the input;
//   2  CSV: delimiter and type detection, records, and value parsing for every column type;
//   3  multipart bodies (the /imp upload), the import schema JSON, and date patterns (the first
//      line) applied to the rest;
//   4  tar archives (`sundial restore`): core::TarReader over the input, every member's data
//      read, handed over in pieces whose sizes come from the input;
//   5  regular expressions (SQL's `~` and regexp_replace): the first line is the pattern, the
//      second the replacement, the rest the text; Search and Find must agree, and every call
//      ends in an answer or a clear error within core::Regex's step limit.
// Any input must end in results or clear errors: no crash, no hang, no undefined behaviour.
// Build: cmake -DSUNDIAL_FUZZ=ON with clang (pkg/fuzz.sh), then
//   ./tests/http/http_fuzz_inputs tests/http/fuzz_corpus -max_total_time=60
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/regex.h"
#include "core/tar.h"
#include "http/csv_import.h"
#include "http/http_request.h"
#include "http/line_protocol.h"

namespace {

using namespace sundial::http;

void FuzzLineProtocol(std::string text) {
  std::string copy = text;
  char* begin = text.data();
  char* end = begin + text.size();
  char* cut = EndOfCompleteLines(copy.data(), copy.data() + copy.size());
  const size_t complete = static_cast<size_t>(cut - copy.data());
  LineParser parser;
  IlpLine line;
  char* p = begin;
  bool cut_seen = complete == 0;
  int guard = 0;
  while (p < end) {
    char* next = nullptr;
    LineParser::Outcome o = parser.Parse(p, end, /*at_eof=*/true, &line, &next);
    if (next == nullptr || next <= p || next > end) std::abort();  // no progress: a hang
    if (o == LineParser::Outcome::kIncomplete) std::abort();      // at_eof: never incomplete
    if (o == LineParser::Outcome::kLine) {
      for (const IlpValue& v : line.values) {
        if (v.name.data() < begin || v.name.data() + v.name.size() > end) std::abort();
      }
    }
    p = next;
    if (static_cast<size_t>(p - begin) == complete) cut_seen = true;
    if (++guard > (1 << 20)) std::abort();
  }
  // The cut of complete lines is at one of the parser's line ends.
  if (!cut_seen) std::abort();
}

void FuzzRequests(const uint8_t* data, size_t size) {
  if (size < 2) return;
  RequestLimits limits;
  limits.max_header_bytes = 1024 + data[0] * 16;
  limits.max_body_bytes = 1024 + data[1] * 64;
  const uint8_t step = static_cast<uint8_t>(1 + (data[0] ^ data[1]) % 61);
  data += 2;
  size -= 2;
  RequestParser parser(limits);
  size_t off = 0;
  int guard = 0;
  while (off < size) {
    const size_t n = std::min<size_t>(step, size - off);
    size_t used = 0;
    RequestParser::State st = parser.Feed(reinterpret_cast<const char*>(data + off), n, &used);
    if (used > n) std::abort();
    off += used;
    if (st == RequestParser::State::kError) {
      const int s = parser.error_status();
      if (s < 400 || s > 599 || parser.error_message().empty()) std::abort();
      return;  // the server closes the connection
    }
    if (st == RequestParser::State::kComplete) {
      (void)parser.request().Param("query");
      (void)parser.request().Header("content-length");
      parser.Reset();
    } else if (used == 0) {
      std::abort();  // needs more yet took nothing of what it was given
    }
    if (++guard > (1 << 20)) std::abort();
  }
}

void FuzzCsv(std::string_view text) {
  const char delimiter = DetectDelimiter(text);
  size_t pos = 0;
  std::vector<std::string> fields;
  std::vector<std::string_view> column;
  int guard = 0;
  while (pos < text.size()) {
    const size_t before = pos;
    bool malformed = false;
    if (!ReadCsvRecord(text, &pos, delimiter, &fields, &malformed)) break;
    if (pos <= before) std::abort();
    for (const std::string& f : fields) column.push_back(f);
    (void)DetectType(column);
    for (const std::string& f : fields) {
      for (auto type : {sundial::cairo::ColumnType::kBoolean, sundial::cairo::ColumnType::kInt,
                        sundial::cairo::ColumnType::kLong, sundial::cairo::ColumnType::kDouble,
                        sundial::cairo::ColumnType::kFloat, sundial::cairo::ColumnType::kTimestamp,
                        sundial::cairo::ColumnType::kDate, sundial::cairo::ColumnType::kChar,
                        sundial::cairo::ColumnType::kShort, sundial::cairo::ColumnType::kByte,
                        sundial::cairo::ColumnType::kSymbol, sundial::cairo::ColumnType::kVarchar}) {
        ParsedValue v;
        (void)ParseCsvValue(f, type, &v, nullptr);
      }
    }
    column.clear();
    if (++guard > (1 << 20)) std::abort();
  }
}

void FuzzMultipartAndSchema(std::string_view text) {
  std::vector<MultipartPart> parts;
  (void)ParseMultipart("multipart/form-data; boundary=XyZ", text, &parts);
  for (const MultipartPart& p : parts) {
    if (p.body.data() < text.data() || p.body.data() + p.body.size() > text.data() + text.size()) {
      std::abort();
    }
  }
  std::vector<SchemaColumn> schema;
  (void)ParseImportSchema(text, &schema);
  // A date pattern from the first line, applied to the rest.
  const size_t nl = text.find('\n');
  if (nl == std::string_view::npos) return;
  auto pattern = DatePattern::Compile(text.substr(0, nl));
  if (!pattern.ok()) return;
  int64_t us = 0;
  (void)pattern->Parse(text.substr(nl + 1), &us);
  ParsedValue v;
  (void)ParseCsvValue(text.substr(nl + 1), sundial::cairo::ColumnType::kTimestamp, &v, &*pattern);
}

void FuzzTar(std::string_view text) {
  const size_t piece = text.empty() ? 1 : 1 + static_cast<unsigned char>(text[0]) * 7;
  size_t pos = 0;
  sundial::core::TarReader reader([&](char* buf, size_t n) -> sundial::core::Result<size_t> {
    const size_t k = std::min({n, piece, text.size() - pos});
    std::copy_n(text.data() + pos, k, buf);
    pos += k;
    return k;
  });
  sundial::core::TarEntry e;
  char buf[1024];
  for (int guard = 0; guard < 100000; ++guard) {
    auto more = reader.Next(&e);
    if (!more.ok() || !*more) return;
    // A member the reader hands out never leads outside the directory it is extracted into.
    const std::string p = "/" + e.path + "/";
    if (e.path.empty() || e.path.front() == '/' || p.find("/../") != std::string::npos ||
        p.find("/./") != std::string::npos || p.find("//") != std::string::npos) {
      std::abort();
    }
    for (;;) {
      auto n = reader.ReadData(buf, sizeof(buf));
      if (!n.ok() || *n == 0) break;
    }
  }
}

}  // namespace

void FuzzRegex(std::string_view input) {
  size_t nl = input.find('\n');
  std::string_view pattern = input.substr(0, nl);
  std::string_view rest = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
  size_t nl2 = rest.find('\n');
  std::string_view replacement = rest.substr(0, nl2);
  std::string_view text = nl2 == std::string_view::npos ? std::string_view() : rest.substr(nl2 + 1);
  auto re = sundial::core::Regex::Compile(pattern);
  if (!re.ok()) return;
  // Keep each input quick under the sanitizers (the step limit bounds the rest; the unit
  // tests check it).
  if (re->program_size() * (text.size() + 1) > (1u << 20)) return;
  auto found = re->Search(text);
  std::vector<int64_t> groups;
  auto first = re->Find(text, 0, &groups);
  if (found.ok() != first.ok() || (found.ok() && *found != *first)) std::abort();
  if (first.ok() && *first) {
    if (groups.size() != 2 * (static_cast<size_t>(re->group_count()) + 1)) std::abort();
    if (groups[0] < 0 || groups[0] > groups[1] || static_cast<size_t>(groups[1]) > text.size()) std::abort();
  }
  auto replaced = re->ReplaceAll(text, replacement);
  (void)replaced;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t which = data[0] % 6;
  const uint8_t* rest = data + 1;
  const size_t n = size - 1;
  std::string_view text(reinterpret_cast<const char*>(rest), n);
  switch (which) {
    case 0: FuzzLineProtocol(std::string(text)); break;
    case 1: FuzzRequests(rest, n); break;
    case 2: FuzzCsv(text); break;
    case 3: FuzzMultipartAndSchema(text); break;
    case 4: FuzzTar(text); break;
    default: FuzzRegex(text); break;
  }
  return 0;
}
