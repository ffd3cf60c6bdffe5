// HttpGet: see http_fetch.h.
#include "http/http_fetch.h"

#include <netdb.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/base64.h"

namespace sundial::http {
namespace {

constexpr size_t kMaxHeadBytes = 64 * 1024;

struct Url {
  std::string host;
  std::string port = "80";
  std::string target = "/";
  std::string userinfo;  // "user:pass" as written (percent-decoded)
};

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

core::Result<Url> ParseUrl(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (url.size() < kScheme.size() || strncasecmp(url.c_str(), "http://", kScheme.size()) != 0) {
    return core::Status::InvalidArgument(
        "only http:// URLs are supported (no TLS); for https use curl and 'sundial restore -' "
        "[url=" +
        url + "]");
  }
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  Url u;
  const size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    u.target = std::string(rest.substr(slash));
    if (u.target[0] == '?') u.target = "/" + u.target;
  }
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    u.userinfo = PercentDecode(authority.substr(0, at));
    authority.remove_prefix(at + 1);
  }
  if (!authority.empty() && authority[0] == '[') {  // [IPv6]:port
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return core::Status::InvalidArgument("bad host in URL [url=" + url + "]");
    }
    u.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (!authority.empty() && authority[0] == ':') u.port = std::string(authority.substr(1));
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    u.host = std::string(authority.substr(0, colon));
    u.port = std::string(authority.substr(colon + 1));
  } else {
    u.host = std::string(authority);
  }
  if (u.host.empty() || u.port.empty() ||
      u.port.find_first_not_of("0123456789") != std::string::npos ||
      u.target.find_first_of(" \r\n") != std::string::npos) {
    return core::Status::InvalidArgument("bad URL [url=" + url + "]");
  }
  return u;
}

class SocketReader final : public HttpBodyReader {
 public:
  SocketReader(int fd, int64_t timeout_ms) : fd_(fd), timeout_ms_(timeout_ms) {}
  ~SocketReader() override { ::close(fd_); }

  core::Status Connect(const Url& u);
  core::Status SendAll(std::string_view data);
  // Reads the status line and headers; sets the body framing.
  core::Status ReadHead(const std::string& url);
  core::Result<size_t> Read(char* buf, size_t n) override;

 private:
  // Raw bytes: buffered ones first, then the socket. 0 at the connection's end.
  core::Result<size_t> RawRead(char* buf, size_t n);
  core::Result<std::string> ReadLine();
  core::Status Cut(const std::string& why) {
    return core::Status::IOError("response body cut short: " + why);
  }

  int fd_;
  int64_t timeout_ms_;
  std::string buffered_;
  size_t buffered_off_ = 0;
  enum class Framing { kLength, kChunked, kUntilClose } framing_ = Framing::kUntilClose;
  uint64_t left_ = 0;  // of the body (kLength) or of the current chunk (kChunked)
  bool done_ = false;
};

core::Result<size_t> SocketReader::RawRead(char* buf, size_t n) {
  if (buffered_off_ < buffered_.size()) {
    const size_t k = std::min(n, buffered_.size() - buffered_off_);
    std::memcpy(buf, buffered_.data() + buffered_off_, k);
    buffered_off_ += k;
    return k;
  }
  // Small reads (lines of the head and of chunk sizes) go through the buffer, big ones not.
  const bool direct = n >= (64 << 10);
  if (!direct) {
    buffered_.resize(64 << 10);
    buffered_off_ = buffered_.size();
  }
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(timeout_ms_, INT32_MAX)));
    if (r == 0) return core::Status::IOError("timed out waiting for the server");
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return core::Status::FromErrno(errno, "poll failed");
    const ssize_t got =
        direct ? ::recv(fd_, buf, n, 0) : ::recv(fd_, buffered_.data(), buffered_.size(), 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return core::Status::FromErrno(errno, "could not read from the server");
    if (direct || got == 0) return static_cast<size_t>(got);
    buffered_.resize(static_cast<size_t>(got));
    buffered_off_ = 0;
    return RawRead(buf, n);
  }
}

core::Result<std::string> SocketReader::ReadLine() {
  std::string line;
  char c;
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, RawRead(&c, 1));
    if (n == 0) return Cut("the connection closed");
    if (c == '\n') break;
    line.push_back(c);
    if (line.size() > kMaxHeadBytes) return core::Status::IOError("response line too long");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

core::Status SocketReader::Connect(const Url& u) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(u.host.c_str(), u.port.c_str(), &hints, &res); rc != 0) {
    return core::Status::IOError("could not resolve host [host=" + u.host +
                                 ", error=" + gai_strerror(rc) + "]");
  }
  core::Status last = core::Status::IOError("no address for host [host=" + u.host + "]");
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      fd_ = fd;
      ::freeaddrinfo(res);
      return core::Status::Ok();
    }
    last = core::Status::FromErrno(errno,
                                   "could not connect [host=" + u.host + ", port=" + u.port + "]");
    ::close(fd);
  }
  ::freeaddrinfo(res);
  return last;
}

