// Compressed column files (cairo/compressed_column.h): every column type and codec round-trips
// its uncompressed file bit for bit, block statistics match a simple model, and any damage to
// the file (every single-bit flip, every truncation) is a Corruption status, never a value.
#include "cairo/compressed_column.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/crc32c.h"
#include "sql/vector.h"

namespace sundial::cairo {
namespace {

static_assert(kCompressedBlockRows == sql::kBatchRows, "a block decodes into one batch");

using core::StatusCode;
constexpr uint32_t kSeed = 20261203;

constexpr ColumnType kFixedTypes[] = {
    ColumnType::kBoolean, ColumnType::kByte,      ColumnType::kShort, ColumnType::kChar,
    ColumnType::kInt,     ColumnType::kLong,      ColumnType::kFloat, ColumnType::kDouble,
    ColumnType::kDate,    ColumnType::kTimestamp, ColumnType::kSymbol};

std::vector<BlockCodec> CodecsFor(ColumnType t) {
  if (t == ColumnType::kVarchar) return {BlockCodec::kVarchar};
  if (t == ColumnType::kDouble) return {BlockCodec::kRaw, BlockCodec::kAlp, BlockCodec::kXor};
  return {BlockCodec::kRaw, BlockCodec::kFor, BlockCodec::kDelta, BlockCodec::kDeltaDelta,
          BlockCodec::kRle};
}

// One value of `type` as raw bytes, drawn from a shape: 0 random bits, 1 nulls and specials,
// 2 small ascending, 3 constant, 4 decimal doubles / small ints.
void MakeValue(ColumnType type, int shape, int64_t row, std::mt19937_64& rng, char* out) {
  const int size = ColumnTypeSize(type);
  uint64_t bits = rng();
  if (shape == 1) {
    const uint64_t specials[] = {0,
                                 ~0ull,
                                 0x80000000ull,          // INT32_MIN
                                 0x8000000000000000ull,  // INT64_MIN
                                 0x7fffffffffffffffull,
                                 0x7ff8000000000000ull,  // double NaN
                                 0x7ff0000000000001ull,  // signalling NaN
                                 0xfff0000000000000ull,  // -inf
                                 0x8000000000000000ull,  // -0.0
                                 0x0000000000000001ull,  // smallest subnormal
                                 0x7fc00001ull,          // float NaN with payload
                                 0x80000000ull,          // float -0.0
                                 0x7f800000ull};         // float inf
    bits = specials[rng() % std::size(specials)];
  } else if (shape == 2) {
    bits = static_cast<uint64_t>(1'704'067'200'000'000LL + row * 10'000'000LL);
    if (size < 8) bits = static_cast<uint64_t>(row / 3);
  } else if (shape == 3) {
    bits = 0x4059000000000000ull;  // 100.0 as a double
  } else if (shape == 4) {
    const double d = static_cast<double>(rng() % 10001) / 100.0;
    bits = type == ColumnType::kDouble  ? std::bit_cast<uint64_t>(d)
           : type == ColumnType::kFloat ? std::bit_cast<uint32_t>(static_cast<float>(d))
                                        : rng() % 1000;
  }
  std::memcpy(out, &bits, static_cast<size_t>(size));
}

std::string MakeColumn(ColumnType type, int shape, int64_t rows, std::mt19937_64& rng) {
  const int size = ColumnTypeSize(type);
  std::string d(static_cast<size_t>(rows * size), '\0');
  for (int64_t r = 0; r < rows; ++r) MakeValue(type, shape, r, rng, d.data() + r * size);
  return d;
}

// The model of a value as the executor reads it (sql/scan.cpp): widened, INT nulls to INT64_MIN.
int64_t ModelInt64(ColumnType type, const char* p) {
  switch (type) {
    case ColumnType::kBoolean:
      return *reinterpret_cast<const uint8_t*>(p);
    case ColumnType::kByte:
      return *reinterpret_cast<const int8_t*>(p);
    case ColumnType::kShort: {
      int16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    case ColumnType::kChar: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    case ColumnType::kInt:
    case ColumnType::kSymbol: {
      int32_t v;
      std::memcpy(&v, p, 4);
      return v == kNullInt ? kNullLong : v;
    }
    default: {
      int64_t v;
      std::memcpy(&v, p, 8);
      return v;
    }
  }
}

bool ModelIsNull(ColumnType type, const char* p) {
  switch (type) {
    case ColumnType::kFloat: {
      float f;
      std::memcpy(&f, p, 4);
      return std::isnan(f);
    }
    case ColumnType::kDouble: {
      double d;
      std::memcpy(&d, p, 8);
      return std::isnan(d);
    }
    case ColumnType::kChar:
      return ModelInt64(type, p) == 0;
    case ColumnType::kInt:
    case ColumnType::kSymbol:
    case ColumnType::kLong:
    case ColumnType::kDate:
    case ColumnType::kTimestamp:
      return ModelInt64(type, p) == kNullLong;
    default:
      return false;
  }
}

double ModelDouble(ColumnType type, const char* p) {
  if (type == ColumnType::kFloat) {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  }
  double d;
  std::memcpy(&d, p, 8);
  return d;
}

// Decodes every block three ways and checks each against the uncompressed bytes.
void CheckFixedRoundTrip(ColumnType type, const std::string& data, int64_t rows,
                         const std::string& file, const std::string& what) {
  auto r = CompressedColumnReader::Open(file, type, "t/c.dz");
  ASSERT_TRUE(r.ok()) << what << ": " << r.status().ToString();
  ASSERT_EQ(r->row_count(), rows) << what;
  const size_t size = static_cast<size_t>(ColumnTypeSize(type));
  std::string native;
  std::vector<char> buf(r->block_rows() * size);
  std::vector<int64_t> wide(r->block_rows());
  std::vector<double> dbl(r->block_rows());
  for (size_t b = 0; b < r->block_count(); ++b) {
    const BlockInfo& info = r->block(b);
    ASSERT_EQ(info.first_row, static_cast<int64_t>(native.size() / size)) << what;
    ASSERT_TRUE(r->DecodeNative(b, buf.data()).ok()) << what;
    native.append(buf.data(), info.rows * size);
    const char* src = data.data() + info.first_row * size;
    const bool floating = type == ColumnType::kFloat || type == ColumnType::kDouble;
    if (floating) {
      ASSERT_TRUE(r->DecodeDouble(b, dbl.data()).ok()) << what;
      EXPECT_EQ(r->DecodeInt64(b, wide.data()).code(), StatusCode::kInvalidArgument);
    } else {
      ASSERT_TRUE(r->DecodeInt64(b, wide.data()).ok()) << what;
      EXPECT_EQ(r->DecodeDouble(b, dbl.data()).code(), StatusCode::kInvalidArgument);
    }
    // Statistics: min/max over the non-null values of the block, and whether it has nulls.
    bool any = false, nulls = false;
    int64_t lo_i = 0, hi_i = 0;
    double lo_d = 0, hi_d = 0;
    for (uint32_t k = 0; k < info.rows; ++k) {
      const char* p = src + k * size;
      if (floating) {
        const double m = ModelDouble(type, p);
        ASSERT_EQ(std::bit_cast<uint64_t>(dbl[k]), std::bit_cast<uint64_t>(m)) << what << " " << k;
      } else {
        ASSERT_EQ(wide[k], ModelInt64(type, p)) << what << " row " << info.first_row + k;
      }
      if (ModelIsNull(type, p)) {
        nulls = true;
        continue;
      }
      const int64_t vi = floating ? 0 : ModelInt64(type, p);
      const double vd = floating ? ModelDouble(type, p) : 0;
      lo_i = any ? std::min(lo_i, vi) : vi;
      hi_i = any ? std::max(hi_i, vi) : vi;
      lo_d = any ? std::min(lo_d, vd) : vd;
      hi_d = any ? std::max(hi_d, vd) : vd;
      any = true;
    }
    EXPECT_EQ(info.has_nulls, nulls) << what << " block " << b;
    ASSERT_EQ(info.has_min_max, any) << what << " block " << b;
    if (any && floating) {
      EXPECT_EQ(info.min_d, lo_d) << what;
      EXPECT_EQ(info.max_d, hi_d) << what;
    } else if (any) {
      EXPECT_EQ(info.min_i, lo_i) << what;
      EXPECT_EQ(info.max_i, hi_i) << what;
    }
  }
  ASSERT_TRUE(native == data) << what << ": decoded bytes differ";
}

TEST(CompressedColumnTest, EveryFixedTypeAndCodecRoundTripsBitForBit) {
  std::mt19937_64 rng(kSeed);
  for (ColumnType type : kFixedTypes) {
    for (uint32_t block_rows : {1u, 7u, 4096u}) {
      for (int64_t rows : {int64_t{0}, int64_t{1}, int64_t{block_rows} - 1, int64_t{block_rows},
                           int64_t{block_rows} * 2 + 1}) {
        if (block_rows == 1 && rows > 3) continue;
        for (int shape = 0; shape < 5; ++shape) {
          const std::string data = MakeColumn(type, shape, rows, rng);
          std::vector<std::optional<BlockCodec>> codecs = {std::nullopt};
          for (BlockCodec c : CodecsFor(type)) codecs.push_back(c);
          for (const auto& c : codecs) {
            CompressOptions o;
            o.block_rows = block_rows;
            o.force_codec = c;
            const std::string what = std::string(ColumnTypeName(type)) + " rows " +
                                     std::to_string(rows) + "/" + std::to_string(block_rows) +
                                     " shape " + std::to_string(shape) + " codec " +
                                     (c ? std::string(BlockCodecName(*c)) : "auto");
            auto file = CompressColumn(type, rows, data, {}, o);
            ASSERT_TRUE(file.ok()) << what << ": " << file.status().ToString();
            CheckFixedRoundTrip(type, data, rows, *file, what);
            if (c) {
              auto r = CompressedColumnReader::Open(*file, type, "t/c.dz");
              for (size_t b = 0; b < r->block_count(); ++b) {
                ASSERT_EQ(r->block(b).codec, *c) << what;
              }
            }
          }
        }
      }
    }
  }
}

TEST(CompressedColumnTest, AutomaticChoiceNeverExceedsRawAndShrinksShapedData) {
  std::mt19937_64 rng(kSeed);
  for (ColumnType type : kFixedTypes) {
    for (int shape = 0; shape < 5; ++shape) {
      const int64_t rows = 10000;
      const std::string data = MakeColumn(type, shape, rows, rng);
      auto file = CompressColumn(type, rows, data, {});
      ASSERT_TRUE(file.ok());
      auto r = CompressedColumnReader::Open(*file, type, "c");
      ASSERT_TRUE(r.ok());
      for (size_t b = 0; b < r->block_count(); ++b) {
        EXPECT_LE(r->block_size_bytes(b), r->block(b).rows * ColumnTypeSize(type) + 32u);
      }
      if (shape == 3) {
        EXPECT_LT(file->size(), data.size() / 20) << ColumnTypeName(type);
      }
    }
  }
}

struct VarcharModel {
  std::vector<std::optional<std::string>> rows;
  std::string data, index;
  void Build() {
    data.clear();
    index.assign(8, '\0');
    for (const auto& r : rows) {
      if (r) data += *r;
      uint64_t e = data.size() | (r ? 0 : uint64_t{1} << 63);
      index.append(reinterpret_cast<const char*>(&e), 8);
    }
  }
};

TEST(CompressedColumnTest, VarcharRoundTripsNullsEmptiesLongAndIncompressibleRows) {
  std::mt19937_64 rng(kSeed);
  for (uint32_t block_rows : {1u, 5u, 4096u}) {
    for (int shape = 0; shape < 4; ++shape) {
      VarcharModel m;
      const size_t n = block_rows == 1 ? 3 : 9000;
      for (size_t k = 0; k < n; ++k) {
        const uint64_t pick = rng() % 10;
        if (pick == 0) {
          m.rows.push_back(std::nullopt);
        } else if (pick == 1) {
          m.rows.push_back(std::string());
        } else if (shape == 0) {
          m.rows.push_back("host_" + std::to_string(rng() % 1000));
        } else if (shape == 1) {
          std::string s(rng() % 40, '\0');
          for (auto& c : s) c = static_cast<char>(rng());
          m.rows.push_back(s);
        } else if (shape == 2) {
          m.rows.push_back(std::string(k % 97 == 0 ? 70000 : 3, static_cast<char>('a' + k % 26)));
        } else {
          m.rows.push_back(std::nullopt);
        }
      }
      m.Build();
      CompressOptions o;
      o.block_rows = block_rows;
      auto file = CompressColumn(ColumnType::kVarchar, static_cast<int64_t>(n), m.data, m.index, o);
      ASSERT_TRUE(file.ok()) << file.status().ToString();
      auto r = CompressedColumnReader::Open(*file, ColumnType::kVarchar, "v");
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      VarcharBlock vb;
      size_t row = 0;
      for (size_t b = 0; b < r->block_count(); ++b) {
        ASSERT_TRUE(r->DecodeVarchar(b, &vb).ok());
        ASSERT_EQ(vb.rows.size(), r->block(b).rows);
        for (const auto& s : vb.rows) {
          const auto& want = m.rows[row++];
          ASSERT_EQ(s.data() == nullptr, !want.has_value()) << "row " << row - 1;
          if (want) {
            ASSERT_EQ(s, *want) << "row " << row - 1;
          }
        }
        EXPECT_FALSE(r->block(b).has_min_max);
      }
      ASSERT_EQ(row, n);
      if (block_rows == 4096) {  // small blocks are mostly headers
        const size_t raw = m.data.size() + m.index.size();
        if (shape == 0) {
          EXPECT_LT(file->size(), raw / 2);
        } else if (shape == 1) {
          EXPECT_LT(file->size(), raw * 11 / 10);
        }
      }
    }
  }
}

TEST(CompressedColumnTest, BadInputIsInvalidArgument) {
  const std::string longs(16, '\0');
  EXPECT_EQ(CompressColumn(ColumnType::kLong, 3, longs, {}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CompressColumn(ColumnType::kLong, -1, "", {}).status().code(),
            StatusCode::kInvalidArgument);
  // Row counts whose byte sizes overflow 64 bits are refused, not wrapped around.
  EXPECT_EQ(CompressColumn(ColumnType::kLong, int64_t{1} << 61, "", {}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CompressColumn(ColumnType::kVarchar, INT64_MAX, "", "").status().code(),
            StatusCode::kInvalidArgument);
  CompressOptions o;
  o.force_codec = BlockCodec::kAlp;
  EXPECT_EQ(CompressColumn(ColumnType::kLong, 2, longs, {}, o).status().code(),
            StatusCode::kInvalidArgument);
  o.force_codec.reset();
  o.block_rows = 0;
  EXPECT_EQ(CompressColumn(ColumnType::kLong, 2, longs, {}, o).status().code(),
            StatusCode::kInvalidArgument);
  o.block_rows = kMaxCompressedBlockRows + 1;
  EXPECT_EQ(CompressColumn(ColumnType::kLong, 2, longs, {}, o).status().code(),
            StatusCode::kInvalidArgument);
  VarcharModel m;
  m.rows = {std::string("ab"), std::nullopt, std::string("c")};
  m.Build();
  ASSERT_TRUE(CompressColumn(ColumnType::kVarchar, 3, m.data, m.index).ok());
  std::string bad = m.index;
  bad[8] = 5;  // row 0 ends past row 1's end: offsets decrease
  EXPECT_EQ(CompressColumn(ColumnType::kVarchar, 3, m.data, bad).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CompressColumn(ColumnType::kVarchar, 3, "a", m.index).status().code(),
            StatusCode::kInvalidArgument);  // offsets past the data
  EXPECT_EQ(CompressColumn(ColumnType::kVarchar, 2, m.data, m.index).status().code(),
            StatusCode::kInvalidArgument);  // index of another row count
  bad = m.index;
  bad[16] = 3;  // the null row 1 would own a byte
  bad[24] = 4;
  EXPECT_EQ(CompressColumn(ColumnType::kVarchar, 3, m.data + "x", bad).status().code(),
            StatusCode::kInvalidArgument);
}

// A small file of every kind, for the damage tests.
std::vector<std::pair<ColumnType, std::string>> SmallFiles() {
  std::mt19937_64 rng(kSeed);
  std::vector<std::pair<ColumnType, std::string>> files;
  CompressOptions o;
  o.block_rows = 16;
  for (ColumnType type : {ColumnType::kTimestamp, ColumnType::kDouble, ColumnType::kSymbol,
                          ColumnType::kBoolean, ColumnType::kFloat}) {
    for (int shape : {0, 2, 4}) {
      const std::string data = MakeColumn(type, shape, 40, rng);
      files.push_back({type, *CompressColumn(type, 40, data, {}, o)});
    }
  }
  VarcharModel m;
  for (int k = 0; k < 40; ++k) {
    m.rows.push_back(k % 5 ? std::optional<std::string>("v" + std::to_string(k % 3) + "xxxxxxxx")
                           : std::nullopt);
  }
  m.Build();
  files.push_back(
      {ColumnType::kVarchar, *CompressColumn(ColumnType::kVarchar, 40, m.data, m.index, o)});
  return files;
}

// Opens `file` and decodes every block; the first error, or Ok.
core::Status ReadAll(ColumnType type, std::string_view file) {
  auto r = CompressedColumnReader::Open(file, type, "c");
  if (!r.ok()) return r.status();
  std::vector<char> buf(r->block_rows() * 8);
  VarcharBlock vb;
  for (size_t b = 0; b < r->block_count(); ++b) {
    core::Status st =
        type == ColumnType::kVarchar ? r->DecodeVarchar(b, &vb) : r->DecodeNative(b, buf.data());
    if (!st.ok()) return st;
  }
  return core::Status::Ok();
}

TEST(CompressedColumnTest, EverySingleBitFlipIsCorruption) {
  for (const auto& [type, file] : SmallFiles()) {
    ASSERT_TRUE(ReadAll(type, file).ok());
    for (size_t bit = 0; bit < file.size() * 8; ++bit) {
      std::string bad = file;
      bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (1 << (bit % 8)));
      const core::Status st = ReadAll(type, bad);
      // A flip in the version field can make it a newer version: Unsupported, also refused.
      ASSERT_TRUE(st.code() == StatusCode::kCorruption || st.code() == StatusCode::kUnsupported)
          << ColumnTypeName(type) << " bit " << bit << ": " << st.ToString();
      if (bit / 8 < 4 || bit / 8 >= 8) {
        ASSERT_EQ(st.code(), StatusCode::kCorruption) << bit;
      }
    }
  }
}

TEST(CompressedColumnTest, EveryTruncationIsCorruption) {
  for (const auto& [type, file] : SmallFiles()) {
    for (size_t cut = 0; cut < file.size(); ++cut) {
      ASSERT_EQ(ReadAll(type, std::string_view(file).substr(0, cut)).code(),
                StatusCode::kCorruption)
          << ColumnTypeName(type) << " cut " << cut;
    }
    // A damaged block is reported when it is decoded; the other blocks stay readable.
    auto r = CompressedColumnReader::Open(file, type, "c");
    ASSERT_TRUE(r.ok());
    ASSERT_GE(r->block_count(), 2u);
  }
}

TEST(CompressedColumnTest, OnlyTheDamagedBlockFailsAndTheMessageNamesIt) {
  std::mt19937_64 rng(kSeed);
  const std::string data = MakeColumn(ColumnType::kLong, 0, 100, rng);
  CompressOptions o;
  o.block_rows = 10;
  std::string file = *CompressColumn(ColumnType::kLong, 100, data, {}, o);
  auto clean = CompressedColumnReader::Open(file, ColumnType::kLong, "c");
  const size_t at = 16;  // the first byte of block 0's header... move into block 3's payload
  size_t block3 = at;
  for (size_t b = 0; b < 3; ++b) block3 += clean->block_size_bytes(b);
  file[block3 + 30] ^= 1;
  auto r = CompressedColumnReader::Open(file, ColumnType::kLong, "db/t/p/c.dz");
  ASSERT_TRUE(r.ok());
  std::vector<int64_t> out(10);
  for (size_t b = 0; b < r->block_count(); ++b) {
    const core::Status st = r->DecodeInt64(b, out.data());
    if (b == 3) {
      EXPECT_EQ(st.code(), StatusCode::kCorruption);
      EXPECT_NE(st.message().find("db/t/p/c.dz"), std::string::npos) << st.message();
      EXPECT_NE(st.message().find("block 3"), std::string::npos) << st.message();
    } else {
      EXPECT_TRUE(st.ok()) << b;
    }
  }
}

// A file of LONG values relabelled as SYMBOL (header byte 8, file checksum recomputed): a block
// whose values leave INT's range is Corruption, wherever the bad value sits (first row, last
// row, the tail past the last group of four); in range, keys decode with INT32_MIN widened.
TEST(CompressedColumnTest, NarrowTypeValuesOutOfRangeAreCorruptionAtEveryRow) {
  for (BlockCodec codec : {BlockCodec::kFor, BlockCodec::kDelta, BlockCodec::kRle}) {
    for (size_t n : {1, 4, 5, 7, 4096}) {
      for (int bad_at = -1; bad_at < 2; ++bad_at) {  // none, first row, last row
        std::vector<int64_t> v(n);
        for (size_t k = 0; k < n; ++k) v[k] = static_cast<int64_t>(k % 3) - 1;
        v[n / 2] = kNullInt;
        if (bad_at >= 0) v[bad_at == 0 ? 0 : n - 1] = int64_t{INT32_MAX} + 1;
        std::string data(reinterpret_cast<const char*>(v.data()), n * 8);
        CompressOptions o;
        o.force_codec = codec;
        std::string file = *CompressColumn(ColumnType::kLong, static_cast<int64_t>(n), data, {}, o);
        file[8] = static_cast<char>(ColumnType::kSymbol);
        const size_t footer = file.size() - 20, index = footer - 40;
        uint32_t crc = core::Crc32c(file.data(), 16);
        crc = core::Crc32cExtend(crc, file.data() + index, 40 + 16);
        std::memcpy(file.data() + file.size() - 4, &crc, 4);
        auto r = CompressedColumnReader::Open(file, ColumnType::kSymbol, "c");
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        std::vector<int64_t> out(n);
        const core::Status st = r->DecodeInt64(0, out.data());
        const std::string what = "codec " + std::string(BlockCodecName(codec)) + " n " +
                                 std::to_string(n) + " bad_at " + std::to_string(bad_at);
        if (bad_at >= 0) {
          EXPECT_EQ(st.code(), StatusCode::kCorruption) << what;
          continue;
        }
        ASSERT_TRUE(st.ok()) << what;
        for (size_t k = 0; k < n; ++k) {
          ASSERT_EQ(out[k], v[k] == kNullInt ? kNullLong : v[k]) << what << " row " << k;
        }
      }
    }
  }
}

// With the dictionary's size, a SYMBOL key that is neither null nor below it fails the block,
// at any row, whatever the codec (raw included), through both decoders; without it every int32
// is a key.
TEST(CompressedColumnTest, SymbolKeysOutsideTheDictionaryAreCorruptionAtEveryRow) {
  constexpr uint32_t kKeys = 10;
  for (BlockCodec codec : {BlockCodec::kRaw, BlockCodec::kFor, BlockCodec::kDelta,
                           BlockCodec::kRle}) {
    for (size_t n : {1, 5, 4096}) {
      for (int32_t bad : {0, int32_t{kKeys}, -1, INT32_MIN + 1, INT32_MAX}) {  // 0: none
        for (bool last : {false, true}) {
          std::vector<int32_t> v(n);
          for (size_t k = 0; k < n; ++k) v[k] = static_cast<int32_t>(k % kKeys);
          v[n / 2] = kNullInt;
          if (bad != 0) v[last ? n - 1 : 0] = bad;
          CompressOptions o;
          o.force_codec = codec;
          const std::string data(reinterpret_cast<const char*>(v.data()), n * 4);
          auto file = CompressColumn(ColumnType::kSymbol, static_cast<int64_t>(n), data, {}, o);
          ASSERT_TRUE(file.ok()) << file.status().ToString();
          auto r = CompressedColumnReader::Open(*file, ColumnType::kSymbol, "c");
          ASSERT_TRUE(r.ok()) << r.status().ToString();
          const std::string what = std::string(BlockCodecName(codec)) + " n " +
                                   std::to_string(n) + " bad " + std::to_string(bad);
          std::vector<int32_t> native(n);
          std::vector<int64_t> wide(n);
          const core::Status a = r->DecodeNative(0, native.data(), kKeys);
          const core::Status b = r->DecodeInt64(0, wide.data(), kKeys);
          if (bad != 0) {
            EXPECT_EQ(a.code(), StatusCode::kCorruption) << what;
            EXPECT_EQ(b.code(), StatusCode::kCorruption) << what;
            EXPECT_NE(a.message().find("block 0: symbol key outside the dictionary"),
                      std::string::npos)
                << a.ToString();
          } else {
            ASSERT_TRUE(a.ok()) << what << a.ToString();
            ASSERT_TRUE(b.ok()) << what << b.ToString();
            EXPECT_EQ(native, v) << what;
            for (size_t k = 0; k < n; ++k) {
              ASSERT_EQ(wide[k], v[k] == kNullInt ? kNullLong : v[k]) << what << " row " << k;
            }
          }
          ASSERT_TRUE(r->DecodeNative(0, native.data()).ok()) << what;  // any int32 is a key
          EXPECT_EQ(native, v) << what;
        }
      }
    }
  }
}

TEST(CompressedColumnTest, NewerVersionIsUnsupportedAndAnotherTypeIsCorruption) {
  std::mt19937_64 rng(kSeed);
  const std::string data = MakeColumn(ColumnType::kInt, 0, 50, rng);
  std::string file = *CompressColumn(ColumnType::kInt, 50, data, {});
  EXPECT_EQ(CompressedColumnReader::Open(file, ColumnType::kLong, "c").status().code(),
            StatusCode::kCorruption);
  // Version 2 with a correct checksum: refused as Unsupported, never misread.
  file[4] = 2;
  const size_t footer = file.size() - 20;
  const size_t index_at = footer - 40;  // one block
  uint32_t crc = core::Crc32c(file.data(), 16);
  crc = core::Crc32cExtend(crc, file.data() + index_at, 40 + 16);
  std::memcpy(file.data() + file.size() - 4, &crc, 4);
  EXPECT_EQ(CompressedColumnReader::Open(file, ColumnType::kInt, "c").status().code(),
            StatusCode::kUnsupported);
}

TEST(CompressedColumnTest, LowerBoundBlockMatchesALinearScanOfTimestamps) {
  std::mt19937_64 rng(kSeed);
  const int64_t rows = 50'000;
  std::vector<int64_t> ts(rows);
  int64_t t = 1'704'067'200'000'000LL;
  for (auto& x : ts) x = t += static_cast<int64_t>(rng() % 3) * 1'000'000;  // repeats allowed
  std::string data(reinterpret_cast<const char*>(ts.data()), rows * 8);
  auto file = CompressColumn(ColumnType::kTimestamp, rows, data, {});
  auto r = CompressedColumnReader::Open(*file, ColumnType::kTimestamp, "ts");
  ASSERT_TRUE(r.ok());
  for (int iter = 0; iter < 500; ++iter) {
    const int64_t probe = ts[rng() % rows] + static_cast<int64_t>(rng() % 3) - 1;
    size_t want = r->block_count();
    for (size_t b = 0; b < r->block_count(); ++b) {
      const int64_t first = r->block(b).first_row;
      if (ts[first + r->block(b).rows - 1] >= probe) {
        want = b;
        break;
      }
    }
    ASSERT_EQ(r->LowerBoundBlock(probe), want) << probe;
  }
  EXPECT_EQ(r->LowerBoundBlock(INT64_MIN), 0u);
  EXPECT_EQ(r->LowerBoundBlock(INT64_MAX), r->block_count());
}

}  // namespace
}  // namespace sundial::cairo
