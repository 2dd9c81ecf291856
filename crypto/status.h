// Status and Result<T>: how errors cross module boundaries in credledger.
//
// A Status is a canonical code plus a message a person can act on. Result<T> holds either a
// value or a non-OK Status. Both are [[nodiscard]]: an ignored error is a compile warning.
// The code set follows absl::StatusCode; api/ maps each code to one HTTP status.
//
// Thread-safety: values; safe to copy and move between threads.
#ifndef CREDLEDGER_CRYPTO_STATUS_H_
#define CREDLEDGER_CRYPTO_STATUS_H_

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace credledger {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is malformed; retrying it will not help
  kNotFound,            // the thing asked for does not exist
  kAlreadyExists,       // a different thing already holds this identity
  kFailedPrecondition,  // the system is not in the state the call requires
  kPermissionDenied,    // authenticated, but not allowed
  kUnauthenticated,     // the signature or credential does not verify
  kResourceExhausted,   // a size or rate limit was exceeded
  kUnavailable,         // transient: retry later (I/O errors, shutting down)
  kDataLoss,            // stored data is corrupt or missing; an operator must act
  kInternal,            // a bug or broken invariant
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status FailedPrecondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status PermissionDenied(std::string m) {
    return {StatusCode::kPermissionDenied, std::move(m)};
  }
  static Status Unauthenticated(std::string m) {
    return {StatusCode::kUnauthenticated, std::move(m)};
  }
  static Status ResourceExhausted(std::string m) {
    return {StatusCode::kResourceExhausted, std::move(m)};
  }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status DataLoss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "InvalidArgument: <message>", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context: `.
  Status WithContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a T or a non-OK Status. Accessing value() of an error is a bug (asserts in debug).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design, as absl::StatusOr
  Result(Status status) : v_(std::move(status)) {
    assert(!std::get<Status>(v_).ok() && "Result constructed from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace credledger

// Evaluates `expr` (a Status); returns it from the enclosing function if it is not OK.
#define CREDLEDGER_RETURN_IF_ERROR(expr)                     \
  do {                                                       \
    ::credledger::Status credledger_status_ = (expr);        \
    if (!credledger_status_.ok()) return credledger_status_; \
  } while (0)

#define CREDLEDGER_CONCAT_INNER_(a, b) a##b
#define CREDLEDGER_CONCAT_(a, b) CREDLEDGER_CONCAT_INNER_(a, b)
// `CREDLEDGER_ASSIGN_OR_RETURN(auto x, Fallible());` declares x from the value, or returns the
// error Status from the enclosing function.
#define CREDLEDGER_ASSIGN_OR_RETURN(lhs, expr) \
  CREDLEDGER_ASSIGN_OR_RETURN_IMPL_(CREDLEDGER_CONCAT_(credledger_result_, __LINE__), lhs, expr)
#define CREDLEDGER_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                      \
  if (!tmp.ok()) return tmp.status();                     \
  lhs = std::move(tmp).value()

#endif  // CREDLEDGER_CRYPTO_STATUS_H_
