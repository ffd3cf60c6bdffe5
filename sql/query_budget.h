// sql/query_budget.h — the limits of one statement's execution: a deadline (query.timeout) and
// a cap on the memory its hash tables, sort buffers and join build sides take
// (cairo.sql.max.query.memory).
//
// SqlEngine makes one budget per statement and installs it on the thread that runs the
// statement's operators (BudgetScope, also around every RowSource::Next), so operators find it
// with CurrentBudget() without having it passed down; code that runs work on other threads
// takes the pointer first and hands it to them. Materialising operators call CheckTime() once
// per batch or chunk and Charge() as their tables grow; both return the error that ends the
// query (Cancelled `timeout, query aborted`, ResourceExhausted `query memory limit exceeded`).
// The memory is an estimate of what the operators hold, given back when they are destroyed.
// Thread-safe (Charge and CheckTime may be called from several workers at once).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "core/status.h"

namespace sundial::sql {

class QueryBudget {
 public:
  // deadline: steady-clock microseconds (0: none); max_memory_bytes: 0 for no cap.
  QueryBudget(int64_t deadline_us, int64_t max_memory_bytes)
      : deadline_us_(deadline_us), max_memory_(max_memory_bytes) {}

  // Steady-clock microseconds, the clock of deadlines.
  static int64_t NowMicros();

  core::Status CheckTime() const;
  // Adds `bytes` (negative: gives back) to the query's memory; refuses what would pass the cap
  // (and then adds nothing).
  core::Status Charge(int64_t bytes);
  int64_t used() const { return used_.load(std::memory_order_relaxed); }

 private:
  const int64_t deadline_us_;
  const int64_t max_memory_;
  std::atomic<int64_t> used_{0};
};

// The budget of the statement this thread runs, or null (no limits).
QueryBudget* CurrentBudget();

// Installs `budget` as this thread's CurrentBudget() for the scope's life (nesting restores).
class BudgetScope {
 public:
  explicit BudgetScope(QueryBudget* budget);
  ~BudgetScope();
  BudgetScope(const BudgetScope&) = delete;
  BudgetScope& operator=(const BudgetScope&) = delete;

 private:
  QueryBudget* saved_;
};

// An operator's share of the query's memory: Update() charges the change of its estimate,
// the destructor gives it all back. Not thread-safe (one per operator).
class MemoryCharge {
 public:
  MemoryCharge() = default;
  ~MemoryCharge();
  MemoryCharge(const MemoryCharge&) = delete;
  MemoryCharge& operator=(const MemoryCharge&) = delete;
  // Sets this operator's estimate to `bytes` within `budget` (null: CurrentBudget(); none: Ok).
  core::Status Update(int64_t bytes, QueryBudget* budget = nullptr);

 private:
  QueryBudget* budget_ = nullptr;
  int64_t bytes_ = 0;
};

// Checks the current budget's deadline (Ok without a budget).
core::Status CheckQueryTime();

}  // namespace sundial::sql
