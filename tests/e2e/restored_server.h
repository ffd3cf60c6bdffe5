// tests/e2e/restored_server.h — a server started the way a user restores: `sundial -d <dir>`,
// ports (and optional keys) from the environment (QuestDB's QDB_* overrides), so the backup's
// own server.conf is used unchanged otherwise. For the end-to-end backup tests.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "tests/http/server_harness.h"

namespace sundial::testing {

// A loopback port that was free a moment ago.
inline int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

inline std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

class RestoredServer {
 public:
  explicit RestoredServer(std::string dir, std::map<std::string, std::string> env = {})
      : dir_(std::move(dir)), env_(std::move(env)) {}
  ~RestoredServer() { Stop(); }
  // True once serving; false if the process exited (exit_code() then says how) or did not
  // answer /ping within 10 s.
  bool Start() {
    port_ = FreePort();
    log_ = dir_ + ".restore.log";
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      std::string http = "127.0.0.1:" + std::to_string(port_);
      ::setenv("QDB_HTTP_BIND_TO", http.c_str(), 1);
      ::setenv("QDB_LINE_TCP_NET_BIND_TO", "127.0.0.1:0", 1);
      ::setenv("QDB_HTTP_MIN_NET_BIND_TO", "127.0.0.1:0", 1);
      for (const auto& [k, v] : env_) ::setenv(k.c_str(), v.c_str(), 1);
      std::string bin = Server::BinaryPath();
      ::execl(bin.c_str(), bin.c_str(), "-d", dir_.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 500; ++i) {
      if (Get(port_, "/ping").status == 204) return true;
      int st;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        exit_code_ = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int st;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
  }
  int port() const { return port_; }
  int exit_code() const { return exit_code_; }
  std::string Log() const { return ReadAll(log_); }

 private:
  std::string dir_, log_;
  std::map<std::string, std::string> env_;
  int port_ = 0;
  int exit_code_ = -2;
  pid_t pid_ = -1;
};

}  // namespace sundial::testing