core::Status SocketReader::SendAll(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return core::Status::FromErrno(errno, "could not send the request");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return core::Status::Ok();
}

core::Status SocketReader::ReadHead(const std::string& url) {
  ASSIGN_OR_RETURN(std::string status_line, ReadLine());
  int status = 0;
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12 ||
      std::sscanf(status_line.c_str() + 9, "%3d", &status) != 1) {
    return core::Status::IOError("not an HTTP response [url=" + url + "]");
  }
  bool chunked = false;
  bool has_length = false;
  size_t head_bytes = status_line.size();
  for (;;) {
    ASSIGN_OR_RETURN(std::string line, ReadLine());
    if (line.empty()) break;
    head_bytes += line.size();
    if (head_bytes > kMaxHeadBytes) return core::Status::IOError("response head too large");
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    if (strcasecmp(name.c_str(), "transfer-encoding") == 0) {
      chunked = strcasecmp(value.c_str(), "chunked") == 0;
      if (!chunked) return core::Status::IOError("unsupported transfer encoding: " + value);
    } else if (strcasecmp(name.c_str(), "content-length") == 0) {
      if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) {
        return core::Status::IOError("bad Content-Length: " + value);
      }
      left_ = std::stoull(value);
      has_length = true;
    }
  }
  framing_ = chunked ? Framing::kChunked : has_length ? Framing::kLength : Framing::kUntilClose;
  if (chunked) left_ = 0;
  if (status != 200) {
    std::string body(512, '\0');
    auto n = Read(body.data(), body.size());
    body.resize(n.ok() ? *n : 0);
    return core::Status::IOError("server answered " + std::to_string(status) + " [url=" + url +
                                 ", body=" + body + "]");
  }
  return core::Status::Ok();
}

core::Result<size_t> SocketReader::Read(char* buf, size_t n) {
  if (done_ || n == 0) return size_t{0};
  if (framing_ == Framing::kUntilClose) {
    ASSIGN_OR_RETURN(size_t got, RawRead(buf, n));
    if (got == 0) done_ = true;
    return got;
  }
  if (framing_ == Framing::kChunked && left_ == 0) {
    ASSIGN_OR_RETURN(std::string line, ReadLine());
    line = line.substr(0, line.find(';'));
    if (line.empty() || line.size() > 16 ||
        line.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
      return core::Status::IOError("malformed chunked response");
    }
    left_ = std::stoull(line, nullptr, 16);
    if (left_ == 0) {  // the last chunk: trailers up to an empty line
      for (;;) {
        ASSIGN_OR_RETURN(std::string t, ReadLine());
        if (t.empty()) break;
      }
      done_ = true;
      return size_t{0};
    }
  }
  if (framing_ == Framing::kLength && left_ == 0) {
    done_ = true;
    return size_t{0};
  }
  ASSIGN_OR_RETURN(size_t got, RawRead(buf, static_cast<size_t>(std::min<uint64_t>(n, left_))));
  if (got == 0) return Cut("the connection closed before the end");
  left_ -= got;
  if (framing_ == Framing::kChunked && left_ == 0) {
    ASSIGN_OR_RETURN(std::string crlf, ReadLine());
    if (!crlf.empty()) return core::Status::IOError("malformed chunked response");
  }
  return got;
}

}  // namespace

core::Result<std::unique_ptr<HttpBodyReader>> HttpGet(const std::string& url, int64_t timeout_ms) {
  ASSIGN_OR_RETURN(Url u, ParseUrl(url));
  auto reader = std::make_unique<SocketReader>(-1, timeout_ms);
  RETURN_IF_ERROR(reader->Connect(u));
  const std::string host = u.host.find(':') == std::string::npos ? u.host : "[" + u.host + "]";
  std::string req = "GET " + u.target + " HTTP/1.1\r\nHost: " + host + ":" + u.port +
                    "\r\nUser-Agent: sundial-restore\r\nAccept: application/x-tar\r\n"
                    "Connection: close\r\n";
  if (!u.userinfo.empty()) {
    req += "Authorization: Basic " + core::Base64Encode(u.userinfo) + "\r\n";
  }
  req += "\r\n";
  RETURN_IF_ERROR(reader->SendAll(req));
  RETURN_IF_ERROR(reader->ReadHead(url));
  return std::unique_ptr<HttpBodyReader>(std::move(reader));
}

}  // namespace sundial::http
