// A blocking HTTP/1.1 client over POSIX sockets (core/http_client.h).
#include "core/http_client.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sundial::core {
namespace {

constexpr size_t kPiece = 64 * 1024;      // body pieces read from a file / from the socket
constexpr size_t kMaxHeadBytes = 64 * 1024;  // status line + headers of one response

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerCopy(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), Lower);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Strict decimal (digits only, no sign), below 2^63.
bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

bool ParseHex(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 15) return false;
  uint64_t v = 0;
  for (char c : s) {
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) return false;
    v = v * 16 + static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

// Marks a send cut short because the server began to answer (handled inside SendOnce).
constexpr std::string_view kEarlyAnswer = "server answered before the request body was sent";

}  // namespace

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  const std::string shown(url);
  if (url.substr(0, 8) == "https://") {
    return Status::Unsupported("https is not supported (no TLS in the process); use http:// to an "
                               "in-cluster store or a local TLS proxy such as stunnel [url=" +
                               shown + "]");
  }
  if (url.substr(0, 7) != "http://") {
    return Status::InvalidArgument("url must start with http:// [url=" + shown + "]");
  }
  std::string_view rest = url.substr(7);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  HttpUrl out;
  out.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("url has an unclosed '[' [url=" + shown + "]");
    }
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') {
      return Status::InvalidArgument("url has junk after ']' [url=" + shown + "]");
    }
    if (!after.empty()) port_text = after.substr(1);
  } else {
    size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty() || out.host.find_first_of("@?# ") != std::string::npos) {
    return Status::InvalidArgument("url has no valid host [url=" + shown + "]");
  }
  if (!port_text.empty() || authority.find(':') != std::string_view::npos) {
    uint64_t port = 0;
    if (!ParseDecimal(port_text, &port) || port == 0 || port > 65535) {
      return Status::InvalidArgument("url has no valid port (1..65535) [url=" + shown + "]");
    }
    out.port = static_cast<int>(port);
  }
  return out;
}

const std::string* HttpResponse::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return &value;
  }
  return nullptr;
}

HttpClient::HttpClient(std::string host, int port, HttpClientOptions options)
    : host_(std::move(host)), port_(port), options_(options) {}

HttpClient::~HttpClient() { Close(); }

void HttpClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  rbuf_.clear();
  rpos_ = 0;
}

Status HttpClient::TransportError(std::string_view what) const {
  return Status::Unavailable(std::string(what) + " [host=" + host_ +
                             ", port=" + std::to_string(port_) + "]");
}

Status HttpClient::Connect() {
  Close();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(host_.c_str(), std::to_string(port_).c_str(), &hints, &res);
  if (rc != 0) return TransportError(std::string("http host not resolved: ") + gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(res, &::freeaddrinfo);
  Status last = TransportError("http host has no address");
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                      ai->ai_protocol);
    if (fd < 0) {
      last = TransportError(std::string("http socket failed: ") + std::strerror(errno));
      continue;
    }
    int err = 0;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        int pr;
        do {
          pr = ::poll(&p, 1, options_.connect_timeout_ms);
        } while (pr < 0 && errno == EINTR);
        socklen_t len = sizeof(err);
        if (pr == 0) {
          err = ETIMEDOUT;
        } else if (pr < 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
          err = errno;
        }
      }
    }
    if (err != 0) {
      ::close(fd);
      last = err == ECONNREFUSED ? TransportError("http connection refused")
             : err == ETIMEDOUT
                 ? TransportError("http connect timed out after " +
                                  std::to_string(options_.connect_timeout_ms) + " ms")
                 : TransportError(std::string("http connect failed: ") + std::strerror(err));
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    fd_ = fd;
    return Status::Ok();
  }
  return last;
}

Result<HttpResponse> HttpClient::Send(const HttpRequest& request, const HttpBodySink& sink) {
  const bool reused = fd_ >= 0;
  if (!reused) RETURN_IF_ERROR(Connect());
  bool answer_started = false;
  Result<HttpResponse> r = SendOnce(request, sink, &answer_started);
  if (!r.ok() && reused && !answer_started && r.status().code() == StatusCode::kUnavailable &&
      r.status().message().find("timed out") == std::string::npos) {
    // The server closed the idle connection: one more try on a fresh one.
    RETURN_IF_ERROR(Connect());
    r = SendOnce(request, sink, &answer_started);
  }
  if (!r.ok()) Close();
  return r;
}

