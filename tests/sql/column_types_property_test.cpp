// Differential tests of the IPv4, UUID, LONG256, GEOHASH and BINARY column types through SQL
// against simple models: random values are inserted as text (GEOHASH as literals), and what SELECT
// prints, how ORDER BY orders, what equality, `<`, subnet and WITHIN filters select and what
// GROUP BY counts must match the model. Seeded; the seed is printed on failure.
#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/base64.h"
#include "tests/sql/sql_test_util.h"
#include "tests/testutil/geohash_model.h"

namespace sundial::sql {
namespace {

constexpr uint32_t kSeed = 4242;
constexpr int kRows = 300;

std::string IPv4Text(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

std::string Hex(uint64_t v, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(static_cast<size_t>(digits), '0');
  for (int k = digits - 1; k >= 0; --k, v >>= 4) s[static_cast<size_t>(k)] = kHex[v & 15];
  return s;
}

class ColumnTypesPropertyTest : public SqlFixture {
 protected:
  // Inserts `values` (SQL literals) into t(n, c) in one statement.
  void Fill(const std::string& type, const std::vector<std::string>& literals) {
    Exec("CREATE TABLE t (n INT, c " + type + ")");
    std::string sql = "INSERT INTO t VALUES ";
    for (size_t k = 0; k < literals.size(); ++k) {
      sql += (k ? ", (" : "(") + std::to_string(k) + ", " + literals[k] + ")";
    }
    Exec(sql);
  }
  // The cells of a one-column result, in order.
  std::vector<std::string> Column(const std::string& sql) {
    std::string out = Query(sql);
    std::vector<std::string> cells;
    size_t at = out.find('\n');  // skip the header
    EXPECT_NE(at, std::string::npos) << sql << ": " << out;
    while (at != std::string::npos && at + 1 < out.size()) {
      size_t next = out.find('\n', at + 1);
      cells.push_back(out.substr(at + 1, next - at - 1));
      at = next;
    }
    return cells;
  }
};

TEST_F(ColumnTypesPropertyTest, IPv4MatchesAnUnsignedModel) {
  SCOPED_TRACE("seed " + std::to_string(kSeed));
  std::mt19937 rng(kSeed);
  std::vector<uint32_t> model;
  std::vector<std::string> literals;
  for (int k = 0; k < kRows; ++k) {
    // Few distinct first octets, so that subnets and GROUP BY keys repeat.
    uint32_t a = (static_cast<uint32_t>(rng() % 4 + 9) << 24) | (rng() & 0xffffff);
    if (k % 17 == 0) a = 0;  // 0.0.0.0: null
    model.push_back(a);
    literals.push_back(k % 23 == 0 ? "NULL" : "'" + IPv4Text(a) + "'");
    if (k % 23 == 0) model.back() = 0;
  }
  Fill("IPv4", literals);

  std::vector<uint32_t> sorted;
  for (uint32_t a : model)
    if (a != 0) sorted.push_back(a);
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> want;
  for (uint32_t a : sorted) want.push_back(IPv4Text(a));
  EXPECT_EQ(Column("SELECT c FROM t WHERE c IS NOT NULL ORDER BY c"), want);

  for (int probe = 0; probe < 20; ++probe) {
    const uint32_t pivot = model[rng() % model.size()] | 1;
    const int bits = static_cast<int>(rng() % 33);
    const uint32_t mask = bits == 0 ? 0 : ~0u << (32 - bits);
    size_t less = 0, inside = 0, strict = 0;
    for (uint32_t a : model) {
      if (a == 0) continue;
      less += a < pivot;
      inside += (a & mask) == (pivot & mask);
      strict += (a & mask) == (pivot & mask) && bits < 32;
    }
    const std::string p = IPv4Text(pivot), net = p + "/" + std::to_string(bits);
    EXPECT_EQ(Column("SELECT count() FROM t WHERE c < '" + p + "'"),
              std::vector<std::string>{std::to_string(less)});
    EXPECT_EQ(Column("SELECT count() FROM t WHERE c <<= '" + net + "'"),
              std::vector<std::string>{std::to_string(inside)})
        << net;
    EXPECT_EQ(Column("SELECT count() FROM t WHERE '" + net + "' >> c"),
              std::vector<std::string>{std::to_string(strict)})
        << net;
  }

  std::map<std::string, int> groups;
  for (uint32_t a : model) ++groups[a == 0 ? "NULL" : IPv4Text(a >> 24 << 24)];
  std::vector<std::string> want_groups;
  for (const auto& [k, v] : groups) want_groups.push_back(k + "\t" + std::to_string(v));
  // The same grouping done in SQL with an IPv4 key: addresses cast to their /8 network.
  std::vector<std::string> got = Column(
      "SELECT n8, count() FROM (SELECT cast(cast(c AS LONG) / 16777216 * 16777216 AS IPv4) "
      "AS n8 FROM t) GROUP BY n8 ORDER BY n8");
  std::sort(got.begin(), got.end());
  std::sort(want_groups.begin(), want_groups.end());
  EXPECT_EQ(got, want_groups);
}

TEST_F(ColumnTypesPropertyTest, UuidMatchesAHighThenLowModel) {
  SCOPED_TRACE("seed " + std::to_string(kSeed + 1));
  std::mt19937_64 rng(kSeed + 1);
  std::vector<std::pair<uint64_t, uint64_t>> model;  // (hi, lo)
  std::vector<std::string> literals, texts;
  for (int k = 0; k < kRows; ++k) {
    uint64_t hi = rng() % 8 == 0 ? 0 : rng(), lo = rng();
    if (k > 0 && k % 11 == 0) std::tie(hi, lo) = model[rng() % model.size()];  // duplicates
    model.push_back({hi, lo});
    const std::string h = Hex(hi, 16), l = Hex(lo, 16);
    std::string text = h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12) + "-" +
                       l.substr(0, 4) + "-" + l.substr(4);
    texts.push_back(text);
    if (k % 2) std::transform(text.begin(), text.end(), text.begin(), ::toupper);
    literals.push_back("'" + text + "'");
  }
  Fill("UUID", literals);
  std::vector<size_t> order(model.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return model[a] < model[b]; });
  std::vector<std::string> want;
  for (size_t k : order) want.push_back(texts[k]);
  EXPECT_EQ(Column("SELECT c FROM t ORDER BY c, n"), want);
  for (int probe = 0; probe < 10; ++probe) {
    const size_t k = rng() % model.size();
    const auto count = std::count(model.begin(), model.end(), model[k]);
    std::string upper = texts[k];
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    EXPECT_EQ(Column("SELECT count() FROM t WHERE c = '" + upper + "'"),
              std::vector<std::string>{std::to_string(count)});
    const auto less =
        std::count_if(model.begin(), model.end(), [&](auto& m) { return m < model[k]; });
    EXPECT_EQ(Column("SELECT count() FROM t WHERE c < '" + texts[k] + "'"),
              std::vector<std::string>{std::to_string(less)});
  }
  std::map<std::pair<uint64_t, uint64_t>, int> distinct;
  for (const auto& m : model) ++distinct[m];
  EXPECT_EQ(Column("SELECT count() FROM (SELECT c, count() FROM t GROUP BY c)"),
            std::vector<std::string>{std::to_string(distinct.size())});
  // Through VARCHAR and back: the same values.
  EXPECT_EQ(Column("SELECT count() FROM t WHERE cast(cast(c AS VARCHAR) AS UUID) = c"),
            std::vector<std::string>{std::to_string(kRows)});
}

TEST_F(ColumnTypesPropertyTest, Long256PrintsWithoutLeadingZerosAndComparesExactly) {
  SCOPED_TRACE("seed " + std::to_string(kSeed + 2));
  std::mt19937_64 rng(kSeed + 2);
  std::vector<std::string> literals, want;
  for (int k = 0; k < kRows; ++k) {
    std::string hex;
    const int words = static_cast<int>(rng() % 4) + 1;
    for (int w = 0; w < words; ++w) hex += Hex(rng() >> (w == 0 ? rng() % 64 : 0), 16);
    // Leading zeros in the input (up to 64 digits) are not part of the value.
    const size_t first = hex.find_first_not_of('0');
    const std::string canonical = "0x" + (first == std::string::npos ? "0" : hex.substr(first));
    const std::string padded = std::string(static_cast<size_t>(64 - hex.size()) / 2, '0') + hex;
    literals.push_back("'0X" + padded + "'");
    want.push_back(canonical);
  }
  Fill("LONG256", literals);
  EXPECT_EQ(Column("SELECT c FROM t ORDER BY n"), want);
  const std::string probe = want[7];
  const auto count = std::count(want.begin(), want.end(), probe);
  EXPECT_EQ(Column("SELECT count() FROM t WHERE c = '0x000" + probe.substr(2) + "'"),
            std::vector<std::string>{std::to_string(count)});
}

// GEOHASH at random precisions against a model (the value's bits): printed text, ORDER BY,
// `=` with a literal, WITHIN with prefixes of random lengths, and GROUP BY of the value cut to a
// narrower precision (a cast).
std::string GeoText(uint64_t v, int bits) { return testutil::ModelGeoHashText(v, bits); }
std::string GeoLiteral(uint64_t v, int bits) {
  return (bits % 5 == 0 ? "#" : "##") + GeoText(v, bits);
}
std::string GeoType(int bits) {
  return "GEOHASH(" +
         (bits % 5 == 0 ? std::to_string(bits / 5) + "c)" : std::to_string(bits) + "b)");
}

TEST_F(ColumnTypesPropertyTest, GeoHashMatchesABitsModel) {
  std::mt19937_64 rng(kSeed);
  for (int round = 0; round < 6; ++round) {
    const int bits = round == 0 ? 60 : round == 1 ? 1 : 1 + static_cast<int>(rng() % 60);
    SCOPED_TRACE("seed " + std::to_string(kSeed) + " bits " + std::to_string(bits));
    const uint64_t mask = (uint64_t{1} << bits) - 1;
    std::vector<int64_t> model;  // -1: null
    std::vector<std::string> literals;
    for (int k = 0; k < kRows; ++k) {
      // Few distinct leading bits, so that prefixes and groups repeat.
      uint64_t v = ((rng() % 3) << (bits - std::min(bits, 2))) ^ (rng() & (mask >> 2));
      v &= mask;
      const bool null = k % 19 == 0;
      model.push_back(null ? -1 : static_cast<int64_t>(v));
      literals.push_back(null ? "NULL" : GeoLiteral(v, bits));
    }
    Exec("DROP TABLE IF EXISTS t");
    Fill(GeoType(bits), literals);

    std::vector<int64_t> sorted = model;
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::string> want;
    for (int64_t v : sorted) want.push_back(v < 0 ? "NULL" : GeoText(v, bits));
    ASSERT_EQ(Column("SELECT c FROM t ORDER BY c"), want);

    for (int probe = 0; probe < 10; ++probe) {
      const int64_t pivot = model[rng() % model.size()];
      if (pivot < 0) continue;
      const int plen = 1 + static_cast<int>(rng() % static_cast<uint64_t>(bits));
      const uint64_t prefix = static_cast<uint64_t>(pivot) >> (bits - plen);
      size_t equal = 0, within = 0;
      for (int64_t v : model) {
        if (v < 0) continue;
        equal += v == pivot;
        within += (static_cast<uint64_t>(v) >> (bits - plen)) == prefix;
      }
      EXPECT_EQ(Column("SELECT count() FROM t WHERE c = " +
                       GeoLiteral(static_cast<uint64_t>(pivot), bits)),
                std::vector<std::string>{std::to_string(equal)});
      EXPECT_EQ(Column("SELECT count() FROM t WHERE c WITHIN (" + GeoLiteral(prefix, plen) + ")"),
                std::vector<std::string>{std::to_string(within)})
          << plen;
      // Grouping by the value cut to plen bits (a cast to the narrower precision).
      std::map<int64_t, int> groups;
      for (int64_t v : model) {
        ++groups[v < 0 ? -1 : static_cast<int64_t>(static_cast<uint64_t>(v) >> (bits - plen))];
      }
      std::vector<std::string> want_groups;
      for (const auto& [k, n] : groups) {
        want_groups.push_back((k < 0 ? "NULL" : GeoText(static_cast<uint64_t>(k), plen)) + "\t" +
                              std::to_string(n));
      }
      const std::string narrow = GeoType(plen);
      EXPECT_EQ(Column("SELECT p, count() FROM (SELECT cast(c AS " + narrow +
                       ") AS p FROM t) GROUP BY p ORDER BY p"),
                want_groups)
          << narrow;
    }
  }
}

// BINARY: random bytes (nulls and empty values included) read back the same after a reopen;
// length() is the byte count and base64(v, m) encodes exactly the first m bytes.
TEST_F(ColumnTypesPropertyTest, BinaryBytesSurviveAReopenAndAgreeWithLengthAndBase64) {
  Exec("CREATE TABLE b (n LONG, v BINARY)");
  Exec("INSERT INTO b SELECT x, rnd_bin(0, 300, 7) FROM long_sequence(500)");
  // Empty values for certain: 500 draws of 0..300 bytes hold none a quarter of the time.
  Exec("INSERT INTO b SELECT 500 + x, rnd_bin(0, 0, 0) FROM long_sequence(3)");
  const auto full = [&] { return Column("SELECT base64(v, 100000) FROM b ORDER BY n"); };
  const std::vector<std::string> before = full();
  const std::vector<std::string> lengths = Column("SELECT length(v) FROM b ORDER BY n");
  ASSERT_EQ(before.size(), 503u);
  ASSERT_EQ(lengths.size(), 503u);
  std::vector<std::string> bytes(before.size());
  int nulls = 0, empties = 0;
  for (size_t k = 0; k < before.size(); ++k) {
    if (before[k] == "NULL") {
      ++nulls;
      EXPECT_EQ(lengths[k], "-1") << k;
      continue;
    }
    ASSERT_TRUE(core::Base64Decode(before[k], &bytes[k])) << before[k];
    EXPECT_EQ(lengths[k], std::to_string(bytes[k].size())) << k;
    empties += bytes[k].empty();
  }
  EXPECT_GT(nulls, 0);
  EXPECT_GT(empties, 0);
  for (int m : {0, 1, 2, 3, 4, 57, 299}) {
    const std::vector<std::string> got =
        Column("SELECT base64(v, " + std::to_string(m) + ") FROM b ORDER BY n");
    ASSERT_EQ(got.size(), before.size());
    for (size_t k = 0; k < got.size(); ++k) {
      EXPECT_EQ(got[k], before[k] == "NULL" ? "NULL" : core::Base64Encode(bytes[k].substr(0, m)))
          << k << " " << m;
    }
  }
  Reopen();
  EXPECT_EQ(full(), before);
}

}  // namespace
}  // namespace sundial::sql
