#include "cairo/partition_sealer.h"

#include <algorithm>
#include <chrono>

#include "core/log.h"
#include "core/worker_pool.h"

namespace sundial::cairo {
namespace {

constexpr int kMaxBackoffPasses = 64;

std::string Where(const std::string& table, PartitionBy by, int64_t start) {
  return "table=" + table + ", partition=" + PartitionName(by, start);
}

}  // namespace

PartitionSealer::PartitionSealer(Engine* engine, PartitionSealerOptions options)
    : engine_(engine), options_(options) {}

PartitionSealer::~PartitionSealer() { Stop(); }

void PartitionSealer::Start() {
  if (thread_.joinable()) return;
  const int64_t interval_ms = std::max<int64_t>(options_.interval_ms, 1);
  thread_ = std::thread([this, interval_ms] {
    std::unique_lock lk(mu_);
    while (!cv_.wait_for(lk, std::chrono::milliseconds(interval_ms),
                         [this] { return stop_.load(); })) {
      lk.unlock();
      // The job's boundary: whatever the standard library throws ends this pass, not the server.
      core::Status st = core::RunGuarded("partition seal", [this] { RunOnce(); });
      if (!st.ok()) core::LogError("partition seal pass failed [error=" + st.ToString() + "]");
      lk.lock();
    }
  });
}

void PartitionSealer::Stop() {
  {
    std::lock_guard lk(mu_);
    stop_.store(true);
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

SealPassStats PartitionSealer::RunOnce() {
  SealPassStats stats;
  ++pass_;
  for (const std::string& table : engine_->ListTables()) {
    if (stop_.load()) break;
    SealTable(table, &stats);
  }
  return stats;
}

void PartitionSealer::SealTable(const std::string& table, SealPassStats* stats) {
  auto view = engine_->Pin(table);
  if (!view.ok()) return;  // dropped or renamed since the listing
  const PartitionBy by = view->schema().partition_by;
  const SealCandidates candidates = ChooseSealCandidates(
      view->schema(), view->partitions(), options_.clock->NowMicros(), options_.after_us);
  *view = TableView();  // no pin held while sealing: the seal pins what it reads
  if (!candidates.unsupported_column.empty()) {
    if (logged_unsupported_.insert(table + "/" + candidates.unsupported_column).second) {
      core::LogInfo("partition seal skipped, no compressed layout [table=" + table +
                    ", column=" + candidates.unsupported_column + "]");
    }
    return;
  }
  for (int64_t start : candidates.partition_starts) {
    if (stop_.load()) return;
    const auto key = std::make_pair(table, start);
    auto b = backoff_.find(key);
    if (b != backoff_.end() && pass_ < b->second.retry_at_pass) {
      ++stats->backed_off;
      continue;
    }
    SealControl control;
    control.cancel = &stop_;
    const int64_t begin_us = core::MonotonicMicros();
    auto r = engine_->SealPartition(table, start, control);
    if (!r.ok()) {
      const core::StatusCode code = r.status().code();
      if (code == core::StatusCode::kCancelled) return;
      if (code == core::StatusCode::kUnavailable) {  // the writer stayed busy
        ++stats->busy;
        continue;
      }
      if (code == core::StatusCode::kNotFound) continue;  // dropped meanwhile
      Backoff& bo = backoff_[key];
      bo.failures = std::min(bo.failures + 1, 6);
      const int passes = std::min(1 << bo.failures, kMaxBackoffPasses);
      bo.retry_at_pass = pass_ + static_cast<uint64_t>(passes);
      ++stats->failed;
      core::LogError("partition seal failed [" + Where(table, by, start) +
                     ", error=" + r.status().ToString() +
                     ", retry_after_passes=" + std::to_string(passes) + "]");
      continue;
    }
    backoff_.erase(key);
    switch (r->outcome) {
      case SealOutcome::kSealed:
        ++stats->sealed;
        core::LogInfo("partition sealed [" + Where(table, by, start) + ", entries=" +
                      std::to_string(r->entries) + ", raw_bytes=" + std::to_string(r->raw_bytes) +
                      ", compressed_bytes=" + std::to_string(r->compressed_bytes) +
                      ", txn=" + std::to_string(r->txn) +
                      ", writer_held_ms=" + std::to_string(r->lease_held_us / 1000) +
                      ", ms=" + std::to_string((core::MonotonicMicros() - begin_us) / 1000) + "]");
        break;
      case SealOutcome::kChanged:
        ++stats->changed;
        core::LogInfo("partition changed during its seal, trying again later [" +
                      Where(table, by, start) + "]");
        break;
      case SealOutcome::kTableNotTidy:
        ++stats->busy;
        return;
      case SealOutcome::kNothingToDo:
        break;
    }
  }
}

}  // namespace sundial::cairo