Result<HttpResponse> HttpClient::SendOnce(const HttpRequest& request, const HttpBodySink& sink,
                                          bool* answer_started) {
  rbuf_.clear();
  rpos_ = 0;
  const uint64_t body_len = request.body_file != nullptr ? request.body_length : request.body.size();
  std::string head = request.method + " " + request.target + " HTTP/1.1\r\n";
  bool has_host = false;
  for (const auto& [name, value] : request.headers) {
    if (EqualsIgnoreCase(name, "host")) has_host = true;
    head += name + ": " + value + "\r\n";
  }
  if (!has_host) head += "Host: " + host_ + ":" + std::to_string(port_) + "\r\n";
  if (body_len > 0 || request.method == "PUT" || request.method == "POST") {
    head += "Content-Length: " + std::to_string(body_len) + "\r\n";
  }
  if (!options_.keep_alive) head += "Connection: close\r\n";
  head += "\r\n";
  Status sent = WriteAll(head.data(), head.size());
  if (sent.ok()) sent = SendBody(request);
  if (!sent.ok()) {
    if (sent.code() != StatusCode::kUnavailable && sent.message() != kEarlyAnswer) return sent;
    // The server may have answered (and closed) before reading the whole body: its answer says
    // more than the send error.
    Result<HttpResponse> early = ReadResponse(request, sink, answer_started);
    Close();
    if (early.ok() || sent.message() == kEarlyAnswer) return early;
    return sent;
  }
  return ReadResponse(request, sink, answer_started);
}

Status HttpClient::SendBody(const HttpRequest& request) {
  if (request.body_file == nullptr) {
    return request.body.empty() ? Status::Ok() : WriteAll(request.body.data(), request.body.size());
  }
  std::unique_ptr<char[]> buf(new char[kPiece]);
  uint64_t done = 0;
  while (done < request.body_length) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(kPiece, request.body_length - done));
    ASSIGN_OR_RETURN(size_t got, request.body_file->ReadAt(request.body_offset + done, buf.get(),
                                                           want));
    if (got == 0) {
      return Status::IOError("request body file is shorter than its range [path=" +
                             request.body_file->path() + ", offset=" +
                             std::to_string(request.body_offset + done) + "]");
    }
    RETURN_IF_ERROR(WriteAll(buf.get(), got));
    done += got;
  }
  return Status::Ok();
}

Status HttpClient::WriteAll(const char* data, size_t n) {
  while (n > 0) {
    pollfd p{fd_, POLLOUT | POLLIN, 0};
    int pr = ::poll(&p, 1, options_.io_timeout_ms);
    if (pr < 0 && errno == EINTR) continue;
    if (pr == 0) {
      return TransportError("http request timed out after " +
                            std::to_string(options_.io_timeout_ms) + " ms");
    }
    if (pr > 0 && (p.revents & POLLIN) != 0) return Status::Unavailable(std::string(kEarlyAnswer));
    ssize_t w = ::send(fd_, data, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return TransportError(errno == EPIPE || errno == ECONNRESET
                                ? std::string("http connection reset by peer")
                                : std::string("http send failed: ") + std::strerror(errno));
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

Status HttpClient::Fill(bool* eof) {
  *eof = false;
  if (rpos_ > 0 && rpos_ == rbuf_.size()) {
    rbuf_.clear();
    rpos_ = 0;
  } else if (rpos_ > kPiece) {
    rbuf_.erase(0, rpos_);
    rpos_ = 0;
  }
  char buf[kPiece];
  for (;;) {
    ssize_t r = ::recv(fd_, buf, sizeof(buf), 0);
    if (r > 0) {
      rbuf_.append(buf, static_cast<size_t>(r));
      return Status::Ok();
    }
    if (r == 0) {
      *eof = true;
      return TransportError("http connection closed before the response was complete");
    }
    if (errno == EINTR) continue;
    if (errno == ECONNRESET) return TransportError("http connection reset by peer");
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      return TransportError(std::string("http receive failed: ") + std::strerror(errno));
    }
    pollfd p{fd_, POLLIN, 0};
    int pr = ::poll(&p, 1, options_.io_timeout_ms);
    if (pr == 0) {
      return TransportError("http request timed out after " +
                            std::to_string(options_.io_timeout_ms) + " ms");
    }
  }
}

Result<HttpResponse> HttpClient::ReadResponse(const HttpRequest& request, const HttpBodySink& sink,
                                              bool* answer_started) {
  HttpResponse response;
  RETURN_IF_ERROR(ReadHead(&response, answer_started));
  bool reusable = options_.keep_alive;
  RETURN_IF_ERROR(ReadBody(request, &response, sink, &reusable));
  if (!reusable) Close();
  return response;
}

Status HttpClient::ReadHead(HttpResponse* response, bool* answer_started) {
  for (;;) {  // 1xx answers (100 Continue) come before the real one
    size_t end;
    while ((end = rbuf_.find("\r\n\r\n", rpos_)) == std::string::npos) {
      if (rbuf_.size() - rpos_ > kMaxHeadBytes) {
        return Status::IOError("malformed http response: head over 64 KiB [host=" + host_ + "]");
      }
      bool eof = false;
      RETURN_IF_ERROR(Fill(&eof));
      *answer_started = true;
    }
    std::string_view head(rbuf_.data() + rpos_, end - rpos_);
    rpos_ = end + 4;
    size_t eol = head.find("\r\n");
    std::string_view status_line = head.substr(0, eol);
    if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." ||
        status_line[8] != ' ') {
      return Status::IOError("malformed http response: status line '" +
                             std::string(status_line.substr(0, 64)) + "' [host=" + host_ + "]");
    }
    uint64_t code = 0;
    if (!ParseDecimal(status_line.substr(9, 3), &code) || code < 100 || code > 599) {
      return Status::IOError("malformed http response: status code [host=" + host_ + "]");
    }
    response->status = static_cast<int>(code);
    response->headers.clear();
    if (status_line[7] == '0') response->headers.emplace_back("x-http-version", "1.0");
    std::string_view rest = eol == std::string_view::npos ? "" : head.substr(eol + 2);
    while (!rest.empty()) {
      size_t next = rest.find("\r\n");
      std::string_view line = rest.substr(0, next);
      rest = next == std::string_view::npos ? "" : rest.substr(next + 2);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0) {
        return Status::IOError("malformed http response: header line [host=" + host_ + "]");
      }
      response->headers.emplace_back(LowerCopy(Trim(line.substr(0, colon))),
                                     std::string(Trim(line.substr(colon + 1))));
    }
    if (code >= 200) return Status::Ok();
  }
}

