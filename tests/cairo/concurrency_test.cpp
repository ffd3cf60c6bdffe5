// Readers pin and scan on other threads while the writer commits in-order and out-of-order
// batches and purge runs: every view reads exactly the rows of its txn.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "tests/cairo/cairo_test_util.h"

namespace sundial::cairo::testing {
namespace {

class ConcurrencyTest : public EngineFixture {};

TEST_F(ConcurrencyTest, ReadersSeeExactlyTheirTxnWhileWriterCommits) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  std::mutex mu;
  std::map<uint64_t, std::vector<Row>> by_txn;
  by_txn[engine_->Pin("t")->txn()] = {};
  std::atomic<bool> done{false};
  std::atomic<int> checked{0};
  std::atomic<int> failures{0};

  auto reader = [&] {
    while (!done.load()) {
      auto v = engine_->Pin("t");
      if (!v.ok()) {
        ++failures;
        return;
      }
      std::vector<Row> rows = ReadRows(*v);
      std::vector<Row> expect;
      for (;;) {  // the writer records a txn's rows right after its Commit() returns
        std::lock_guard lk(mu);
        auto it = by_txn.find(v->txn());
        if (it != by_txn.end()) {
          expect = it->second;
          break;
        }
      }
      if (rows != expect) ++failures;
      ++checked;
    }
  };
  std::thread r1(reader), r2(reader);
  std::thread purger([&] {
    while (!done.load()) {
      engine_->Purge();
      std::this_thread::yield();
    }
  });

  std::mt19937_64 rng(99);
  std::vector<Row> model;
  {
    auto w = engine_->AcquireWriter("t");
    ASSERT_TRUE(w.ok());
    for (int c = 0; c < 60; ++c) {
      std::vector<Row> batch;
      int n = 1 + static_cast<int>(rng() % 30);
      for (int i = 0; i < n; ++i) {
        int64_t ts = rng() % 3 == 0 ? kT0 + static_cast<int64_t>(rng() % (c + 1)) * kHour
                                    : kT0 + (c + 1) * kHour + i;
        batch.push_back(MakeRow(ts, c * 100 + i));
        ASSERT_TRUE(WriteRow(**w, batch.back()).ok());
      }
      auto txn = (*w)->Commit();
      ASSERT_TRUE(txn.ok()) << txn.status().ToString();
      model.insert(model.end(), batch.begin(), batch.end());
      model = SortedByTs(std::move(model));
      std::lock_guard lk(mu);
      by_txn[*txn] = model;
    }
  }
  done = true;
  r1.join();
  r2.join();
  purger.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(checked.load(), 0);
  EXPECT_EQ(ReadRows(*engine_->Pin("t")), model);
}

}  // namespace
}  // namespace sundial::cairo::testing
