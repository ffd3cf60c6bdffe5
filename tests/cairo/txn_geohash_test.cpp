// `_txn` records with GEOHASH and BINARY columns: the precision travels as the version 5 type
// parameter, every precision reads back as written, BINARY needs version 5 too, and records
// without either keep their older version (so builds that predate them still read them).
#include <gtest/gtest.h>

#include <cstring>

#include "cairo/txn_file.h"
#include "core/crc32c.h"

namespace sundial::cairo {
namespace {

TxnRecord Record(const std::vector<ColumnType>& types) {
  TxnRecord r;
  r.table_id = 3;
  r.txn = 9;
  r.schema.columns.push_back({"ts", ColumnType::kTimestamp});
  for (size_t k = 0; k < types.size(); ++k) {
    r.schema.columns.push_back({"c" + std::to_string(k), types[k]});
  }
  r.schema.timestamp_index = 0;
  r.schema.partition_by = PartitionBy::kDay;
  for (const auto& c : r.schema.columns) r.columns.push_back({c.name, 0, 0});
  PartitionInfo p;
  p.partition_start_us = 0;
  p.row_count = 4;
  p.column_files.assign(r.schema.columns.size(), true);
  r.partitions.push_back(p);
  return r;
}

uint32_t Version(const std::string& bytes) {
  uint32_t v;
  std::memcpy(&v, bytes.data() + 4, 4);
  return v;
}

TEST(TxnGeoHashTest, EveryPrecisionRoundTripsInVersion5) {
  std::vector<ColumnType> types;
  for (int bits = 1; bits <= kGeoHashMaxBits; ++bits) types.push_back(GeoHashType(bits));
  types.push_back(ColumnType::kVarchar);
  const std::string bytes = SerializeTxn(Record(types));
  EXPECT_EQ(Version(bytes), kTxnFormatVersion);
  auto back = ParseTxn(bytes, "x");
  ASSERT_TRUE(back.ok()) << back.status().message();
  ASSERT_EQ(back->schema.columns.size(), types.size() + 1);
  for (size_t k = 0; k < types.size(); ++k) {
    EXPECT_EQ(back->schema.columns[k + 1].type, types[k]) << k;
  }
  EXPECT_EQ(SerializeTxn(*back), bytes);
}

TEST(TxnGeoHashTest, BinaryIsWrittenInVersion5AndRefusedInOlderOnes) {
  const std::string bytes = SerializeTxn(Record({ColumnType::kBinary}));
  EXPECT_EQ(Version(bytes), kTxnFormatVersion);
  auto back = ParseTxn(bytes, "x");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->schema.columns[1].type, ColumnType::kBinary);
  // A version 4 record naming type 18 was not written by any build: damaged.
  std::string v4 = SerializeTxn(Record({ColumnType::kLong}));
  ASSERT_EQ(Version(v4), kTxnFormatVersionWithFlags);
  const size_t type_at = 12 + 21 + (1 + 4 + 4 + 4 + 12 + 1);  // after the "ts" column
  ASSERT_EQ(static_cast<uint8_t>(v4[type_at]), static_cast<uint8_t>(ColumnType::kLong));
  v4[type_at] = static_cast<char>(ColumnType::kBinary);
  const uint32_t crc = core::Crc32c(v4.data(), v4.size() - 4);
  std::memcpy(v4.data() + v4.size() - 4, &crc, 4);
  EXPECT_EQ(ParseTxn(v4, "x").status().code(), core::StatusCode::kCorruption);
}

TEST(TxnGeoHashTest, RecordsWithoutGeoHashKeepTheirVersion) {
  EXPECT_EQ(Version(SerializeTxn(Record({ColumnType::kLong}))), kTxnFormatVersionWithFlags);
  TxnRecord compressed = Record({ColumnType::kLong});
  compressed.partitions[0].is_compressed = true;
  EXPECT_EQ(Version(SerializeTxn(compressed)), kTxnFormatVersionWithEntryFlags);
}

// Rewrites byte `at` of a record and its checksum, as a damaged or foreign file would have it.
std::string Patch(std::string bytes, size_t at, uint8_t value) {
  bytes[at] = static_cast<char>(value);
  const uint32_t crc = core::Crc32c(bytes.data(), bytes.size() - 4);
  std::memcpy(bytes.data() + bytes.size() - 4, &crc, 4);
  return bytes;
}

TEST(TxnGeoHashTest, BadTypeBytesAndParametersAreCorruption) {
  const std::string bytes = SerializeTxn(Record({GeoHashType(40)}));
  // Body: table_id 4, txn 8, timestamp_index 4, partition_by 1, column_count 4 = 21 bytes;
  // column "ts": type 1, file_version 4, name 2+2, stem 2+2, symbols 4+8, flags 1, param 1.
  const size_t body = 12, ts_size = 1 + 4 + 4 + 4 + 12 + 1 + 1;
  const size_t g_type = body + 21 + ts_size;
  const size_t g_param = g_type + 1 + 4 + 4 + 4 + 12 + 1;
  ASSERT_EQ(static_cast<uint8_t>(bytes[g_type]), static_cast<uint8_t>(ColumnType::kGeoHash));
  ASSERT_EQ(static_cast<uint8_t>(bytes[g_param]), 40);
  // The in-memory value is never a type byte on disk.
  EXPECT_EQ(
      ParseTxn(Patch(bytes, g_type, static_cast<uint8_t>(GeoHashType(40))), "x").status().code(),
      core::StatusCode::kCorruption);
  for (uint8_t bad : {0, 61, 255}) {
    EXPECT_EQ(ParseTxn(Patch(bytes, g_param, bad), "x").status().code(),
              core::StatusCode::kCorruption)
        << int{bad};
  }
  // A parameter on a type that takes none.
  EXPECT_EQ(ParseTxn(Patch(bytes, body + 21 + ts_size - 1, 5), "x").status().code(),
            core::StatusCode::kCorruption);
  // A later format is refused as newer, not as damaged.
  EXPECT_EQ(ParseTxn(Patch(bytes, 4, kTxnFormatVersion + 1), "x").status().code(),
            core::StatusCode::kUnsupported);
}

}  // namespace
}  // namespace sundial::cairo
