// libFuzzer target for the storage engine's read path on untrusted files (built with
// -DSUNDIAL_FUZZ=ON by pkg/fuzz.sh). A small table is built once in a temp directory; each
// input replaces one of its files — the first byte chooses which:
//   0: `_txn` (parsed, then the table is scanned, its committed files listed and recovered)
//   1: `sym.sym` (the symbol dictionary, scanned as committed with the input's size)
//   2: `2025-11-21/s.i` (a VARCHAR index, scanned and listed for backup)
//   3: `backup.manifest` (parsed and verified against the table's files)
//   4: a compressed column file (cairo/compressed_column.h): the next byte picks the column
//      type, the rest is the file; opened and every block decoded
//   5: the same after every checksum in it is made to match, so that the block decoders (not
//      just the CRC checks) see the damage; what decodes must compress and decode the same
// Every outcome must be success or an error Status; a crash, leak or UB is a finding.
// SUNDIAL_FUZZ_SEED_DIR=<dir> writes the real files of the table there as seeds and exits.
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cairo/backup_manifest.h"
#include "cairo/compressed_column.h"
#include "cairo/engine.h"
#include "cairo/table_recovery.h"
#include "cairo/table_state.h"
#include "cairo/txn_file.h"
#include "core/crc32c.h"
#include "core/file_system.h"
#include "core/log.h"

