// Crash test: a child process commits random batches (in order and out of order, with an ADD
// COLUMN or a DROP PARTITION now and then) and reports each commit through a pipe once
// Commit() returned; the parent SIGKILLs it at random moments, reopens the engine and checks
// that the table holds exactly the reported commits, or those plus the one in flight. Seeded:
// SUNDIAL_CRASH_SEED=<n> replays a run; the seed is printed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>
#include <thread>

#include "tests/cairo/cairo_test_util.h"

namespace sundial::cairo::testing {
namespace {

constexpr int64_t kSpan = 20 * 60'000'000LL;  // each in-order batch covers 20 minutes

// Batch `k` of a run: deterministic from (seed, k), independent of what was committed.
std::vector<Row> Batch(uint64_t seed, int k) {
  std::mt19937_64 rng(seed * 1000003u + static_cast<uint64_t>(k));
  int n = 1 + static_cast<int>(rng() % 120);
  bool o3 = k > 2 && rng() % 3 == 0;
  std::vector<Row> rows;
  for (int i = 0; i < n; ++i) {
    // Out-of-order rows land in the last ~6 hours (one or two DAY partitions get rewritten).
    int64_t window = std::min<int64_t>(k, 18) * kSpan;
    int64_t ts =
        o3 ? kT0 + k * kSpan - window + static_cast<int64_t>(rng() % static_cast<uint64_t>(window))
           : kT0 + k * kSpan + i * (kSpan / n);
    Row r = MakeRow(ts, k * 1000 + i);
    if (rng() % 5 == 0) r.sym = "k" + std::to_string(k);  // new symbols now and then
    rows.push_back(std::move(r));
  }
  if (o3 && n > 1) std::shuffle(rows.begin(), rows.end(), rng);
  return rows;
}

// Every 61st step drops the oldest partition instead of writing rows; every 13th step also
// adds a column (through the writer) before writing its rows.
bool IsDropStep(int k) { return k % 61 == 60; }
bool IsAddColumnStep(int k) { return k % 13 == 12; }

// The table after step `k`, as the engine must keep it.
void ApplyStep(uint64_t seed, int k, std::vector<Row>* model) {
  if (IsDropStep(k)) {
    if (model->empty()) return;
    int64_t day = PartitionFloor(PartitionBy::kDay, model->front().ts);
    std::erase_if(*model,
                  [&](const Row& r) { return PartitionFloor(PartitionBy::kDay, r.ts) == day; });
    return;
  }
  auto rows = Batch(seed, k);
  model->insert(model->end(), rows.begin(), rows.end());
  *model = SortedByTs(std::move(*model));
}

[[noreturn]] void RunChild(const std::string& root, uint64_t seed, int first_batch, int fd) {
  EngineOptions o;
  o.db_root = root;
  o.commit_mode = CommitMode::kNoSync;
  o.o3_split_min_rows = 16;  // small partitions here: let out-of-order commits split them
  auto engine = Engine::Open(core::NewPosixFileSystem(), o);
  if (!engine.ok()) _exit(3);
  auto w = (*engine)->AcquireWriter("t");
  if (!w.ok()) _exit(4);
  for (int k = first_batch;; ++k) {
    if (IsDropStep(k)) {
      *w = WriterLease();
      auto v = (*engine)->Pin("t");
      if (!v.ok()) _exit(8);
      if (!v->partitions().empty()) {
        int64_t oldest = v->partitions().front().partition_start_us;
        if (!(*engine)->DropPartitions("t", {oldest}).ok()) _exit(9);
      }
      w = (*engine)->AcquireWriter("t");
      if (!w.ok()) _exit(4);
    } else {
      if (IsAddColumnStep(k)) {
        // Already there when the previous child was killed between the two commits.
        core::Status st = (*w)->AddColumn("c" + std::to_string(k), ColumnType::kInt);
        if (!st.ok() && st.code() != core::StatusCode::kAlreadyExists) _exit(10);
      }
      for (const Row& r : Batch(seed, k)) {
        if (!WriteRow(**w, r).ok()) _exit(5);
      }
      if (!(*w)->Commit().ok()) _exit(6);
    }
    int32_t done = k;
    if (write(fd, &done, sizeof(done)) != sizeof(done)) _exit(7);
  }
}

class EngineCrashTest : public EngineFixture {};

TEST_F(EngineCrashTest, KilledWriterLosesNothingCommitted) {
  uint64_t seed =
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  if (const char* s = std::getenv("SUNDIAL_CRASH_SEED")) seed = std::strtoull(s, nullptr, 10);
  std::cout << "crash test seed=" << seed << " (SUNDIAL_CRASH_SEED to replay)" << std::endl;
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);

  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema(PartitionBy::kDay)).ok());
  engine_.reset();
  const std::string root = dir_.Sub("db");
  std::vector<Row> model;
  int next_batch = 0;
  int in_flight_seen = 0, total_commits = 0, split_seen = 0;
  const int kIterations = 100;
  for (int iter = 0; iter < kIterations; ++iter) {
    SCOPED_TRACE("iteration " + std::to_string(iter));
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      RunChild(root, seed, next_batch, fds[1]);
    }
    close(fds[1]);
    int32_t k;
    int last_reported = next_batch - 1;
    // Mostly let the child get going first; sometimes kill it while it opens and recovers.
    if (rng() % 4 != 0 && read(fds[0], &k, sizeof(k)) == sizeof(k)) {
      ASSERT_EQ(k, last_reported + 1);
      last_reported = k;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 20000));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    while (read(fds[0], &k, sizeof(k)) == sizeof(k)) {
      ASSERT_EQ(k, last_reported + 1);
      last_reported = k;
    }
    close(fds[0]);

    std::vector<Row> reported = model;
    for (int b = next_batch; b <= last_reported; ++b) ApplyStep(seed, b, &reported);
    std::vector<Row> with_in_flight = reported;
    ApplyStep(seed, last_reported + 1, &with_in_flight);

    Reopen();
    ASSERT_TRUE(engine_->BrokenTables().empty()) << engine_->BrokenTables()[0].second.ToString();
    auto view = engine_->Pin("t");
    ASSERT_TRUE(view.ok());
    std::vector<Row> actual = ReadRows(*view);
    if (actual == reported) {
      model = std::move(reported);
      next_batch = last_reported + 1;
    } else {
      ASSERT_EQ(actual, with_in_flight)
          << "table matches neither the reported commits (" << reported.size()
          << " rows) nor those plus the one in flight";
      model = std::move(with_in_flight);
      next_batch = last_reported + 2;
      ++in_flight_seen;
    }
    total_commits = next_batch;
    const auto& parts = view->partitions();
    for (size_t p = 1; p < parts.size(); ++p) {
      if (parts[p].partition_start_us == parts[p - 1].partition_start_us) {
        ++split_seen;
        break;
      }
    }
    // Open looked only into the newest entry; the tidy of the older ones (split tails, files of
    // columns the txn does not list) changes nothing the table reads.
    engine_->Purge();
    ASSERT_EQ(ReadRows(*engine_->Pin("t")), model) << "after the tidy of older entries";
    view = TableView();
    engine_.reset();
  }
  std::cout << "crash test: " << kIterations << " kills, " << total_commits << " commits, "
            << model.size() << " rows, in-flight commit found durable " << in_flight_seen
            << " times, split partitions after " << split_seen << " reopens" << std::endl;
  EXPECT_GT(total_commits, kIterations / 2);
  EXPECT_GT(split_seen, 0);
}

}  // namespace
}  // namespace sundial::cairo::testing
