// Starting npm's s3rver for tests (tests/core/s3rver_process.h).
#include "tests/core/s3rver_process.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sundial::testing {
namespace {

int Shell(const std::string& cmd, std::string* output) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) output->append(buf, n);
  int rc = ::pclose(p);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Installs s3rver under the build directory once; returns the path of its CLI script.
std::string Install(std::string* why, bool* skip) {
  const char* src = std::getenv("SUNDIAL_SOURCE_DIR");
  const char* bin = std::getenv("SUNDIAL_BINARY_DIR");
  if (src == nullptr || bin == nullptr) {
    *why = "SUNDIAL_SOURCE_DIR / SUNDIAL_BINARY_DIR not set (run through ctest)";
    return "";
  }
  std::string out;
  if (Shell("command -v node && command -v npm", &out) != 0) {
    *skip = true;
    *why = "node/npm not found: the s3 store tests need npm's s3rver (pkg/build.sh installs "
           "nodejs and npm)";
    return "";
  }
  const std::string work = std::string(bin) + "/tests/core/s3rver-run";
  const std::string cli = work + "/node_modules/s3rver/bin/s3rver.js";
  out.clear();
  const std::string cmd =
      "bash '" + std::string(src) + "/tests/core/s3rver/install.sh' '" + work + "'";
  if (Shell(cmd, &out) != 0) {
    *why = "npm install of s3rver failed:\n" + out;
    return "";
  }
  return cli;
}

}  // namespace

std::unique_ptr<S3rverProcess> S3rverProcess::Start(const std::string& bucket, std::string* why,
                                                    bool* skip, bool log_requests) {
  *skip = false;
  const std::string cli = Install(why, skip);
  if (cli.empty()) return nullptr;
  std::unique_ptr<S3rverProcess> s(new S3rverProcess());
  const std::string data = s->dir_.Sub("data");
  const std::string log = s->dir_.Sub("s3rver.log");
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    // s3rver's continuation tokens are DES-encrypted, which OpenSSL 3 has only in its legacy
    // provider: without it every truncated listing is a 500.
    if (log_requests) {
      // s3rver's request logger cuts the first 16 bytes of koa-logger's line, which are colour
      // codes only when colours are on: without them the method and path are lost.
      ::setenv("FORCE_COLOR", "1", 1);
      ::execlp("node", "node", "--openssl-legacy-provider", cli.c_str(), "-d", data.c_str(), "-a",
               "127.0.0.1", "-p", "0", "--configure-bucket", bucket.c_str(),
               static_cast<char*>(nullptr));
    }
    ::execlp("node", "node", "--openssl-legacy-provider", cli.c_str(), "-d", data.c_str(), "-a", "127.0.0.1", "-p", "0",
             "--silent", "--configure-bucket", bucket.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  s->pid_ = pid;
  s->log_ = log;
  const std::string marker = "S3rver listening on 127.0.0.1:";
  for (int i = 0; i < 600; ++i) {  // 30 s
    std::string text = ReadFile(log);
    size_t at = text.find(marker);
    if (at != std::string::npos && text.find('\n', at) != std::string::npos) {
      s->port_ = std::atoi(text.c_str() + at + marker.size());
      return s;
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      s->pid_ = -1;
      *why = "s3rver exited at start:\n" + text;
      return nullptr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  *why = "s3rver did not start in 30 s:\n" + ReadFile(log);
  return nullptr;
}

S3rverProcess::~S3rverProcess() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

std::string S3rverProcess::Log() const {
  const std::string raw = ReadFile(log_);
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\x1b' && i + 1 < raw.size() && raw[i + 1] == '[') {
      size_t j = i + 2;
      while (j < raw.size() && !std::isalpha(static_cast<unsigned char>(raw[j]))) ++j;
      i = j;
      continue;
    }
    out.push_back(raw[i]);
  }
  return out;
}

int S3rverProcess::StoredObjects(const std::string& bucket, const std::string& prefix) const {
  const std::string text = Log();
  const std::string head = "Stored object \"" + prefix;
  const std::string tail = "\" in bucket \"" + bucket + "\" successfully";
  int n = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const size_t at = line.find(head);
    if (at != std::string::npos && line.find(tail, at) != std::string::npos) ++n;
  }
  return n;
}

std::string S3rverProcess::Config(const std::string& bucket, const std::string& root,
                                  const std::string& secret) const {
  return "s3::bucket=" + bucket + ";" + (root.empty() ? "" : "root=" + root + ";") +
         "region=us-east-1;endpoint=" + endpoint() + ";access_key_id=" + kAccessKeyId +
         ";secret_access_key=" + secret + ";";
}

}  // namespace sundial::testing
