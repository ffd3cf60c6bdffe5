// tests/http/server_harness.h — starts the real `sundial` binary on free ports with a temp
// root, and talks to it over raw sockets (HTTP/1.1 and line protocol over TCP).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sundial::testing {

struct HttpResponse {
  int status = 0;  // 0: no (complete) response
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  bool chunked = false;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// A client connection.
class Client {
 public:
  explicit Client(int port, int timeout_ms = 10000);
  ~Client();
  bool connected() const { return fd_ >= 0; }
  bool Send(const std::string& bytes);
  // Reads one response (Content-Length, chunked, or until close). `head_request` skips the body.
  HttpResponse Read(bool head_request = false);
  // True if the peer closed the connection (reads EOF within timeout_ms).
  bool WaitClosed(int timeout_ms);
  void Close();
  int fd() const { return fd_; }

 private:
  bool Fill();
  int fd_ = -1;
  int timeout_ms_;
  std::string buf_;
};

std::string UrlEncode(const std::string& s);
// One request on a new connection.
HttpResponse Get(int port, const std::string& target, const std::string& extra_headers = "");
HttpResponse Post(int port, const std::string& target, const std::string& body,
                  const std::string& extra_headers = "");
HttpResponse Exec(int port, const std::string& sql, const std::string& extra_params = "",
                  const std::string& extra_headers = "");

class Server {
 public:
  // Creates a temp root. `conf` lines are appended to conf/server.conf (written before start).
  Server();
  ~Server();
  void SetConf(const std::string& key, const std::string& value) { conf_[key] = value; }
  void SetEnv(const std::string& key, const std::string& value) { env_[key] = value; }
  // Writes no conf file (the server then writes its default); ports come from the environment.
  void UseDefaultConf() {
    conf_.clear();
    env_["SUNDIAL_HTTP_BIND_TO"] = "127.0.0.1:0";
    env_["SUNDIAL_LINE_TCP_NET_BIND_TO"] = "127.0.0.1:0";
    env_["SUNDIAL_HTTP_MIN_NET_BIND_TO"] = "127.0.0.1:0";
  }
  // Starts the binary; returns false (and the log) if it did not report "server started".
  bool Start(int timeout_ms = 15000);
  // Starts and waits for the process to exit; returns its exit code (for bad-config tests).
  int RunExpectExit(int timeout_ms = 10000);
  // Sends `sig` and waits; returns the exit code (-1 on timeout, 128+n for a signal).
  int Stop(int sig = 15, int timeout_ms = 20000);
  bool running() const { return pid_ > 0; }
  int http_port() const { return http_port_; }
  int tcp_port() const { return tcp_port_; }
  int min_http_port() const { return min_http_port_; }  // 0: not listening
  const std::string& root() const { return root_; }
  std::string Log() const;
  static std::string BinaryPath();

 private:
  void WriteConf();
  std::string root_;
  std::string log_path_;
  std::map<std::string, std::string> conf_;
  std::map<std::string, std::string> env_;
  int pid_ = -1;
  int http_port_ = 0;
  int tcp_port_ = 0;
  int min_http_port_ = 0;
};

// Sends bytes over TCP to the line protocol port.
int ConnectTcp(int port);
bool SendAll(int fd, const std::string& bytes);

}  // namespace sundial::testing