Status HttpClient::Deliver(std::string_view piece, HttpResponse* response,
                           const HttpBodySink* sink) {
  if (sink != nullptr) return (*sink)(piece);
  if (response->body.size() + piece.size() > options_.max_body_bytes) {
    return Status::ResourceExhausted("http response body over " +
                                     std::to_string(options_.max_body_bytes) + " bytes [host=" +
                                     host_ + "]");
  }
  response->body.append(piece);
  return Status::Ok();
}

Status HttpClient::ReadLine(std::string_view* line) {
  size_t eol;
  while ((eol = rbuf_.find("\r\n", rpos_)) == std::string::npos) {
    if (rbuf_.size() - rpos_ > kMaxHeadBytes) {
      return Status::IOError("malformed http response: line over 64 KiB [host=" + host_ + "]");
    }
    bool eof = false;
    RETURN_IF_ERROR(Fill(&eof));
  }
  *line = std::string_view(rbuf_.data() + rpos_, eol - rpos_);
  rpos_ = eol + 2;
  return Status::Ok();
}

Status HttpClient::ReadExactly(uint64_t n, HttpResponse* response, const HttpBodySink* to) {
  bool eof = false;
  while (n > 0) {
    if (rpos_ == rbuf_.size()) RETURN_IF_ERROR(Fill(&eof));
    size_t take = static_cast<size_t>(std::min<uint64_t>(n, rbuf_.size() - rpos_));
    RETURN_IF_ERROR(Deliver(std::string_view(rbuf_.data() + rpos_, take), response, to));
    rpos_ += take;
    n -= take;
  }
  return Status::Ok();
}

Status HttpClient::ReadChunked(HttpResponse* response, const HttpBodySink* to) {
  for (;;) {
    std::string_view line;
    RETURN_IF_ERROR(ReadLine(&line));
    uint64_t size = 0;
    if (!ParseHex(Trim(line.substr(0, line.find(';'))), &size)) {
      return Status::IOError("malformed http response: chunk size [host=" + host_ + "]");
    }
    if (size == 0) {  // trailers up to an empty line
      do {
        RETURN_IF_ERROR(ReadLine(&line));
      } while (!line.empty());
      return Status::Ok();
    }
    RETURN_IF_ERROR(ReadExactly(size, response, to));
    RETURN_IF_ERROR(ReadLine(&line));
    if (!line.empty()) {
      return Status::IOError("malformed http response: chunk end [host=" + host_ + "]");
    }
  }
}

Status HttpClient::ReadBody(const HttpRequest& request, HttpResponse* response,
                            const HttpBodySink& sink, bool* reusable) {
  const HttpBodySink* to =
      sink && response->status >= 200 && response->status < 300 ? &sink : nullptr;
  const std::string* connection = response->Header("connection");
  if ((connection != nullptr && EqualsIgnoreCase(*connection, "close")) ||
      (response->Header("x-http-version") != nullptr &&
       (connection == nullptr || !EqualsIgnoreCase(*connection, "keep-alive")))) {
    *reusable = false;
  }
  if (request.method == "HEAD" || response->status == 204 || response->status == 304) {
    return Status::Ok();
  }
  const std::string* te = response->Header("transfer-encoding");
  if (te != nullptr && LowerCopy(*te).find("chunked") != std::string::npos) {
    return ReadChunked(response, to);
  }
  if (const std::string* cl = response->Header("content-length")) {
    uint64_t length = 0;
    if (!ParseDecimal(*cl, &length)) {
      return Status::IOError("malformed http response: content-length [host=" + host_ + "]");
    }
    return ReadExactly(length, response, to);
  }
  *reusable = false;  // the body ends with the connection
  for (;;) {
    if (rpos_ < rbuf_.size()) {
      RETURN_IF_ERROR(Deliver(std::string_view(rbuf_.data() + rpos_, rbuf_.size() - rpos_),
                              response, to));
      rpos_ = rbuf_.size();
    }
    bool eof = false;
    Status st = Fill(&eof);
    if (eof) return Status::Ok();
    RETURN_IF_ERROR(st);
  }
}

}  // namespace sundial::core
