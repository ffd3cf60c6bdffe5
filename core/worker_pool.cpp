#include "core/worker_pool.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>
#include <new>

#include "core/log.h"

namespace sundial::core {

Status GuardFailure(std::string_view what, std::exception_ptr e) noexcept {
  Status failure = Status::Internal("internal error");
  try {
    std::rethrow_exception(e);
  } catch (const std::bad_alloc&) {
    failure = Status::Internal("out of memory");
  } catch (const std::exception& ex) {
    try {
      failure = Status::Internal(std::string("internal error: ") + ex.what());
    } catch (...) {
    }
  } catch (...) {
  }
  try {
    LogError(std::string("task failed [pool=") + std::string(what) +
             ", error=" + failure.message() + "]");
  } catch (...) {
  }
  return failure;
}

WorkerPool::WorkerPool(std::string name, int threads) : name_(std::move(name)) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { Loop(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void WorkerPool::Loop() {
  for (;;) {
    Item item;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    Status st = RunGuarded(name_, item.task);
    if (!st.ok() && item.on_failure) {
      (void)RunGuarded(name_, [&] { item.on_failure(st); });
    }
  }
}

void WorkerPool::Submit(Task task, OnFailure on_failure) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(Item{std::move(task), std::move(on_failure)});
  }
  cv_.notify_one();
}

Status WorkerPool::ParallelFor(size_t n, const std::function<void(size_t)>& fn) {
  if (n == 0) return Status::Ok();
  // Each index is claimed once, by a pool thread or by the caller; the caller waits only for
  // the indexes a pool thread claimed.
  struct Group {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<char> claimed;
    size_t running = 0;  // claimed by pool threads and not done
    Status first_error;
  };
  auto group = std::make_shared<Group>();
  group->claimed.assign(n, 0);
  group->claimed[0] = 1;
  auto record = [group](Status st) {  // by value and moved: never allocates
    std::lock_guard lock(group->mu);
    if (group->first_error.ok()) group->first_error = std::move(st);
  };
  // A Submit that fails to allocate stops the queuing: the caller runs what is left (below),
  // so no task can outlive this call and reach `fn`.
  for (size_t i = 1; i < n; ++i) {
    auto task = [group, i, &fn, record] {
      {
        std::lock_guard lock(group->mu);
        if (group->claimed[i]) return;
        group->claimed[i] = 1;
        ++group->running;
      }
      Status st = RunGuarded("parallel", [&] { fn(i); });
      if (!st.ok()) record(std::move(st));
      std::lock_guard lock(group->mu);
      --group->running;
      group->cv.notify_all();
    };
    if (!RunGuarded(name_, [&] { Submit(task); }).ok()) break;
  }
  Status st0 = RunGuarded(name_, [&] { fn(0); });
  if (!st0.ok()) record(std::move(st0));
  for (size_t i = 1; i < n; ++i) {
    {
      std::lock_guard lock(group->mu);
      if (group->claimed[i]) continue;
      group->claimed[i] = 1;
    }
    Status st = RunGuarded(name_, [&] { fn(i); });
    if (!st.ok()) record(std::move(st));
  }
  std::unique_lock lock(group->mu);
  group->cv.wait(lock, [&] { return group->running == 0; });
  return group->first_error;
}

WorkerPool* WorkerPool::Compute() {
  static WorkerPool* pool = [] {
    unsigned hc = std::thread::hardware_concurrency();
    int n = std::clamp(static_cast<int>(hc == 0 ? 2 : hc), 2, 16);
    return new WorkerPool("compute", n);  // never destroyed: queries may run until exit
  }();
  return pool;
}

}  // namespace sundial::core
