// core/worker_pool.h — the one thread pool type of the server: a fixed set of threads taking
// tasks from a FIFO queue. Every task runs inside a catch-all, so an exception (std::bad_alloc
// included) never leaves a pool thread and never ends the process: it is logged as one error
// line and handed, as a Status (kInternal: "out of memory" for bad_alloc, else the what()), to the
// task's failure callback, so the submitter can answer with an error. The pool keeps serving.
//
// Thread safety: Submit() and ParallelFor() may be called from any thread, including a pool
// thread (ParallelFor's caller runs the tasks nobody has started, so it never waits on a queue
// position). The destructor runs every queued task, then joins; no Submit() may race with it.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/status.h"

namespace sundial::core {

// The Status of the exception being handled (logged with `what`); for RunGuarded.
Status GuardFailure(std::string_view what, std::exception_ptr e) noexcept;

// Runs `fn`; an exception it throws becomes a Status naming `what` (and is logged). Never
// throws itself: `fn` is called as it is (no std::function is made, which could fail to
// allocate before the guard is up), and building the message may fail without consequence.
template <typename Fn>
Status RunGuarded(std::string_view what, Fn&& fn) noexcept {
  try {
    fn();
    return Status::Ok();
  } catch (...) {
    return GuardFailure(what, std::current_exception());
  }
}

class WorkerPool {
 public:
  using Task = std::function<void()>;
  using OnFailure = std::function<void(const Status&)>;

  // `name` appears in log lines; at least one thread is started.
  WorkerPool(std::string name, int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`. If it throws, `on_failure` (when set) runs on the same thread with the
  // error; an exception from `on_failure` itself is logged and dropped.
  void Submit(Task task, OnFailure on_failure = nullptr);

  // Runs fn(0) .. fn(n-1) and returns when all have ended: fn(0) on the calling thread, the
  // rest on the pool, any the pool has not started yet by the time the caller is done on the
  // caller too. Returns the first failure (an exception thrown by some fn(i)), else Ok.
  Status ParallelFor(size_t n, const std::function<void(size_t)>& fn);

  int size() const { return static_cast<int>(threads_.size()); }
  const std::string& name() const { return name_; }

  // A process-wide pool for work split within one request (aggregation), one thread per core
  // (2..16). Created on first use, lives until exit.
  static WorkerPool* Compute();

 private:
  struct Item {
    Task task;
    OnFailure on_failure;
  };
  void Loop();

  std::string name_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;  // guarded by mu_
  bool stop_ = false;       // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace sundial::core
