// Pacing of backups (cairo.sql.backup.max.bytes.per.sec): the token bucket against a fake clock
// (never over the rate, no oversleeping, bounded idle credit), the chunked copy and checksum
// against the plain ones on random sizes, a paced backup of N bytes taking at least N / rate
// (full and incremental), and the server.conf key.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <random>
#include <string>

#include "cairo/backup.h"
#include "cairo/backup_manifest.h"
#include "cairo/backup_pace.h"
#include "cairo/txn_file.h"
#include "core/config.h"
#include "core/rate_limiter.h"
#include "http/server_config.h"
#include "tests/backup/backup_test_util.h"

namespace sundial::cairo::backup_testing {
namespace {

// A monotonic clock that moves only when told (or when the limiter sleeps on it).
class FakeClock final : public core::Clock {
 public:
  int64_t NowMicros() const override { return now_us_.load(); }
  int64_t MonotonicMicros() const override { return now_us_.load(); }
  void Advance(int64_t us) { now_us_ += us; }

 private:
  std::atomic<int64_t> now_us_{1'000'000};
};

// Random rates, bursts, request sizes and work between calls: at every return the bytes
// acquired never exceed rate × elapsed; with no work between calls the stream runs at the
// rate (the time slept is the time the bytes need, give or take a microsecond per call).
TEST(RateLimiterTest, NeverExceedsTheRateAndDoesNotOversleep) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 200; round++) {
    FakeClock clock;
    const uint64_t rate = 1 + rng() % 2'000'000'000;
    const uint64_t burst = 1 + rng() % (64 << 20);
    const bool busy_caller = round % 2 == 0;  // no work between calls
    int sleeps = 0;
    core::RateLimiter limiter(rate, burst, &clock, [&](int64_t us) {
      ASSERT_GT(us, 0);
      sleeps++;
      clock.Advance(us);
    });
    const int64_t t0 = clock.MonotonicMicros();
    uint64_t total = 0;
    const int calls = 1 + static_cast<int>(rng() % 50);
    for (int i = 0; i < calls; i++) {
      if (!busy_caller) clock.Advance(static_cast<int64_t>(rng() % 2'000'000));
      const uint64_t n = rng() % (4 * burst + 1);
      limiter.Acquire(n);
      total += n;
      const double elapsed_s = static_cast<double>(clock.MonotonicMicros() - t0) / 1e6;
      ASSERT_LE(static_cast<double>(total), static_cast<double>(rate) * elapsed_s + 1.0)
          << "round " << round << " call " << i;
    }
    EXPECT_EQ(limiter.acquired_bytes(), total);
    if (busy_caller) {
      const double need_us = static_cast<double>(total) * 1e6 / static_cast<double>(rate);
      EXPECT_LE(static_cast<double>(clock.MonotonicMicros() - t0), need_us + calls + 1)
          << "round " << round;
      EXPECT_EQ(limiter.slept_micros(), clock.MonotonicMicros() - t0);
    }
  }
}

TEST(RateLimiterTest, UnlimitedNeverSleeps) {
  FakeClock clock;
  core::RateLimiter limiter(0, 1, &clock, [](int64_t) { FAIL() << "slept"; });
  EXPECT_FALSE(limiter.limited());
  for (int i = 0; i < 100; i++) EXPECT_EQ(limiter.Acquire(uint64_t{1} << 40), 0);
  EXPECT_EQ(limiter.acquired_bytes(), uint64_t{100} << 40);
}

// A long idle spell earns one burst, not the idle time × rate.
TEST(RateLimiterTest, IdleCreditIsOneBurst) {
  FakeClock clock;
  const uint64_t rate = 1 << 20, burst = 4 << 20;
  core::RateLimiter limiter(rate, burst, &clock, [&](int64_t us) { clock.Advance(us); });
  clock.Advance(3'600'000'000);  // an hour
  const int64_t t0 = clock.MonotonicMicros();
  for (int i = 0; i < 10; i++) limiter.Acquire(burst);
  // 10 bursts with one in hand: 9 bursts at the rate = 36 s.
  EXPECT_GE(clock.MonotonicMicros() - t0, 36'000'000);
  EXPECT_LE(clock.MonotonicMicros() - t0, 36'000'000 + 20);
}

// A sleep that wakes early (a signal, a coarse timer) is slept again: the bound holds.
TEST(RateLimiterTest, EarlyWakeupsSleepAgain) {
  FakeClock clock;
  int sleeps = 0;
  core::RateLimiter limiter(1000, 1, &clock, [&](int64_t us) {
    sleeps++;
    clock.Advance(us > 1 ? us / 2 : 1);
  });
  limiter.Acquire(10'000);  // 10 s
  EXPECT_GE(clock.MonotonicMicros() - 1'000'000, 10'000'000);
  EXPECT_GT(sleeps, 1);
}

class PacedCopyTest : public ::testing::Test {
 protected:
  std::string WriteRandom(const std::string& name, size_t size, std::mt19937_64& rng) {
    std::string data(size, '\0');
    for (auto& c : data) c = static_cast<char>(rng());
    auto f = fs_->Open(dir_.Sub(name), core::OpenMode::kTruncate);
    EXPECT_TRUE(f.ok());
    if (size > 0) {
      EXPECT_TRUE((*f)->WriteAt(0, data.data(), data.size()).ok());
    }
    return data;
  }
  testutil::TempDir dir_{"sundial-pace"};
  std::shared_ptr<core::FileSystem> fs_ = core::NewPosixFileSystem();
};

// Differential: the chunked copy and checksum against FileCrc32c and the source bytes, over
// random sizes and chunk sizes (chunk boundaries inside, at and past the end).
TEST_F(PacedCopyTest, ChunkedCopyAndCrcMatchThePlainOnes) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 60; i++) {
    const size_t size = i < 3 ? static_cast<size_t>(i) : rng() % 300'000;
    const uint64_t chunk = 1 + rng() % 70'000;
    const std::string data = WriteRandom("src" + std::to_string(i), size, rng);
    auto src = fs_->Open(dir_.Sub("src" + std::to_string(i)), core::OpenMode::kRead);
    ASSERT_TRUE(src.ok());
    auto want = FileCrc32c(**src, size);
    ASSERT_TRUE(want.ok());

    core::RateLimiter unlimited(0);
    auto a = fs_->Open(dir_.Sub("a" + std::to_string(i)), core::OpenMode::kCreateExclusive);
    ASSERT_TRUE(a.ok());
    auto crc = PacedCopyWithCrc(*fs_, **src, **a, size, unlimited, chunk);
    ASSERT_TRUE(crc.ok()) << crc.status().ToString();
    EXPECT_EQ(*crc, *want) << "size " << size << " chunk " << chunk;
    EXPECT_EQ(*fs_->ReadFile(dir_.Sub("a" + std::to_string(i))), data);

    auto b = fs_->Open(dir_.Sub("b" + std::to_string(i)), core::OpenMode::kCreateExclusive);
    ASSERT_TRUE(b.ok());
    ASSERT_TRUE(PacedCopy(*fs_, **src, **b, size, unlimited, chunk).ok());
    EXPECT_EQ(*fs_->ReadFile(dir_.Sub("b" + std::to_string(i))), data);

    auto only = PacedCrc32c(**src, size, unlimited, chunk);
    ASSERT_TRUE(only.ok());
    EXPECT_EQ(*only, *want);
    EXPECT_EQ(unlimited.acquired_bytes(), 3 * size);  // every byte went through the limiter
  }
}

