// tests/http/engine_fixture.h — a storage engine on a fresh temporary root, for tests of the
// line-protocol layers that stage and commit into tables (IlpBatch, IlpWriteRequest).
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "cairo/engine.h"
#include "core/file_system.h"
#include "tests/testutil/temp_dir.h"

namespace sundial::http {

class EngineFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    cairo::EngineOptions o;
    o.db_root = dir_.Sub("db");
    auto e = cairo::Engine::Open(core::NewPosixFileSystem(), o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
  }

  testutil::TempDir dir_{"sundial-ilp"};
  std::unique_ptr<cairo::Engine> engine_;  // declared after dir_: closed before it is removed
};

}  // namespace sundial::http