namespace {

using namespace sundial;
using namespace sundial::cairo;

constexpr int64_t kT0 = 1'763'683'200'000'000LL;  // 2025-11-21T00:00:00Z
constexpr int64_t kHour = 3'600'000'000LL;

struct Fixture {
  std::shared_ptr<core::FileSystem> fs;
  std::string root;  // temp dir; the table is root/db/t
  std::string table_dir;
  std::map<std::string, std::string> pristine;  // relative path -> bytes
  TxnRecord record;
};

Fixture* g = nullptr;

bool Check(const core::Status& st, const char* what) {
  if (st.ok()) return true;
  std::fprintf(stderr, "fuzz_storage setup failed: %s: %s\n", what, st.ToString().c_str());
  std::abort();
}

void Build() {
  g = new Fixture;
  g->fs = core::NewPosixFileSystem();
  char tmpl[] = "/tmp/sundial_fuzz_storage.XXXXXX";
  g->root = mkdtemp(tmpl);
  EngineOptions o;
  o.db_root = g->root + "/db";
  auto e = Engine::Open(g->fs, o);
  Check(e.status(), "open");
  TableSchema s;
  s.columns = {{"ts", ColumnType::kTimestamp},
               {"sym", ColumnType::kSymbol},
               {"s", ColumnType::kVarchar},
               {"n", ColumnType::kLong}};
  s.timestamp_index = 0;
  s.partition_by = PartitionBy::kDay;
  Check((*e)->CreateTable("t", s), "create");
  auto w = (*e)->AcquireWriter("t");
  Check(w.status(), "writer");
  for (int i = 0; i < 30; ++i) {
    Check((*w)->NewRow(kT0 + i * kHour), "row");
    if (i % 7 != 3) (*w)->PutSymbol(1, "k" + std::to_string(i % 5));
    if (i % 4 != 1) (*w)->PutVarchar(2, std::string(static_cast<size_t>(i % 9), 'a' + i % 26));
    (*w)->PutLong(3, i);
    Check((*w)->EndRow(), "end row");
  }
  Check((*w)->Commit().status(), "commit");
  w->Reset();
  e->reset();
  g->table_dir = g->root + "/db/t";
  for (const char* rel :
       {"_txn", "sym.sym", "2025-11-21/ts.d", "2025-11-21/sym.d", "2025-11-21/s.d",
        "2025-11-21/s.i", "2025-11-21/n.d", "2025-11-22/ts.d", "2025-11-22/sym.d", "2025-11-22/s.d",
        "2025-11-22/s.i", "2025-11-22/n.d"}) {
    auto bytes = g->fs->ReadFile(g->table_dir + "/" + rel);
    Check(bytes.status(), rel);
    g->pristine[rel] = *bytes;
  }
  auto rec = ParseTxn(g->pristine["_txn"], "_txn");
  Check(rec.status(), "parse");
  g->record = *rec;
}

// Puts every file back as built (recovery may truncate or remove them) and drops the rest.
void Restore() {
  (void)g->fs->RemoveAll(g->table_dir);
  (void)g->fs->CreateDirs(g->table_dir + "/2025-11-21");
  (void)g->fs->CreateDirs(g->table_dir + "/2025-11-22");
  for (const auto& [rel, bytes] : g->pristine) {
    (void)g->fs->WriteFileAtomic(g->table_dir + "/" + rel, bytes, false);
  }
}

void WriteSeeds(const std::string& dir) {
  auto put = [&](const std::string& name, char kind, const std::string& bytes) {
    (void)g->fs->WriteFileAtomic(dir + "/" + name, std::string(1, kind) + bytes, false);
  };
  put("txn", 0, g->pristine["_txn"]);
  TxnRecord v1 = g->record;
  for (auto& p : v1.partitions) p.column_files.clear();
  put("txn_v1", 0, SerializeTxn(v1));
  put("sym", 1, g->pristine["sym.sym"]);
  put("varchar_index", 2, g->pristine["2025-11-21/s.i"]);
  BackupManifest m;
  m.is_database = false;
  m.tables.push_back({"t", g->record.txn, g->record.row_count()});
  for (const auto& [rel, bytes] : g->pristine) {
    m.files.push_back({"db/t/" + rel, bytes.size(), core::Crc32c(bytes)});
  }
  put("manifest", 3, SerializeManifest(m));
  // Compressed column files: the table's columns, in small blocks so that a seed holds several.
  CompressOptions o;
  o.block_rows = 8;
  auto compressed = [&](const std::string& name, ColumnType type, const std::string& rel,
                        const std::string& index_rel) {
    const std::string& d = g->pristine[rel];
    const std::string index = index_rel.empty() ? std::string() : g->pristine[index_rel];
    const int64_t rows = type == ColumnType::kVarchar
                             ? static_cast<int64_t>(index.size() / 8) - 1
                             : static_cast<int64_t>(d.size() / ColumnTypeSize(type));
    auto file = CompressColumn(type, rows, d, index, o);
    Check(file.status(), name.c_str());
    const std::string typed =
        std::string(1, static_cast<char>(static_cast<uint8_t>(type) - 1)) + *file;
    put("compressed_" + name, 4, typed);
    put("compressed_fixed_" + name, 5, typed);
  };
  compressed("ts", ColumnType::kTimestamp, "2025-11-21/ts.d", "");
  compressed("sym", ColumnType::kSymbol, "2025-11-21/sym.d", "");
  compressed("long", ColumnType::kLong, "2025-11-21/n.d", "");
  compressed("varchar", ColumnType::kVarchar, "2025-11-21/s.d", "2025-11-21/s.i");
  std::string doubles;
  for (int k = 0; k < 20; ++k) {
    const double v[] = {k * 0.25, k % 3 ? 1.5 / (k + 1) : -0.0};
    doubles.append(reinterpret_cast<const char*>(&v[k % 2]), 8);
  }
  for (BlockCodec c : {BlockCodec::kAlp, BlockCodec::kXor}) {
    CompressOptions od = o;
    od.force_codec = c;
    auto file = CompressColumn(ColumnType::kDouble, 20, doubles, {}, od);
    Check(file.status(), "doubles");
    const std::string typed = std::string(1, static_cast<char>(7)) + *file;
    put(std::string("compressed_double_") + std::string(BlockCodecName(c)), 5, typed);
  }
}

// Reads every value of every column as scans do, and lists the files as backup does.
void Scan(const TxnRecord& rec) {
  auto files = std::make_shared<TableFiles>(g->fs, g->table_dir);
  TableView v(std::make_shared<const TableView::State>(files, "t", rec, nullptr));
  volatile uint64_t sink = 0;
  for (size_t p = 0; p < v.partitions().size(); ++p) {
    for (int c = 0; c < static_cast<int>(v.schema().columns.size()); ++c) {
      DecodedRows decoded;
      auto d = v.ColumnRows(p, c, 0, v.partitions()[p].row_count, &decoded);
      if (!d.ok() || d->is_all_null) continue;
      const ColumnType type = v.schema().columns[c].type;
      for (int64_t r = 0; r < d->row_count; ++r) {
        if (type == ColumnType::kVarchar) {
          std::string_view s = d->Varchar(r);
          sink = sink + s.size() + (s.empty() ? 0 : static_cast<unsigned char>(s.back()));
        } else if (type == ColumnType::kSymbol) {
          auto t = v.Symbols(c);
          if (!t.ok()) break;
          int32_t k = d->values<int32_t>()[r];
          if (k != kNullSymbolKey) sink = sink + (*t)->Value(k).size();
        } else {
          sink = sink + static_cast<const uint8_t*>(d->data)[r * ColumnTypeSize(type)];
        }
      }
    }
  }
  auto listed = v.CommittedFiles();
  if (listed.ok()) {
    for (const auto& f : *listed) sink = sink + f.committed_size;
  }
}

// Rewrites the checksums of a compressed column file (FORMAT.md "Compressed column files") so
// that they match its bytes, wherever the index's offsets and sizes fall inside the file.
std::string FixChecksums(std::string_view data) {
  std::string f(data);
  constexpr size_t kHeader = 16, kEntry = 40, kFooter = 20;
  if (f.size() < kHeader + kFooter) return f;
  uint32_t blocks;
  std::memcpy(&blocks, f.data() + f.size() - kFooter + 8, 4);
  const size_t room = f.size() - kHeader - kFooter;
  if (blocks > room / kEntry) return f;
  const size_t index_at = f.size() - kFooter - blocks * kEntry;
  for (uint32_t b = 0; b < blocks; ++b) {
    uint64_t offset;
    uint32_t size;
    std::memcpy(&offset, f.data() + index_at + b * kEntry, 8);
    std::memcpy(&size, f.data() + index_at + b * kEntry + 8, 4);
    if (size < 4 || offset > index_at || size > index_at - offset) continue;
    const uint32_t crc = core::Crc32c(f.data() + offset, size - 4);
    std::memcpy(f.data() + offset + size - 4, &crc, 4);
  }
  uint32_t crc = core::Crc32c(f.data(), kHeader);
  crc = core::Crc32cExtend(crc, f.data() + index_at, blocks * kEntry + 16);
  std::memcpy(f.data() + f.size() - 4, &crc, 4);
  return f;
}

// Opens a compressed column file and decodes every block; values that decode must survive
// another compression unchanged.
void FuzzCompressedColumn(std::string_view data, bool fix_checksums) {
  if (data.empty()) return;
  const ColumnType type = static_cast<ColumnType>(1 + static_cast<uint8_t>(data[0]) % 12);
  const std::string file =
      fix_checksums ? FixChecksums(data.substr(1)) : std::string(data.substr(1));
  auto r = CompressedColumnReader::Open(file, type, "c.dz");
  if (!r.ok()) return;
  if (r->row_count() > (1 << 20)) return;  // decodes stay small (libFuzzer's memory limit)
  std::string native;
  std::vector<char> buf(static_cast<size_t>(r->block_rows()) * 8);
  VarcharBlock vb;
  for (size_t b = 0; b < r->block_count(); ++b) {
    if (type == ColumnType::kVarchar) {
      if (!r->DecodeVarchar(b, &vb).ok()) return;
      continue;
    }
    if (!r->DecodeNative(b, buf.data()).ok()) return;
    native.append(buf.data(), r->block(b).rows * static_cast<size_t>(ColumnTypeSize(type)));
  }
  if (type == ColumnType::kVarchar) return;
  CompressOptions o;
  o.block_rows = r->block_rows();
  auto again = CompressColumn(type, r->row_count(), native, {}, o);
  if (!again.ok()) std::abort();
  auto r2 = CompressedColumnReader::Open(*again, type, "c.dz");
  if (!r2.ok()) std::abort();
  std::string native2;
  for (size_t b = 0; b < r2->block_count(); ++b) {
    if (!r2->DecodeNative(b, buf.data()).ok()) std::abort();
    native2.append(buf.data(), r2->block(b).rows * static_cast<size_t>(ColumnTypeSize(type)));
  }
  if (native2 != native) std::abort();
}

void FuzzTxn(std::string_view data) {
  auto rec = ParseTxn(data, "_txn");
  if (!rec.ok()) return;
  // Parse and serialize agree: what we accept we can write back and read again.
  const std::string again = SerializeTxn(*rec);
  auto back = ParseTxn(again, "_txn");
  if (!back.ok() || SerializeTxn(*back) != again) std::abort();
  Scan(*rec);
  (void)RecoverTableFiles(*g->fs, g->table_dir, *rec);
  Restore();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  core::SetLogLevel(core::LogLevel::kError);
  Build();
  if (const char* dir = getenv("SUNDIAL_FUZZ_SEED_DIR")) {
    WriteSeeds(dir);
    (void)g->fs->RemoveAll(g->root);
    std::exit(0);
  }
  std::atexit([] { (void)g->fs->RemoveAll(g->root); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size == 0) return 0;
  const std::string_view data(reinterpret_cast<const char*>(bytes) + 1, size - 1);
  switch (bytes[0] % 6) {
    case 0:
      FuzzTxn(data);
      break;
    case 1: {
      (void)g->fs->WriteFileAtomic(g->table_dir + "/sym.sym", std::string(data), false);
      TxnRecord rec = g->record;
      rec.columns[1].symbol_bytes = data.size();
      Scan(rec);
      (void)g->fs->WriteFileAtomic(g->table_dir + "/sym.sym", g->pristine["sym.sym"], false);
      break;
    }
    case 2: {
      const std::string path = g->table_dir + "/2025-11-21/s.i";
      (void)g->fs->WriteFileAtomic(path, std::string(data), false);
      Scan(g->record);
      (void)g->fs->WriteFileAtomic(path, g->pristine["2025-11-21/s.i"], false);
      break;
    }
    case 3: {
      auto m = ParseManifest(data, "backup.manifest");
      if (!m.ok()) break;
      (void)g->fs->WriteFileAtomic(g->root + "/backup.manifest", std::string(data), false);
      (void)VerifyBackup(*g->fs, g->root);
      break;
    }
    case 4:
      FuzzCompressedColumn(data, false);
      break;
    case 5:
      FuzzCompressedColumn(data, true);
      break;
  }
  return 0;
}
