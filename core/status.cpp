#include "core/status.h"

#include <cerrno>
#include <cstring>

namespace sundial::core {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kInvalidArgument: return "InvalidArgument";
    case StatusCode::kSyntaxError: return "SyntaxError";
    case StatusCode::kNotFound: return "NotFound";
    case StatusCode::kAlreadyExists: return "AlreadyExists";
    case StatusCode::kCorruption: return "Corruption";
    case StatusCode::kIOError: return "IOError";
    case StatusCode::kResourceExhausted: return "ResourceExhausted";
    case StatusCode::kCancelled: return "Cancelled";
    case StatusCode::kUnavailable: return "Unavailable";
    case StatusCode::kPermissionDenied: return "PermissionDenied";
    case StatusCode::kUnsupported: return "Unsupported";
    case StatusCode::kInternal: return "Internal";
  }
  return "Unknown";
}

Status Status::FromErrno(int err, std::string context) {
  char buf[128];
  const char* text = strerror_r(err, buf, sizeof(buf));  // GNU variant returns the text
  context += " [errno=" + std::to_string(err) + ", " + text + "]";
  if (err == ENOSPC || err == EDQUOT) return ResourceExhausted(std::move(context));
  if (err == EACCES || err == EPERM || err == EROFS) return PermissionDenied(std::move(context));
  if (err == ENOENT) return NotFound(std::move(context));
  if (err == EEXIST) return AlreadyExists(std::move(context));
  return IOError(std::move(context));
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string s(StatusCodeName(code_));
  s += ": ";
  s += message_;
  return s;
}

}  // namespace sundial::core
