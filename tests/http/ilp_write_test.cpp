// IlpWriteRequest — a /write body cut into parts at line ends, parsed in parallel and committed
// as one — against the sequential parser: the cut points are the parser's own line ends, every
// row arrives once and in order whatever the piece sizes, and a body with refused lines reports
// the first one by its number in the whole body and commits nothing.
#include "http/ilp_write.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "cairo/column_type.h"
#include "tests/http/engine_fixture.h"

namespace sundial::http {
namespace {

// Random line-protocol text for table `w`: rows with a tag, a LONG id (the row's number; 100
// rows share each timestamp, so their order in the table is the order they were sent), a
// string with escaped quotes, backslashes and newlines (escaped and raw), and a DOUBLE; blank
// and comment lines (some with quotes) between them. `lines` counts lines as the parser does.
struct Body {
  std::string text;
  std::vector<std::string> strings;  // the string field of row i, unescaped
  int64_t lines = 0;
};

Body MakeBody(std::mt19937_64& rng, int rows, int64_t first_id = 0) {
  Body b;
  for (int64_t i = first_id; i < first_id + rows; ++i) {
    switch (rng() % 12) {
      case 0:
        b.text += "\n";
        ++b.lines;
        break;
      case 1:
        b.text += "# a comment with a=\"quote and \\ backslash\n";
        ++b.lines;
        break;
      default:
        break;
    }
    std::string raw, esc;
    int parts = static_cast<int>(rng() % 4);
    for (int k = 0; k < parts; ++k) {
      switch (rng() % 5) {
        case 0: raw += "\""; esc += "\\\""; break;
        case 1: raw += "\\"; esc += "\\\\"; break;
        case 2: raw += "\n"; esc += "\\\n"; break;   // escaped newline
        case 3: raw += "\n"; esc += "\n"; break;     // raw newline inside the string
        default: raw += "x y,z=1"; esc += "x y,z=1"; break;
      }
    }
    b.strings.push_back(raw);
    b.text += "w,tag=t" + std::to_string(rng() % 7) + " id=" + std::to_string(i) + "i,s=\"" + esc +
              "\",x=" + std::to_string(i) + ".5 " + std::to_string(1'700'000'000'000'000'000 + i / 100 * 1000) +
              "\n";
    ++b.lines;
  }
  return b;
}

// The line ends (offsets just past each line) the sequential parser finds in `text`.
std::vector<size_t> ParserLineEnds(std::string text) {
  std::vector<size_t> ends;
  LineParser parser;
  IlpLine line;
  char* const begin = text.data();
  char* p = begin;
  char* const end = p + text.size();
  while (p < end) {
    char* next = end;
    parser.Parse(p, end, /*at_eof=*/true, &line, &next);
    ends.push_back(static_cast<size_t>(next - begin));
    p = next;
  }
  return ends;
}

TEST(EndOfCompleteLinesTest, CutsWhereTheParserEndsLines) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 20; ++round) {
    Body b = MakeBody(rng, 200);
    std::vector<size_t> ends = ParserLineEnds(b.text);
    ASSERT_EQ(static_cast<int64_t>(ends.size()), b.lines);
    for (int k = 0; k < 300; ++k) {
      size_t cut = rng() % (b.text.size() + 1);
      std::string prefix = b.text.substr(0, cut);
      char* p = prefix.data();
      size_t got = static_cast<size_t>(EndOfCompleteLines(p, p + prefix.size()) - p);
      size_t want = 0;
      for (size_t e : ends) {
        // A line is complete in the prefix when its terminator is in it.
        if (e <= cut && (e == 0 || b.text[e - 1] == '\n')) want = e;
      }
      ASSERT_EQ(got, want) << "cut at " << cut;
    }
  }
}

TEST(BufferPoolTest, HandsOutEmptyBuffersAndKeepsBoundedCapacity) {
  BufferPool pool(2, 1000, 5000);
  std::string a = pool.Take();
  EXPECT_TRUE(a.empty());
  EXPECT_GE(a.capacity(), 1000u);
  a.assign(3000, 'x');
  const char* kept = a.data();
  pool.Give(std::move(a));
  std::string again = pool.Take();  // the same buffer, emptied, its capacity kept
  EXPECT_TRUE(again.empty());
  EXPECT_EQ(again.data(), kept);
  std::string big;
  big.reserve(10000);  // over max_bytes: not kept
  pool.Give(std::move(big));
  std::string fresh = pool.Take();
  EXPECT_LT(fresh.capacity(), 10000u);
  // At most two are kept: of three given (capacities 2000, 3000, 4000), the third is dropped.
  BufferPool two(2, 100, 5000);
  for (size_t cap : {2000u, 3000u, 4000u}) {
    std::string g;
    g.reserve(cap);
    two.Give(std::move(g));
  }
  std::vector<size_t> caps;
  for (int i = 0; i < 3; ++i) caps.push_back(two.Take().capacity());
  std::sort(caps.begin(), caps.end());
  EXPECT_LT(caps[0], 2000u);  // made anew
  EXPECT_GE(caps[1], 2000u);
  EXPECT_LT(caps[1], 3000u + 64);
  EXPECT_GE(caps[2], 3000u);
  EXPECT_LT(caps[2], 4000u);
}