// A source shorter than the range asked for is an error naming it, never a short copy or the
// CRC of fewer bytes.
TEST_F(PacedCopyTest, ShortSourceIsAnError) {
  std::mt19937_64 rng(3);
  WriteRandom("short", 1000, rng);
  auto src = fs_->Open(dir_.Sub("short"), core::OpenMode::kRead);
  ASSERT_TRUE(src.ok());
  core::RateLimiter unlimited(0);
  auto crc = PacedCrc32c(**src, 5000, unlimited, 4096);
  ASSERT_FALSE(crc.ok());
  EXPECT_NE(crc.status().message().find("short"), std::string::npos) << crc.status().ToString();
  auto dst = fs_->Open(dir_.Sub("dst"), core::OpenMode::kCreateExclusive);
  ASSERT_TRUE(dst.ok());
  EXPECT_FALSE(PacedCopyWithCrc(*fs_, **src, **dst, 5000, unlimited, 4096).ok());
}

class BackupPaceTest : public BackupFixture {
 protected:
  // Bytes a backup reads through the limiter at least once: every manifest file but the
  // `_txn`s (written from memory).
  static uint64_t PacedBytes(const BackupManifest& m) {
    uint64_t n = 0;
    for (const auto& f : m.files) {
      if (core::BaseName(f.path) != kTxnFileName) n += f.size_bytes;
    }
    return n;
  }
  std::unique_ptr<BackupService> PacedService(uint64_t rate) {
    BackupOptions o = Options();
    o.max_bytes_per_sec = rate;
    return BackupService::Create(engine_.get(), fs_, o);
  }
};

// A paced backup of N bytes takes at least N / rate, full and incremental (the checksum reads
// that decide the links are paced too), and is a whole backup.
TEST_F(BackupPaceTest, PacedBackupTakesAtLeastBytesOverRate) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  Append("t", 0, 400);  // 17 day partitions
  auto first = service_->BackupDatabase();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto m = VerifyBackup(*real_fs_, first->directory);
  ASSERT_TRUE(m.ok());
  const uint64_t n = PacedBytes(*m);
  ASSERT_GT(n, 10'000u);
  ASSERT_TRUE(real_fs_->RemoveAll(first->directory).ok());

  // Rate: the whole backup in ~0.8 s.
  const uint64_t rate = n * 5 / 4;
  const double want_s = static_cast<double>(n) / static_cast<double>(rate);
  auto service = PacedService(rate);
  for (int run = 0; run < 2; run++) {  // full, then incremental over it
    const auto t0 = std::chrono::steady_clock::now();
    auto r = service->BackupDatabase();
    const double took_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_GE(took_s, want_s) << "run " << run;
    EXPECT_LT(took_s, 3 * want_s + 5) << "run " << run;
    EXPECT_TRUE(VerifyBackup(*real_fs_, r->directory).ok());
    if (run == 1) {
      EXPECT_GT(r->bytes_linked, 0u);
    }
    EXPECT_EQ(RowsOf(*OpenRoot(r->directory), "t"), LiveRows("t"));
  }
}

TEST(BackupPaceConfigTest, KeyTakesASizeAndRefusesBadValues) {
  auto parse = [](const std::string& text) {
    auto p = core::Properties::Parse(text);
    EXPECT_TRUE(p.ok());
    return http::ReadServerConfig(*p, nullptr);
  };
  auto def = parse("");
  ASSERT_TRUE(def.ok());
  EXPECT_EQ(def->backup_max_bytes_per_sec, 0);
  auto c = parse("cairo.sql.backup.max.bytes.per.sec=64m\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->backup_max_bytes_per_sec, int64_t{64} << 20);
  for (const char* bad : {"cairo.sql.backup.max.bytes.per.sec=-1",
                          "cairo.sql.backup.max.bytes.per.sec=fast"}) {
    auto r = parse(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("cairo.sql.backup.max.bytes.per.sec"), std::string::npos);
  }
}

}  // namespace
}  // namespace sundial::cairo::backup_testing
