// pkg/docker/Dockerfile on a real Docker daemon: the image is built with no network, a
// container serves from a named volume, BACKUP DATABASE writes into a second mount, `docker
// stop` ends it with exit code 0 and nothing lost, and a fresh container started on the backup
// directory as /data answers exactly what the first one answered at backup time; the image's
// HEALTHCHECK (`sundial ping`) reports healthy.
//
// The daemon: $DOCKER_HOST or /var/run/docker.sock when one answers; else, as root with
// dockerd installed (Debian docker.io), one started here with its own data root, exec root
// and socket in a temp dir (vfs storage, no iptables, no bridge: containers use the host
// network) and stopped at the end. Skipped, with the reason printed, when none can run here.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

#include "tests/e2e/restored_server.h"
#include "tests/http/server_harness.h"
#include "tests/pkg/shell.h"
#include "tests/testutil/temp_dir.h"

namespace sundial::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kImageUid = 10001;  // USER in pkg/docker/Dockerfile

// A Docker daemon to talk to, started here when none runs.
class DockerDaemon {
 public:
  ~DockerDaemon() { Stop(); }

  // "" when a daemon answers; else why not (the caller skips).
  std::string Connect() {
    cli_ = RunShell("test -x /usr/bin/docker").exit_code == 0 ? "/usr/bin/docker" : "docker";
    if (RunShell("command -v " + cli_).exit_code != 0) return "docker CLI not found";
    // The classic builder: the image has no RUN step and the Debian CLI has no buildx.
    env_ = "DOCKER_BUILDKIT=0 ";
    if (const char* host = std::getenv("DOCKER_HOST"); host && *host) {
      return Answers() ? "" : "DOCKER_HOST is set but no daemon answers there";
    }
    if (RunShell("test -S /var/run/docker.sock").exit_code == 0) {
      env_ += "DOCKER_HOST=unix:///var/run/docker.sock ";
      if (Answers()) return "";
      env_ = "DOCKER_BUILDKIT=0 ";
    }
    if (::geteuid() != 0) return "no Docker daemon runs and starting one needs root";
    if (RunShell("command -v dockerd").exit_code != 0) {
      return "no Docker daemon runs and dockerd is not installed (Debian package docker.io)";
    }
    return StartOwn();
  }

  // Runs `docker ARGS` against this daemon.
  ShellResult Docker(const std::string& args) const { return RunShell(env_ + cli_ + " " + args); }

 private:
  bool Answers() const { return Docker("info --format '{{.ServerVersion}}'").exit_code == 0; }

  std::string StartOwn() {
    // A short path: the daemon's unix sockets live under it (108-byte limit).
    char pattern[] = "/tmp/sdk-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) return "could not create a temp dir for dockerd";
    dir_ = pattern;
    const std::string log = dir_ + "/dockerd.log";
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setsid();
      FILE* f = std::freopen(log.c_str(), "w", stdout);
      if (f != nullptr) ::dup2(STDOUT_FILENO, STDERR_FILENO);
      const std::string data = "--data-root=" + dir_ + "/root";
      const std::string exec = "--exec-root=" + dir_ + "/exec";
      const std::string pid = "--pidfile=" + dir_ + "/dockerd.pid";
      const std::string host = "--host=unix://" + dir_ + "/docker.sock";
      ::execlp("dockerd", "dockerd", data.c_str(), exec.c_str(), pid.c_str(), host.c_str(),
               "--storage-driver=vfs", "--iptables=false", "--ip-masq=false", "--bridge=none",
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    env_ += "DOCKER_HOST=unix://" + dir_ + "/docker.sock ";
    for (int i = 0; i < 300; ++i) {
      if (Answers()) return "";
      int status;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return "dockerd exited at start-up:\n" + ReadAll(log);
      }
      std::this_thread::sleep_for(100ms);
    }
    return "dockerd did not answer within 30 s:\n" + ReadAll(log);
  }

