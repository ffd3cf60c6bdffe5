// cairo/backup_schedule.h — scheduled backups: runs BackupService::BackupDatabase (the path of
// SQL's BACKUP DATABASE) at each fire time of a cron expression read in an IANA time zone
// (server.conf `backup.schedule.cron`, `backup.schedule.tz`; QuestDB Enterprise's keys).
//
// Rules:
//  - Fire times follow core::CronExpression::NextUtcAfter (wall times of the zone; a wall time
//    that occurs twice fires once, one skipped by the clocks fires when the gap ends).
//  - Each wake the scheduler reads the wall clock: if it has reached the planned time, the
//    backup runs; then the next time is computed from the clock again. So a wall clock set
//    back re-plans from the new time, and one set forward (or a suspended machine) runs at most
//    one backup for all the times it jumped over. The thread wakes at least once a second.
//  - Times that passed while the server was down are not caught up: the first run after start
//    is the first fire time after the start.
//  - A run that finds a backup already running (BACKUP from SQL, a snapshot) is skipped, never
//    queued: logged `scheduled backup skipped [reason=...]`, last_status `skipped`. Fire times
//    that pass while a scheduled backup runs are skipped the same way (one log line).
//  - A failed backup is logged (`scheduled backup failed [error=...]`) and recorded; the
//    schedule goes on.
//
// Thread-safety: State() may be called from any thread at any time. Start/Stop from one owner
// thread. Tick() is for tests that drive the scheduler with a manual clock instead of Start().
// Stop() wakes the thread at once; if a backup is running it returns when that backup ends
// (as the server's shutdown waits for a BACKUP statement in flight).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "cairo/backup.h"
#include "core/cron.h"
#include "core/status.h"
#include "core/time_zone.h"
#include "core/timestamp.h"

namespace sundial::cairo {

struct BackupScheduleState {
  std::string cron;  // as configured
  std::string tz;    // zone name
  int64_t next_run_us = core::kNullTimestamp;  // UTC; null if none could be computed
  int64_t last_run_us = core::kNullTimestamp;  // UTC start of the last attempt; null: none yet
  std::string last_status;  // "" (none yet), "running", "ok", "failed", "skipped"
  std::string last_error;   // why the last attempt failed or was skipped; "" after "ok"
  std::string last_backup;  // directory of the last successful scheduled backup
};

class BackupScheduler {
 public:
  // `service` and `clock` must outlive the scheduler. Plans the first run from the clock.
  BackupScheduler(BackupService* service, core::CronExpression cron, core::TimeZone zone,
                  const core::Clock* clock);
  ~BackupScheduler();  // Stop()

  BackupScheduler(const BackupScheduler&) = delete;
  BackupScheduler& operator=(const BackupScheduler&) = delete;

  // From configuration text: InvalidArgument for a bad expression (naming the field), the
  // zone's error for an unknown or damaged zone (core::TimeZone::Load).
  static core::Result<std::unique_ptr<BackupScheduler>> Create(BackupService* service,
                                                               std::string_view cron,
                                                               std::string_view tz,
                                                               const core::Clock* clock);

  void Start();  // starts the scheduler's thread (once)
  void Stop();   // idempotent

  // One wake: runs the backup if the clock has reached the planned time, then plans the next.
  void Tick();

  BackupScheduleState State() const;

 private:
  void Loop();
  void Run(int64_t planned_us);
  void Plan(int64_t now_us);

  BackupService* const service_;
  const core::CronExpression cron_;
  const core::TimeZone zone_;
  const core::Clock* const clock_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  BackupScheduleState state_;
  std::thread thread_;
};

}  // namespace sundial::cairo
