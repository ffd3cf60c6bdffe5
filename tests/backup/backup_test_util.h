// tests/backup/backup_test_util.h — a server root (conf/ + db/) with an engine and a backup
// service on a temp dir, a manual wall clock, a hookable file system for fault and timing
// tests, and helpers that open a backup or a restored copy as a root with a fresh Engine.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cairo/backup.h"
#include "cairo/backup_manifest.h"
#include "cairo/engine.h"
#include "cairo/snapshot.h"
#include "core/file_system.h"
#include "core/timestamp.h"
#include "tests/cairo/cairo_test_util.h"
#include "tests/testutil/manual_clock.h"
#include "tests/testutil/temp_dir.h"

namespace sundial::cairo::backup_testing {

using cairo::testing::kDay;
using cairo::testing::kHour;
using cairo::testing::kT0;
using cairo::testing::MakeRow;
using cairo::testing::MixedSchema;
using cairo::testing::ReadRows;
using cairo::testing::Row;
using cairo::testing::WriteRow;

using testutil::ManualClock;

// Forwards to the real file system; `hook(op, path)` runs first for "open", "copy" (path =
// destination), "write", "sync", "rename" (path = target), "mkdir", "remove" (files) and may
// fail the call.
// `free_space` overrides FreeSpace when set.
class HookFileSystem final : public core::FileSystem {
 public:
  using Hook = std::function<core::Status(const std::string& op, const std::string& path)>;
  explicit HookFileSystem(std::shared_ptr<core::FileSystem> base) : base_(std::move(base)) {}

  void SetHook(Hook hook) {
    std::lock_guard lk(mu_);
    hook_ = std::move(hook);
  }
  std::atomic<int64_t> free_space{-1};

  core::Result<std::unique_ptr<core::File>> Open(const std::string& path,
                                                 core::OpenMode mode) override {
    RETURN_IF_ERROR(Run("open", path));
    ASSIGN_OR_RETURN(auto f, base_->Open(path, mode));
    return std::unique_ptr<core::File>(new HookFile(this, std::move(f)));
  }
  core::Result<std::unique_ptr<core::MappedRegion>> MapReadOnly(core::File& file, uint64_t offset,
                                                                size_t len) override {
    return base_->MapReadOnly(Inner(file), offset, len);
  }
  core::Status CreateDir(const std::string& path) override {
    RETURN_IF_ERROR(Run("mkdir", path));
    return base_->CreateDir(path);
  }
  core::Status RemoveFile(const std::string& path) override {
    RETURN_IF_ERROR(Run("remove", path));
    return base_->RemoveFile(path);
  }
  core::Status RemoveDir(const std::string& path) override { return base_->RemoveDir(path); }
  core::Status Rename(const std::string& from, const std::string& to) override {
    RETURN_IF_ERROR(Run("rename", to));
    return base_->Rename(from, to);
  }
  core::Status Exchange(const std::string& a, const std::string& b) override {
    RETURN_IF_ERROR(Run("rename", b));
    return base_->Exchange(a, b);
  }
  core::Status SyncDir(const std::string& path) override { return base_->SyncDir(path); }
  core::Result<uint64_t> LinkCount(const std::string& path) override {
    return base_->LinkCount(path);
  }
  core::Status Link(const std::string& from, const std::string& to) override {
    return base_->Link(from, to);
  }
  bool Exists(const std::string& path) override { return base_->Exists(path); }
  bool IsDirectory(const std::string& path) override { return base_->IsDirectory(path); }
  core::Result<std::vector<core::DirEntry>> ListDir(const std::string& path) override {
    return base_->ListDir(path);
  }
  core::Result<uint64_t> FileSize(const std::string& path) override {
    return base_->FileSize(path);
  }
  core::Result<uint64_t> FreeSpace(const std::string& path) override {
    if (free_space.load() >= 0) return static_cast<uint64_t>(free_space.load());
    return base_->FreeSpace(path);
  }
  core::Status CopyRange(core::File& src, uint64_t so, core::File& dst, uint64_t d,
                         uint64_t len) override {
    RETURN_IF_ERROR(Run("copy", dst.path()));
    return base_->CopyRange(Inner(src), so, Inner(dst), d, len);
  }
  core::Status SyncAll() override { return base_->SyncAll(); }

 private:
  class HookFile final : public core::File {
   public:
    HookFile(HookFileSystem* fs, std::unique_ptr<core::File> inner)
        : core::File(inner->path()), fs_(fs), inner_(std::move(inner)) {}
    core::Result<size_t> ReadAt(uint64_t o, void* b, size_t n) override {
      return inner_->ReadAt(o, b, n);
    }
    core::Status WriteAt(uint64_t o, const void* b, size_t n) override {
      RETURN_IF_ERROR(fs_->Run("write", path()));
      return inner_->WriteAt(o, b, n);
    }
    core::Status Sync() override {
      RETURN_IF_ERROR(fs_->Run("sync", path()));
      return inner_->Sync();
    }
    core::Status Truncate(uint64_t s) override { return inner_->Truncate(s); }
    core::Status Allocate(uint64_t o, uint64_t l) override {
      RETURN_IF_ERROR(fs_->Run("write", path()));
      return inner_->Allocate(o, l);
    }
    core::Result<uint64_t> Size() override { return inner_->Size(); }
    int fd() const override { return inner_->fd(); }
    core::File& inner() { return *inner_; }

