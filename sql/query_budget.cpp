#include "sql/query_budget.h"

#include <chrono>
#include <string>

namespace sundial::sql {
namespace {

thread_local QueryBudget* current_budget = nullptr;

}  // namespace

int64_t QueryBudget::NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

core::Status QueryBudget::CheckTime() const {
  if (deadline_us_ != 0 && NowMicros() > deadline_us_) {
    return core::Status::Cancelled("timeout, query aborted");
  }
  return core::Status::Ok();
}

core::Status QueryBudget::Charge(int64_t bytes) {
  const int64_t now = used_.fetch_add(bytes, std::memory_order_relaxed) + bytes;
  if (bytes > 0 && max_memory_ > 0 && now > max_memory_) {
    used_.fetch_sub(bytes, std::memory_order_relaxed);
    return core::Status::ResourceExhausted(
        "query memory limit exceeded [limit=" + std::to_string(max_memory_) +
        ", requested=" + std::to_string(now) + ", key=cairo.sql.max.query.memory]");
  }
  return core::Status::Ok();
}

QueryBudget* CurrentBudget() { return current_budget; }

BudgetScope::BudgetScope(QueryBudget* budget) : saved_(current_budget) { current_budget = budget; }
BudgetScope::~BudgetScope() { current_budget = saved_; }

MemoryCharge::~MemoryCharge() {
  if (budget_ != nullptr && bytes_ != 0) (void)budget_->Charge(-bytes_);
}

core::Status MemoryCharge::Update(int64_t bytes, QueryBudget* budget) {
  if (budget == nullptr) budget = budget_ != nullptr ? budget_ : CurrentBudget();
  if (budget == nullptr) return core::Status::Ok();
  budget_ = budget;
  RETURN_IF_ERROR(budget_->Charge(bytes - bytes_));
  bytes_ = bytes;
  return core::Status::Ok();
}

core::Status CheckQueryTime() {
  const QueryBudget* b = CurrentBudget();
  return b == nullptr ? core::Status::Ok() : b->CheckTime();
}

}  // namespace sundial::sql
