// Backups into an object store (cairo/backup_store.h) against npm's s3rver, an S3 server nobody
// here wrote, started on loopback with its request log on: what was uploaded is counted from
// s3rver's own log ("Stored object ..."), never from our client. Upload, listing, incremental
// second backup, retention and its sweep, history across a restart, restore into a new root,
// errors of the store in BACKUP's error, and kill -9 during uploads.
#include "cairo/backup_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "cairo/backup.h"
#include "core/log.h"
#include "core/object_store.h"
#include "tests/backup/backup_test_util.h"
#include "tests/core/s3rver_process.h"

namespace sundial::cairo::backup_testing {
namespace {

constexpr char kBucket[] = "sundial-backups";

// One s3rver (request log on) for the whole binary.
sundial::testing::S3rverProcess* Server(std::string* why, bool* skip) {
  static std::string start_why;
  static bool start_skip = false;
  static std::unique_ptr<sundial::testing::S3rverProcess> server =
      sundial::testing::S3rverProcess::Start(kBucket, &start_why, &start_skip,
                                             /*log_requests=*/true);
  *why = start_why;
  *skip = start_skip;
  return server.get();
}

class BackupStoreTest : public BackupFixture {
 protected:
  void SetUp() override {
    std::string why;
    bool skip = false;
    s3_ = Server(&why, &skip);
    if (skip) GTEST_SKIP() << why;
    ASSERT_NE(s3_, nullptr) << why;
    static std::atomic<int> n{0};
    prefix_ = "t" + std::to_string(::getpid()) + "-" + std::to_string(n++);
    config_text_ = s3_->Config(kBucket, prefix_);
    BackupFixture::SetUp();
    auto config = core::ParseObjectStoreConfig(config_text_);
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    auto store = core::OpenObjectStore(*config, *real_fs_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::shared_ptr<core::ObjectStore>(std::move(*store));
    OpenStoreService();
  }

  BackupOptions StoreOptions() const {
    BackupOptions o = Options();
    o.backup_root.clear();
    o.object_store = store_;
    o.keep_latest_n = keep_;
    return o;
  }
  void OpenStoreService() {
    service_.reset();
    service_ = BackupService::Create(engine_.get(), fs_, StoreOptions());
  }

  // Objects s3rver says it stored under this test's blobs/ so far.
  int StoredBlobs() const { return s3_->StoredObjects(kBucket, prefix_ + "/blobs/"); }

  std::set<std::string> Keys(const std::string& prefix) {
    auto all = core::ListAllObjects(*store_, prefix);
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    std::set<std::string> keys;
    if (all.ok()) {
      for (const auto& o : *all) keys.insert(o.key);
    }
    return keys;
  }

  BackupManifest Manifest(const std::string& name) {
    auto m = ReadStoreManifest(*store_, name);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? *m : BackupManifest{};
  }

  // Three day partitions of `t`, the newest half full.
  std::vector<Row> Fill() {
    EXPECT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
    return Append("t", 0, 60);
  }

  sundial::testing::S3rverProcess* s3_ = nullptr;
  std::string prefix_;
  std::string config_text_;
  std::shared_ptr<core::ObjectStore> store_;
  int keep_ = 0;
};

TEST_F(BackupStoreTest, FirstBackupUploadsEveryFileAndTheManifestLast) {
  Fill();
  auto r = service_->BackupDatabase();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto names = ListStoreBackupNames(*store_);
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  ASSERT_EQ(*names, std::vector<std::string>{r->directory});
  const BackupManifest m = Manifest(r->directory);
  ASSERT_EQ(m.tables.size(), 1u);
  ASSERT_GT(m.files.size(), 5u);
  // Every file is its own blob, uploaded once, as s3rver counts it.
  EXPECT_EQ(StoredBlobs(), static_cast<int>(m.files.size()));
  std::set<std::string> expected;
  for (const auto& f : m.files) expected.insert(StoreBlobKey(f, m.created_us));
  EXPECT_EQ(Keys("blobs/"), expected);
  // The manifest was the last object s3rver stored for the backup.
  const std::string log = s3_->Log();
  const size_t manifest_at = log.rfind("Stored object \"" + prefix_ + "/backups/");
  const size_t last_blob_at = log.rfind("Stored object \"" + prefix_ + "/blobs/");
  ASSERT_NE(manifest_at, std::string::npos);
  EXPECT_GT(manifest_at, last_blob_at);
  EXPECT_EQ(r->bytes_linked, 0u);
  // The manifest was staged and copied into place; the staging object is gone.
  EXPECT_EQ(Keys("backups/"),
            std::set<std::string>{"backups/" + r->directory + "/backup.manifest"});
}

// Rows into the newest day keep the `_txn` at its size, and every `_txn` (it ends with its own
// CRC32C) has the same CRC32C: size and CRC32C alone would hand the second backup the first
// one's `_txn`. Both restore to their own rows.
TEST_F(BackupStoreTest, SecondBackupUploadsOnlyChangedFiles) {
  const std::vector<Row> rows = Fill();
  auto first = service_->BackupDatabase();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const int after_first = StoredBlobs();
  Append("t", 60, 5);  // into the newest day only
  clock_.Set(clock_.NowMicros() + kDay);
  auto second = service_->BackupDatabase();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  const BackupManifest a = Manifest(first->directory), b = Manifest(second->directory);
  std::set<std::string> old_keys;
  for (const auto& f : a.files) old_keys.insert(StoreBlobKey(f, a.created_us));
  int changed = 0;
  for (const auto& f : b.files) changed += old_keys.count(StoreBlobKey(f, b.created_us)) == 0;
  ASSERT_GT(changed, 0);
  ASSERT_LT(changed, static_cast<int>(b.files.size()) / 2);
  EXPECT_EQ(StoredBlobs() - after_first, changed);
  EXPECT_GT(second->bytes_linked, 0u);
  const std::vector<Row> all = LiveRows("t");
  ASSERT_EQ(all.size(), rows.size() + 5);
  for (const auto& [name, want] : {std::pair{first->directory, rows}, {second->directory, all}}) {
    auto r = RestoreBackupFromStore(*real_fs_, *store_, name, dir_.Sub("r-" + name));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    auto e = OpenRoot(dir_.Sub("r-" + name));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(RowsOf(*e, "t"), want) << name;
  }
}

TEST_F(BackupStoreTest, RestoreBuildsARootWithTheSameRows) {
  std::vector<Row> rows = Fill();
  auto first = service_->BackupDatabase();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto more = Append("t", 72, 30);
  clock_.Set(clock_.NowMicros() + kDay);
  auto second = service_->BackupDatabase();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  const std::vector<Row> all = LiveRows("t");
  ASSERT_EQ(all.size(), rows.size() + more.size());

  auto r1 = RestoreBackupFromStore(*real_fs_, *store_, first->directory, dir_.Sub("r1"));
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  auto latest = RestoreBackupFromStore(*real_fs_, *store_, "", dir_.Sub("latest"));
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_TRUE(VerifyBackup(*real_fs_, dir_.Sub("latest")).ok());
  {
    auto e = OpenRoot(dir_.Sub("r1"));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(RowsOf(*e, "t"), rows);
  }
  {
    auto e = OpenRoot(dir_.Sub("latest"));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(RowsOf(*e, "t"), all);
  }
  // An unknown backup and an existing target change nothing.
  auto missing = RestoreBackupFromStore(*real_fs_, *store_, "nope", dir_.Sub("r2"));
  EXPECT_EQ(missing.status().code(), core::StatusCode::kNotFound) << missing.status().ToString();
  EXPECT_FALSE(real_fs_->Exists(dir_.Sub("r2")));
  auto exists = RestoreBackupFromStore(*real_fs_, *store_, "", dir_.Sub("r1"));
  EXPECT_EQ(exists.status().code(), core::StatusCode::kAlreadyExists);
}

TEST_F(BackupStoreTest, VerifyAndRestoreRefuseADamagedBlob) {
  Fill();
  auto b = service_->BackupDatabase();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  auto clean = service_->VerifyNamed(b->directory);
  ASSERT_TRUE(clean.ok()) << clean.status().ToString();
  EXPECT_TRUE(clean->empty());
  EXPECT_EQ(service_->VerifyNamed("nope").status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(service_->VerifyNamed("../x").status().code(), core::StatusCode::kInvalidArgument);
  const BackupManifest m = Manifest(b->directory);
  const auto& f = m.files.front();
  const std::string key = StoreBlobKey(f, m.created_us);
  ASSERT_TRUE(store_->PutBytes(key, std::string(f.size_bytes, 'x')).ok());
  auto damaged = service_->VerifyNamed(b->directory);
  ASSERT_TRUE(damaged.ok()) << damaged.status().ToString();
  ASSERT_EQ(damaged->size(), 1u);
  EXPECT_EQ((*damaged)[0].file, f.path);
  EXPECT_EQ((*damaged)[0].found.rfind("crc32c ", 0), 0u) << (*damaged)[0].found;
  auto r = RestoreBackupFromStore(*real_fs_, *store_, b->directory, dir_.Sub("r"));
  EXPECT_EQ(r.status().code(), core::StatusCode::kCorruption) << r.status().ToString();
  EXPECT_NE(r.status().message().find(f.path), std::string::npos) << r.status().ToString();
  EXPECT_FALSE(real_fs_->Exists(dir_.Sub("r")));
  ASSERT_TRUE(store_->Delete(key).ok());
  damaged = service_->VerifyNamed(b->directory);
  ASSERT_TRUE(damaged.ok()) << damaged.status().ToString();
  ASSERT_EQ(damaged->size(), 1u);
  EXPECT_EQ((*damaged)[0].found, "missing");
  r = RestoreBackupFromStore(*real_fs_, *store_, b->directory, dir_.Sub("r"));
  EXPECT_EQ(r.status().code(), core::StatusCode::kCorruption) << r.status().ToString();
  EXPECT_FALSE(real_fs_->Exists(dir_.Sub("r")));
}

TEST_F(BackupStoreTest, RetentionDeletesOldManifestsThenUnreferencedBlobs) {
  keep_ = 2;
  OpenStoreService();
  Fill();
  std::vector<std::string> names;
  for (int i = 0; i < 4; ++i) {
    Append("t", 72 + 24 * i, 24);  // a new day each time; older days stay as they are
    clock_.Set(clock_.NowMicros() + kDay);
    auto r = service_->BackupDatabase();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->retention_errors.empty());
    names.push_back(r->directory);
  }
  // An orphan of an interrupted upload is swept too.
  ASSERT_TRUE(store_->PutBytes("blobs/db/t/orphan.d/3-00000000", "abc").ok());
  Append("t", 200, 24);
  clock_.Set(clock_.NowMicros() + kDay);
  auto last = service_->BackupDatabase();
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  names.push_back(last->directory);
  auto left = ListStoreBackupNames(*store_);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(*left, (std::vector<std::string>{names[3], names[4]}));
  std::set<std::string> referenced;
  for (const auto& n : *left) {
    const BackupManifest m = Manifest(n);
    for (const auto& f : m.files) referenced.insert(StoreBlobKey(f, m.created_us));
  }
  EXPECT_EQ(Keys("blobs/"), referenced);
  // The kept backups restore whole.
  for (const auto& n : *left) {
    auto r = RestoreBackupFromStore(*real_fs_, *store_, n, dir_.Sub("r-" + n));
    EXPECT_TRUE(r.ok()) << n << ": " << r.status().ToString();
  }
  // History: the removed ones say so; the newest finished its cleanup.
  auto h = service_->History();
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_EQ(h->size(), 5u);
  EXPECT_EQ(h->front().status, BackupStatus::kCleanupComplete);
  int removed = 0;
  for (const auto& e : *h) removed += e.removed_us != 0;
  EXPECT_EQ(removed, 3);
}

TEST_F(BackupStoreTest, HistorySurvivesARestartAndTravelsWithTheStore) {
  Fill();
  auto a = service_->BackupDatabase();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto id = service_->StartBackupDatabaseAsync();
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  service_.reset();  // joins the ASYNC backup (or aborts it at a file boundary)
  // A server that never saw these backups (another root) reads them from the store.
  OpenStoreService();
  auto h = service_->History();
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_EQ(h->size(), 2u);
  EXPECT_EQ(h->back().id, a->id);
  EXPECT_EQ(h->back().name, a->directory);
  EXPECT_EQ(h->back().status, BackupStatus::kBackupComplete);
  EXPECT_EQ(h->front().id, *id);
  EXPECT_TRUE(
      h->front().status == BackupStatus::kBackupComplete ||
      (h->front().status == BackupStatus::kBackupFailed && !h->front().backup_error.empty()))
      << BackupStatusName(h->front().status);
  EXPECT_EQ(Keys("history/").size(), 2u);
}

TEST_F(BackupStoreTest, StoreErrorsAreTheBackupsErrorAndChangeNothing) {
  Fill();
  auto config = core::ParseObjectStoreConfig(s3_->Config("no-such-bucket", prefix_));
  ASSERT_TRUE(config.ok());
  auto store = core::OpenObjectStore(*config, *real_fs_);
  ASSERT_TRUE(store.ok());
  BackupOptions o = StoreOptions();
  o.object_store = std::shared_ptr<core::ObjectStore>(std::move(*store));
  service_.reset();
  service_ = BackupService::Create(engine_.get(), fs_, o);
  auto r = service_->BackupDatabase();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::StatusCode::kNotFound) << r.status().ToString();
  EXPECT_NE(r.status().message().find("bucket does not exist"), std::string::npos)
      << r.status().ToString();
  EXPECT_TRUE(Keys("").empty());
  // A wrong access key id: s3rver answers 403.
  config = core::ParseObjectStoreConfig("s3::bucket=" + std::string(kBucket) + ";root=" + prefix_ +
                                        ";region=us-east-1;endpoint=" + s3_->endpoint() +
                                        ";access_key_id=WRONG;secret_access_key=x;");
  ASSERT_TRUE(config.ok());
  store = core::OpenObjectStore(*config, *real_fs_);
  ASSERT_TRUE(store.ok());
  o.object_store = std::shared_ptr<core::ObjectStore>(std::move(*store));
  service_.reset();
  service_ = BackupService::Create(engine_.get(), fs_, o);
  r = service_->BackupDatabase();
  EXPECT_EQ(r.status().code(), core::StatusCode::kPermissionDenied) << r.status().ToString();
  EXPECT_TRUE(Keys("").empty());
  // RESTORE TABLE answers clearly.
  OpenStoreService();
  RestoreTableRequest req;
  req.backup = "x";
  req.table = "t";
  EXPECT_EQ(service_->RestoreTable(req).status().message(),
            "not supported for object-store backups");
}

TEST_F(BackupStoreTest, BackupTableHoldsOnlyThatTable) {
  Fill();
  ASSERT_TRUE(engine_->CreateTable("u", MixedSchema()).ok());
  const std::vector<Row> u_rows = Append("u", 0, 30);
  auto r = service_->BackupTables({"u"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const BackupManifest m = Manifest(r->directory);
  EXPECT_FALSE(m.is_database);
  ASSERT_EQ(m.tables.size(), 1u);
  EXPECT_EQ(m.tables[0].name, "u");
  for (const auto& f : m.files) EXPECT_NE(f.path.rfind("db/t/", 0), 0u) << f.path;
  auto restored = RestoreBackupFromStore(*real_fs_, *store_, r->directory, dir_.Sub("r"));
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  auto e = OpenRoot(dir_.Sub("r"));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(RowsOf(*e, "u"), u_rows);
  EXPECT_FALSE(e->HasTable("t"));
}

// fs:: (a mounted file system) follows the same layout and rules as s3::.
TEST_F(BackupStoreTest, FsStoreBacksUpIncrementallyAndRestores) {
  auto config = core::ParseObjectStoreConfig("fs::root=" + dir_.Sub("nfs") + ";");
  ASSERT_TRUE(config.ok());
  auto store = core::OpenObjectStore(*config, *real_fs_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  store_ = std::shared_ptr<core::ObjectStore>(std::move(*store));
  OpenStoreService();
  const std::vector<Row> rows = Fill();
  auto first = service_->BackupDatabase();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  Append("t", 60, 5);
  clock_.Set(clock_.NowMicros() + kDay);
  auto second = service_->BackupDatabase();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_GT(second->bytes_linked, second->bytes_copied);
  EXPECT_TRUE(
      real_fs_->Exists(dir_.Sub("nfs") + "/backups/" + first->directory + "/backup.manifest"));
  auto r = RestoreBackupFromStore(*real_fs_, *store_, first->directory, dir_.Sub("r"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto e = OpenRoot(dir_.Sub("r"));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(RowsOf(*e, "t"), rows);
}

// The child of the kill test: opens the root, commits a few rows and backs up to the store.
[[noreturn]] void RunChild(const std::string& server_root, const std::string& config_text,
                           int seed) {
  core::SetLogLevel(core::LogLevel::kError);
  auto fs = core::NewPosixFileSystem();
  EngineOptions eo;
  eo.db_root = server_root + "/db";
  auto engine = Engine::Open(fs, eo);
  if (!engine.ok()) ::_exit(2);
  auto config = core::ParseObjectStoreConfig(config_text);
  if (!config.ok()) ::_exit(3);
  auto store = core::OpenObjectStore(*config, *fs);
  if (!store.ok()) ::_exit(4);
  {
    auto w = (*engine)->AcquireWriter("t");
    if (!w.ok()) ::_exit(5);
    for (int i = 0; i < 50; i++) {
      if (!WriteRow(**w, MakeRow(kT0 + (seed * 50 + i) * kHour, seed * 50 + i)).ok()) ::_exit(6);
    }
    if (!(*w)->Commit().ok()) ::_exit(7);
  }
  BackupOptions bo;
  bo.server_root = server_root;
  bo.object_store = std::shared_ptr<core::ObjectStore>(std::move(*store));
  bo.keep_latest_n = 3;
  auto service = BackupService::Create(engine->get(), fs, bo);
  ::_exit(service->BackupDatabase().ok() ? 0 : 8);
}

// Every manifest in the store is whole and every object it references is there with its size.
void ExpectEveryBackupWhole(core::ObjectStore& store, const std::string& what) {
  auto backups = ListStoreBackups(store);
  ASSERT_TRUE(backups.ok()) << what << ": " << backups.status().ToString();
  auto blobs = core::ListAllObjects(store, "blobs/");
  ASSERT_TRUE(blobs.ok()) << what;
  std::map<std::string, uint64_t> sizes;
  for (const auto& o : *blobs) sizes[o.key] = o.size;
  for (const auto& b : *backups) {
    for (const auto& f : b.manifest.files) {
      auto it = sizes.find(StoreBlobKey(f, b.manifest.created_us));
      ASSERT_NE(it, sizes.end()) << what << ": backup " << b.name << " lacks " << f.path;
      EXPECT_EQ(it->second, f.size_bytes) << what << ": " << f.path;
    }
  }
}

TEST_F(BackupStoreTest, KillDuringUploadNeverLeavesACompleteLookingPartialBackup) {
  Fill();
  // Enough data that an upload takes a while: wide rows over many partitions.
  Append("t", 1000, 2400);
  service_.reset();
  engine_.reset();
  // Two children run to the end (the first uploads everything): how long an incremental run
  // (start, commit, upload) takes.
  int status = 0, run_ms = 0;
  for (int seed = 98; seed < 100; ++seed) {
    const auto t0 = std::chrono::steady_clock::now();
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) RunChild(server_root_, config_text_, seed);
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    run_ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count());
  }
  const unsigned seed = ::testing::UnitTest::GetInstance()->random_seed();
  std::mt19937 rng(seed);
  int killed_midway = 0, completed = 0, killed_while_uploading = 0;
  for (int i = 0; i < 24; ++i) {
    const int delay_ms = static_cast<int>(rng() % static_cast<unsigned>(run_ms * 13 / 10 + 1));
    const int blobs_before = StoredBlobs();
    const size_t backups_before = ListStoreBackupNames(*store_)->size();
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) RunChild(server_root_, config_text_, 100 + i);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(pid, SIGKILL);
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status)) {
      killed_midway++;
      // s3rver stored some of its objects, yet no new manifest appeared.
      if (StoredBlobs() > blobs_before && ListStoreBackupNames(*store_)->size() <= backups_before) {
        killed_while_uploading++;
      }
    } else {
      ASSERT_EQ(WEXITSTATUS(status), 0) << "child failed, iteration " << i;
      completed++;
    }
    ExpectEveryBackupWhole(*store_, "seed " + std::to_string(seed) + " iteration " +
                                        std::to_string(i) + " delay " + std::to_string(delay_ms));
  }
  std::printf("kill test: run %d ms, %d killed (%d while uploading), %d completed\n", run_ms,
              killed_midway, killed_while_uploading, completed);
  EXPECT_GT(killed_while_uploading, 0);
  EXPECT_GT(killed_midway, 0);
  // The history shows the interrupted ones as failed once a server starts again; the newest
  // complete backup restores and opens.
  OpenEngine();
  OpenStoreService();
  auto h = service_->History();
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  int failed = 0;
  for (const auto& e : *h) {
    EXPECT_NE(e.status, BackupStatus::kBackupInProgress);
    if (e.status == BackupStatus::kBackupFailed) {
      failed++;
      // s3rver keeps the part of a PUT body that arrived before its sender died (S3 refuses a
      // body shorter than its signed length), but history records and manifests are put whole
      // or not at all: a kill while one was replaced leaves the previous one, never a cut one.
      EXPECT_EQ(e.backup_error, kInterruptedBackup);
    }
  }
  EXPECT_GT(failed, 0);
  auto r = RestoreBackupFromStore(*real_fs_, *store_, "latest", dir_.Sub("restored"));
  {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    auto e = OpenRoot(dir_.Sub("restored"));
    ASSERT_NE(e, nullptr);
    EXPECT_GT(RowsOf(*e, "t").size(), 0u);
  }
}

}  // namespace
}  // namespace sundial::cairo::backup_testing
