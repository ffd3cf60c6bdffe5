// tests/core/s3rver_process.h — npm's `s3rver` (an S3 server nobody here wrote) on a free
// loopback port, in a fresh data directory, with one bucket, for the object-store tests.
// The package (pinned in tests/core/s3rver/package.json) is installed with npm into
// $SUNDIAL_BINARY_DIR/tests/core/s3rver-run by tests/core/s3rver/install.sh (pkg/build.sh runs
// it; a test runs it when the install is missing).
// s3rver knows the access key id S3RVER (secret S3RVER) and refuses others; it does not check
// Signature Version 4 signatures (tests of a wrong secret use a scripted server instead).
#pragma once

#include <memory>
#include <string>

#include <sys/types.h>

#include "tests/testutil/temp_dir.h"

namespace sundial::testing {

class S3rverProcess {
 public:
  static constexpr const char* kAccessKeyId = "S3RVER";
  static constexpr const char* kSecretAccessKey = "S3RVER";

  // Starts one. On failure returns nullptr and sets *why; *skip is set only when node or npm
  // is not installed (the test should then GTEST_SKIP with *why).
  // `log_requests`: s3rver logs every request and every stored object (`Stored object "KEY"
  // in bucket "B" successfully`) to its log, read back with Log() — the server's own count of
  // what was uploaded.
  static std::unique_ptr<S3rverProcess> Start(const std::string& bucket, std::string* why,
                                              bool* skip, bool log_requests = false);
  ~S3rverProcess();  // SIGTERM, then SIGKILL after 5 s; waits for the process

  int port() const { return port_; }
  // The log so far, without terminal colour codes.
  std::string Log() const;
  // How many times s3rver reports having stored an object whose key starts with `prefix`.
  int StoredObjects(const std::string& bucket, const std::string& prefix) const;
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // The s3:: setting for `bucket` under `root`, with the given secret.
  std::string Config(const std::string& bucket, const std::string& root,
                     const std::string& secret = kSecretAccessKey) const;

 private:
  S3rverProcess() = default;
  testutil::TempDir dir_{"sundial-s3rver"};
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_;
};

}  // namespace sundial::testing