  void Stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status;
      for (int i = 0; i < 300 && ::waitpid(pid_, &status, WNOHANG) != pid_; ++i) {
        std::this_thread::sleep_for(100ms);
      }
      if (::kill(pid_, 0) == 0) {
        ::kill(-pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
      }
      pid_ = -1;
    }
    if (!dir_.empty()) {
      // dockerd leaves its network namespace bind-mounted under the exec root.
      RunShell("awk '$2 ~ \"^" + dir_ + "/\" {print $2}' /proc/self/mounts | sort -r | "
               "xargs -r umount -l");
      testutil::RemoveTree(dir_);
    }
  }

  std::string cli_;
  std::string env_;  // DOCKER_HOST and builder settings for every command
  std::string dir_;
  pid_t pid_ = -1;
};

// Everything the test creates in the daemon, removed at the end (also on failure).
struct DockerNames {
  explicit DockerNames(const DockerDaemon& d) : daemon(d) {
    std::random_device rd;
    const std::string id = std::to_string(::getpid()) + "-" + std::to_string(rd() % 100000);
    image = "sundial-test:" + id;
    volume = "sundial-test-data-" + id;
    for (const char* c : {"first", "again", "restored"}) {
      containers.push_back("sundial-test-" + std::string(c) + "-" + id);
    }
  }
  ~DockerNames() {
    for (const auto& c : containers) daemon.Docker("rm -f " + c);
    daemon.Docker("volume rm -f " + volume);
    daemon.Docker("rmi -f " + image);
  }
  const DockerDaemon& daemon;
  std::string image, volume;
  std::vector<std::string> containers;
};

