// cairo/compressed_column.cpp — see compressed_column.h; byte layout in FORMAT.md,
// "Compressed column files".
#include "cairo/compressed_column.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "core/codec/bit_pack.h"
#include "core/codec/double_codec.h"
#include "core/codec/int_codec.h"
#include "core/codec/lz.h"
#include "core/crc32c.h"

namespace sundial::cairo {
namespace {

using core::Result;
using core::Status;
namespace codec = core::codec;

constexpr uint32_t kMagic = 0x5A434453;  // bytes "SDCZ"
constexpr size_t kFileHeaderSize = 16;
constexpr size_t kBlockHeaderSize = 28;
constexpr size_t kIndexEntrySize = 40;
constexpr size_t kFooterSize = 20;
constexpr uint8_t kHasNulls = 1, kHasMinMax = 2;
constexpr uint64_t kVarcharNullBit = uint64_t{1} << 63;
constexpr uint8_t kBytesRaw = 0, kBytesLz = 1;

template <typename T>
void Put(T v, std::string* out) {
  out->append(reinterpret_cast<const char*>(&v), sizeof v);
}
template <typename T>
T Get(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

bool IsIntCodec(BlockCodec c) {
  return c == BlockCodec::kFor || c == BlockCodec::kDelta || c == BlockCodec::kDeltaDelta ||
         c == BlockCodec::kRle;
}
bool IsFloating(ColumnType t) { return t == ColumnType::kFloat || t == ColumnType::kDouble; }

// Which codecs a column type may use.
bool CodecApplies(ColumnType type, BlockCodec c) {
  if (type == ColumnType::kVarchar) return c == BlockCodec::kVarchar;
  if (c == BlockCodec::kRaw) return true;
  if (type == ColumnType::kDouble) return c == BlockCodec::kAlp || c == BlockCodec::kXor;
  return IsIntCodec(c);  // FLOAT is coded as its bit patterns
}

// A fixed-size value widened to int64 without loss: the integer types as their C types (BOOLEAN
// and CHAR unsigned), FLOAT as its 32-bit pattern, DOUBLE as its 64-bit pattern. Narrowing back
// (NarrowTo) truncates, so every bit pattern round-trips.
int64_t ReadWide(ColumnType type, const char* p) {
  switch (type) {
    case ColumnType::kBoolean:
      return Get<uint8_t>(p);
    case ColumnType::kByte:
      return Get<int8_t>(p);
    case ColumnType::kShort:
      return Get<int16_t>(p);
    case ColumnType::kChar:
      return Get<uint16_t>(p);
    case ColumnType::kInt:
    case ColumnType::kSymbol:
      return Get<int32_t>(p);
    case ColumnType::kFloat:
      return Get<uint32_t>(p);
    default:
      return Get<int64_t>(p);
  }
}

// Narrows `n` widened values of one width back: the low bytes of each (little-endian).
// Four at a time with vector extensions (the compiler leaves the plain loop scalar).
template <typename U>
__attribute__((always_inline)) inline void NarrowBody(const int64_t* wide, size_t n, void* out) {
  using V4w = uint64_t __attribute__((vector_size(32)));
  typedef U V4n __attribute__((vector_size(4 * sizeof(U))));
  char* o = static_cast<char*>(out);  // need not be aligned
  size_t k = 0;
  for (; k + 4 <= n; k += 4) {
    V4w x;
    std::memcpy(&x, wide + k, 32);
    const V4n y = __builtin_convertvector(x, V4n);
    std::memcpy(o + k * sizeof(U), &y, sizeof y);
  }
  for (; k < n; ++k) {
    const U v = static_cast<U>(static_cast<uint64_t>(wide[k]));
    std::memcpy(o + k * sizeof(U), &v, sizeof(U));
  }
}
template <typename U>
void NarrowPortable(const int64_t* wide, size_t n, void* out) {
  NarrowBody<U>(wide, n, out);
}
#if defined(__x86_64__)
template <typename U>
__attribute__((target("avx2"))) void NarrowAvx2(const int64_t* wide, size_t n, void* out) {
  NarrowBody<U>(wide, n, out);
}
#endif
template <typename U>
void NarrowTo(const int64_t* wide, size_t n, void* out) {
#if defined(__x86_64__)
  if (codec::DecodeIsaInUse() != codec::DecodeIsa::kPortable) return NarrowAvx2<U>(wide, n, out);
#endif
  NarrowPortable<U>(wide, n, out);
}

// Whether a widened value is the type's null (FORMAT.md "Column files").
bool IsNullWide(ColumnType type, int64_t v) {
  switch (type) {
    case ColumnType::kInt:
    case ColumnType::kSymbol:
      return v == kNullInt;
    case ColumnType::kLong:
    case ColumnType::kDate:
    case ColumnType::kTimestamp:
      return v == kNullLong;
    case ColumnType::kChar:
      return v == kNullChar;
    case ColumnType::kFloat:
      return std::isnan(std::bit_cast<float>(static_cast<uint32_t>(v)));
    case ColumnType::kDouble:
      return std::isnan(std::bit_cast<double>(v));
    default:
      return false;  // BOOLEAN, BYTE, SHORT have no null
  }
}

struct Stats {
  uint8_t flags = 0;
  int64_t min = 0, max = 0;  // int64, or the bit patterns of doubles for FLOAT/DOUBLE
};

Stats ComputeStats(ColumnType type, const int64_t* wide, size_t n) {
  Stats s;
  if (IsFloating(type)) {
    double lo = INFINITY, hi = -INFINITY;
    bool any = false;
    for (size_t k = 0; k < n; ++k) {
      const double d = type == ColumnType::kDouble
                           ? std::bit_cast<double>(wide[k])
                           : std::bit_cast<float>(static_cast<uint32_t>(wide[k]));
      if (std::isnan(d)) {
        s.flags |= kHasNulls;
        continue;
      }
      any = true;
      lo = d < lo ? d : lo;
      hi = d > hi ? d : hi;
    }
    if (any) {
      s.flags |= kHasMinMax;
      s.min = std::bit_cast<int64_t>(lo);
      s.max = std::bit_cast<int64_t>(hi);
    }
    return s;
  }
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  bool any = false;
  for (size_t k = 0; k < n; ++k) {
    if (IsNullWide(type, wide[k])) {
      s.flags |= kHasNulls;
      continue;
    }
    any = true;
    lo = wide[k] < lo ? wide[k] : lo;
    hi = wide[k] > hi ? wide[k] : hi;
  }
  if (any) {
    s.flags |= kHasMinMax;
    s.min = lo;
    s.max = hi;
  }
  return s;
}

// Four windows of up to 128 consecutive values, as ChooseIntCodec samples.
std::vector<double> SampleDoubles(const double* v, size_t n) {
  constexpr size_t kWindow = 128, kWindows = 4;
  if (n <= kWindow * kWindows) return std::vector<double>(v, v + n);
  std::vector<double> s;
  for (size_t w = 0; w < kWindows; ++w) {
    const size_t start = (n - kWindow) * w / (kWindows - 1);
    s.insert(s.end(), v + start, v + start + kWindow);
  }
  return s;
}

// Encodes the fixed-size block `native` (n values) with `codec` (or the best one when absent).
void EncodeFixedBlock(ColumnType type, const char* native, size_t n, const int64_t* wide,
                      std::optional<BlockCodec> force, BlockCodec* codec, std::string* out) {
  const size_t raw_size = n * static_cast<size_t>(ColumnTypeSize(type));
  const size_t start = out->size();
  BlockCodec c;
  if (force) {
    c = *force;
  } else if (type == ColumnType::kDouble) {
    const double* d = reinterpret_cast<const double*>(native);
    std::vector<double> sample = SampleDoubles(d, n);
    const codec::AlpChoice alp = codec::ChooseAlpExponent(sample.data(), sample.size());
    std::string a, x;
    codec::EncodeAlp(sample.data(), sample.size(), alp.exponent, &a);
    codec::EncodeXor(sample.data(), sample.size(), &x);
    c = a.size() <= x.size() ? BlockCodec::kAlp : BlockCodec::kXor;
  } else {
    c = static_cast<BlockCodec>(codec::ChooseIntCodec(wide, n));
  }
  if (c == BlockCodec::kAlp) {
    const double* d = reinterpret_cast<const double*>(native);
    std::vector<double> sample = SampleDoubles(d, n);
    codec::EncodeAlp(d, n, codec::ChooseAlpExponent(sample.data(), sample.size()).exponent, out);
  } else if (c == BlockCodec::kXor) {
    codec::EncodeXor(reinterpret_cast<const double*>(native), n, out);
  } else if (IsIntCodec(c)) {
    codec::EncodeInts(static_cast<codec::IntCodec>(c), wide, n, out);
  }
  if (c == BlockCodec::kRaw || (!force && out->size() - start >= raw_size)) {
    out->resize(start);
    out->append(native, raw_size);
    c = BlockCodec::kRaw;
  }
  *codec = c;
}

// VARCHAR payload: u8 length codec, u32 length section size, the lengths (-1 for null) as
// integers, u8 bytes codec (0 raw, 1 LZ), u32 byte count, the bytes (raw or LZ).
void EncodeVarcharBlock(const int64_t* lengths, size_t n, std::string_view bytes,
                        std::string* out) {
  const codec::IntCodec lc = codec::ChooseIntCodec(lengths, n);
  out->push_back(static_cast<char>(lc));
  const size_t size_at = out->size();
  Put<uint32_t>(0, out);
  codec::EncodeInts(lc, lengths, n, out);
  const uint32_t len_size = static_cast<uint32_t>(out->size() - size_at - 4);
  std::memcpy(out->data() + size_at, &len_size, 4);
  std::string lz;
  codec::LzCompress(bytes, &lz);
  const bool use_lz = lz.size() < bytes.size();
  out->push_back(static_cast<char>(use_lz ? kBytesLz : kBytesRaw));
  Put<uint32_t>(static_cast<uint32_t>(bytes.size()), out);
  if (use_lz) {
    out->append(lz);
  } else {
    out->append(bytes);
  }
}

void AppendBlock(BlockCodec c, const Stats& st, uint32_t rows, std::string_view payload,
                 std::string* file, std::string* index) {
  const size_t offset = file->size();
  Put<uint8_t>(static_cast<uint8_t>(c), file);
  Put<uint8_t>(st.flags, file);
  Put<uint16_t>(0, file);
  Put<uint32_t>(rows, file);
  Put<uint32_t>(static_cast<uint32_t>(payload.size()), file);
  Put<int64_t>(st.min, file);
  Put<int64_t>(st.max, file);
  file->append(payload);
  Put<uint32_t>(core::Crc32c(file->data() + offset, file->size() - offset), file);
  Put<uint64_t>(offset, index);
  Put<uint32_t>(static_cast<uint32_t>(file->size() - offset), index);
  Put<uint32_t>(rows, index);
  Put<uint8_t>(static_cast<uint8_t>(c), index);
  Put<uint8_t>(st.flags, index);
  Put<uint16_t>(0, index);
  Put<uint32_t>(0, index);
  Put<int64_t>(st.min, index);
  Put<int64_t>(st.max, index);
}

Status CheckVarcharIndex(int64_t rows, std::string_view data, std::string_view index) {
  if (index.size() % 8 != 0 || index.size() / 8 != static_cast<uint64_t>(rows) + 1) {
    return Status::InvalidArgument("varchar index size does not match the row count");
  }
  if (Get<uint64_t>(index.data()) != 0) {
    return Status::InvalidArgument("varchar index does not start at 0");
  }
  uint64_t prev = 0;
  for (int64_t k = 0; k < rows; ++k) {
    const uint64_t e = Get<uint64_t>(index.data() + (k + 1) * 8);
    const uint64_t end = e & ~kVarcharNullBit;
    if (end < prev || end > data.size()) {
      return Status::InvalidArgument("varchar index offsets decrease or pass the data");
    }
    if ((e & kVarcharNullBit) && end != prev) {
      return Status::InvalidArgument("varchar index gives a null row bytes");
    }
    prev = end;
  }
  return Status::Ok();
}

}  // namespace

std::string_view BlockCodecName(BlockCodec codec) {
  switch (codec) {
    case BlockCodec::kRaw:
      return "raw";
    case BlockCodec::kFor:
      return "for";
    case BlockCodec::kDelta:
      return "delta";
    case BlockCodec::kDeltaDelta:
      return "delta-delta";
    case BlockCodec::kRle:
      return "rle";
    case BlockCodec::kAlp:
      return "alp";
    case BlockCodec::kXor:
      return "xor";
    case BlockCodec::kVarchar:
      return "varchar";
  }
  return "unknown";
}

bool HasCompressedLayout(ColumnType t) {
  return static_cast<uint8_t>(t) >= 1 && static_cast<uint8_t>(t) <= 12;
}

Result<std::string> CompressColumn(ColumnType type, int64_t rows, std::string_view data,
                                   std::string_view varchar_index, const CompressOptions& options) {
  if (!IsValidColumnType(static_cast<uint8_t>(type))) {
    return Status::InvalidArgument("unknown column type");
  }
  if (!HasCompressedLayout(type)) {
    return Status::Unsupported("no compressed layout for type " +
                               std::string(ColumnTypeName(type)));
  }
  if (options.block_rows == 0 || options.block_rows > kMaxCompressedBlockRows) {
    return Status::InvalidArgument("block rows must be 1..65536");
  }
  if (rows < 0) return Status::InvalidArgument("negative row count");
  // Every row has at least one byte in `data` or `varchar_index`: this bounds the products below.
  if (static_cast<uint64_t>(rows) > data.size() + varchar_index.size()) {
    return Status::InvalidArgument("column data size does not match the row count");
  }
  if (options.force_codec && !CodecApplies(type, *options.force_codec)) {
    return Status::InvalidArgument("codec " + std::string(BlockCodecName(*options.force_codec)) +
                                   " does not apply to " + std::string(ColumnTypeName(type)));
  }
  const bool is_varchar = type == ColumnType::kVarchar;
  const size_t width = is_varchar ? 0 : static_cast<size_t>(ColumnTypeSize(type));
  if (is_varchar) {
    RETURN_IF_ERROR(CheckVarcharIndex(rows, data, varchar_index));
  } else if (data.size() != static_cast<size_t>(rows) * width) {
    return Status::InvalidArgument("column data size does not match the row count");
  }
  std::string file, index, payload;
  Put<uint32_t>(kMagic, &file);
  Put<uint32_t>(kCompressedColumnFormatVersion, &file);
  Put<uint8_t>(static_cast<uint8_t>(type), &file);
  file.append(3, '\0');
  Put<uint32_t>(options.block_rows, &file);
  std::vector<int64_t> wide(options.block_rows);
  uint32_t block_count = 0;
  for (int64_t first = 0; first < rows; first += options.block_rows, ++block_count) {
    const size_t n = static_cast<size_t>(std::min<int64_t>(options.block_rows, rows - first));
    payload.clear();
    BlockCodec c = BlockCodec::kVarchar;
    Stats st;
    if (is_varchar) {
      const char* ix = varchar_index.data() + first * 8;
      const uint64_t begin = Get<uint64_t>(ix) & ~kVarcharNullBit;
      for (size_t k = 0; k < n; ++k) {
        const uint64_t e = Get<uint64_t>(ix + (k + 1) * 8);
        const uint64_t prev = Get<uint64_t>(ix + k * 8) & ~kVarcharNullBit;
        const bool is_null = (e & kVarcharNullBit) != 0;
        wide[k] = is_null ? -1 : static_cast<int64_t>((e & ~kVarcharNullBit) - prev);
        if (is_null) st.flags |= kHasNulls;
      }
      const uint64_t end = Get<uint64_t>(ix + n * 8) & ~kVarcharNullBit;
      // Sizes in a block are u32; the LZ form of up to 4 GiB - 64 KiB stays below 4 GiB.
      if (end - begin > UINT32_MAX - (uint64_t{1} << 20)) {
        return Status::InvalidArgument("more than 4 GiB of VARCHAR bytes in one block");
      }
      EncodeVarcharBlock(wide.data(), n, data.substr(begin, end - begin), &payload);
    } else {
      const char* native = data.data() + first * width;
      for (size_t k = 0; k < n; ++k) wide[k] = ReadWide(type, native + k * width);
      st = ComputeStats(type, wide.data(), n);
      EncodeFixedBlock(type, native, n, wide.data(), options.force_codec, &c, &payload);
    }
    AppendBlock(c, st, static_cast<uint32_t>(n), payload, &file, &index);
  }
  uint32_t crc = core::Crc32c(file.data(), kFileHeaderSize);
  crc = core::Crc32cExtend(crc, index.data(), index.size());
  file.append(index);
  const size_t footer_at = file.size();
  Put<uint64_t>(static_cast<uint64_t>(rows), &file);
  Put<uint32_t>(block_count, &file);
  Put<uint32_t>(kMagic, &file);
  crc = core::Crc32cExtend(crc, file.data() + footer_at, 16);
  Put<uint32_t>(crc, &file);
  return file;
}

namespace {

// One pass over a decoded block of a narrow type: whether every value is in [lo, hi] (with
// kNullExempt, or is the INT/SYMBOL null INT32_MIN), and with kWidenNull, INT/SYMBOL nulls
// replaced by the executor's INT64_MIN. Four values at a time without branches (vector
// extensions); an AVX2 copy where the decode loops use it (core/codec/bit_pack.h, DecodeIsa).
using V4i = int64_t __attribute__((vector_size(32)));

template <bool kWidenNull, bool kNullExempt>
__attribute__((always_inline)) inline bool CheckBody(int64_t* v, size_t n, int64_t lo, int64_t hi) {
  V4i out_of_range = {};
  size_t k = 0;
  for (; k + 4 <= n; k += 4) {
    V4i x;
    std::memcpy(&x, v + k, 32);
    if constexpr (kNullExempt) {
      out_of_range |= ((x < lo) | (x > hi)) & (x != kNullInt);
    } else {
      out_of_range |= (x < lo) | (x > hi);
    }
    if constexpr (kWidenNull) {
      const V4i is_null = x == kNullInt;
      x = (x & ~is_null) | (kNullLong & is_null);
      std::memcpy(v + k, &x, 32);
    }
  }
  bool bad = (out_of_range[0] | out_of_range[1] | out_of_range[2] | out_of_range[3]) != 0;
  for (; k < n; ++k) {
    bad |= (v[k] < lo || v[k] > hi) && !(kNullExempt && v[k] == kNullInt);
    if (kWidenNull && v[k] == kNullInt) v[k] = kNullLong;
  }
  return !bad;
}
template <bool kWidenNull, bool kNullExempt>
bool CheckPortable(int64_t* v, size_t n, int64_t lo, int64_t hi) {
  return CheckBody<kWidenNull, kNullExempt>(v, n, lo, hi);
}
#if defined(__x86_64__)
template <bool kWidenNull, bool kNullExempt>
__attribute__((target("avx2"))) bool CheckAvx2(int64_t* v, size_t n, int64_t lo, int64_t hi) {
  return CheckBody<kWidenNull, kNullExempt>(v, n, lo, hi);
}
#endif
template <bool kWidenNull, bool kNullExempt>
bool CheckRange(int64_t* v, size_t n, int64_t lo, int64_t hi) {
#if defined(__x86_64__)
  if (codec::DecodeIsaInUse() != codec::DecodeIsa::kPortable) {
    return CheckAvx2<kWidenNull, kNullExempt>(v, n, lo, hi);
  }
#endif
  return CheckPortable<kWidenNull, kNullExempt>(v, n, lo, hi);
}

Status Damaged(const std::string& path, const std::string& reason) {
  return Status::Corruption("damaged compressed column file [path=" + path + ", reason=" + reason +
                            "]");
}

}  // namespace

Result<CompressedColumnReader> CompressedColumnReader::Open(std::string_view file, ColumnType type,
                                                            std::string path) {
  if (file.size() < kFileHeaderSize + kFooterSize) return Damaged(path, "file too short");
  const char* h = file.data();
  if (Get<uint32_t>(h) != kMagic) return Damaged(path, "bad magic");
  const uint32_t version = Get<uint32_t>(h + 4);
  if (version == 0) return Damaged(path, "format version 0");
  if (version > kCompressedColumnFormatVersion) {
    return Status::Unsupported("compressed column file of a newer format [path=" + path +
                               ", version=" + std::to_string(version) + "]");
  }
  if (static_cast<uint8_t>(h[8]) != static_cast<uint8_t>(type)) {
    return Damaged(path, "column type differs from the table's");
  }
  if (!HasCompressedLayout(type)) {
    return Status::Unsupported("no compressed layout for type " +
                               std::string(ColumnTypeName(type)));
  }
  if (h[9] != 0 || h[10] != 0 || h[11] != 0) return Damaged(path, "reserved bytes set");
  CompressedColumnReader r;
  r.file_ = file;
  r.type_ = type;
  r.path_ = std::move(path);
  r.block_rows_ = Get<uint32_t>(h + 12);
  if (r.block_rows_ == 0 || r.block_rows_ > kMaxCompressedBlockRows) {
    return Damaged(r.path_, "block rows out of range");
  }
  const char* f = file.data() + file.size() - kFooterSize;
  const uint64_t rows = Get<uint64_t>(f);
  const uint32_t block_count = Get<uint32_t>(f + 8);
  if (Get<uint32_t>(f + 12) != kMagic) return Damaged(r.path_, "bad footer magic");
  const size_t room = file.size() - kFileHeaderSize - kFooterSize;
  if (block_count > room / kIndexEntrySize) return Damaged(r.path_, "block count too large");
  const size_t index_at = file.size() - kFooterSize - block_count * kIndexEntrySize;
  uint32_t crc = core::Crc32c(h, kFileHeaderSize);
  crc = core::Crc32cExtend(crc, file.data() + index_at, block_count * kIndexEntrySize + 16);
  if (crc != Get<uint32_t>(f + 16)) return Damaged(r.path_, "index checksum mismatch");
  if (rows > static_cast<uint64_t>(block_count) * r.block_rows_ ||
      (block_count > 0 && rows <= static_cast<uint64_t>(block_count - 1) * r.block_rows_) ||
      (block_count == 0 && rows != 0)) {
    return Damaged(r.path_, "row count does not match the blocks");
  }
  r.row_count_ = static_cast<int64_t>(rows);
  r.blocks_.resize(block_count);
  r.extents_.resize(block_count);
  size_t expected_offset = kFileHeaderSize;
  for (uint32_t b = 0; b < block_count; ++b) {
    const char* e = file.data() + index_at + static_cast<size_t>(b) * kIndexEntrySize;
    Extent& x = r.extents_[b];
    BlockInfo& info = r.blocks_[b];
    x.offset = Get<uint64_t>(e);
    x.size = Get<uint32_t>(e + 8);
    info.rows = Get<uint32_t>(e + 12);
    const uint8_t codec = static_cast<uint8_t>(e[16]);
    const uint8_t flags = static_cast<uint8_t>(e[17]);
    info.first_row = static_cast<int64_t>(b) * r.block_rows_;
    const uint64_t want_rows =
        b + 1 < block_count ? r.block_rows_ : rows - static_cast<uint64_t>(info.first_row);
    if (x.offset != expected_offset || x.size < kBlockHeaderSize + 4 ||
        x.size > index_at - x.offset) {
      return Damaged(r.path_, "block " + std::to_string(b) + " out of place");
    }
    expected_offset += x.size;
    if (info.rows != want_rows) return Damaged(r.path_, "block " + std::to_string(b) + " rows");
    if (codec > static_cast<uint8_t>(BlockCodec::kVarchar) ||
        !CodecApplies(type, static_cast<BlockCodec>(codec)) || (flags & ~3) != 0 || e[18] != 0 ||
        e[19] != 0 || Get<uint32_t>(e + 20) != 0) {
      return Damaged(r.path_, "block " + std::to_string(b) + " codec or flags");
    }
    info.codec = static_cast<BlockCodec>(codec);
    info.has_nulls = (flags & kHasNulls) != 0;
    info.has_min_max = (flags & kHasMinMax) != 0;
    const int64_t lo = Get<int64_t>(e + 24), hi = Get<int64_t>(e + 32);
    if (info.has_min_max && IsFloating(type)) {
      info.min_d = std::bit_cast<double>(lo);
      info.max_d = std::bit_cast<double>(hi);
    } else if (info.has_min_max) {
      info.min_i = lo;
      info.max_i = hi;
    }
  }
  if (expected_offset != index_at) return Damaged(r.path_, "blocks do not fill the file");
  return r;
}

size_t CompressedColumnReader::LowerBoundBlock(int64_t value) const {
  const auto it = std::partition_point(blocks_.begin(), blocks_.end(), [&](const BlockInfo& i) {
    return !i.has_min_max || i.max_i < value;
  });
  return static_cast<size_t>(it - blocks_.begin());
}

Result<std::string_view> CompressedColumnReader::Payload(size_t b) const {
  if (b >= blocks_.size()) return Status::InvalidArgument("block number out of range");
  const Extent& x = extents_[b];
  const char* p = file_.data() + x.offset;
  // No string is built on the way that succeeds: this runs once per block of a scan.
  if (core::Crc32c(p, x.size - 4) != Get<uint32_t>(p + x.size - 4)) {
    return Damaged(path_, "block " + std::to_string(b) + " checksum mismatch");
  }
  // The block repeats what the index says of it; a mismatch means the index and the blocks
  // are not one file.
  const char* e =
      file_.data() + file_.size() - kFooterSize - (blocks_.size() - b) * kIndexEntrySize;
  if (p[0] != e[16] || p[1] != e[17] || Get<uint16_t>(p + 2) != 0 ||
      Get<uint32_t>(p + 4) != blocks_[b].rows ||
      Get<uint32_t>(p + 8) != x.size - kBlockHeaderSize - 4 ||
      std::memcmp(p + 12, e + 24, 16) != 0) {
    return Damaged(path_, "block " + std::to_string(b) + " header differs from the index");
  }
  return std::string_view(p + kBlockHeaderSize, x.size - kBlockHeaderSize - 4);
}

// The block as widened int64 values (ReadWide's form) for every fixed-size type.
Status CompressedColumnReader::DecodeWide(size_t b, int64_t* out, bool widen_null_int,
                                          uint32_t symbol_count) const {
  if (type_ == ColumnType::kDouble) {
    static_assert(sizeof(double) == sizeof(int64_t));
    thread_local std::vector<double> d;
    d.resize(block_rows_);
    RETURN_IF_ERROR(DecodeDouble(b, d.data()));
    std::memcpy(out, d.data(), blocks_[b].rows * 8);
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(std::string_view payload, Payload(b));
  const BlockInfo& info = blocks_[b];
  const size_t n = info.rows;
  const size_t width = static_cast<size_t>(ColumnTypeSize(type_));
  if (info.codec == BlockCodec::kRaw) {
    if (payload.size() != n * width) return Damaged(path_, "raw block size");
    for (size_t k = 0; k < n; ++k) out[k] = ReadWide(type_, payload.data() + k * width);
  } else {
    Status st = codec::DecodeInts(static_cast<codec::IntCodec>(info.codec), payload, n, out);
    if (!st.ok()) return Damaged(path_, "block " + std::to_string(b) + ": " + st.message());
  }
  // Values outside ReadWide's range for the type cannot come from CompressColumn; refuse them
  // rather than truncate. SYMBOL keys with a dictionary size: null or below it.
  const bool has_keys = type_ == ColumnType::kSymbol && symbol_count != kAnySymbolKey;
  if (has_keys) {
    const int64_t hi = std::min<int64_t>(INT32_MAX, int64_t{symbol_count} - 1);
    const bool in_range = widen_null_int ? CheckRange<true, true>(out, n, 0, hi)
                                         : CheckRange<false, true>(out, n, 0, hi);
    if (!in_range) {
      return Damaged(path_, "block " + std::to_string(b) + ": symbol key outside the dictionary");
    }
  } else if (width < 8) {
    int64_t lo = 0, hi = 0;
    switch (type_) {
      case ColumnType::kBoolean:
        hi = UINT8_MAX;
        break;
      case ColumnType::kByte:
        lo = INT8_MIN, hi = INT8_MAX;
        break;
      case ColumnType::kShort:
        lo = INT16_MIN, hi = INT16_MAX;
        break;
      case ColumnType::kChar:
        hi = UINT16_MAX;
        break;
      case ColumnType::kFloat:
        hi = UINT32_MAX;
        break;
      default:
        lo = INT32_MIN, hi = INT32_MAX;
        break;
    }
    const bool in_range = widen_null_int ? CheckRange<true, false>(out, n, lo, hi)
                                         : CheckRange<false, false>(out, n, lo, hi);
    if (!in_range) {
      return Damaged(path_, "block " + std::to_string(b) + ": value out of the type's range");
    }
  }
  return Status::Ok();
}

Status CompressedColumnReader::DecodeNative(size_t b, void* out, uint32_t symbol_count) const {
  if (type_ == ColumnType::kVarchar) return Status::InvalidArgument("VARCHAR has no fixed layout");
  const bool has_keys = type_ == ColumnType::kSymbol && symbol_count != kAnySymbolKey;
  if (b < blocks_.size() && blocks_[b].codec == BlockCodec::kRaw && !has_keys) {
    ASSIGN_OR_RETURN(std::string_view payload, Payload(b));
    const size_t size = static_cast<size_t>(blocks_[b].rows) * ColumnTypeSize(type_);
    if (payload.size() != size) return Damaged(path_, "raw block size");
    std::memcpy(out, payload.data(), size);
    return Status::Ok();
  }
  if (ColumnTypeSize(type_) == 8 && reinterpret_cast<uintptr_t>(out) % alignof(int64_t) == 0) {
    // The 8-byte types' decoded form is their stored form: straight into `out`.
    if (type_ == ColumnType::kDouble) return DecodeDouble(b, static_cast<double*>(out));
    return DecodeWide(b, static_cast<int64_t*>(out));
  }
  thread_local std::vector<int64_t> wide;
  wide.resize(block_rows_);
  RETURN_IF_ERROR(DecodeWide(b, wide.data(), false, symbol_count));
  // One loop per width (the compiler vectorises each).
  const size_t n = blocks_[b].rows;
  switch (ColumnTypeSize(type_)) {
    case 1:
      NarrowTo<uint8_t>(wide.data(), n, out);
      break;
    case 2:
      NarrowTo<uint16_t>(wide.data(), n, out);
      break;
    case 4:
      NarrowTo<uint32_t>(wide.data(), n, out);
      break;
    default:
      std::memcpy(out, wide.data(), n * 8);
      break;
  }
  return Status::Ok();
}

Status CompressedColumnReader::DecodeInt64(size_t b, int64_t* out, uint32_t symbol_count) const {
  if (IsFloating(type_) || type_ == ColumnType::kVarchar) {
    return Status::InvalidArgument("not an integer column");
  }
  // INT and SYMBOL nulls are widened in the same pass as the range check.
  return DecodeWide(b, out, type_ == ColumnType::kInt || type_ == ColumnType::kSymbol,
                    symbol_count);
}

Status CompressedColumnReader::DecodeDouble(size_t b, double* out) const {
  if (!IsFloating(type_)) return Status::InvalidArgument("not a FLOAT or DOUBLE column");
  if (type_ == ColumnType::kFloat) {
    thread_local std::vector<int64_t> wide;
    wide.resize(block_rows_);
    RETURN_IF_ERROR(DecodeWide(b, wide.data()));
    for (size_t k = 0; k < blocks_[b].rows; ++k) {
      out[k] = std::bit_cast<float>(static_cast<uint32_t>(wide[k]));
    }
    return Status::Ok();
  }
  // DOUBLE decodes straight into `out`.
  ASSIGN_OR_RETURN(std::string_view payload, Payload(b));
  const BlockInfo& info = blocks_[b];
  const size_t n = info.rows;
  Status st;
  switch (info.codec) {
    case BlockCodec::kRaw:
      if (payload.size() != n * 8) return Damaged(path_, "raw block size");
      std::memcpy(out, payload.data(), n * 8);
      return Status::Ok();
    case BlockCodec::kAlp:
      st = codec::DecodeAlp(payload, n, out);
      break;
    default:
      st = codec::DecodeXor(payload, n, out);
      break;
  }
  if (!st.ok()) return Damaged(path_, "block " + std::to_string(b) + ": " + st.message());
  return Status::Ok();
}

Status CompressedColumnReader::DecodeVarchar(size_t b, VarcharBlock* out) const {
  if (type_ != ColumnType::kVarchar) return Status::InvalidArgument("not a VARCHAR column");
  ASSIGN_OR_RETURN(std::string_view p, Payload(b));
  const size_t n = blocks_[b].rows;
  const std::string where = "block " + std::to_string(b) + ": ";
  if (p.size() < 5) return Damaged(path_, where + "lengths cut short");
  const uint8_t lc = static_cast<uint8_t>(p[0]);
  const uint32_t len_size = Get<uint32_t>(p.data() + 1);
  p.remove_prefix(5);
  if (lc < 1 || lc > 4 || len_size > p.size()) return Damaged(path_, where + "lengths header");
  thread_local std::vector<int64_t> lengths;
  lengths.resize(n);
  Status st =
      codec::DecodeInts(static_cast<codec::IntCodec>(lc), p.substr(0, len_size), n, lengths.data());
  if (!st.ok()) return Damaged(path_, where + st.message());
  p.remove_prefix(len_size);
  if (p.size() < 5) return Damaged(path_, where + "bytes header cut short");
  const uint8_t bc = static_cast<uint8_t>(p[0]);
  const uint32_t byte_count = Get<uint32_t>(p.data() + 1);
  p.remove_prefix(5);
  uint64_t total = 0;
  for (size_t k = 0; k < n; ++k) {
    if (lengths[k] < -1 || lengths[k] > static_cast<int64_t>(byte_count)) {
      return Damaged(path_, where + "row length out of range");
    }
    if (lengths[k] > 0) total += static_cast<uint64_t>(lengths[k]);
  }
  if (total != byte_count) return Damaged(path_, where + "row lengths do not add up");
  if (bc == kBytesRaw) {
    if (p.size() != byte_count) return Damaged(path_, where + "raw bytes size");
    out->bytes.assign(p);
  } else if (bc == kBytesLz) {
    // An LZ sequence yields at most ~255 bytes per input byte: refuse sizes that no input of
    // this length could produce before allocating for them.
    if (byte_count / 256 > p.size()) return Damaged(path_, where + "byte count too large");
    out->bytes.resize(byte_count);
    st = codec::LzDecompress(p, out->bytes.data(), byte_count);
    if (!st.ok()) return Damaged(path_, where + st.message());
  } else {
    return Damaged(path_, where + "unknown bytes codec");
  }
  out->rows.resize(n);
  size_t at = 0;
  for (size_t k = 0; k < n; ++k) {
    if (lengths[k] < 0) {
      out->rows[k] = std::string_view();
      continue;
    }
    const size_t len = static_cast<size_t>(lengths[k]);
    // A non-null empty row still needs a non-null pointer.
    out->rows[k] = std::string_view(len ? out->bytes.data() + at : "", len);
    at += len;
  }
  return Status::Ok();
}

}  // namespace sundial::cairo
