// IlpBatch against a model: random lines (fields in random order, some missing, some given
// twice, now and then a value of the wrong type) staged in batches that commit or roll back,
// with small and large flush thresholds. Accepted lines must all arrive, exactly, and refused
// lines and rolled-back batches must leave nothing.
#include "http/ilp_ingest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "cairo/column_type.h"
#include "core/file_system.h"
#include "tests/http/engine_fixture.h"
#include "tests/testutil/temp_dir.h"

namespace sundial::http {
namespace {

struct TableModel {
  int64_t rows = 0;
  int64_t a_present = 0;
  double a_sum = 0;
  int64_t b_present = 0;
  int64_t b_sum = 0;
  std::map<std::string, int64_t> s_counts;
};

class IlpBatchTest : public EngineFixture {
 protected:

  // Reads the table back and compares it with the model.
  void Check(const std::string& table, const TableModel& m) {
    SCOPED_TRACE(table);
    auto v = engine_->Pin(table);
    if (m.rows == 0) {
      EXPECT_FALSE(v.ok()) << "a table with no accepted row was created";
      return;
    }
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    const auto& sc = v->schema();
    int ca = sc.FindColumn("a"), cb = sc.FindColumn("b"), cs = sc.FindColumn("s");
    ASSERT_GE(ca, 0);
    ASSERT_GE(cb, 0);
    ASSERT_GE(cs, 0);
    EXPECT_EQ(sc.columns[ca].type, cairo::ColumnType::kDouble);
    EXPECT_EQ(sc.columns[cb].type, cairo::ColumnType::kLong);
    EXPECT_EQ(sc.columns[cs].type, cairo::ColumnType::kSymbol);
    int64_t rows = 0, a_present = 0, b_present = 0, b_sum = 0;
    double a_sum = 0;
    std::map<std::string, int64_t> s_counts;
    for (size_t p = 0; p < v->partitions().size(); ++p) {
      int64_t n = v->partitions()[p].row_count;
      rows += n;
      auto a = v->Column(p, ca);
      auto b = v->Column(p, cb);
      auto s = v->Column(p, cs);
      ASSERT_TRUE(a.ok() && b.ok() && s.ok());
      for (int64_t r = 0; r < n; ++r) {
        if (!a->is_all_null && !std::isnan(a->values<double>()[r])) {
          ++a_present;
          a_sum += a->values<double>()[r];
        }
        if (!b->is_all_null && b->values<int64_t>()[r] != cairo::kNullLong) {
          ++b_present;
          b_sum += b->values<int64_t>()[r];
        }
        if (!s->is_all_null && s->values<int32_t>()[r] != cairo::kNullSymbolKey) {
          ++s_counts[std::string((*v->Symbols(cs))->Value(s->values<int32_t>()[r]))];
        }
      }
    }
    EXPECT_EQ(rows, m.rows);
    EXPECT_EQ(a_present, m.a_present);
    EXPECT_NEAR(a_sum, m.a_sum, 1e-6 * std::max(1.0, std::abs(m.a_sum)));
    EXPECT_EQ(b_present, m.b_present);
    EXPECT_EQ(b_sum, m.b_sum);
    EXPECT_EQ(s_counts, m.s_counts);
  }

};

TEST_F(IlpBatchTest, RandomLinesMatchModelThroughCommitsRollbacksAndFlushes) {
  std::mt19937_64 rng(20261122);
  const std::vector<std::string> tables = {"t0", "t1", "T2"};
  std::map<std::string, TableModel> model;  // committed
  // Every table starts with a line that has all of a, b and s, so their types are fixed.
  {
    IlpBatch seed(engine_.get(), {});
    for (const auto& t : tables) {
      std::string name = t;
      std::vector<IlpValue> vals(3);
      vals[0].name = "s";
      vals[0].type = IlpType::kTag;
      vals[0].s = "x0";
      vals[1].name = "a";
      vals[1].type = IlpType::kDouble;
      vals[1].d = 0.5;
      vals[2].name = "b";
      vals[2].type = IlpType::kLong;
      vals[2].i = 1;
      ASSERT_TRUE(seed.Append(name, vals.data(), vals.size(), 1'700'000'000'000'000).ok());
      TableModel& m = model[t];
      m.rows = 1;
      m.a_present = 1;
      m.a_sum = 0.5;
      m.b_present = 1;
      m.b_sum = 1;
      m.s_counts["x0"] = 1;
    }
    ASSERT_TRUE(seed.CommitAll().ok());
  }
  std::vector<std::string> tag_values;
  for (int i = 0; i < 20; ++i) tag_values.push_back("x" + std::to_string(i));
  int64_t ts = 1'700'000'000'000'000;
  int refused = 0;
  // Two batches used round after round (as a TCP ingest thread uses its one): what a round
  // staged is released and its emptied columns are staged into again, whatever their types.
  IlpIngestOptions small_opts, big_opts;
  small_opts.flush_rows = 7;
  big_opts.flush_rows = 65536;
  IlpBatch small_batch(engine_.get(), small_opts), big_batch(engine_.get(), big_opts);
  for (int round = 0; round < 60; ++round) {
    IlpBatch& batch = round % 3 == 0 ? small_batch : big_batch;
    std::map<std::string, TableModel> pending = model;
    const int lines = 1 + static_cast<int>(rng() % 400);
    for (int l = 0; l < lines; ++l) {
      const std::string& table = tables[rng() % tables.size()];
      std::vector<IlpValue> vals;
      double a = 0;
      int64_t b = 0;
      bool has_a = false, has_b = false, bad = false;
      std::string tag;
      if (rng() % 4 != 0) {
        IlpValue v;
        v.name = "s";
        v.type = IlpType::kTag;
        tag = tag_values[rng() % tag_values.size()];
        v.s = tag;
        vals.push_back(v);
      }
      int fields = static_cast<int>(rng() % 4);
      for (int f = 0; f < fields; ++f) {
        IlpValue v;
        switch (rng() % 4) {
          case 0:
            v.name = "a";
            v.type = IlpType::kDouble;
            v.d = static_cast<double>(rng() % 10000) / 100;
            has_a = true;
            break;
          case 1:
            v.name = "b";
            if (rng() % 30 == 0) {  // wrong type for the LONG column
              v.type = IlpType::kDouble;
              v.d = 1.5;
              bad = true;
            } else {
              v.type = IlpType::kLong;
              v.i = static_cast<int64_t>(rng() % 1000) - 500;
              has_b = true;
            }
            break;
          case 2:
            v.name = "v";
            v.type = IlpType::kString;
            v.s = "text";
            break;
          default:
            v.name = "f";
            v.type = IlpType::kBool;
            v.b = rng() % 2 == 0;
            break;
        }
        vals.push_back(v);
      }
      if (vals.empty()) continue;
      std::shuffle(vals.begin(), vals.end(), rng);
      // A field given twice: the one later in the line wins.
      for (const IlpValue& v : vals) {
        if (v.name == "a") a = v.d;
        if (v.name == "b" && v.type == IlpType::kLong) b = v.i;
      }
      // Tag values must outlive the line only until Append returns (the batch copies them).
      ts += 1 + static_cast<int64_t>(rng() % 1000);
      int64_t row_ts = rng() % 5 == 0 ? ts - static_cast<int64_t>(rng() % 100000) : ts;
      core::Status st = batch.Append(table, vals.data(), vals.size(), row_ts);
      if (bad) {
        EXPECT_EQ(st.code(), core::StatusCode::kInvalidArgument) << st.ToString();
        ++refused;
        continue;
      }
      ASSERT_TRUE(st.ok()) << st.ToString();
      TableModel& m = pending[table];
      ++m.rows;
      if (has_a) ++m.a_present, m.a_sum += a;
      if (has_b) ++m.b_present, m.b_sum += b;
      if (!tag.empty()) ++m.s_counts[tag];
    }
    if (round % 5 == 4) {
      batch.RollbackAll();
    } else {
      ASSERT_TRUE(batch.CommitAll().ok());
      model = pending;
    }
    batch.ReleaseAll();
    if (round % 10 == 9) {
      for (const auto& t : tables) Check(t, model[t]);
    }
  }
  EXPECT_GT(refused, 0);
  for (const auto& t : tables) Check(t, model[t]);
}

TEST_F(IlpBatchTest, RefusedLineOfNewTableCreatesNothing) {
  IlpBatch batch(engine_.get(), {});
  IlpValue v;
  v.name = "timestamp";
  v.type = IlpType::kDouble;
  v.d = 1;
  EXPECT_EQ(batch.Append("fresh", &v, 1, 1'700'000'000'000'000).code(),
            core::StatusCode::kInvalidArgument);
  ASSERT_TRUE(batch.CommitAll().ok());
  EXPECT_FALSE(engine_->HasTable("fresh"));
  TableModel empty;
  Check("fresh", empty);
}

// Every table of `engine`, rendered row by row (schema, then each value: raw bytes, or the
// text of SYMBOL and VARCHAR values), for comparing two engines fed the same lines.
std::vector<std::string> DumpTables(cairo::Engine* engine) {
  std::vector<std::string> out;
  for (const std::string& name : engine->ListTables()) {
    auto v = engine->Pin(name);
    if (!v.ok()) {
      out.push_back(name + ": " + v.status().ToString());
      continue;
    }
    const auto& sc = v->schema();
    std::string head = name + ":";
    for (const auto& c : sc.columns) head += " " + c.name + "/" + std::string(cairo::ColumnTypeName(c.type));
    out.push_back(head);
    for (size_t p = 0; p < v->partitions().size(); ++p) {
      const int64_t n = v->partitions()[p].row_count;
      std::vector<std::string> rows(static_cast<size_t>(n));
      for (int ci = 0; ci < static_cast<int>(sc.columns.size()); ++ci) {
        auto col = v->Column(p, ci);
        if (!col.ok()) {
          out.push_back(col.status().ToString());
          continue;
        }
        const cairo::ColumnType type = sc.columns[static_cast<size_t>(ci)].type;
        for (int64_t r = 0; r < n; ++r) {
          std::string& row = rows[static_cast<size_t>(r)];
          row += '|';
          if (col->is_all_null) {
            row += "null";
          } else if (type == cairo::ColumnType::kSymbol) {
            int32_t key = col->values<int32_t>()[r];
            row += key == cairo::kNullSymbolKey ? std::string("null") : std::string((*v->Symbols(ci))->Value(key));
          } else if (type == cairo::ColumnType::kVarchar) {
            row += col->IsVarcharNull(r) ? std::string("null") : "'" + std::string(col->Varchar(r)) + "'";
          } else {
            const int w = cairo::ColumnTypeSize(type);
            const auto* b = static_cast<const unsigned char*>(col->data) + r * w;
            for (int i = 0; i < w; ++i) row += "0123456789abcdef"[b[i] >> 4], row += "0123456789abcdef"[b[i] & 15];
          }
        }
      }
      out.insert(out.end(), rows.begin(), rows.end());
    }
  }
  return out;
}

// Lines laid out as the line before them, and lines that differ from it in every way the fast
// path must notice (AppendLikeLast() takes a line or leaves it to the parser): ingested through
// AppendLikeLast() first into one engine and through LineParser + Append() only into another,
// line by line. Every line must get the same outcome, and both engines the same tables.
TEST(IlpFastPathTest, TakesExactlyTheLinesTheParserWouldAndStagesTheSame) {
  std::mt19937_64 rng(20261201);
  auto pick = [&](std::initializer_list<const char*> xs) {
    return std::string(xs.begin()[rng() % xs.size()]);
  };
  auto num = [&] {
    switch (rng() % 12) {
      case 0: return pick({"1e3", "NaN", "-Infinity", "1.5E-2", "+2.5", "12345678901234567.5", "3.", ".5",
                           "-0", "7i", "1.5i", "true", "\"x\"", "", "-", "1.2.3", "0x10", "9t"});
      default: return std::to_string(static_cast<int>(rng() % 20000) - 5000) + "." +
                      std::to_string(rng() % 100);
    }
  };
  auto ts = [&] {
    switch (rng() % 16) {
      case 0: return pick({"", " ", "  1700000000000000000", "-1", "-", "+1700000000000000000",
                           "17000000000000000000", "9223372036854775807", "-9223372036854775808",
                           "1700000000000000000 ", "1700000000000000000x", "99999999999999999999"});
      default: return " " + std::to_string(1'700'000'000'000'000'000LL +
                                           static_cast<int64_t>(rng() % 1'000'000'000'000));
    }
  };
  std::string text;
  for (int l = 0; l < 6000; ++l) {
    std::string table = rng() % 20 == 0 ? pick({"CPU", "cpu2", "cp", "mem", "c\\ pu", "cpu\t"}) : "cpu";
    std::vector<std::string> tags = {"host=h" + std::to_string(rng() % 50),
                                     "region=r" + std::to_string(rng() % 5)};
    std::vector<std::string> fields = {"a=" + num(), "b=" + num(), "c=" + num()};
    switch (rng() % 40) {
      case 0: tags.push_back("zone=z1"); break;
      case 1: tags.pop_back(); break;
      case 2: std::swap(tags[0], tags[1]); break;
      case 3: tags[0] = pick({"host=h\\ 1", "host=h\"1", "host=", "host=h=1", "ho\\,st=h1", "host=\\"}); break;
      case 4: fields.push_back("d=" + num()); break;
      case 5: fields.pop_back(); break;
      case 6: std::swap(fields[0], fields[2]); break;
      case 7: fields[1] = "a=" + num(); break;  // a given twice
      case 8: fields[2] = pick({"c=\"text\"", "e=5i", "f=t", "g=\"q\\\"uote\"", "a\\=b=1"}); break;
      case 9: tags.clear(); break;
      default: break;
    }
    std::string line = table;
    for (const auto& t : tags) line += "," + t;
    line += rng() % 30 == 0 ? "  " : " ";
    for (size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + fields[i];
    line += ts();
    line += rng() % 40 == 0 ? "\r\n" : "\n";
    if (rng() % 100 == 0) line += pick({"# comment\n", "\n", "   \n"});
    text += line;
  }
  text.pop_back();  // the last line without its terminator

  for (int64_t flush_rows : {int64_t{7}, int64_t{65536}}) {
    SCOPED_TRACE("flush_rows=" + std::to_string(flush_rows));
    testutil::TempDir dir("sundial-ilp-fast");
    std::unique_ptr<cairo::Engine> engines[2];
    std::vector<std::string> outcomes[2];
    int64_t fast_lines = 0;
    for (int e = 0; e < 2; ++e) {
      cairo::EngineOptions o;
      o.db_root = dir.Sub(e == 0 ? "fast" : "parser");
      auto opened = cairo::Engine::Open(core::NewPosixFileSystem(), o);
      ASSERT_TRUE(opened.ok()) << opened.status().ToString();
      engines[e] = std::move(*opened);
      IlpIngestOptions opts;
      opts.flush_rows = flush_rows;
      IlpBatch batch(engines[e].get(), opts);
      LineParser parser;
      IlpLine line;
      std::string bytes = text;  // parsing unescapes in place
      char* p = bytes.data();
      char* const end = p + bytes.size();
      const int64_t now_us = 1'800'000'000'000'000;
      while (p < end) {
        char* next = end;
        core::Status st;
        if (e == 0 && batch.AppendLikeLast(p, end, IlpPrecision::kNanos, now_us, &next, &st)) {
          ++fast_lines;
          outcomes[e].push_back(st.ToString());
          p = next;
          continue;
        }
        auto o = parser.Parse(p, end, /*at_eof=*/true, &line, &next);
        p = next;
        if (o == LineParser::Outcome::kError) {
          outcomes[e].push_back("parse: " + parser.error());
          continue;
        }
        if (o != LineParser::Outcome::kLine) continue;
        int64_t ts_us = now_us;
        if (line.has_timestamp && !IlpTimestampToMicros(line.timestamp, IlpPrecision::kNanos, &ts_us)) {
          outcomes[e].push_back("timestamp out of range");
          continue;
        }
        outcomes[e].push_back(batch.Append(line, ts_us).ToString());
      }
      ASSERT_TRUE(batch.CommitAll().ok());
    }
    ASSERT_EQ(outcomes[0].size(), outcomes[1].size());
    for (size_t i = 0; i < outcomes[0].size(); ++i) {
      ASSERT_EQ(outcomes[0][i], outcomes[1][i]) << "line " << i + 1;
    }
    // About half the lines differ from the layout before them (or follow one that did): the
    // fast path must have taken many lines and left many.
    EXPECT_GT(fast_lines, 1500);
    EXPECT_LT(fast_lines, 4500);
    std::vector<std::string> fast = DumpTables(engines[0].get());
    std::vector<std::string> parsed = DumpTables(engines[1].get());
    ASSERT_EQ(fast.size(), parsed.size());
    for (size_t i = 0; i < fast.size(); ++i) ASSERT_EQ(fast[i], parsed[i]) << "row " << i;
    EXPECT_GT(fast.size(), 3000u);
  }
}

// Tag values looked up by guess (the previous value, the value that followed it last time)
// before the hash table: rounds of series in a fixed order, then with the order shuffled,
// series missing, new ones appearing and values repeating, through small flushes that clear the
// dictionary. Every row must read back with its own values.
TEST(IlpTagDictionaryTest, RowsKeepTheirTagValuesWhateverTheOrder) {
  std::mt19937_64 rng(20261202);
  std::vector<int> order(40);
  for (int i = 0; i < 40; ++i) order[static_cast<size_t>(i)] = i;
  std::string text;
  std::vector<std::pair<std::string, std::string>> want;  // (host, region) per line
  int64_t ts = 1'700'000'000'000'000'000LL;
  for (int round = 0; round < 60; ++round) {
    std::vector<int> hosts = order;
    if (round % 4 == 1) std::shuffle(hosts.begin(), hosts.end(), rng);
    if (round % 5 == 2) hosts.erase(hosts.begin() + static_cast<long>(rng() % hosts.size()));
    if (round % 6 == 3) hosts.insert(hosts.begin() + static_cast<long>(rng() % hosts.size()), 100 + round);
    if (round % 7 == 4) hosts.insert(hosts.begin() + 5, hosts[5]);
    for (int h : hosts) {
      std::string host = "host_" + std::to_string(h);
      std::string region = "r" + std::to_string((h * 7 + (round % 3 == 0 ? 1 : 0)) % 5);
      text += "cpu,host=" + host + ",region=" + region + " v=" + std::to_string(h) + ".5 " +
              std::to_string(ts) + "\n";
      ts += 1'000'000;
      want.emplace_back(host, region);
    }
  }
  for (int64_t flush_rows : {int64_t{1}, int64_t{37}, int64_t{1'000'000}}) {
    SCOPED_TRACE("flush_rows=" + std::to_string(flush_rows));
    testutil::TempDir dir("sundial-ilp-dict");
    cairo::EngineOptions o;
    o.db_root = dir.Sub("db");
    auto engine = cairo::Engine::Open(core::NewPosixFileSystem(), o);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    IlpIngestOptions opts;
    opts.flush_rows = flush_rows;
    IlpBatch batch(engine->get(), opts);
    LineParser parser;
    IlpLine line;
    std::string bytes = text;
    char* p = bytes.data();
    char* const end = p + bytes.size();
    while (p < end) {
      char* next = end;
      core::Status st;
      if (!batch.AppendLikeLast(p, end, IlpPrecision::kNanos, 0, &next, &st)) {
        ASSERT_EQ(parser.Parse(p, end, true, &line, &next), LineParser::Outcome::kLine);
        int64_t ts_us = 0;
        ASSERT_TRUE(IlpTimestampToMicros(line.timestamp, IlpPrecision::kNanos, &ts_us));
        st = batch.Append(line, ts_us);
      }
      ASSERT_TRUE(st.ok()) << st.ToString();
      p = next;
    }
    ASSERT_TRUE(batch.CommitAll().ok());
    auto v = (*engine)->Pin("cpu");
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    const int ch = v->schema().FindColumn("host"), cr = v->schema().FindColumn("region");
    ASSERT_GE(ch, 0);
    ASSERT_GE(cr, 0);
    size_t row = 0;
    for (size_t part = 0; part < v->partitions().size(); ++part) {
      auto h = v->Column(part, ch);
      auto r = v->Column(part, cr);
      ASSERT_TRUE(h.ok() && r.ok());
      for (int64_t i = 0; i < v->partitions()[part].row_count; ++i, ++row) {
        ASSERT_LT(row, want.size());
        ASSERT_EQ((*v->Symbols(ch))->Value(h->values<int32_t>()[i]), want[row].first) << "row " << row;
        ASSERT_EQ((*v->Symbols(cr))->Value(r->values<int32_t>()[i]), want[row].second) << "row " << row;
      }
    }
    EXPECT_EQ(row, want.size());
  }
}

}  // namespace
}  // namespace sundial::http