bool WaitForPing(int port) {
  for (int i = 0; i < 750; ++i) {
    if (Get(port, "/ping").status == 204) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

// The rows of the test table, in line protocol, and their model: count and sum of `n`.
struct Rows {
  std::string lines;
  int64_t count = 0;
  int64_t sum_n = 0;
};
Rows MakeRows(uint32_t seed, int count, int64_t first_ts_s) {
  std::mt19937 rng(seed);
  Rows r;
  for (int i = 0; i < count; ++i) {
    const int64_t n = static_cast<int64_t>(rng() % 1'000'000);
    r.lines += "readings,sensor=s" + std::to_string(rng() % 9) + " n=" + std::to_string(n) +
               "i,v=" + std::to_string(rng() % 10000) + ".5 " +
               std::to_string((first_ts_s + i * 3600) * 1'000'000'000) + "\n";
    r.count += 1;
    r.sum_n += n;
  }
  return r;
}

const char* kAllRows = "SELECT * FROM readings ORDER BY timestamp";
const char* kSummary = "SELECT count(), sum(n), min(timestamp), max(timestamp) FROM readings";

std::string CountAndSum(const Rows& r) {
  return "[" + std::to_string(r.count) + "," + std::to_string(r.sum_n) + ",";
}

TEST(DockerImageTest, NamedVolumeBackupStopAndRestoreFromTheBackupDirectory) {
  const std::string context = SUNDIAL_DOCKER_CONTEXT;
  if (context.empty()) {
    GTEST_SKIP() << "this build has no static sundial for the image (sanitized builds cannot "
                    "link statically; the Release build runs this test)";
  }
  DockerDaemon daemon;
  if (std::string why = daemon.Connect(); !why.empty()) {
    std::printf("skipping: %s\n", why.c_str());
    GTEST_SKIP() << why;
  }
  DockerNames names(daemon);
  ShellResult build =
      daemon.Docker("build --network none -q -t " + names.image + " " + ShellQuote(context));
  ASSERT_EQ(build.exit_code, 0) << build.output;

  // Backups go to a host directory (a bind mount), so one of them can be mounted as /data;
  // it belongs to the image's user, as the README says to do.
  testutil::TempDir backups("sundial-docker-backups");
  ASSERT_EQ(RunShell("chown " + std::to_string(kImageUid) + ":" + std::to_string(kImageUid) + " " +
                     ShellQuote(backups.path()) + " && chmod 0755 " + ShellQuote(backups.path()))
                .exit_code,
            0);
  const int port = FreePort();
  const std::string net = " --network host -e QDB_HTTP_BIND_TO=127.0.0.1:" + std::to_string(port) +
                          " -e QDB_LINE_TCP_NET_BIND_TO=127.0.0.1:" + std::to_string(FreePort()) +
                          " --health-interval=1s --health-start-period=30s ";
  const std::string data = " -v " + names.volume + ":/data ";
  ShellResult run = daemon.Docker("run -d --name " + names.containers[0] + net + data + "-v " +
                                  ShellQuote(backups.path()) + ":/backups" +
                                  " -e QDB_CAIRO_SQL_BACKUP_ROOT=/backups " + names.image);
  if (run.exit_code != 0 && (run.output.find("OCI runtime") != std::string::npos ||
                             run.output.find("failed to create shim") != std::string::npos)) {
    std::printf("skipping: the kernel refuses containers here:\n%s\n", run.output.c_str());
    GTEST_SKIP() << "the container runtime cannot start containers here";
  }
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_TRUE(WaitForPing(port)) << daemon.Docker("logs " + names.containers[0]).output;

  const Rows before = MakeRows(20261203, 400, 1'767'225'600);  // 2026-01-01, hourly
  ASSERT_EQ(Post(port, "/write", before.lines).status, 204);
  const HttpResponse rows_at_backup = Exec(port, kAllRows);
  const HttpResponse summary_at_backup = Exec(port, kSummary);
  ASSERT_EQ(rows_at_backup.status, 200) << rows_at_backup.body;
  ASSERT_NE(summary_at_backup.body.find(CountAndSum(before)), std::string::npos)
      << summary_at_backup.body;
  const HttpResponse backup = Exec(port, "BACKUP DATABASE;");
  ASSERT_EQ(backup.status, 200) << backup.body;
  // Written after the backup: in the volume, not in the backup.
  const Rows after = MakeRows(7, 100, 1'767'225'600 + 400 * 3600);
  ASSERT_EQ(Post(port, "/write", after.lines).status, 204);
  const HttpResponse rows_at_stop = Exec(port, kAllRows);

  ShellResult stop = daemon.Docker("stop -t 30 " + names.containers[0]);
  ASSERT_EQ(stop.exit_code, 0) << stop.output;
  ShellResult exit_code =
      daemon.Docker("inspect --format '{{.State.ExitCode}}' " + names.containers[0]);
  EXPECT_EQ(exit_code.output, "0\n") << daemon.Docker("logs " + names.containers[0]).output;

  // Nothing lost: a new container on the same volume has every row.
  ShellResult again =
      daemon.Docker("run -d --name " + names.containers[1] + net + data + names.image);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  ASSERT_TRUE(WaitForPing(port)) << daemon.Docker("logs " + names.containers[1]).output;
  EXPECT_EQ(Exec(port, kAllRows).body, rows_at_stop.body);
  Rows all = before;
  all.count += after.count;
  all.sum_n += after.sum_n;
  const HttpResponse summary_again = Exec(port, kSummary);
  EXPECT_NE(summary_again.body.find(CountAndSum(all)), std::string::npos) << summary_again.body;
  ASSERT_EQ(daemon.Docker("stop -t 30 " + names.containers[1]).exit_code, 0);

  // The backup directory (the only one in the root) mounted as /data of a fresh container.
  ShellResult listed =
      RunShell("cd " + ShellQuote(backups.path()) + " && ls -d 20*/ | tr -d '/\\n'");
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  ASSERT_FALSE(listed.output.empty());
  const std::string backup_dir = backups.Sub(listed.output);
  ShellResult restored = daemon.Docker("run -d --name " + names.containers[2] + net + "-v " +
                                       ShellQuote(backup_dir) + ":/data " + names.image);
  ASSERT_EQ(restored.exit_code, 0) << restored.output;
  ASSERT_TRUE(WaitForPing(port)) << daemon.Docker("logs " + names.containers[2]).output;
  EXPECT_EQ(Exec(port, kAllRows).body, rows_at_backup.body);
  EXPECT_EQ(Exec(port, kSummary).body, summary_at_backup.body);

  std::string health;
  for (int i = 0; i < 200 && health != "healthy\n"; ++i) {
    std::this_thread::sleep_for(100ms);
    health =
        daemon.Docker("inspect --format '{{.State.Health.Status}}' " + names.containers[2]).output;
  }
  EXPECT_EQ(health, "healthy\n")
      << daemon.Docker("inspect --format '{{json .State.Health}}' " + names.containers[2]).output;
  ASSERT_EQ(daemon.Docker("stop -t 30 " + names.containers[2]).exit_code, 0);
  EXPECT_EQ(daemon.Docker("inspect --format '{{.State.ExitCode}}' " + names.containers[2]).output,
            "0\n");
}

}  // namespace
}  // namespace sundial::testing
