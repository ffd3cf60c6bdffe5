// core/status.h — the error type of Sundial. Our code does not throw: every fallible
// function returns Status or Result<T>. A Status carries a code, a message and, for SQL
// errors, the 0-based character position of the fault in the query text (-1 if none).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sundial::core {

enum class StatusCode : uint8_t {
  kOk = 0,
  kInvalidArgument,
  kSyntaxError,
  kNotFound,
  kAlreadyExists,
  kCorruption,
  kIOError,
  kResourceExhausted,  // disk full, memory or size limits
  kCancelled,
  kUnavailable,  // transient: busy, try again
  kPermissionDenied,
  kUnsupported,
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message, int32_t position = -1)
      : code_(code), message_(std::move(message)), position_(position) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m, int32_t pos = -1) {
    return Status(StatusCode::kInvalidArgument, std::move(m), pos);
  }
  static Status SyntaxError(std::string m, int32_t pos) {
    return Status(StatusCode::kSyntaxError, std::move(m), pos);
  }
  static Status NotFound(std::string m, int32_t pos = -1) {
    return Status(StatusCode::kNotFound, std::move(m), pos);
  }
  static Status AlreadyExists(std::string m, int32_t pos = -1) {
    return Status(StatusCode::kAlreadyExists, std::move(m), pos);
  }
  static Status Corruption(std::string m) { return Status(StatusCode::kCorruption, std::move(m)); }
  static Status IOError(std::string m) { return Status(StatusCode::kIOError, std::move(m)); }
  static Status ResourceExhausted(std::string m) {
    return Status(StatusCode::kResourceExhausted, std::move(m));
  }
  static Status Cancelled(std::string m) { return Status(StatusCode::kCancelled, std::move(m)); }
  static Status Unavailable(std::string m) { return Status(StatusCode::kUnavailable, std::move(m)); }
  static Status PermissionDenied(std::string m) {
    return Status(StatusCode::kPermissionDenied, std::move(m));
  }
  static Status Unsupported(std::string m, int32_t pos = -1) {
    return Status(StatusCode::kUnsupported, std::move(m), pos);
  }
  static Status Internal(std::string m) { return Status(StatusCode::kInternal, std::move(m)); }
  // An OS error: ENOSPC/EDQUOT map to kResourceExhausted, the rest to kIOError. The message
  // gets " [errno=N, strerror]" appended.
  static Status FromErrno(int err, std::string context);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  int32_t position() const { return position_; }
  Status WithPosition(int32_t pos) const { return Status(code_, message_, pos); }
  // "<CodeName>: message" for logs.
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  int32_t position_ = -1;
};

// Result<T>: a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: must not be OK

  bool ok() const { return v_.index() == 0; }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<1>(v_);
  }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace sundial::core

#define SUNDIAL_CONCAT_INNER(a, b) a##b
#define SUNDIAL_CONCAT(a, b) SUNDIAL_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function if it is not OK.
#define RETURN_IF_ERROR(expr)                              \
  do {                                                     \
    ::sundial::core::Status _st = (expr);                  \
    if (!_st.ok()) return _st;                             \
  } while (0)

// ASSIGN_OR_RETURN(auto x, MakeX()); declares x from a Result or returns its Status.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(SUNDIAL_CONCAT(_res_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
