// cairo/partition_sealer.h — the server's background job that seals cold partitions
// (server.conf `cairo.partition.compress.after`, `cairo.partition.compress.check.interval`).
//
// Rules:
//  - Every interval the job lists the tables, and for each one pins it and asks
//    ChooseSealCandidates (cairo/partition_seal.h) which partitions are cold: partitioned
//    tables only, never the newest partition, only partitions that ended at least `after`
//    ago (by the injected clock), not those already compressed. It seals them one at a time
//    through Engine::SealPartition, which holds the table's writer only to publish.
//  - A table with a column type that has no compressed layout is skipped; that is logged once
//    per table and column (`partition seal skipped, no compressed layout [...]`).
//  - A partition that changed during its seal is tried again on the next pass; a table whose
//    writer stayed busy, likewise.
//  - A failed seal is logged once per attempt with table and partition
//    (`partition seal failed [...]`), and the partition is not tried again for 2, 4, 8 ... up
//    to 64 passes, so a partition that cannot be sealed never loops.
//  - Stop() wakes the thread and cancels a seal under way (between columns, its staged files
//    removed), so shutdown does not wait for a large partition.
//
// Thread-safety: Start/Stop from one owner thread; RunOnce (tests) not concurrently with the
// thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "cairo/engine.h"
#include "core/timestamp.h"

namespace sundial::cairo {

struct PartitionSealerOptions {
  int64_t after_us = 86'400'000'000LL;  // cairo.partition.compress.after (>= 0)
  int64_t interval_ms = 60'000;         // cairo.partition.compress.check.interval
  const core::Clock* clock = core::SystemClock::Instance();
};

// What one pass did (tests, logs).
struct SealPassStats {
  int sealed = 0;      // partitions published compressed
  int changed = 0;     // changed during their seal, left for the next pass
  int failed = 0;      // failed (logged, backed off)
  int busy = 0;        // the writer stayed busy, or the table was not tidied yet
  int backed_off = 0;  // skipped because an earlier attempt failed
};

class PartitionSealer {
 public:
  // `engine` must outlive the sealer.
  PartitionSealer(Engine* engine, PartitionSealerOptions options);
  ~PartitionSealer();  // Stop()

  PartitionSealer(const PartitionSealer&) = delete;
  PartitionSealer& operator=(const PartitionSealer&) = delete;

  void Start();  // starts the thread (once)
  void Stop();   // idempotent

  // One pass over every table.
  SealPassStats RunOnce();

 private:
  struct Backoff {
    int failures = 0;
    uint64_t retry_at_pass = 0;
  };
  void SealTable(const std::string& table, SealPassStats* stats);

  Engine* const engine_;
  const PartitionSealerOptions options_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
  uint64_t pass_ = 0;
  std::map<std::pair<std::string, int64_t>, Backoff> backoff_;  // by table, partition start
  std::set<std::string> logged_unsupported_;                    // "table/column TYPE"
};

}  // namespace sundial::cairo
