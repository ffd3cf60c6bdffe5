#include "cairo/txn_file.h"

#include <algorithm>
#include <cstring>

#include "core/confined_path.h"
#include "core/crc32c.h"

namespace sundial::cairo {
namespace {

constexpr uint32_t kMagic = 0x58544453;  // "SDTX"
constexpr size_t kHeaderSize = 12;
// Bounds on what a record may claim, so a damaged file cannot make us allocate wildly.
constexpr uint32_t kMaxColumns = 100000;
constexpr uint32_t kMaxPartitions = 10000000;

class Writer {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U16(uint16_t v) { Raw(&v, 2); }
  void U32(uint32_t v) { Raw(&v, 4); }
  void U64(uint64_t v) { Raw(&v, 8); }
  void I32(int32_t v) { Raw(&v, 4); }
  void I64(int64_t v) { Raw(&v, 8); }
  void Str(std::string_view s) {
    U16(static_cast<uint16_t>(s.size()));
    out_.append(s);
  }
  void Raw(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  uint8_t U8() {
    uint8_t v = 0;
    Raw(&v, 1);
    return v;
  }
  uint16_t U16() {
    uint16_t v = 0;
    Raw(&v, 2);
    return v;
  }
  uint32_t U32() {
    uint32_t v = 0;
    Raw(&v, 4);
    return v;
  }
  uint64_t U64() {
    uint64_t v = 0;
    Raw(&v, 8);
    return v;
  }
  int32_t I32() {
    int32_t v = 0;
    Raw(&v, 4);
    return v;
  }
  int64_t I64() {
    int64_t v = 0;
    Raw(&v, 8);
    return v;
  }
  std::string Str() {
    uint16_t n = U16();
    if (!ok_ || in_.size() - pos_ < n) {
      ok_ = false;
      return {};
    }
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  bool AtEnd() const { return pos_ == in_.size(); }

 private:
  void Raw(void* p, size_t n) {
    if (!ok_ || in_.size() - pos_ < n) {
      ok_ = false;
      return;
    }
    std::memcpy(p, in_.data() + pos_, n);
    pos_ += n;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

core::Status Damaged(std::string_view what, std::string_view why) {
  return core::Status::Corruption("damaged txn file [path=" + std::string(what) +
                                  ", reason=" + std::string(why) + "]");
}

}  // namespace

int64_t TxnRecord::row_count() const {
  int64_t n = 0;
  for (const auto& p : partitions) n += p.row_count;
  return n;
}

std::string PartitionDirName(PartitionBy by, int64_t start, uint64_t name_txn) {
  std::string s = PartitionName(by, start);
  if (name_txn != 0) s += "." + std::to_string(name_txn);
  return s;
}

std::string ColumnFileStem(const ColumnDef& def) {
  if (def.file_version == 0) return def.name;
  return def.name + "." + std::to_string(def.file_version);
}

std::string SerializeTxn(const TxnRecord& r) {
  Writer w;
  // The current version when every entry says which column files it holds; a record read
  // from a version 1 file (and not published since) is written back as version 1.
  const size_t ncols = r.schema.columns.size();
  bool with_files = true, with_entry_flags = false, with_type_params = false;
  for (const auto& p : r.partitions) {
    with_files &= p.column_files.size() == ncols;
    with_entry_flags |= p.is_compressed;
  }
  // BINARY (18) also needs version 5: a build that predates it would call it damaged.
  for (const auto& c : r.schema.columns) {
    with_type_params |= IsGeoHash(c.type) || c.type == ColumnType::kBinary;
  }
  // Entry flags only when an entry is compressed (a compressed entry always knows its files).
  with_entry_flags &= with_files;
  // Version 5 (type parameters) holds every later field. A record that does not know its
  // column files (read from version 1) cannot hold a GEOHASH column (version 1 has none, and a
  // publish records the files): should one appear, its entries are written as holding every
  // column's files, so that a missing file is Corruption rather than silently null.
  if (with_type_params) with_files = with_entry_flags = true;
  w.U32(kMagic);
  w.U32(with_type_params ? kTxnFormatVersion
        : !with_files    ? kTxnFormatVersionWithoutFiles
        : (with_entry_flags ? kTxnFormatVersionWithEntryFlags : kTxnFormatVersionWithFlags));
  const bool with_flags = with_files;
  w.U32(0);  // body size, patched below
  w.U32(r.table_id);
  w.U64(r.txn);
  w.I32(r.schema.timestamp_index);
  w.U8(static_cast<uint8_t>(r.schema.partition_by));
  w.U32(static_cast<uint32_t>(r.schema.columns.size()));
  for (size_t i = 0; i < r.schema.columns.size(); ++i) {
    const ColumnDef& c = r.schema.columns[i];
    const ColumnState& s = r.columns[i];
    w.U8(static_cast<uint8_t>(IsGeoHash(c.type) ? ColumnType::kGeoHash : c.type));
    w.U32(c.file_version);
    w.Str(c.name);
    w.Str(s.file_stem);
    w.U32(s.symbol_count);
    w.U64(s.symbol_bytes);
    if (with_flags) w.U8(s.may_hold_null_key ? 1 : 0);
    if (with_type_params) w.U8(static_cast<uint8_t>(GeoHashBits(c.type)));
  }
  w.U32(static_cast<uint32_t>(r.partitions.size()));
  for (const auto& p : r.partitions) {
    w.I64(p.partition_start_us);
    w.I64(p.row_count);
    w.I64(p.min_timestamp_us);
    w.I64(p.max_timestamp_us);
    w.U64(p.name_txn);
    if (!with_files) continue;
    for (size_t byte = 0; byte < (ncols + 7) / 8; ++byte) {
      uint8_t bits = 0;
      for (size_t c = byte * 8; c < std::min(ncols, byte * 8 + 8); ++c) {
        if (!p.knows_column_files() || p.column_files[c]) {
          bits |= static_cast<uint8_t>(1u << (c % 8));
        }
      }
      w.U8(bits);
    }
    if (with_entry_flags) w.U8(p.is_compressed ? 1 : 0);
  }
  std::string& out = w.out();
  uint32_t body = static_cast<uint32_t>(out.size() - kHeaderSize);
  std::memcpy(out.data() + 8, &body, 4);
  uint32_t crc = core::Crc32c(out);
  w.U32(crc);
  return std::move(out);
}

core::Result<TxnRecord> ParseTxn(std::string_view bytes, std::string_view what) {
  if (bytes.size() < kHeaderSize + 4) return Damaged(what, "file too short");
  Reader h(bytes);
  if (h.U32() != kMagic) return Damaged(what, "bad magic");
  uint32_t version = h.U32();
  uint32_t body = h.U32();
  if (version > kTxnFormatVersion) {
    return core::Status::Unsupported(
        "txn file has a newer format version than this server supports [path=" + std::string(what) +
        ", version=" + std::to_string(version) +
        ", supported=" + std::to_string(kTxnFormatVersion) + "]");
  }
  if (version == 0) return Damaged(what, "bad format version");
  if (bytes.size() != kHeaderSize + static_cast<uint64_t>(body) + 4) {
    return Damaged(what, "size does not match header");
  }
  uint32_t stored;
  std::memcpy(&stored, bytes.data() + bytes.size() - 4, 4);
  if (core::Crc32c(bytes.data(), bytes.size() - 4) != stored)
    return Damaged(what, "checksum mismatch");

  Reader r(bytes.substr(kHeaderSize, body));
  TxnRecord rec;
  rec.table_id = r.U32();
  rec.txn = r.U64();
  rec.schema.timestamp_index = r.I32();
  uint8_t pb = r.U8();
  if (pb > static_cast<uint8_t>(PartitionBy::kYear)) return Damaged(what, "bad partition_by");
  rec.schema.partition_by = static_cast<PartitionBy>(pb);
  uint32_t ncols = r.U32();
  if (!r.ok() || ncols > kMaxColumns) return Damaged(what, "bad column count");
  for (uint32_t i = 0; i < ncols && r.ok(); ++i) {
    ColumnDef c;
    ColumnState s;
    const uint8_t type = r.U8();
    // The type byte is kGeoHash for every GEOHASH (its bits follow, version 5), never the
    // in-memory GeoHashType value.
    if (type != static_cast<uint8_t>(ColumnType::kGeoHash) &&
        (!IsValidColumnType(type) || IsGeoHash(static_cast<ColumnType>(type)))) {
      return Damaged(what, "bad column type");
    }
    if (type == static_cast<uint8_t>(ColumnType::kBinary) && version < kTxnFormatVersion) {
      return Damaged(what, "bad column type");
    }
    c.type = static_cast<ColumnType>(type);
    c.file_version = r.U32();
    c.name = r.Str();
    s.file_stem = r.Str();
    if (!r.ok()) break;
    if (!ValidateColumnName(c.name).empty()) return Damaged(what, "bad column name");
    // The stem names files in the table and partition directories: it must stay there.
    if (!core::IsConfinedName(s.file_stem) || !core::IsConfinedName(s.file_stem + ".sym")) {
      return Damaged(what, "bad column file name");
    }
    s.symbol_count = r.U32();
    s.symbol_bytes = r.U64();
    if (version >= kTxnFormatVersionWithFlags) {
      const uint8_t flags = r.U8();
      if ((flags & ~1u) != 0) return Damaged(what, "bad column flags");
      s.may_hold_null_key = (flags & 1) != 0;
    }
    const uint8_t param = version >= kTxnFormatVersion ? r.U8() : 0;
    if (c.type == ColumnType::kGeoHash) {
      if (param < 1 || param > kGeoHashMaxBits) return Damaged(what, "bad column type");
      c.type = GeoHashType(param);
    } else if (param != 0) {
      return Damaged(what, "bad column type parameter");
    }
    rec.schema.columns.push_back(std::move(c));
    rec.columns.push_back(std::move(s));
  }
  if (!r.ok()) return Damaged(what, "malformed body");  // before indexing the columns read
  int ts = rec.schema.timestamp_index;
  if (ts < -1 || ts >= static_cast<int>(ncols) ||
      (ts >= 0 && rec.schema.columns[ts].type != ColumnType::kTimestamp)) {
    return Damaged(what, "bad designated timestamp index");
  }
  uint32_t nparts = r.U32();
  if (!r.ok() || nparts > kMaxPartitions) return Damaged(what, "bad partition count");
  for (uint32_t i = 0; i < nparts && r.ok(); ++i) {
    PartitionInfo p;
    p.partition_start_us = r.I64();
    p.row_count = r.I64();
    p.min_timestamp_us = r.I64();
    p.max_timestamp_us = r.I64();
    p.name_txn = r.U64();
    if (p.row_count < 0) return Damaged(what, "negative row count");
    p.dir_name = PartitionDirName(rec.schema.partition_by, p.partition_start_us, p.name_txn);
    if (!core::IsConfinedName(p.dir_name)) return Damaged(what, "bad partition name");
    if (version >= kTxnFormatVersionWithFiles) {
      p.column_files.assign(ncols, false);
      for (uint32_t byte = 0; byte < (ncols + 7) / 8; ++byte) {
        const uint8_t bits = r.U8();
        for (uint32_t c = byte * 8; c < std::min(ncols, byte * 8 + 8); ++c) {
          p.column_files[c] = (bits >> (c % 8)) & 1;
        }
        if (ncols < byte * 8 + 8 && (bits >> (ncols - byte * 8)) != 0) {
          return Damaged(what, "bad column file bits");
        }
      }
    }
    if (version >= kTxnFormatVersionWithEntryFlags) {
      const uint8_t flags = r.U8();
      if ((flags & ~1u) != 0) return Damaged(what, "bad partition entry flags");
      p.is_compressed = (flags & 1) != 0;
    }
    rec.partitions.push_back(std::move(p));
  }
  if (!r.ok() || !r.AtEnd()) return Damaged(what, "malformed body");
  return rec;
}

core::Status ValidateTxnFile(std::string_view bytes) {
  auto r = ParseTxn(bytes, kTxnFileName);
  return r.ok() ? core::Status::Ok() : r.status();
}

}  // namespace sundial::cairo