class IlpWriteRequestTest : public EngineFixture {
 protected:

  // Sends `text` the way the server hands it over: appended in pieces of random size, the
  // complete lines taken after each piece, the rest at the end.
  IlpWriteRequest::Outcome Send(const std::string& text, std::mt19937_64& rng, size_t max_piece) {
    IlpWriteOptions o;
    o.max_parts_in_flight = 2;
    IlpWriteRequest req(engine_.get(), &pool_, &buffers_, o);
    std::string body;
    for (size_t pos = 0; pos < text.size();) {
      size_t n = std::min<size_t>(text.size() - pos, 1 + rng() % max_piece);
      body.append(text, pos, n);
      pos += n;
      req.Take(&body, /*at_eof=*/false);
      if (req.refused()) body.clear();
    }
    req.Take(&body, /*at_eof=*/true);
    return req.Finish();
  }

  BufferPool buffers_{4, 4096, 1 << 20};
  core::WorkerPool pool_{"ilp", 3};  // joined before the fixture's engine closes
};

TEST_F(IlpWriteRequestTest, PartsParsedInParallelCommitEveryRowOnceInOrder) {
  std::mt19937_64 rng(5);
  int64_t total = 0;
  std::vector<std::string> strings;
  for (size_t max_piece : {7, 300, 5000, 100000}) {
    SCOPED_TRACE(max_piece);
    Body b = MakeBody(rng, 3000, total);  // ids and timestamps go on across requests
    const std::string& text = b.text;
    IlpWriteRequest::Outcome out = Send(text, rng, max_piece);
    ASSERT_TRUE(out.error.ok()) << out.error.ToString() << " line " << out.line;
    total += static_cast<int64_t>(b.strings.size());
    strings.insert(strings.end(), b.strings.begin(), b.strings.end());
  }
  auto v = engine_->Pin("w");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  const auto& sc = v->schema();
  int cid = sc.FindColumn("id"), cs = sc.FindColumn("s"), cx = sc.FindColumn("x");
  ASSERT_GE(cid, 0);
  ASSERT_GE(cs, 0);
  ASSERT_GE(cx, 0);
  int64_t row = 0;
  for (size_t p = 0; p < v->partitions().size(); ++p) {
    auto id = v->Column(p, cid);
    auto s = v->Column(p, cs);
    auto x = v->Column(p, cx);
    ASSERT_TRUE(id.ok() && s.ok() && x.ok());
    for (int64_t r = 0; r < v->partitions()[p].row_count; ++r, ++row) {
      ASSERT_EQ(id->values<int64_t>()[r], row);
      ASSERT_EQ(std::string(s->Varchar(r)), strings[static_cast<size_t>(row)]) << "row " << row;
      ASSERT_EQ(x->values<double>()[r], static_cast<double>(row) + 0.5);
    }
  }
  EXPECT_EQ(row, total);
}

TEST_F(IlpWriteRequestTest, FirstRefusedLineOfTheWholeBodyIsReportedAndNothingCommitted) {
  std::mt19937_64 rng(9);
  for (int round = 0; round < 12; ++round) {
    SCOPED_TRACE(round);
    Body b = MakeBody(rng, 2000);
    std::vector<size_t> ends = ParserLineEnds(b.text);
    // Two refused lines at random line starts (the later one may sit in an earlier-finishing part).
    size_t i1 = rng() % ends.size(), i2 = rng() % ends.size();
    if (i1 > i2) std::swap(i1, i2);
    // Refused by their text alone (a type clash with another part's line is found only when
    // the parts come together; see ilp_write.h).
    const char* bad[] = {"w id=1i,x=oops 1\n", "w,tag=a id=1i,x=1.5 notanumber\n", "w,tag= x=1 1\n",
                         "w x=1 99999999999999999999\n"};
    std::string text = b.text;
    size_t at2 = i2 == 0 ? 0 : ends[i2 - 1];
    size_t at1 = i1 == 0 ? 0 : ends[i1 - 1];
    text.insert(at2, bad[rng() % 4]);
    text.insert(at1, bad[rng() % 4]);
    IlpWriteRequest::Outcome out = Send(text, rng, 1 + rng() % 20000);
    ASSERT_FALSE(out.error.ok());
    EXPECT_EQ(out.error.code(), core::StatusCode::kInvalidArgument) << out.error.ToString();
    EXPECT_EQ(out.line, static_cast<int64_t>(i1) + 1) << out.error.ToString();
    EXPECT_FALSE(engine_->HasTable("w"));
  }
}

}  // namespace
}  // namespace sundial::http
