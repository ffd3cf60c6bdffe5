// A backup as a stream (cairo/backup_stream.h) and back (cairo/backup_unpack.h): the archive
// restores to the same backup BACKUP DATABASE writes, holds a whole-commit prefix under
// concurrent writers, keeps its pins exactly while it lives, and a damaged or cut archive never
// produces the target directory.
#include "cairo/backup_stream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <set>
#include <thread>
#include <tuple>

#include "cairo/backup_unpack.h"
#include "cairo/backup_verify.h"
#include "core/tar.h"
#include "tests/backup/backup_test_util.h"

namespace sundial::cairo::backup_testing {
namespace {

class BackupStreamTest : public BackupFixture {
 protected:
  // The whole archive of a stream over `tables`.
  std::string StreamAll(const std::vector<std::string>& tables = {}, size_t piece = 100'000) {
    auto s = BackupStream::Open(*engine_, *real_fs_, server_root_, tables, clock_.NowMicros());
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (!s.ok()) return "";
    std::string out;
    for (;;) {
      auto more = (*s)->Next(&out, piece);
      EXPECT_TRUE(more.ok()) << more.status().ToString();
      if (!more.ok() || !*more) return out;
    }
  }

  core::Result<RestoreResult> Restore(const std::string& archive, const std::string& dir,
                                      core::FileSystem* fs = nullptr) {
    size_t pos = 0;
    core::TarReader reader([&](char* buf, size_t n) -> core::Result<size_t> {
      const size_t k = std::min(n, archive.size() - pos);
      std::memcpy(buf, archive.data() + pos, k);
      pos += k;
      return k;
    });
    return RestoreBackupArchive(fs != nullptr ? *fs : *real_fs_, reader, dir);
  }

