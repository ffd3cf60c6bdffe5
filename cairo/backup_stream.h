// cairo/backup_stream.h — a backup as a stream instead of a directory: GET /backup sends what
// BACKUP DATABASE / BACKUP TABLE would write, as one POSIX tar archive (core/tar.h), and writes
// nothing to disk.
//
// Open() pins the tables at one instant (PinTablesAtOneInstant, as BACKUP does) and reads the
// server's conf/ whole. The archive then holds, in this order: `db/`, per table `db/<table>/`,
// its partition directories and committed files (exactly the committed byte ranges the pins
// reference) and its `_txn` as pinned, then `conf/` and its files, and last `backup.manifest`
// (cairo/backup_manifest.h, with the CRC32C of every byte sent), then the end-of-archive
// marker. Extracted, it is a backup directory: `sundial -d` starts on it and `sundial verify`
// accepts it. A stream cut anywhere lacks the manifest (or the end marker), so it is
// detectably incomplete.
//
// Ownership and threads: the stream owns its pins and releases them when destroyed — keep it
// exactly as long as the client is there; the engine must outlive it. `fs` is used by Open()
// only. Next() is called by one thread at a time; the stream may move between threads.
// Failure: a file the pins reference that is missing or shorter than committed is Corruption
// naming it (the archive must then be cut short, never finished).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cairo/backup_manifest.h"
#include "cairo/engine.h"
#include "core/file_system.h"
#include "core/status.h"

namespace sundial::cairo {

// One member of the archive before the manifest.
struct BackupStreamEntry {
  std::string path;  // relative to the backup directory: "db/t/2026-12-01/price.d"
  bool is_dir = false;
  uint64_t size = 0;  // bytes of a file
};

class BackupStream {
 public:
  // `tables` empty: every table (a database backup); a name given twice counts once. NotFound
  // "table does not exist [table=x]" for an unknown table. `created_us` is the manifest's creation
  // time.
  static core::Result<std::unique_ptr<BackupStream>> Open(const Engine& engine,
                                                          core::FileSystem& fs,
                                                          const std::string& server_root,
                                                          const std::vector<std::string>& tables,
                                                          int64_t created_us);
  ~BackupStream();
  BackupStream(const BackupStream&) = delete;
  BackupStream& operator=(const BackupStream&) = delete;

  // The members before the manifest, in archive order.
  const std::vector<BackupStreamEntry>& entries() const { return entries_; }
  // The pinned tables as the manifest lists them (txn, rows).
  const std::vector<BackupManifestTable>& tables() const { return manifest_.tables; }
  // Sum of the files' sizes (the manifest not included).
  uint64_t file_bytes() const { return file_bytes_; }

  // Appends the next bytes of the archive to *out — about `max_bytes` (a member's header may
  // go past it) — and returns true, or false once the archive is complete (nothing appended).
  core::Result<bool> Next(std::string* out, size_t max_bytes);
  // The manifest; complete once Next() returned false.
  const BackupManifest& manifest() const { return manifest_; }

 private:
  struct Source;
  explicit BackupStream(int64_t created_us);
  core::Status AddTable(const TableView& view);
  core::Status AddConf(core::FileSystem& fs, const std::string& dir, const std::string& relative);
  core::Status AppendData(std::string* out, size_t max_bytes);

  std::vector<TableView> views_;  // the pins
  std::vector<BackupStreamEntry> entries_;
  std::vector<Source> sources_;  // parallel to entries_
  BackupManifest manifest_;
  uint64_t file_bytes_ = 0;
  int64_t mtime_s_ = 0;
  // Position: entry index, whether its header is out, bytes of its data sent, their CRC.
  size_t at_ = 0;
  bool header_sent_ = false;
  uint64_t sent_ = 0;
  uint32_t crc_ = 0;
  std::unique_ptr<core::File> file_;  // of the entry being sent
  bool done_ = false;
};

// Backup streams alive in this process (a stream's pins live exactly as long as it does).
size_t OpenBackupStreamCount();

}  // namespace sundial::cairo
