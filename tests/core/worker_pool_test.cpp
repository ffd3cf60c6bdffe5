#include "core/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <new>
#include <stdexcept>
#include <vector>

namespace sundial::core {
namespace {

TEST(WorkerPoolTest, RunsEveryTask) {
  std::atomic<int> sum{0};
  {
    WorkerPool pool("test", 3);
    for (int i = 1; i <= 100; ++i) pool.Submit([&sum, i] { sum += i; });
  }  // the destructor runs what is queued
  EXPECT_EQ(sum.load(), 5050);
}

// A task that throws (bad_alloc or anything else) reports a Status to its submitter and the
// pool keeps serving; before the pool, such a throw on a worker thread ended the process.
TEST(WorkerPoolTest, ExceptionBecomesFailureAndPoolKeepsServing) {
  WorkerPool pool("test", 2);
  for (int round = 0; round < 20; ++round) {
    std::promise<Status> failed;
    pool.Submit([] { throw std::bad_alloc(); },
                [&failed](const Status& st) { failed.set_value(st); });
    Status st = failed.get_future().get();
    EXPECT_EQ(st.code(), StatusCode::kInternal);
    EXPECT_EQ(st.message(), "out of memory");

    std::promise<Status> failed2;
    pool.Submit([] { throw std::runtime_error("boom"); },
                [&failed2](const Status& st) { failed2.set_value(st); });
    Status st2 = failed2.get_future().get();
    EXPECT_EQ(st2.code(), StatusCode::kInternal);
    EXPECT_NE(st2.message().find("boom"), std::string::npos);

    pool.Submit([] { throw 42; });  // no callback: logged only
    std::promise<int> ok;
    pool.Submit([&ok] { ok.set_value(7); });
    EXPECT_EQ(ok.get_future().get(), 7);
  }
}

TEST(WorkerPoolTest, ParallelForRunsEachIndexOnceAndReportsFailure) {
  WorkerPool pool("test", 2);
  for (size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{7}, size_t{64}}) {
    std::vector<std::atomic<int>> hits(n);
    Status st = pool.ParallelFor(n, [&](size_t i) { hits[i]++; });
    EXPECT_TRUE(st.ok());
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(hits[i].load(), 1) << n << " " << i;
  }
  Status st = pool.ParallelFor(5, [](size_t i) {
    if (i == 3) throw std::bad_alloc();
  });
  EXPECT_EQ(st.code(), StatusCode::kInternal);
  st = pool.ParallelFor(5, [](size_t i) {
    if (i == 0) throw std::logic_error("caller side");
  });
  EXPECT_EQ(st.code(), StatusCode::kInternal);
  EXPECT_TRUE(pool.ParallelFor(4, [](size_t) {}).ok());
}

// The caller runs what the pool has not started, so ParallelFor never waits behind a queue:
// with the only pool thread blocked, it still completes.
TEST(WorkerPoolTest, ParallelForDoesNotWaitForABusyPool) {
  WorkerPool pool("test", 1);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  pool.Submit([gate] { gate.wait(); });
  std::atomic<int> count{0};
  Status st = pool.ParallelFor(8, [&](size_t) { count++; });
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(count.load(), 8);
  release.set_value();
}

TEST(WorkerPoolTest, RunGuardedTurnsExceptionsIntoStatus) {
  EXPECT_TRUE(RunGuarded("t", [] {}).ok());
  EXPECT_EQ(RunGuarded("t", [] { throw std::bad_alloc(); }).code(),
            StatusCode::kInternal);
  EXPECT_EQ(RunGuarded("t", [] { throw "x"; }).code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace sundial::core