   private:
    HookFileSystem* fs_;
    std::unique_ptr<core::File> inner_;
  };

  static core::File& Inner(core::File& f) {
    auto* h = dynamic_cast<HookFile*>(&f);
    return h ? h->inner() : f;
  }
  core::Status Run(const char* op, const std::string& path) {
    Hook h;
    {
      std::lock_guard lk(mu_);
      h = hook_;
    }
    return h ? h(op, path) : core::Status::Ok();
  }

  std::shared_ptr<core::FileSystem> base_;
  std::mutex mu_;
  Hook hook_;
};

// Rows and a digest of one table as committed at each txn (recorded by the writer threads).
struct TxnDigest {
  int64_t row_count = 0;
  int64_t n_sum = 0;
};

inline TxnDigest Digest(const std::vector<Row>& rows) {
  TxnDigest d;
  d.row_count = static_cast<int64_t>(rows.size());
  for (const auto& r : rows) d.n_sum += r.n;
  return d;
}

class BackupFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    real_fs_ = core::NewPosixFileSystem();
    fs_ = std::make_shared<HookFileSystem>(real_fs_);
    server_root_ = dir_.Sub("server");
    backup_root_ = dir_.Sub("backups");
    ASSERT_TRUE(real_fs_->CreateDirs(server_root_ + "/conf").ok());
    WriteText(server_root_ + "/conf/server.conf", "cairo.sql.backup.root=" + backup_root_ + "\n");
    WriteText(server_root_ + "/conf/mime.types", "text/plain txt\n");
    OpenEngine();
  }
  void TearDown() override {
    service_.reset();
    engine_.reset();
  }

  BackupOptions Options() const {
    BackupOptions o;
    o.server_root = server_root_;
    o.backup_root = backup_root_;
    o.clock = &clock_;
    return o;
  }
  // Opens the engine and the backup service as the server does (a snapshot prepared before
  // this open and not completed is kept open).
  void OpenEngine() {
    service_.reset();
    engine_.reset();
    EngineOptions eo;
    eo.db_root = server_root_ + "/db";
    eo.lock_timeout_ms = 5000;
    eo.o3_split_min_rows = split_min_rows_;
    eo.open_snapshot_db = PendingSnapshotDb(*real_fs_, server_root_, Options().snapshot_instance_id);
    auto e = Engine::Open(fs_, eo);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
    service_ = BackupService::Create(engine_.get(), fs_, Options());
  }

  void WriteText(const std::string& path, std::string_view text) {
    auto f = real_fs_->Open(path, core::OpenMode::kTruncate);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    ASSERT_TRUE((*f)->WriteAt(0, text.data(), text.size()).ok());
  }

  // Writes rows [first, first+count) of MakeRow into `table` (timestamps hourly from `ts0`) and
  // commits; returns the rows written (and the commit's txn through `txn`).
  std::vector<Row> Append(const std::string& table, int first, int count, int64_t ts0 = kT0,
                          uint64_t* txn_out = nullptr) {
    std::vector<Row> rows;
    auto w = engine_->AcquireWriter(table);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    if (!w.ok()) return rows;
    for (int i = first; i < first + count; i++) {
      rows.push_back(MakeRow(ts0 + static_cast<int64_t>(i) * kHour, i));
      EXPECT_TRUE(WriteRow(**w, rows.back()).ok());
    }
    auto txn = (*w)->Commit();
    EXPECT_TRUE(txn.ok()) << txn.status().ToString();
    if (txn.ok() && txn_out != nullptr) *txn_out = *txn;
    return rows;
  }

  std::vector<Row> LiveRows(const std::string& table) {
    auto v = engine_->Pin(table);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? ReadRows(*v) : std::vector<Row>{};
  }

  // Final-named backup directories in the backup root, sorted.
  std::vector<std::string> BackupDirs() {
    std::vector<std::string> out;
    auto entries = real_fs_->ListDir(backup_root_);
    if (!entries.ok()) return out;
    for (const auto& e : *entries) {
      if (e.is_dir && e.name != "tmp" && e.name != kBackupHistoryDirName) {
        out.push_back(core::JoinPath(backup_root_, e.name));
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  testutil::TempDir dir_{"sundial-backup"};
  std::shared_ptr<core::FileSystem> real_fs_;
  std::shared_ptr<HookFileSystem> fs_;
  std::string server_root_;
  int64_t split_min_rows_ = EngineOptions().o3_split_min_rows;  // for OpenEngine()
  std::string backup_root_;
  ManualClock clock_{kT0 + 5 * kDay + 3 * kHour};  // 2025-11-26T03:00:00Z
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<BackupService> service_;
};

// Opens `root/db` with a fresh engine (as `sundial -d root` would).
inline std::unique_ptr<Engine> OpenRoot(const std::string& root) {
  EngineOptions eo;
  eo.db_root = root + "/db";
  auto e = Engine::Open(core::NewPosixFileSystem(), eo);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  if (!e.ok()) return nullptr;
  EXPECT_TRUE((*e)->BrokenTables().empty());
  return std::move(*e);
}

inline std::vector<Row> RowsOf(Engine& e, const std::string& table) {
  auto v = e.Pin(table);
  EXPECT_TRUE(v.ok()) << table << ": " << v.status().ToString();
  return v.ok() ? ReadRows(*v) : std::vector<Row>{};
}

}  // namespace sundial::cairo::backup_testing
