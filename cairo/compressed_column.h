// cairo/compressed_column.h — the compressed column file of a sealed partition: a column's
// values in blocks of a fixed row count (the executor's batch size), each block compressed by
// the codec that suits it (core/codec/), with its row count, min/max and CRC32C; an index of
// block offsets and min/max at the end. Byte layout: FORMAT.md, "Compressed column files".
//
// Lossless for every bit pattern of every column type, nulls included. A reader works on the
// file's bytes in place (an mmap): it checks the header, index and footer once at Open, exposes
// each block's row range and min/max without decoding, and decodes only the blocks asked for,
// checking each block's CRC32C first. Any damage is Corruption, never a value.
//
// Pure functions and an immutable reader: thread-safe. The reader does not own the bytes; they
// must outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairo/column_type.h"
#include "core/status.h"

namespace sundial::cairo {

inline constexpr uint32_t kCompressedColumnFormatVersion = 1;
// Rows per block: the executor's batch size, sql::kBatchRows (a test checks they agree).
inline constexpr uint32_t kCompressedBlockRows = 4096;
// Codecs store positions in 16 bits.
inline constexpr uint32_t kMaxCompressedBlockRows = 65536;

// Stored as one byte per block; never renumber.
enum class BlockCodec : uint8_t {
  kRaw = 0,         // the values as in the uncompressed file (any type)
  kFor = 1,         // integer types and FLOAT bit patterns: frame of reference
  kDelta = 2,       //   delta + frame of reference
  kDeltaDelta = 3,  //   delta of delta + frame of reference
  kRle = 4,         //   runs of equal values
  kAlp = 5,         // DOUBLE: decimal digits + exceptions
  kXor = 6,         // DOUBLE: XOR with the previous value
  kVarchar = 7,     // VARCHAR: lengths as integers + bytes raw or LZ
};
std::string_view BlockCodecName(BlockCodec codec);

struct CompressOptions {
  uint32_t block_rows = kCompressedBlockRows;  // 1..kMaxCompressedBlockRows
  // Use this codec for every block instead of choosing (tests, benchmarks); InvalidArgument if
  // it does not apply to the column type.
  std::optional<BlockCodec> force_codec;
};

// The types of format version 1: VARCHAR and the fixed-size types of at most 8 bytes that
// existed then (BOOLEAN .. VARCHAR, type bytes 1..12). IPv4, UUID, LONG128, LONG256 and DOUBLE[]
// have none yet: CompressColumn and Open refuse them as Unsupported.
bool HasCompressedLayout(ColumnType type);

// Compresses a column's committed values given as its uncompressed files (FORMAT.md "Column
// files"): `data` = the `.d` bytes (rows × ColumnTypeSize for fixed-size types), and for
// VARCHAR `varchar_index` = the `.i` bytes ((rows + 1) entries). InvalidArgument when the
// sizes do not match `rows` or a VARCHAR index is inconsistent (not starting at 0, offsets
// decreasing or past `.d`).
core::Result<std::string> CompressColumn(ColumnType type, int64_t rows, std::string_view data,
                                         std::string_view varchar_index,
                                         const CompressOptions& options = {});

// One block's place and statistics, from the checked index.
struct BlockInfo {
  int64_t first_row = 0;
  uint32_t rows = 0;
  BlockCodec codec = BlockCodec::kRaw;
  bool has_nulls = false;
  // Smallest and largest non-null value; absent when every row is null (and for VARCHAR).
  // Integer types (and SYMBOL keys, CHAR units): in `min_i`/`max_i` as int64. FLOAT and DOUBLE:
  // in `min_d`/`max_d` (NaN is null and is not counted).
  bool has_min_max = false;
  int64_t min_i = 0, max_i = 0;
  double min_d = 0, max_d = 0;
};

// The rows of one VARCHAR block: row k is `rows[k]`, null when its data() is nullptr, pointing
// into `bytes`.
struct VarcharBlock {
  std::string bytes;
  std::vector<std::string_view> rows;
};

class CompressedColumnReader {
 public:
  static constexpr uint32_t kAnySymbolKey = UINT32_MAX;

  // Checks the header, the index and the footer of `file` (its bytes, e.g. an mmap, which
  // must outlive the reader). Corruption naming `path` on any damage; Unsupported for a newer
  // format version; Corruption if the file's column type is not `type`.
  static core::Result<CompressedColumnReader> Open(std::string_view file, ColumnType type,
                                                   std::string path);

  ColumnType type() const { return type_; }
  int64_t row_count() const { return row_count_; }
  uint32_t block_rows() const { return block_rows_; }
  size_t block_count() const { return blocks_.size(); }
  const BlockInfo& block(size_t b) const { return blocks_[b]; }
  // Bytes of block `b` in the file (header, payload and CRC).
  size_t block_size_bytes(size_t b) const { return extents_[b].size; }

  // For a column whose values ascend through the file (a designated timestamp): the first
  // block whose max is >= `value` (where a range starting at `value` begins), by binary search
  // over the index; block_count() if none. A block without min/max counts as below `value`.
  size_t LowerBoundBlock(int64_t value) const;

  // Decodes block `b` into its values in the uncompressed file's layout (rows × ColumnTypeSize
  // bytes at `out`). Fixed-size types only. SYMBOL with `symbol_count` (the dictionary's size):
  // a key neither null nor below it is Corruption, found in the pass that checks the type's
  // range; with kAnySymbolKey every int32 is a key (the file alone says nothing of them).
  core::Status DecodeNative(size_t b, void* out, uint32_t symbol_count = kAnySymbolKey) const;
  // Integer types, SYMBOL, CHAR, BOOLEAN, DATE, TIMESTAMP: block `b` as the executor's int64
  // vector (an INT or SYMBOL null widened to INT64_MIN, as sql/vector.h); `symbol_count` as
  // for DecodeNative.
  core::Status DecodeInt64(size_t b, int64_t* out, uint32_t symbol_count = kAnySymbolKey) const;
  // FLOAT and DOUBLE: block `b` as doubles (FLOAT widened).
  core::Status DecodeDouble(size_t b, double* out) const;
  // VARCHAR: block `b`'s rows.
  core::Status DecodeVarchar(size_t b, VarcharBlock* out) const;

 private:
  struct Extent {
    size_t offset = 0;
    size_t size = 0;
  };
  // The block's payload after its header and CRC are checked against the index.
  core::Result<std::string_view> Payload(size_t b) const;
  // With widen_null_int (INT, SYMBOL), INT32_MIN comes out as INT64_MIN; `symbol_count` as for
  // DecodeNative.
  core::Status DecodeWide(size_t b, int64_t* out, bool widen_null_int = false,
                          uint32_t symbol_count = kAnySymbolKey) const;

  std::string_view file_;
  ColumnType type_ = ColumnType::kLong;
  std::string path_;
  int64_t row_count_ = 0;
  uint32_t block_rows_ = 0;
  std::vector<BlockInfo> blocks_;
  std::vector<Extent> extents_;
};

}  // namespace sundial::cairo
