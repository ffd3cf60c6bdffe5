#include "cairo/backup_schedule.h"

#include <algorithm>
#include <chrono>

#include "core/log.h"

namespace sundial::cairo {

BackupScheduler::BackupScheduler(BackupService* service, core::CronExpression cron,
                                 core::TimeZone zone, const core::Clock* clock)
    : service_(service), cron_(std::move(cron)), zone_(std::move(zone)), clock_(clock) {
  state_.cron = cron_.text();
  state_.tz = zone_.name();
  Plan(clock_->NowMicros());
}

BackupScheduler::~BackupScheduler() { Stop(); }

core::Result<std::unique_ptr<BackupScheduler>> BackupScheduler::Create(BackupService* service,
                                                                       std::string_view cron,
                                                                       std::string_view tz,
                                                                       const core::Clock* clock) {
  ASSIGN_OR_RETURN(core::CronExpression expr, core::CronExpression::Parse(cron));
  ASSIGN_OR_RETURN(core::TimeZone zone, core::TimeZone::Load(tz));
  return std::make_unique<BackupScheduler>(service, std::move(expr), std::move(zone), clock);
}

void BackupScheduler::Start() {
  std::lock_guard lk(mu_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread([this] { Loop(); });
  core::LogInfo("backup schedule started [cron=" + state_.cron + ", tz=" + state_.tz +
                ", next_run=" + core::FormatTimestamp(state_.next_run_us) + "]");
}

void BackupScheduler::Stop() {
  std::thread t;
  {
    std::lock_guard lk(mu_);
    stop_ = true;
    t = std::move(thread_);
  }
  cv_.notify_all();
  if (t.joinable()) t.join();
}

BackupScheduleState BackupScheduler::State() const {
  std::lock_guard lk(mu_);
  return state_;
}

void BackupScheduler::Plan(int64_t now_us) {
  auto next = cron_.NextUtcAfter(now_us, zone_);
  std::lock_guard lk(mu_);
  if (!next.ok() && state_.next_run_us != core::kNullTimestamp) {
    core::LogError("backup schedule has no next run [error=" + next.status().ToString() + "]");
  }
  state_.next_run_us = next.ok() ? *next : core::kNullTimestamp;
}

void BackupScheduler::Tick() {
  int64_t planned;
  {
    std::lock_guard lk(mu_);
    planned = state_.next_run_us;
  }
  const int64_t now = clock_->NowMicros();
  if (planned != core::kNullTimestamp && now >= planned) Run(planned);
  Plan(clock_->NowMicros());
}

void BackupScheduler::Run(int64_t planned_us) {
  const int64_t started = clock_->NowMicros();
  {
    std::lock_guard lk(mu_);
    state_.last_run_us = started;
    state_.last_status = "running";
    state_.last_error.clear();
  }
  const std::string when = core::FormatTimestamp(planned_us);
  core::LogInfo("scheduled backup started [scheduled=" + when + "]");
  auto r = service_->BackupDatabase();
  std::string status, error, dir;
  if (r.ok()) {
    status = "ok";
    dir = r->directory;
    core::LogInfo("scheduled backup complete [scheduled=" + when + ", dir=" + r->directory +
                  ", bytes_copied=" + std::to_string(r->bytes_copied) + ", bytes_linked=" +
                  std::to_string(r->bytes_linked) + "]");
  } else if (r.status().code() == core::StatusCode::kUnavailable) {
    status = "skipped";
    error = r.status().message();
    core::LogWarn("scheduled backup skipped [reason=" + error + ", scheduled=" + when + "]");
  } else {
    status = "failed";
    error = r.status().ToString();
    core::LogError("scheduled backup failed [scheduled=" + when + ", error=" + error + "]");
  }
  {
    std::lock_guard lk(mu_);
    state_.last_status = status;
    state_.last_error = error;
    if (!dir.empty()) state_.last_backup = dir;
  }
  // Fire times that passed while this one ran are not queued (times the clock jumped over
  // before it started are not reported: they were never due while the scheduler watched).
  auto missed = cron_.NextUtcAfter(std::max(planned_us, started), zone_);
  const int64_t now = clock_->NowMicros();
  if (missed.ok() && *missed <= now) {
    core::LogWarn("scheduled backup skipped [reason=previous scheduled backup still running, "
                  "scheduled=" + core::FormatTimestamp(*missed) + "]");
  }
}

void BackupScheduler::Loop() {
  std::unique_lock lk(mu_);
  while (!stop_) {
    lk.unlock();
    Tick();
    lk.lock();
    if (stop_) break;
    // Wake at the planned time, and at least once a second to notice wall-clock changes.
    int64_t wait_us = 1'000'000;
    if (state_.next_run_us != core::kNullTimestamp) {
      wait_us = std::clamp<int64_t>(state_.next_run_us - clock_->NowMicros(), 1'000, 1'000'000);
    }
    cv_.wait_for(lk, std::chrono::microseconds(wait_us), [this] { return stop_; });
  }
}

}  // namespace sundial::cairo
