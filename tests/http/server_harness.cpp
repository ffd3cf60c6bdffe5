#include "tests/http/server_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace sundial::testing {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string ReadFileText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

int ConnectTcp(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

bool SendAll(int fd, const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

Client::Client(int port, int timeout_ms) : timeout_ms_(timeout_ms) { fd_ = ConnectTcp(port); }
Client::~Client() { Close(); }

void Client::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool Client::Send(const std::string& bytes) { return fd_ >= 0 && SendAll(fd_, bytes); }

bool Client::Fill() {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms_) <= 0) return false;
  char tmp[65536];
  ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
  if (n <= 0) return false;
  buf_.append(tmp, static_cast<size_t>(n));
  return true;
}

bool Client::WaitClosed(int timeout_ms) {
  int64_t deadline = NowMs() + timeout_ms;
  while (NowMs() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(deadline - NowMs()));
    if (r <= 0) return false;
    char tmp[4096];
    ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) return true;
  }
  return false;
}

HttpResponse Client::Read(bool head_request) {
  HttpResponse r;
  if (fd_ < 0) return r;
  size_t head_end;
  for (;;) {
    head_end = buf_.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      // Skip interim 1xx responses.
      if (buf_.compare(0, 12, "HTTP/1.1 100") == 0) {
        buf_.erase(0, head_end + 4);
        continue;
      }
      break;
    }
    if (!Fill()) return r;
  }
  std::string head = buf_.substr(0, head_end);
  buf_.erase(0, head_end + 4);
  std::istringstream hs(head);
  std::string line;
  std::getline(hs, line);
  if (line.size() < 12) return r;
  int status = std::atoi(line.c_str() + 9);
  while (std::getline(hs, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t c = line.find(':');
    if (c == std::string::npos) continue;
    std::string name = line.substr(0, c);
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    size_t v = c + 1;
    while (v < line.size() && line[v] == ' ') ++v;
    r.headers[name] = line.substr(v);
  }
  if (head_request || status == 204 || status == 304) {
    r.status = status;
    return r;
  }
  if (r.Header("transfer-encoding") == "chunked") {
    r.chunked = true;
    for (;;) {
      size_t e;
      while ((e = buf_.find("\r\n")) == std::string::npos) {
        if (!Fill()) return r;
      }
      size_t n = std::strtoul(buf_.substr(0, e).c_str(), nullptr, 16);
      while (buf_.size() < e + 2 + n + 2) {
        if (!Fill()) return r;
      }
      r.body.append(buf_, e + 2, n);
      buf_.erase(0, e + 2 + n + 2);
      if (n == 0) break;
    }
  } else if (!r.Header("content-length").empty()) {
    size_t n = std::strtoul(r.Header("content-length").c_str(), nullptr, 10);
    while (buf_.size() < n) {
      if (!Fill()) return r;
    }
    r.body = buf_.substr(0, n);
    buf_.erase(0, n);
  } else {
    while (Fill()) {
    }
    r.body = buf_;
    buf_.clear();
  }
  r.status = status;
  return r;
}

std::string UrlEncode(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

HttpResponse Get(int port, const std::string& target, const std::string& extra_headers) {
  Client c(port);
  c.Send("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extra_headers + "\r\n");
  return c.Read();
}

HttpResponse Post(int port, const std::string& target, const std::string& body,
                  const std::string& extra_headers) {
  Client c(port);
  c.Send("POST " + target + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" + body);
  return c.Read();
}

HttpResponse Exec(int port, const std::string& sql, const std::string& extra_params,
                  const std::string& extra_headers) {
  return Get(port, "/exec?query=" + UrlEncode(sql) + extra_params, extra_headers);
}

Server::Server() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/sundial-http-test-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  char* d = ::mkdtemp(buf.data());
  root_ = d ? std::string(d) + "/root" : "/tmp/sundial-http-test-failed/root";
  log_path_ = std::string(d ? d : "/tmp") + "/server.log";
  conf_["http.bind.to"] = "127.0.0.1:0";
  conf_["line.tcp.net.bind.to"] = "127.0.0.1:0";
  conf_["http.min.net.bind.to"] = "127.0.0.1:0";
}

Server::~Server() {
  if (pid_ > 0) Stop(9, 5000);
  std::string dir = root_.substr(0, root_.rfind('/'));
  if (dir.find("sundial-http-test-") != std::string::npos) {
    std::string cmd = "rm -rf '" + dir + "'";
    int rc = std::system(cmd.c_str());
    (void)rc;
  }
}

std::string Server::BinaryPath() {
  if (const char* b = std::getenv("SUNDIAL_SERVER_BIN"); b && *b) return b;
  const char* dir = std::getenv("SUNDIAL_BINARY_DIR");
  return std::string(dir ? dir : ".") + "/sundial";
}

void Server::WriteConf() {
  if (conf_.empty()) return;
  ::mkdir(root_.c_str(), 0755);
  ::mkdir((root_ + "/conf").c_str(), 0755);
  std::ofstream f(root_ + "/conf/server.conf", std::ios::trunc);
  for (const auto& [k, v] : conf_) f << k << "=" << v << "\n";
}

std::string Server::Log() const { return ReadFileText(log_path_); }

bool Server::Start(int timeout_ms) {
  WriteConf();
  const size_t log_start = Log().size();  // earlier runs' lines do not count
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 2);
      ::dup2(fd, 1);
    }
    for (const auto& [k, v] : env_) ::setenv(k.c_str(), v.c_str(), 1);
    std::string bin = BinaryPath();
    ::execl(bin.c_str(), bin.c_str(), "-d", root_.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  pid_ = pid;
  int64_t deadline = NowMs() + timeout_ms;
  while (NowMs() < deadline) {
    std::string log = Log();
    size_t p = log.find("server started [http_port=", std::min(log_start, log.size()));
    if (p != std::string::npos) {
      http_port_ = std::atoi(log.c_str() + p + std::strlen("server started [http_port="));
      size_t t = log.find("line_tcp_port=", p);
      if (t != std::string::npos) tcp_port_ = std::atoi(log.c_str() + t + 14);
      size_t m = log.find("min_http_port=", p);
      if (m != std::string::npos) min_http_port_ = std::atoi(log.c_str() + m + 14);
      return true;
    }
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int Server::RunExpectExit(int timeout_ms) {
  if (Start(timeout_ms)) {
    Stop(9);
    return -2;  // it started
  }
  if (pid_ > 0) {
    Stop(9);
    return -1;
  }
  // Start() reaped it; rerun to get the exit code.
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) ::dup2(fd, 2);
    for (const auto& [k, v] : env_) ::setenv(k.c_str(), v.c_str(), 1);
    std::string bin = BinaryPath();
    ::execl(bin.c_str(), bin.c_str(), "-d", root_.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int Server::Stop(int sig, int timeout_ms) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, sig);
  int64_t deadline = NowMs() + timeout_ms;
  int status = 0;
  while (NowMs() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return -1;
}

}  // namespace sundial::testing
