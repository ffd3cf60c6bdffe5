// cairo/backup_manifest.h — the manifest written last into every backup: format version,
// creation time, the tables with their pinned txn, and every file with its size and CRC32C.
//
// Text format (one record a line; names and paths percent-escape bytes <= 0x20, 0x7f and '%'):
//   sundial-backup-manifest
//   format_version 1
//   created_us <µs since epoch>
//   created <ISO-8601 UTC>           (informational)
//   kind database|table
//   table <name> txn <txn> rows <row count>
//   file <path relative to the backup dir> <size bytes> <crc32c as 8 hex digits>
//   crc <crc32c of every byte before this line, 8 hex digits>
// The format version is read before anything else, so a newer manifest is refused as
// Unsupported even if the rest of it would not parse. Pure value code; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_system.h"
#include "core/status.h"

namespace sundial::cairo {

inline constexpr uint32_t kBackupFormatVersion = 1;
inline constexpr char kBackupManifestName[] = "backup.manifest";

struct BackupManifestTable {
  std::string name;
  uint64_t txn = 0;
  int64_t row_count = 0;
};

struct BackupManifestFile {
  std::string path;  // relative to the backup directory, '/'-separated: "db/t/2026-11-21/x.d"
  uint64_t size_bytes = 0;
  uint32_t crc32c = 0;
};

struct BackupManifest {
  uint32_t format_version = kBackupFormatVersion;
  int64_t created_us = 0;
  bool is_database = true;
  std::vector<BackupManifestTable> tables;
  std::vector<BackupManifestFile> files;
};

std::string SerializeManifest(const BackupManifest& manifest);
// `what` names the file in errors. Unsupported for a newer format version; Corruption for a
// damaged manifest (bad CRC, truncated, malformed line).
core::Result<BackupManifest> ParseManifest(std::string_view bytes, std::string_view what);

// CRC32C of the first `size_bytes` of `file` (read in 128 KiB chunks, which stay in L2). IOError if shorter.
core::Result<uint32_t> FileCrc32c(core::File& file, uint64_t size_bytes);

// Reads `<dir>/backup.manifest` and checks that every listed file exists with exactly the
// listed size and CRC32C. Returns the manifest, or Corruption naming the first bad file.
core::Result<BackupManifest> VerifyBackup(core::FileSystem& fs, const std::string& dir);

// For the server's main, before Engine::Open: if `<server_root>` is a backup (has a
// manifest) of a newer format than this build writes, refuses with Unsupported and a clear
// message. A missing manifest (an ordinary root) is OK; a damaged one is logged and ignored,
// because the tables' own `_txn` files are checked by the engine anyway.
core::Status CheckBackupFormatAtStartup(core::FileSystem& fs, const std::string& server_root);

}  // namespace sundial::cairo