  // Names in the restore area: the target and any staging leftovers.
  std::vector<std::string> RestoreArea() {
    std::vector<std::string> names;
    auto entries = real_fs_->ListDir(dir_.Sub("restore"));
    if (entries.ok()) {
      for (const auto& e : *entries) names.push_back(e.name);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  void MakeTables() {
    ASSERT_TRUE(engine_->CreateTable("trades", MixedSchema()).ok());
    ASSERT_TRUE(engine_->CreateTable("quotes", MixedSchema(PartitionBy::kHour)).ok());
    trades_ = Append("trades", 0, 100);
    auto more = Append("trades", 100, 30);
    trades_.insert(trades_.end(), more.begin(), more.end());
    quotes_ = Append("quotes", 0, 10);
  }

  std::vector<Row> trades_, quotes_;
};

using FileKey = std::tuple<std::string, uint64_t, uint32_t>;
std::set<FileKey> Files(const BackupManifest& m) {
  std::set<FileKey> out;
  for (const auto& f : m.files) out.insert({f.path, f.size_bytes, f.crc32c});
  return out;
}

// Differential: the streamed archive, restored, is the backup BACKUP DATABASE writes.
TEST_F(BackupStreamTest, RestoredStreamEqualsBackupDatabase) {
  MakeTables();
  const std::string archive = StreamAll();
  const std::string target = dir_.Sub("restore/root");
  auto restored = Restore(archive, target);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(RestoreArea(), (std::vector<std::string>{"root"}));
  auto problems = VerifyBackupDir(*real_fs_, target, BackupCheck::kFull);
  ASSERT_TRUE(problems.ok()) << problems.status().ToString();
  EXPECT_TRUE(problems->empty()) << FormatBackupProblem(problems->front());

  auto backup = service_->BackupDatabase();
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  auto written = VerifyBackup(*real_fs_, backup->directory);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  const BackupManifest& streamed = restored->manifest;
  EXPECT_TRUE(streamed.is_database);
  EXPECT_EQ(Files(streamed), Files(*written));
  ASSERT_EQ(streamed.tables.size(), written->tables.size());
  for (size_t i = 0; i < streamed.tables.size(); ++i) {
    EXPECT_EQ(streamed.tables[i].name, written->tables[i].name);
    EXPECT_EQ(streamed.tables[i].txn, written->tables[i].txn);
    EXPECT_EQ(streamed.tables[i].row_count, written->tables[i].row_count);
  }
  // The manifest is the last member; the archive ends with the end-of-archive marker.
  {
    size_t pos = 0;
    core::TarReader reader([&](char* buf, size_t n) -> core::Result<size_t> {
      const size_t k = std::min(n, archive.size() - pos);
      std::memcpy(buf, archive.data() + pos, k);
      pos += k;
      return k;
    });
    core::TarEntry e;
    std::string last;
    for (;;) {
      auto more = reader.Next(&e);
      ASSERT_TRUE(more.ok()) << more.status().ToString();
      if (!*more) break;
      last = e.path;
    }
    EXPECT_EQ(last, kBackupManifestName);
    EXPECT_EQ(reader.offset(), archive.size());
    EXPECT_EQ(archive.substr(archive.size() - 1024), core::TarEnd());
  }

  auto engine = OpenRoot(target);
  ASSERT_TRUE(engine);
  EXPECT_EQ(RowsOf(*engine, "trades"), trades_);
  EXPECT_EQ(RowsOf(*engine, "quotes"), quotes_);
  // Pieces of any size give the same bytes.
  EXPECT_EQ(StreamAll({}, 1), archive);
}

TEST_F(BackupStreamTest, NamedTablesOnly) {
  MakeTables();
  auto restored = Restore(StreamAll({"TRADES", "trades"}), dir_.Sub("restore/t"));
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_FALSE(restored->manifest.is_database);
  ASSERT_EQ(restored->manifest.tables.size(), 1u);
  auto engine = OpenRoot(dir_.Sub("restore/t"));
  ASSERT_TRUE(engine);
  EXPECT_EQ(engine->ListTables(), (std::vector<std::string>{"trades"}));
  EXPECT_EQ(RowsOf(*engine, "trades"), trades_);

  auto s = BackupStream::Open(*engine_, *real_fs_, server_root_, {"trades", "nope"}, 0);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(s.status().message(), "table does not exist [table=nope]");
}

// A writer commits batches of kBatch rows while streams are taken slowly: every archive holds
// exactly the first k*kBatch rows written, for some k.
TEST_F(BackupStreamTest, ConcurrentWritesGiveAWholeCommitPrefix) {
  ASSERT_TRUE(engine_->CreateTable("ticks", MixedSchema()).ok());
  constexpr int kBatch = 13;
  std::atomic<bool> stop{false};
  std::vector<Row> written;
  std::mutex mu;
  std::thread writer([&] {
    for (int next = 0; !stop.load(); next += kBatch) {
      auto rows = Append("ticks", next, kBatch, kT0);
      std::lock_guard lk(mu);
      written.insert(written.end(), rows.begin(), rows.end());
    }
  });
  std::set<size_t> seen;
  for (int round = 0; round < 8; ++round) {
    auto s = BackupStream::Open(*engine_, *real_fs_, server_root_, {}, clock_.NowMicros());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    std::string archive;
    for (;;) {
      auto more = (*s)->Next(&archive, 4096);
      ASSERT_TRUE(more.ok()) << more.status().ToString();
      if (!*more) break;
      std::this_thread::sleep_for(std::chrono::microseconds(200));  // a slow reader
    }
    s->reset();
    const std::string target = dir_.Sub("restore/r" + std::to_string(round));
    auto restored = Restore(archive, target);
    ASSERT_TRUE(restored.ok()) << restored.status().ToString();
    auto engine = OpenRoot(target);
    ASSERT_TRUE(engine);
    std::vector<Row> rows = RowsOf(*engine, "ticks");
    EXPECT_EQ(rows.size() % kBatch, 0u);
    std::lock_guard lk(mu);
    ASSERT_LE(rows.size(), written.size());
    EXPECT_TRUE(std::equal(rows.begin(), rows.end(), written.begin())) << "round " << round;
    seen.insert(rows.size());
  }
  stop = true;
  writer.join();
  EXPECT_GT(seen.size(), 1u);  // the writer did move on between streams
}

// The pins live exactly as long as the stream: a dropped table stays on disk (and in the
// archive) while a stream holds it and is purged once the stream is gone.
TEST_F(BackupStreamTest, PinsAreHeldUntilTheStreamIsDestroyed) {
  MakeTables();
  const size_t before = OpenBackupStreamCount();
  auto s = BackupStream::Open(*engine_, *real_fs_, server_root_, {}, clock_.NowMicros());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(OpenBackupStreamCount(), before + 1);
  std::string archive;
  ASSERT_TRUE((*s)->Next(&archive, 1000).ok());
  ASSERT_TRUE(engine_->DropTable("trades").ok());
  engine_->Purge();
  auto trash = real_fs_->ListDir(server_root_ + "/db/.trash");
  ASSERT_TRUE(trash.ok());
  EXPECT_FALSE(trash->empty());
  for (;;) {
    auto more = (*s)->Next(&archive, 1 << 20);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    if (!*more) break;
  }
  auto restored = Restore(archive, dir_.Sub("restore/dropped"));
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  auto engine = OpenRoot(dir_.Sub("restore/dropped"));
  ASSERT_TRUE(engine);
  EXPECT_EQ(RowsOf(*engine, "trades"), trades_);

  s->reset();  // the client went away
  EXPECT_EQ(OpenBackupStreamCount(), before);
  engine_->Purge();
  trash = real_fs_->ListDir(server_root_ + "/db/.trash");
  EXPECT_TRUE(!trash.ok() || trash->empty());
}

TEST_F(BackupStreamTest, ReadErrorFailsTheStream) {
  MakeTables();
  auto s = BackupStream::Open(*engine_, *real_fs_, server_root_, {}, clock_.NowMicros());
  ASSERT_TRUE(s.ok());
  fs_->SetHook([](const std::string& op, const std::string& path) {
    if (op == "open" && path.size() > 2 && path.compare(path.size() - 2, 2, ".d") == 0) {
      return core::Status::IOError("injected read failure [path=" + path + "]");
    }
    return core::Status::Ok();
  });
  std::string archive;
  core::Status failed;
  for (int i = 0; i < 10000 && failed.ok(); ++i) {
    auto more = (*s)->Next(&archive, 1 << 16);
    if (!more.ok()) failed = more.status();
    if (more.ok() && !*more) break;
  }
  fs_->SetHook(nullptr);
  EXPECT_EQ(failed.code(), core::StatusCode::kIOError) << failed.ToString();
  EXPECT_EQ(archive.find("backup.manifest"), std::string::npos);
}

TEST_F(BackupStreamTest, DamagedOrCutArchiveNeverProducesTheTarget) {
  MakeTables();
  const std::string archive = StreamAll();
  const std::string target = dir_.Sub("restore/root");
  // Cut anywhere before the end marker (every block boundary and inside blocks).
  const size_t end = archive.size() - 2 * core::kTarBlockSize;
  for (size_t cut = 0; cut < end; cut += 1021) {
    auto r = Restore(archive.substr(0, cut), target);
    ASSERT_FALSE(r.ok()) << "cut at " << cut;
    ASSERT_TRUE(RestoreArea().empty()) << "cut at " << cut;
  }
  // A flipped data byte: the file does not match its manifest CRC.
  {
    // Where the first non-empty file of trades has its data.
    size_t data = 0;
    {
      size_t pos = 0;
      core::TarReader reader([&](char* buf, size_t n) -> core::Result<size_t> {
        const size_t k = std::min(n, archive.size() - pos);
        std::memcpy(buf, archive.data() + pos, k);
        pos += k;
        return k;
      });
      core::TarEntry e;
      while (data == 0) {
        auto more = reader.Next(&e);
        ASSERT_TRUE(more.ok() && *more);
        if (e.size > 0 && e.path.rfind("db/trades/", 0) == 0) data = reader.offset();
      }
    }
    std::string bad = archive;
    bad[data + 5] ^= 1;
    auto r = Restore(bad, target);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), core::StatusCode::kCorruption) << r.status().ToString();
    EXPECT_TRUE(RestoreArea().empty());
  }
  // Without the manifest (a stream cut right before it, end marker added).
  {
    const size_t m = archive.rfind("backup.manifest");
    const std::string no_manifest = archive.substr(0, m / 512 * 512) + core::TarEnd();
    auto r = Restore(no_manifest, target);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("no backup.manifest"), std::string::npos)
        << r.status().ToString();
    EXPECT_TRUE(RestoreArea().empty());
  }
  // A file the manifest does not list.
  {
    const size_t m = archive.rfind("backup.manifest") / 512 * 512;
    core::TarEntry extra;
    extra.path = "db/trades/extra.d";
    extra.size = 3;
    const std::string bad = archive.substr(0, m) + core::TarHeader(extra) + "abc" +
                            std::string(core::TarPadding(3), '\0') + archive.substr(m);
    auto r = Restore(bad, target);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(
        r.status().message().find("db/trades/extra.d: expected absent, found not in manifest"),
        std::string::npos)
        << r.status().ToString();
    EXPECT_TRUE(RestoreArea().empty());
  }
  // An existing target is never touched.
  ASSERT_TRUE(real_fs_->CreateDirs(target).ok());
  auto r = Restore(archive, target);
  EXPECT_EQ(r.status().code(), core::StatusCode::kAlreadyExists);
  EXPECT_TRUE(real_fs_->ListDir(target)->empty());
}

// Every write, mkdir, sync and rename of a restore failing in turn: an error, and no target.
TEST_F(BackupStreamTest, FaultSweepOverEveryCallOfARestore) {
  MakeTables();
  const std::string archive = StreamAll();
  const std::string target = dir_.Sub("restore/root");
  ASSERT_TRUE(real_fs_->CreateDirs(dir_.Sub("restore")).ok());
  HookFileSystem fs(real_fs_);
  int calls = 0;
  fs.SetHook([&](const std::string&, const std::string&) {
    ++calls;
    return core::Status::Ok();
  });
  ASSERT_TRUE(Restore(archive, target, &fs).ok());
  ASSERT_TRUE(real_fs_->RemoveAll(target).ok());
  const int total = calls;
  ASSERT_GT(total, 10);
  for (int fail_at = 1; fail_at <= total; ++fail_at) {
    int n = 0;
    fs.SetHook([&](const std::string& op, const std::string& path) {
      if (++n == fail_at)
        return core::Status::IOError("injected [op=" + op + ", path=" + path + "]");
      return core::Status::Ok();
    });
    auto r = Restore(archive, target, &fs);
    ASSERT_FALSE(r.ok()) << "call " << fail_at;
    EXPECT_TRUE(RestoreArea().empty()) << "call " << fail_at;
  }
}

}  // namespace
}  // namespace sundial::cairo::backup_testing
