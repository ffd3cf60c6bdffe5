// Sealing cold partitions (cairo/partition_seal.h, cairo/partition_sealer.h): the selection
// rule against a simple model, a seal that keeps every row, writers that are not held while a
// seal writes, partitions that change during a seal (never published stale), faults at every
// file-system call, cancellation, and the background job's passes, skips and back-off.
#include "cairo/partition_seal.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "cairo/partition_sealer.h"
#include "core/fault_file_system.h"
#include "core/log.h"
#include "tests/cairo/cairo_test_util.h"
#include "tests/testutil/manual_clock.h"

namespace sundial::cairo::testing {
namespace {

using core::FaultOp;

using testutil::ManualClock;

// Captures log lines while alive.
class LogCapture {
 public:
  LogCapture() {
    core::SetLogSink([this](core::LogLevel, std::string_view line) {
      std::lock_guard lk(mu_);
      lines_.emplace_back(line);
    });
  }
  ~LogCapture() { core::SetLogSink(nullptr); }
  int Count(std::string_view needle) {
    std::lock_guard lk(mu_);
    return static_cast<int>(std::count_if(lines_.begin(), lines_.end(), [&](const std::string& l) {
      return l.find(needle) != std::string::npos;
    }));
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

PartitionInfo Entry(int64_t start, bool is_compressed) {
  PartitionInfo p;
  p.partition_start_us = start;
  p.row_count = 1;
  p.is_compressed = is_compressed;
  return p;
}

// ---- the rule -------------------------------------------------------------------------------

TEST(ChooseSealCandidatesTest, NewestNeverAfterHonouredCompressedSkipped) {
  const TableSchema schema = MixedSchema();
  std::vector<PartitionInfo> parts;
  for (int d = 0; d < 5; ++d) parts.push_back(Entry(kT0 + d * kDay, d == 1));
  // Day d ends at kT0 + (d+1) days. now - 1d = kT0 + 3d: days 0..2 have ended by then.
  auto c = ChooseSealCandidates(schema, parts, kT0 + 4 * kDay, kDay);
  EXPECT_EQ(c.partition_starts, (std::vector<int64_t>{kT0, kT0 + 2 * kDay}));  // 1 compressed
  EXPECT_TRUE(c.unsupported_column.empty());
  // One microsecond earlier, day 2 has not been over for a whole day.
  c = ChooseSealCandidates(schema, parts, kT0 + 4 * kDay - 1, kDay);
  EXPECT_EQ(c.partition_starts, (std::vector<int64_t>{kT0}));
  // However late it is, the newest partition stays.
  c = ChooseSealCandidates(schema, parts, kT0 + 1000 * kDay, 0);
  EXPECT_EQ(c.partition_starts, (std::vector<int64_t>{kT0, kT0 + 2 * kDay, kT0 + 3 * kDay}));
  // after = 0: a partition qualifies as soon as it has ended.
  c = ChooseSealCandidates(schema, parts, kT0 + 3 * kDay, 0);
  EXPECT_EQ(c.partition_starts, (std::vector<int64_t>{kT0, kT0 + 2 * kDay}));
}

TEST(ChooseSealCandidatesTest, PartitionWithSeveralEntriesCountsOnceWhileOneIsRaw) {
  const TableSchema schema = MixedSchema();
  std::vector<PartitionInfo> parts = {Entry(kT0, true), Entry(kT0, false), Entry(kT0 + kDay, true),
                                      Entry(kT0 + kDay, true), Entry(kT0 + 2 * kDay, false)};
  auto c = ChooseSealCandidates(schema, parts, kT0 + 100 * kDay, kDay);
  EXPECT_EQ(c.partition_starts, (std::vector<int64_t>{kT0}));
}

TEST(ChooseSealCandidatesTest, UnsupportedTypesAndUnpartitionedTablesHaveNone) {
  TableSchema schema = MixedSchema();
  schema.columns.push_back({"id", ColumnType::kUuid});
  std::vector<PartitionInfo> parts = {Entry(kT0, false), Entry(kT0 + kDay, false)};
  auto c = ChooseSealCandidates(schema, parts, kT0 + 100 * kDay, 0);
  EXPECT_TRUE(c.partition_starts.empty());
  EXPECT_EQ(c.unsupported_column, "id UUID");

  TableSchema none = MixedSchema(PartitionBy::kNone);
  c = ChooseSealCandidates(none, {Entry(0, false)}, kT0 + 100 * kDay, 0);
  EXPECT_TRUE(c.partition_starts.empty());
  EXPECT_TRUE(c.unsupported_column.empty());
  EXPECT_TRUE(ChooseSealCandidates(MixedSchema(), {}, kT0, 0).partition_starts.empty());
}

// Differential: random tables, clocks and settings against the rule written out plainly.
TEST(ChooseSealCandidatesTest, MatchesTheModelOnRandomTables) {
  std::mt19937_64 rng(20261203);
  for (int iter = 0; iter < 3000; ++iter) {
    const PartitionBy by =
        std::vector<PartitionBy>{PartitionBy::kHour, PartitionBy::kDay, PartitionBy::kWeek,
                                 PartitionBy::kMonth, PartitionBy::kYear}[rng() % 5];
    const TableSchema schema = MixedSchema(by);
    std::vector<PartitionInfo> parts;
    int64_t t = PartitionFloor(by, kT0 + static_cast<int64_t>(rng() % (400 * kDay)));
    const int n = static_cast<int>(rng() % 7);
    for (int i = 0; i < n; ++i) {
      const int entries = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < entries; ++e) parts.push_back(Entry(t, rng() % 3 == 0));
      for (int skip = static_cast<int>(rng() % 3); skip >= 0; --skip) t = PartitionNext(by, t);
    }
    const int64_t now = kT0 + static_cast<int64_t>(rng() % (900 * kDay));
    const int64_t after = static_cast<int64_t>(rng() % 4) * kDay / 2;
    std::vector<int64_t> expected;
    std::set<int64_t> starts;
    for (const auto& p : parts) starts.insert(p.partition_start_us);
    for (int64_t s : starts) {
      if (s == *starts.rbegin()) continue;  // the newest
      bool has_raw = false;
      for (const auto& p : parts) has_raw |= p.partition_start_us == s && !p.is_compressed;
      if (has_raw && PartitionNext(by, s) + after <= now) expected.push_back(s);
    }
    EXPECT_EQ(ChooseSealCandidates(schema, parts, now, after).partition_starts, expected)
        << "iter=" << iter;
  }
}

// ---- one seal -------------------------------------------------------------------------------

class PartitionSealTest : public EngineFixture {
 protected:
  // `per_day` rows on each of `days` days into table `name`.
  void Load(const std::string& name, int days, int per_day, bool keep_model = true) {
    ASSERT_TRUE(engine_->CreateTable(name, MixedSchema()).ok());
    auto w = engine_->AcquireWriter(name);
    ASSERT_TRUE(w.ok());
    int i = 0;
    for (int d = 0; d < days; ++d) {
      for (int k = 0; k < per_day; ++k, ++i) {
        Row r = MakeRow(kT0 + d * kDay + static_cast<int64_t>(k) * (kDay / per_day), i);
        ASSERT_TRUE(WriteRow(**w, r).ok());
        if (keep_model) model_.push_back(r);
      }
    }
    ASSERT_TRUE((*w)->Commit().ok());
    model_ = SortedByTs(model_);
  }
  void Write(const std::vector<Row>& rows) {
    auto w = engine_->AcquireWriter("t");
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    for (const auto& r : rows) ASSERT_TRUE(WriteRow(**w, r).ok());
    ASSERT_TRUE((*w)->Commit().ok());
    for (const auto& r : rows) model_.push_back(r);
    model_ = SortedByTs(model_);
  }
  std::vector<Row> Rows() {
    auto v = engine_->Pin("t");
    EXPECT_TRUE(v.ok());
    return v.ok() ? ReadRows(*v) : std::vector<Row>{};
  }
  // Per partition entry: is it compressed.
  std::vector<bool> Compressed() {
    std::vector<bool> out;
    auto v = engine_->Pin("t");
    for (const auto& p : v->partitions()) out.push_back(p.is_compressed);
    return out;
  }
  int StagingDirs(const std::string& table = "t") {
    int n = 0;
    auto entries = fs_->ListDir(TableDir(table));
    for (const auto& e : *entries) n += e.name.find(".seal.tmp") != std::string::npos;
    return n;
  }
  std::vector<Row> model_;
};

TEST_F(PartitionSealTest, SealKeepsEveryRowAndRefusesWhatItMustNot) {
  Load("t", 4, 3000);
  for (int d = 0; d < 3; ++d) {
    auto r = engine_->SealPartition("t", kT0 + d * kDay);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->outcome, SealOutcome::kSealed);
    EXPECT_EQ(r->entries, 1);
    EXPECT_GT(r->raw_bytes, r->compressed_bytes);
    EXPECT_EQ(Rows(), model_) << "day " << d;
  }
  EXPECT_EQ(Compressed(), (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(StagingDirs(), 0);
  const EngineCounters c = engine_->counters();
  EXPECT_EQ(c.partitions_sealed, 3u);
  EXPECT_GT(c.sealed_raw_bytes, c.sealed_compressed_bytes);

  auto again = engine_->SealPartition("t", kT0);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, SealOutcome::kNothingToDo);
  auto newest = engine_->SealPartition("t", kT0 + 3 * kDay);
  EXPECT_EQ(newest.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(newest.status().message().find("active partition"), std::string::npos);
  EXPECT_EQ(engine_->SealPartition("t", kT0 - kDay).status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(engine_->SealPartition("nope", kT0).status().code(), core::StatusCode::kNotFound);

  TableSchema uuid = MixedSchema();
  uuid.columns.push_back({"id", ColumnType::kUuid});
  ASSERT_TRUE(engine_->CreateTable("u", uuid).ok());
  {
    auto w = engine_->AcquireWriter("u");
    ASSERT_TRUE(w.ok());
    for (int d = 0; d < 2; ++d) ASSERT_TRUE(WriteRow(**w, MakeRow(kT0 + d * kDay, d)).ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  auto unsupported = engine_->SealPartition("u", kT0);
  EXPECT_EQ(unsupported.status().code(), core::StatusCode::kUnsupported);
  EXPECT_NE(unsupported.status().message().find("id UUID"), std::string::npos);
  EXPECT_EQ(StagingDirs("u"), 0);

  Reopen();  // the sealed versions are what `_txn` says
  EXPECT_EQ(Rows(), model_);
  EXPECT_EQ(Compressed(), (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(engine_->counters().partitions_sealed, 0u);  // since this open
}

// The seal writes without the lease: a writer gets the table at once meanwhile, and its
// commit to the newest partition does not stop the seal.
TEST_F(PartitionSealTest, WriterIsNotHeldWhileTheSealWrites) {
  Load("t", 3, 5000);
  int64_t waited_us = -1;
  SealControl control;
  control.before_publish = [&] {
    const int64_t t0 = core::MonotonicMicros();
    Write({MakeRow(kT0 + 2 * kDay + kDay - 1, 99999)});  // lock timeout is 200 ms here
    waited_us = core::MonotonicMicros() - t0;
  };
  auto r = engine_->SealPartition("t", kT0, control);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->outcome, SealOutcome::kSealed);
  EXPECT_GE(waited_us, 0);
  EXPECT_EQ(Rows(), model_);
  EXPECT_EQ(Compressed(), (std::vector<bool>{true, false, false}));
}

// Whatever changes the partition or the columns between the staging and the publish, the
// staged version is not published: the table keeps the change, the staging goes, and a later
// seal starts from the new state.
TEST_F(PartitionSealTest, PartitionChangedDuringTheSealIsNotPublished) {
  Load("t", 4, 2000);
  struct Change {
    const char* what;
    std::function<void()> apply;
  };
  const std::vector<Change> changes = {
      {"out-of-order rows into the partition (rewrite)",
       [&] {
         Write({MakeRow(kT0 + kDay / 2 + 7, 50001), MakeRow(kT0 + 3, 50002)});
       }},
      {"column added",
       [&] { ASSERT_TRUE(engine_->AddColumn("t", "extra", ColumnType::kInt).ok()); }},
      {"column dropped", [&] { ASSERT_TRUE(engine_->DropColumn("t", "extra").ok()); }},
  };
  for (const Change& change : changes) {
    SealControl control;
    control.before_publish = change.apply;
    auto r = engine_->SealPartition("t", kT0, control);
    ASSERT_TRUE(r.ok()) << change.what << ": " << r.status().ToString();
    EXPECT_EQ(r->outcome, SealOutcome::kChanged) << change.what;
    EXPECT_EQ(Rows(), model_) << change.what;
    EXPECT_FALSE(Compressed()[0]) << change.what;
    EXPECT_EQ(StagingDirs(), 0) << change.what;
  }
  EXPECT_EQ(engine_->counters().partitions_sealed, 0u);
  // From the new state it goes through.
  auto r = engine_->SealPartition("t", kT0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome, SealOutcome::kSealed);
  EXPECT_EQ(Rows(), model_);

  // The partition became the newest (the newer ones dropped): not published either.
  SealControl control;
  control.before_publish = [&] {
    ASSERT_TRUE(engine_->DropPartitions("t", {kT0 + 2 * kDay, kT0 + 3 * kDay}).ok());
    model_.erase(std::remove_if(model_.begin(), model_.end(),
                                [](const Row& row) { return row.ts >= kT0 + 2 * kDay; }),
                 model_.end());
  };
  r = engine_->SealPartition("t", kT0 + kDay, control);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome, SealOutcome::kChanged);
  EXPECT_EQ(Compressed(), (std::vector<bool>{true, false}));
  EXPECT_EQ(Rows(), model_);
  EXPECT_EQ(StagingDirs(), 0);
}

// An out-of-order commit that splits the entry leaves it as it was (same directory, same rows)
// and adds a new entry: the staged entry is still current and is published; the new entry,
// raw, is sealed by the next seal.
TEST_F(PartitionSealTest, SplitDuringTheSealPublishesTheUnchangedEntry) {
  Load("t", 3, 10000);
  SealControl control;
  control.before_publish = [&] { Write({MakeRow(kT0 + kDay - 1, 70000)}); };
  auto r = engine_->SealPartition("t", kT0, control);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->outcome, SealOutcome::kSealed);
  EXPECT_EQ(Compressed(), (std::vector<bool>{true, false, false, false}));  // the split entry
  EXPECT_EQ(Rows(), model_);
  r = engine_->SealPartition("t", kT0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome, SealOutcome::kSealed);
  EXPECT_EQ(Compressed(), (std::vector<bool>{true, true, false, false}));
  EXPECT_EQ(Rows(), model_);
}

TEST_F(PartitionSealTest, CancelledSealLeavesNothing) {
  Load("t", 3, 1000);
  std::atomic<bool> cancel{true};
  SealControl control;
  control.cancel = &cancel;
  auto r = engine_->SealPartition("t", kT0, control);
  EXPECT_EQ(r.status().code(), core::StatusCode::kCancelled);
  EXPECT_EQ(Compressed(), (std::vector<bool>{false, false, false}));
  EXPECT_EQ(StagingDirs(), 0);
  EXPECT_EQ(Rows(), model_);
}

// A crash between the staging and the publish leaves a staging directory no `_txn` names:
// the next open removes it.
TEST_F(PartitionSealTest, StagingLeftByACrashIsRemovedAtOpen) {
  Load("t", 3, 1000);
  SealControl control;
  std::string copy = dir_.Sub("copy");
  control.before_publish = [&] {
    // What the disk holds at this instant, as a crash would leave it.
    ASSERT_EQ(std::system(("cp -a " + TableDir("t") + " " + copy).c_str()), 0);
  };
  ASSERT_TRUE(engine_->SealPartition("t", kT0, control).ok());
  engine_.reset();
  ASSERT_TRUE(fs_->RemoveAll(TableDir("t")).ok());
  ASSERT_TRUE(fs_->Rename(copy, TableDir("t")).ok());
  ASSERT_EQ(StagingDirs(), 1);
  Reopen();
  EXPECT_EQ(StagingDirs(), 0);
  EXPECT_EQ(Compressed(), (std::vector<bool>{false, false, false}));
  EXPECT_EQ(Rows(), model_);
}

// A writer appending to the newest partition, and every other batch writing out-of-order rows
// into the partitions being sealed, while the job passes over the table: no writer error, no
// row lost, and once the writer stops every cold partition ends up sealed.
TEST_F(PartitionSealTest, WriterDuringSealsGetsNoErrorAndLosesNoRow) {
  Load("t", 6, 20000);
  std::mutex model_mu;
  std::atomic<bool> stop{false};
  std::atomic<int> writer_errors{0}, batches{0};
  std::atomic<int64_t> max_commit_us{0}, max_wait_us{0};
  auto writer = [&] {
    std::mt19937_64 rng(5);
    int i = 1'000'000;
    for (bool out_of_order = false; !stop.load(); out_of_order = !out_of_order) {
      std::vector<Row> rows;
      for (int k = 0; k < 200; ++k, ++i) {
        const int64_t ts = out_of_order ? kT0 + static_cast<int64_t>(rng() % (5 * kDay))
                                        : kT0 + 6 * kDay + int64_t{i} * 1000;
        rows.push_back(MakeRow(ts, i));
      }
      const int64_t t0 = core::MonotonicMicros();
      auto w = engine_->AcquireWriter("t");  // lock timeout: 200 ms in this fixture
      const int64_t waited = core::MonotonicMicros() - t0;
      for (int64_t prev = max_wait_us.load();
           waited > prev && !max_wait_us.compare_exchange_weak(prev, waited);) {
      }
      if (!w.ok()) {
        ++writer_errors;
        continue;
      }
      bool ok = true;
      for (const auto& r : rows) ok &= WriteRow(**w, r).ok();
      ok &= (*w)->Commit().ok();
      w->Reset();
      const int64_t took = core::MonotonicMicros() - t0;
      int64_t prev = max_commit_us.load();
      while (took > prev && !max_commit_us.compare_exchange_weak(prev, took)) {
      }
      if (!ok) {
        ++writer_errors;
        continue;
      }
      ++batches;
      std::lock_guard lk(model_mu);
      for (auto& r : rows) model_.push_back(std::move(r));
    }
  };
  ManualClock clock(kT0 + 30 * kDay);
  PartitionSealer sealer(engine_.get(), {kDay, 60'000, &clock});
  SealPassStats total;
  {
    std::thread thread(writer);
    // At least six passes, and on until the writer has committed 40 batches meanwhile (its
    // out-of-order rows make sealed days raw again, so the passes keep sealing).
    const int64_t deadline_us = core::MonotonicMicros() + 60'000'000;
    for (int pass = 0; pass < 6 || (batches.load() < 40 && core::MonotonicMicros() < deadline_us);
         ++pass) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      SealPassStats s = sealer.RunOnce();
      total.sealed += s.sealed;
      total.changed += s.changed;
      total.failed += s.failed;
    }
    stop.store(true);
    thread.join();
  }
  EXPECT_EQ(writer_errors.load(), 0);
  EXPECT_EQ(total.failed, 0);
  EXPECT_GT(batches.load(), 5);
  // A batch's time includes the writer's own work: out-of-order rows into a sealed day decode
  // it and write it back whole. The wait for the lease is what a seal can add.
  std::printf(
      "seal passes with a writer: sealed=%d changed=%d batches=%d, slowest lease wait "
      "%.1f ms, slowest batch %.1f ms\n",
      total.sealed, total.changed, batches.load(), max_wait_us.load() / 1000.0,
      max_commit_us.load() / 1000.0);
  model_ = SortedByTs(model_);
  EXPECT_EQ(Rows(), model_);
  for (int pass = 0; pass < 3; ++pass) sealer.RunOnce();
  auto v = engine_->Pin("t");
  for (const auto& p : v->partitions()) {
    EXPECT_EQ(p.is_compressed, p.partition_start_us != v->partitions().back().partition_start_us)
        << PartitionName(PartitionBy::kDay, p.partition_start_us);
  }
  EXPECT_EQ(ReadRows(*v), model_);
  EXPECT_EQ(StagingDirs(), 0);
}

// The figure the seal's split is for: a writer committing one row at a time to the newest
// partition while a 1M-row partition is sealed keeps committing throughout (the seal's
// duration and the writer's slowest commit are printed, not asserted: the machine may be
// loaded).
TEST_F(PartitionSealTest, WriterKeepsCommittingDuringTheSealOfAMillionRows) {
  Load("t", 1, 1'000'000, false);
  {
    auto w = engine_->AcquireWriter("t");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE(WriteRow(**w, MakeRow(kT0 + kDay, 0)).ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  std::atomic<bool> stop{false}, sealing{false};
  std::atomic<int> commits_during_seal{0}, errors{0};
  std::atomic<int64_t> max_commit_us{0};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      const int64_t t0 = core::MonotonicMicros();
      auto w = engine_->AcquireWriter("t");
      bool ok = w.ok() && WriteRow(**w, MakeRow(kT0 + kDay + 1 + i, i)).ok() && (*w)->Commit().ok();
      if (w.ok()) w->Reset();
      const int64_t took = core::MonotonicMicros() - t0;
      if (!ok) ++errors;
      if (sealing.load()) {
        ++commits_during_seal;
        int64_t prev = max_commit_us.load();
        while (took > prev && !max_commit_us.compare_exchange_weak(prev, took)) {
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  sealing.store(true);
  const int64_t t0 = core::MonotonicMicros();
  auto r = engine_->SealPartition("t", kT0);
  const int64_t seal_us = core::MonotonicMicros() - t0;
  sealing.store(false);
  stop.store(true);
  writer.join();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->outcome, SealOutcome::kSealed);
  EXPECT_EQ(errors.load(), 0);
  std::printf(
      "seal of 1M rows: %.1f ms (writer lease held %.2f ms of it), raw %llu -> compressed "
      "%llu bytes; writer: %d commits during it, slowest %.1f ms\n",
      seal_us / 1000.0, r->lease_held_us / 1000.0, static_cast<unsigned long long>(r->raw_bytes),
      static_cast<unsigned long long>(r->compressed_bytes), commits_during_seal.load(),
      max_commit_us.load() / 1000.0);
  // Held for the whole seal, the writer would get one commit in at most (after waiting).
  EXPECT_GE(commits_during_seal.load(), 5);
  EXPECT_TRUE(Compressed()[0]);
}

// ---- the job --------------------------------------------------------------------------------

TEST_F(PartitionSealTest, JobFollowsTheClockSkipsWhatItCannotSealAndLogsItOnce) {
  Load("t", 5, 500);
  TableSchema uuid = MixedSchema();
  uuid.columns.push_back({"id", ColumnType::kUuid});
  ASSERT_TRUE(engine_->CreateTable("u", uuid).ok());
  ASSERT_TRUE(engine_->CreateTable("n", MixedSchema(PartitionBy::kNone)).ok());
  for (const char* name : {"u", "n"}) {
    auto w = engine_->AcquireWriter(name);
    ASSERT_TRUE(w.ok());
    for (int d = 0; d < 3; ++d) ASSERT_TRUE(WriteRow(**w, MakeRow(kT0 + d * kDay, d)).ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  LogCapture log;
  ManualClock clock(kT0 + 2 * kDay + kHour);  // only day 0 ended a day ago
  PartitionSealer sealer(engine_.get(), {kDay, 60'000, &clock});
  SealPassStats s = sealer.RunOnce();
  EXPECT_EQ(s.sealed, 1);
  EXPECT_EQ(Compressed(), (std::vector<bool>{true, false, false, false, false}));
  clock.Set(kT0 + 365 * kDay);
  s = sealer.RunOnce();
  EXPECT_EQ(s.sealed, 3);
  EXPECT_EQ(Compressed(), (std::vector<bool>{true, true, true, true, false}));  // newest stays
  s = sealer.RunOnce();
  EXPECT_EQ(s.sealed, 0);
  EXPECT_EQ(s.failed, 0);
  EXPECT_EQ(Rows(), model_);
  for (const char* name : {"u", "n"}) {
    auto v = engine_->Pin(name);
    for (const auto& p : v->partitions()) EXPECT_FALSE(p.is_compressed) << name;
  }
  EXPECT_EQ(log.Count("partition seal skipped, no compressed layout [table=u, column=id UUID]"), 1);
  EXPECT_EQ(log.Count("partition sealed [table=t"), 4);
}

// A seal that keeps failing is logged with table and partition each time it is tried, and
// tried on passes 1, 3, 7, 15, ... (back-off doubling); once the cause is gone it goes
// through.
TEST(PartitionSealerFaultTest, FailingSealIsLoggedAndBackedOff) {
  testutil::TempDir dir;
  auto fault = std::make_shared<core::FaultFileSystem>(core::NewPosixFileSystem());
  EngineOptions o;
  o.db_root = dir.Sub("db");
  o.lock_timeout_ms = 100;
  o.purge_interval_ms = 0;
  auto engine = Engine::Open(fault, o);
  ASSERT_TRUE(engine.ok());
  ASSERT_TRUE((*engine)->CreateTable("t", MixedSchema()).ok());
  {
    auto w = (*engine)->AcquireWriter("t");
    for (int d = 0; d < 2; ++d) ASSERT_TRUE(WriteRow(**w, MakeRow(kT0 + d * kDay, d)).ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  fault->AddRule({FaultOp::kCreateDir, ".seal.tmp", EIO, false, 0, -1});
  LogCapture log;
  ManualClock clock(kT0 + 100 * kDay);
  PartitionSealer sealer(engine->get(), {kDay, 60'000, &clock});
  std::vector<int> tried_on;
  for (int pass = 1; pass <= 20; ++pass) {
    if (sealer.RunOnce().failed > 0) tried_on.push_back(pass);
  }
  EXPECT_EQ(tried_on, (std::vector<int>{1, 3, 7, 15}));
  EXPECT_EQ(log.Count("partition seal failed [table=t, partition=2025-11-21, error="), 4);
  fault->ClearRules();
  int sealed = 0;
  for (int pass = 0; pass < 40 && sealed == 0; ++pass) sealed = sealer.RunOnce().sealed;
  EXPECT_EQ(sealed, 1);
}

// Every file-system call of a seal failing in turn: the table always reads the same rows,
// and no staging directory stays behind.
TEST(PartitionSealerFaultTest, EveryFailingCallLeavesTheTableAsItWas) {
  testutil::TempDir dir;
  auto fault = std::make_shared<core::FaultFileSystem>(core::NewPosixFileSystem());
  EngineOptions o;
  o.db_root = dir.Sub("db");
  o.commit_mode = CommitMode::kSync;
  o.lock_timeout_ms = 100;
  o.purge_interval_ms = 0;
  auto engine = Engine::Open(fault, o);
  ASSERT_TRUE(engine.ok());
  ASSERT_TRUE((*engine)->CreateTable("t", MixedSchema()).ok());
  std::vector<Row> rows;
  {
    auto w = (*engine)->AcquireWriter("t");
    for (int i = 0; i < 600; ++i) {
      rows.push_back(MakeRow(kT0 + (i % 3) * kDay + i, i));
      ASSERT_TRUE(WriteRow(**w, rows.back()).ok());
    }
    ASSERT_TRUE((*w)->Commit().ok());
  }
  const std::vector<Row> model = SortedByTs(rows);
  int failures = 0;
  for (int64_t k = 0; k < 400; ++k) {
    fault->ResetCounts();
    fault->AddRule({FaultOp::kAny, "", EIO, false, k});
    auto r = (*engine)->SealPartition("t", kT0);
    const bool injected = fault->FaultsInjected() > 0;
    fault->ClearRules();
    auto v = (*engine)->Pin("t");
    ASSERT_TRUE(v.ok());
    ASSERT_EQ(ReadRows(*v), model) << "k=" << k;
    auto entries = fault->ListDir(dir.Sub("db/t"));
    for (const auto& e : *entries) {
      EXPECT_EQ(e.name.find(".seal.tmp"), std::string::npos) << "k=" << k << " " << e.name;
    }
    if (!injected) {
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(r->outcome, SealOutcome::kSealed);
      EXPECT_TRUE(v->partitions()[0].is_compressed);
      break;
    }
    ++failures;
    if (v->partitions()[0].is_compressed) {
      // Published; only a step after the rename of `_txn` failed. Undo it for the next k.
      ASSERT_TRUE((*engine)->ConvertPartitions("t", {kT0}, false).ok());
    }
  }
  EXPECT_GT(failures, 5);
}

}  // namespace
}  // namespace sundial::cairo::testing
