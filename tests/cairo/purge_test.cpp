// The background purge: superseded partition versions and dropped tables go once no pin needs
// them, without any further commit; never while pinned, while purge is paused, or while
// another holds the table's writer lease; the thread stops with the engine.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "cairo/engine.h"
#include "tests/cairo/cairo_test_util.h"

namespace sundial::cairo::testing {
namespace {

using namespace std::chrono_literals;

class PurgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_ = core::NewPosixFileSystem();
    EngineOptions o;
    o.db_root = dir_.Sub("db");
    o.lock_timeout_ms = 2000;
    o.purge_interval_ms = 20;
    auto e = Engine::Open(fs_, o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
    ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
    Write({MakeRow(kT0, 0), MakeRow(kT0 + kHour, 1), MakeRow(kT0 + kDay, 2)});
  }

  void Write(const std::vector<Row>& rows) {
    auto w = engine_->AcquireWriter("t");
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    for (const Row& r : rows) ASSERT_TRUE(WriteRow(**w, r).ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  // Pins the table, then rewrites its first partition (an out-of-order row): the pinned
  // version's directory is superseded. Returns its path.
  std::string PinAndSupersede(TableView* pin) {
    auto v = engine_->Pin("t");
    EXPECT_TRUE(v.ok());
    *pin = std::move(*v);
    const std::string old_dir = dir_.Sub("db/t/" + pin->partitions()[0].dir_name);
    Write({MakeRow(kT0 + kHour / 2, 3)});
    auto now = engine_->Pin("t");
    EXPECT_TRUE(now.ok());
    EXPECT_NE(now->partitions()[0].dir_name, pin->partitions()[0].dir_name);  // a new version
    return old_dir;
  }
  // Whether `path` is gone within `within` (polling).
  bool GoneWithin(const std::string& path, std::chrono::milliseconds within) {
    auto deadline = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!fs_->Exists(path)) return true;
      std::this_thread::sleep_for(5ms);
    }
    return !fs_->Exists(path);
  }

  testutil::TempDir dir_;
  std::shared_ptr<core::FileSystem> fs_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(PurgeTest, OldVersionGoesAfterThePinWithoutAnotherCommit) {
  TableView pin;
  const std::string old_dir = PinAndSupersede(&pin);
  EXPECT_FALSE(GoneWithin(old_dir, 200ms)) << "deleted while pinned";
  EXPECT_EQ(ReadRows(pin).size(), 3u);  // the pinned version still reads
  pin = TableView();
  EXPECT_TRUE(GoneWithin(old_dir, 5000ms)) << "not purged by the background thread";
}

TEST_F(PurgeTest, NothingGoesWhilePaused) {
  TableView pin;
  const std::string old_dir = PinAndSupersede(&pin);
  engine_->PausePurge();
  pin = TableView();
  EXPECT_FALSE(GoneWithin(old_dir, 200ms)) << "deleted while purge was paused";
  engine_->ResumePurge();
  EXPECT_TRUE(GoneWithin(old_dir, 5000ms));
}

TEST_F(PurgeTest, OnlyTheLeaseHolderDeletes) {
  TableView pin;
  const std::string old_dir = PinAndSupersede(&pin);
  {
    auto w = engine_->AcquireWriter("t");  // a writer holds the lease (idle)
    ASSERT_TRUE(w.ok());
    pin = TableView();
    EXPECT_FALSE(GoneWithin(old_dir, 200ms)) << "deleted under another's writer lease";
  }
  EXPECT_TRUE(GoneWithin(old_dir, 5000ms));
}

TEST_F(PurgeTest, DroppedTableGoesOnceUnpinned) {
  auto v = engine_->Pin("t");
  ASSERT_TRUE(v.ok());
  ASSERT_TRUE(engine_->DropTable("t").ok());
  auto trash = fs_->ListDir(dir_.Sub("db/.trash"));
  ASSERT_TRUE(trash.ok());
  ASSERT_EQ(trash->size(), 1u);
  const std::string dropped = dir_.Sub("db/.trash/" + (*trash)[0].name);
  EXPECT_FALSE(GoneWithin(dropped, 200ms)) << "deleted while pinned";
  *v = TableView();
  EXPECT_TRUE(GoneWithin(dropped, 5000ms));
}

TEST_F(PurgeTest, ThreadStopsWithTheEngine) {
  auto start = std::chrono::steady_clock::now();
  engine_.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1000ms);
  EngineOptions o;
  o.db_root = dir_.Sub("db");
  o.purge_interval_ms = 60'000;  // a long interval does not delay shutdown
  auto e = Engine::Open(fs_, o);
  ASSERT_TRUE(e.ok());
  start = std::chrono::steady_clock::now();
  e->reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1000ms);
}

}  // namespace
}  // namespace sundial::cairo::testing
