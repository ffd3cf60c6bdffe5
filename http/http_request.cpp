#include "http/http_request.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace sundial::http {
namespace {

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool ContainsToken(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    if (IEquals(TrimOws(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

}  // namespace

const std::string* HttpRequest::Param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) return &v;
  }
  return nullptr;
}

const std::string* HttpRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int h = HexValue(s[i + 1]), l = HexValue(s[i + 2]);
      if (h >= 0 && l >= 0) {
        out.push_back(static_cast<char>(h * 16 + l));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

void ParseQueryString(std::string_view qs, std::vector<std::pair<std::string, std::string>>* out) {
  while (!qs.empty()) {
    size_t amp = qs.find('&');
    std::string_view part = qs.substr(0, amp);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string key = PercentDecode(part.substr(0, eq), true);
      std::string value =
          eq == std::string_view::npos ? std::string() : PercentDecode(part.substr(eq + 1), true);
      out->emplace_back(std::move(key), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    qs.remove_prefix(amp + 1);
  }
}

void RequestParser::Reset() {
  req_ = HttpRequest();
  phase_ = Phase::kHead;
  head_.clear();
  line_.clear();
  body_remaining_ = 0;
  body_total_ = 0;
  expects_continue_ = false;
  continue_sent_ = false;
  error_status_ = 0;
  error_message_.clear();
}

RequestParser::State RequestParser::Fail(int status, std::string message) {
  error_status_ = status;
  error_message_ = std::move(message);
  return State::kError;
}

RequestParser::State RequestParser::ParseHead() {
  std::string_view head(head_);
  // Leading empty lines before a request line are tolerated (RFC 9112 2.2).
  while (head.size() >= 2 && head[0] == '\r' && head[1] == '\n') head.remove_prefix(2);
  size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos || sp1 == 0) {
    return Fail(400, "malformed request line");
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  for (char c : method) {
    if (!IsTokenChar(c)) return Fail(400, "malformed request method");
  }
  if (target.empty() || target.find(' ') != std::string_view::npos) {
    return Fail(400, "malformed request target");
  }
  for (char c : target) {
    if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f) {
      return Fail(400, "malformed request target");
    }
  }
  if (version == "HTTP/1.1") {
    req_.version_minor = 1;
  } else if (version == "HTTP/1.0") {
    req_.version_minor = 0;
  } else if (version.substr(0, 5) == "HTTP/") {
    return Fail(505, "http version not supported");
  } else {
    return Fail(400, "malformed request line");
  }
  req_.method = std::string(method);
  req_.target = std::string(target);
  size_t q = target.find('?');
  req_.path = PercentDecode(target.substr(0, q), false);
  if (q != std::string_view::npos) ParseQueryString(target.substr(q + 1), &req_.params);

  std::string_view rest = head.substr(eol + 2);
  bool has_length = false, chunked = false;
  uint64_t content_length = 0;
  while (!rest.empty()) {
    size_t e = rest.find("\r\n");
    std::string_view h = rest.substr(0, e);
    rest = e == std::string_view::npos ? std::string_view() : rest.substr(e + 2);
    if (h.empty()) break;
    size_t colon = h.find(':');
    if (colon == std::string_view::npos || colon == 0) return Fail(400, "malformed header line");
    std::string name(h.substr(0, colon));
    for (char& c : name) {
      if (!IsTokenChar(c)) return Fail(400, "malformed header name");
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    std::string_view value = TrimOws(h.substr(colon + 1));
    if (name == "content-length") {
      uint64_t n = 0;
      auto r = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || r.ec != std::errc() || r.ptr != value.data() + value.size() ||
          (has_length && n != content_length)) {
        return Fail(400, "invalid content-length");
      }
      has_length = true;
      content_length = n;
    } else if (name == "transfer-encoding") {
      if (!ContainsToken(value, "chunked")) return Fail(501, "unsupported transfer-encoding");
      chunked = true;
    } else if (name == "expect") {
      if (IEquals(value, "100-continue")) expects_continue_ = true;
    }
    req_.headers.emplace_back(std::move(name), std::string(value));
  }
  const std::string* conn = req_.Header("connection");
  if (req_.version_minor == 0) {
    req_.keep_alive = conn != nullptr && ContainsToken(*conn, "keep-alive");
  } else {
    req_.keep_alive = conn == nullptr || !ContainsToken(*conn, "close");
  }
  if (chunked && has_length) return Fail(400, "both content-length and chunked encoding");
  req_.streamed = (chunked || content_length > 0) && stream_if_ && stream_if_(req_);
  req_.body_complete = !req_.streamed;
  if (req_.streamed && stream_buffer_) req_.body = stream_buffer_();
  if (chunked) {
    phase_ = Phase::kChunkSize;
    return State::kNeedMore;
  }
  if (content_length > limits_.max_body_bytes) {
    return Fail(413, "request body too large [limit=" + std::to_string(limits_.max_body_bytes) +
                         "]");
  }
  body_remaining_ = static_cast<size_t>(content_length);
  if (!req_.streamed) req_.body.reserve(body_remaining_);
  phase_ = body_remaining_ > 0 ? Phase::kBody : Phase::kDone;
  if (phase_ == Phase::kDone) req_.body_complete = true;
  return phase_ == Phase::kDone ? State::kComplete : State::kNeedMore;
}

size_t RequestParser::FeedBody(const char* data, size_t len) {
  if (phase_ != Phase::kBody) return 0;
  size_t take = std::min(len, body_remaining_);
  if (!req_.discard_body) req_.body.append(data, take);
  body_remaining_ -= take;
  body_total_ += take;
  if (body_remaining_ == 0) {
    phase_ = Phase::kDone;
    req_.body_complete = true;
  }
  return take;
}

RequestParser::State RequestParser::Feed(const char* data, size_t len, size_t* consumed) {
  size_t pos = 0;
  auto finish = [&](State s) {
    *consumed = pos;
    return s;
  };
  while (pos < len || phase_ == Phase::kDone) {
    switch (phase_) {
      case Phase::kDone:
        return finish(State::kComplete);
      case Phase::kHead: {
        // Look for the blank line, also across the previous feed's tail.
        size_t old = head_.size();
        size_t room = limits_.max_header_bytes + 4 - std::min(old, limits_.max_header_bytes + 4);
        size_t take = std::min(len - pos, room);
        head_.append(data + pos, take);
        size_t from = old >= 3 ? old - 3 : 0;
        size_t end = head_.find("\r\n\r\n", from);
        if (end == std::string::npos) {
          pos += take;
          if (head_.size() > limits_.max_header_bytes) {
            *consumed = pos;
            return Fail(431, "request header fields too large [limit=" +
                                 std::to_string(limits_.max_header_bytes) + "]");
          }
          if (old == 0 && !head_.empty() && head_[0] != '\r' &&
              !IsTokenChar(head_[0])) {
            *consumed = pos;
            return Fail(400, "malformed request line");
          }
          break;
        }
        if (end + 4 > limits_.max_header_bytes + 4) {
          *consumed = pos + take;
          return Fail(431, "request header fields too large");
        }
        // Give back what belongs to the body.
        size_t used = end + 4 - old;
        pos += used;
        head_.resize(end + 4);
        State s = ParseHead();
        if (s == State::kError) return finish(s);
        if (s == State::kComplete) return finish(s);
        break;
      }
      case Phase::kBody: {
        size_t take = std::min(len - pos, body_remaining_);
        if (!req_.discard_body) req_.body.append(data + pos, take);
        pos += take;
        body_remaining_ -= take;
        body_total_ += take;
        if (body_remaining_ == 0) {
          phase_ = Phase::kDone;
          req_.body_complete = true;
          return finish(State::kComplete);
        }
        break;
      }
      case Phase::kChunkSize:
      case Phase::kTrailer:
      case Phase::kChunkDataEnd: {
        // Assemble one CRLF-terminated line (bounded).
        const char* nl = static_cast<const char*>(std::memchr(data + pos, '\n', len - pos));
        size_t take = nl ? static_cast<size_t>(nl - (data + pos)) + 1 : len - pos;
        line_.append(data + pos, take);
        pos += take;
        if (line_.size() > 4096) return finish(Fail(400, "chunk header line too long"));
        if (!nl) break;
        std::string_view l(line_);
        l.remove_suffix(1);
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        if (phase_ == Phase::kChunkDataEnd) {
          if (!l.empty()) return finish(Fail(400, "malformed chunked body"));
          phase_ = Phase::kChunkSize;
        } else if (phase_ == Phase::kTrailer) {
          if (l.empty()) {
            phase_ = Phase::kDone;
            req_.body_complete = true;
            line_.clear();
            return finish(State::kComplete);
          }
        } else {
          std::string_view hex = l.substr(0, l.find(';'));
          hex = TrimOws(hex);
          uint64_t n = 0;
          auto r = std::from_chars(hex.data(), hex.data() + hex.size(), n, 16);
          if (hex.empty() || r.ec != std::errc() || r.ptr != hex.data() + hex.size()) {
            return finish(Fail(400, "malformed chunk size"));
          }
          if (n > limits_.max_body_bytes || body_total_ + n > limits_.max_body_bytes) {
            return finish(Fail(413, "request body too large [limit=" +
                                        std::to_string(limits_.max_body_bytes) + "]"));
          }
          if (n == 0) {
            phase_ = Phase::kTrailer;
          } else {
            body_remaining_ = static_cast<size_t>(n);
            phase_ = Phase::kChunkData;
          }
        }
        line_.clear();
        break;
      }
      case Phase::kChunkData: {
        size_t take = std::min(len - pos, body_remaining_);
        if (!req_.discard_body) req_.body.append(data + pos, take);
        pos += take;
        body_remaining_ -= take;
        body_total_ += take;
        if (body_remaining_ == 0) phase_ = Phase::kChunkDataEnd;
        break;
      }
    }
  }
  return finish(State::kNeedMore);
}

}  // namespace sundial::http
