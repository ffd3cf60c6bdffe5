// tests/core/fake_http_server.h — a scripted HTTP server on a loopback port for client tests:
// each accepted connection is handed, with its 0-based number, to a handler that reads
// requests (ReadRequest) and writes whatever bytes it likes (a normal answer, half an answer,
// nothing) before returning, which closes the connection. Connections are served one at a
// time on one thread; the destructor stops it.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sundial::testing {

struct FakeRequest {
  std::string head;  // request line and headers
  std::string body;
  std::string Method() const { return head.substr(0, head.find(' ')); }
  std::string Target() const {
    size_t a = head.find(' ') + 1;
    return head.substr(a, head.find(' ', a) - a);
  }
};

class FakeHttpServer {
 public:
  using Handler = std::function<void(int fd, int connection)>;

  explicit FakeHttpServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(listen_fd_, 16);
    thread_ = std::thread([this] { Serve(); });
  }

  ~FakeHttpServer() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }

  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_; }
  std::vector<FakeRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

  // Reads one request (head, then a Content-Length body); false on EOF or error. Recorded.
  bool ReadRequest(int fd, FakeRequest* out) {
    std::string data;
    size_t end;
    char buf[65536];
    while ((end = data.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) return false;
      data.append(buf, static_cast<size_t>(n));
    }
    out->head = data.substr(0, end);
    out->body = data.substr(end + 4);
    size_t length = 0;
    std::string lower = out->head;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t cl = lower.find("\r\ncontent-length:");
    if (cl != std::string::npos) length = std::stoul(lower.substr(cl + 17));
    while (out->body.size() < length) {
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) return false;
      out->body.append(buf, static_cast<size_t>(n));
    }
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(*out);
    return true;
  }

  static void WriteAll(int fd, const std::string& s) {
    size_t done = 0;
    while (done < s.size()) {
      ssize_t n = ::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }

  // "HTTP/1.1 <status> X\r\nContent-Length: N\r\n<extra>\r\n<body>"
  static std::string Answer(int status, const std::string& body, const std::string& extra = "") {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body;
  }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      handler_(fd, connections_++);
      ::close(fd);
    }
  }

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::vector<FakeRequest> requests_;
  std::thread thread_;
};

}  // namespace sundial::testing
