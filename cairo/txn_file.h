// cairo/txn_file.h — the `_txn` record: a table's whole committed state, and its byte format.
//
// Layout (little-endian), format version kTxnFormatVersion:
//   u32 magic "SDTX" | u32 format_version | u32 body_size | body | u32 crc32c(everything before)
//   body: u32 table_id, u64 txn, i32 timestamp_index, u8 partition_by,
//         u32 column_count, per column: u8 type, u32 file_version, str name, str file_stem,
//                                       u32 symbol_count, u64 symbol_bytes,
//                                       [version >= 3] u8 column_flags (bit 0: a SYMBOL
//                                       column may hold NULL keys; other bits zero),
//                                       [version >= 5] u8 type_param (GEOHASH: its bits,
//                                       1..60; 0 for other types)
//         u32 partition_count, per partition: i64 start, i64 rows, i64 min_ts, i64 max_ts,
//                                             u64 name_txn,
//                                             [version >= 2] ceil(column_count / 8) bytes:
//                                             bit c%8 of byte c/8 set = column c has files
//                                             in the entry (unused high bits zero),
//                                             [version >= 4] u8 entry_flags (bit 0: the
//                                             entry's column files are compressed `.z`)
//   str = u16 length + bytes.
// cairo/FORMAT.md (section `_txn`) describes it byte by byte.
// Names read back are confined (core/confined_path.h): column names valid, file stems and
// partition directory names single path components, so no file outside the table directory
// is ever named by a `_txn`.
// A newer format version is refused with Unsupported naming the file; a short file, bad magic
// or bad checksum is Corruption. Pure value code; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cairo/table_schema.h"
#include "cairo/table_view.h"
#include "core/status.h"

namespace sundial::cairo {

// Version 2 adds, per partition entry, which columns have files in it; version 1 files are
// still read (and written back as version 1 until the table's next publish). Version 3 adds
// per column whether a SYMBOL column may hold NULL keys; a version 1 or 2 file reads as "may".
// Version 4 adds per partition entry whether its column files are compressed; it is written
// only when some entry is, so a build that knows version 3 still reads every other table and
// refuses (as a newer format) only tables with compressed entries. Version 5 adds per column a
// type parameter (a GEOHASH column's type byte is kGeoHash, its precision that parameter); it
// is written only when a column is a GEOHASH, so older builds refuse just those tables, as a
// newer format rather than as damaged. BINARY columns (type 18) are written in version 5 too.
inline constexpr uint32_t kTxnFormatVersion = 5;
inline constexpr uint32_t kTxnFormatVersionWithEntryFlags = 4;
inline constexpr uint32_t kTxnFormatVersionWithFlags = 3;
inline constexpr uint32_t kTxnFormatVersionWithFiles = 2;
inline constexpr uint32_t kTxnFormatVersionWithoutFiles = 1;
inline constexpr char kTxnFileName[] = "_txn";

// Per-column state kept beside the public ColumnDef.
struct ColumnState {
  std::string file_stem;      // file name stem; stays when the column is renamed
  uint32_t symbol_count = 0;  // SYMBOL: committed dictionary entries
  uint64_t symbol_bytes = 0;  // SYMBOL: committed byte size of `<stem>.sym`
  // SYMBOL: false only when no committed row holds a NULL key (so the dictionary's keys are
  // every value the column can hold: LATEST ON stops once it has seen them all). Set by the
  // writer when it commits a NULL key, adds the column to a table with rows, or rewrites
  // rows (UPDATE); never cleared. True when unknown (a `_txn` older than version 3).
  bool may_hold_null_key = true;
};

struct TxnRecord {
  uint32_t table_id = 0;
  uint64_t txn = 0;
  TableSchema schema;
  std::vector<ColumnState> columns;       // parallel to schema.columns
  std::vector<PartitionInfo> partitions;  // ascending; dir_name filled by Parse/AddPartition

  int64_t row_count() const;
};

// "<partition name>" or "<partition name>.<name_txn>".
std::string PartitionDirName(PartitionBy by, int64_t partition_start_us, uint64_t name_txn);
// "<name>" when file_version is 0, "<name>.<file_version>" otherwise.
std::string ColumnFileStem(const ColumnDef& def);

std::string SerializeTxn(const TxnRecord& record);
// `what` names the file in error messages.
core::Result<TxnRecord> ParseTxn(std::string_view bytes, std::string_view what);

// For backup and snapshot restore: OK if `bytes` is a well-formed `_txn` this build can read;
// Corruption (damaged) or Unsupported (newer format) otherwise.
core::Status ValidateTxnFile(std::string_view bytes);

}  // namespace sundial::cairo
