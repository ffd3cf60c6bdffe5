// tests/core/object_store_test_util.h — one s3rver (tests/core/s3rver_process.h) shared by
// every test of a binary: started on first use with bucket kBucket, stopped when the binary's
// tests end. Not thread-safe (tests run one at a time).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/core/s3rver_process.h"

namespace sundial::testing {

class S3rverEnvironment : public ::testing::Environment {
 public:
  static constexpr const char* kBucket = "sundial-test";

  // The shared environment (registered with gtest on first use).
  static S3rverEnvironment* Get() {
    static S3rverEnvironment* env = [] {
      auto* e = new S3rverEnvironment();
      ::testing::AddGlobalTestEnvironment(e);  // gtest owns it and calls TearDown at the end
      return e;
    }();
    if (!env->tried_) {
      env->tried_ = true;
      env->server_ = S3rverProcess::Start(kBucket, &env->why_, &env->skip_);
    }
    return env;
  }

  void TearDown() override { server_.reset(); }

  S3rverProcess* server() const { return server_.get(); }
  bool skip() const { return skip_; }
  const std::string& why() const { return why_; }

 private:
  bool tried_ = false;
  bool skip_ = false;
  std::string why_;
  std::unique_ptr<S3rverProcess> server_;
};

}  // namespace sundial::testing
