// tests/sql/sql_test_util.h — a temporary database with a SqlEngine, and helpers that run a
// statement and render its result as text (tab-separated cells, one line per row).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>

#include "cairo/engine.h"
#include "core/file_system.h"
#include "core/timestamp.h"
#include "sql/expr.h"
#include "sql/sql_engine.h"

namespace sundial::sql {

class SqlFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sundial_sql_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    fs_ = core::NewPosixFileSystem();
    OpenEngine();
  }
  void OpenEngine() {
    cairo::EngineOptions opts;
    opts.db_root = root_ + "/db";
    auto e = cairo::Engine::Open(fs_, opts);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value();
    SqlOptions so;
    so.worker_threads = 2;
    sql_ = std::make_unique<SqlEngine>(engine_.get(), nullptr, so);
  }
  // Closes and opens the database again (a restart).
  void Reopen() {
    sql_.reset();
    engine_.reset();
    OpenEngine();
  }
  void TearDown() override {
    sql_.reset();
    engine_.reset();
    (void)fs_->RemoveAll(root_);
  }

  // Runs a statement that must succeed.
  void Exec(const std::string& q) {
    auto r = sql_->Execute(q);
    ASSERT_TRUE(r.ok()) << q << " -> " << r.status().ToString() << " @" << r.status().position();
    if (r->rows) Drain(r->rows.get());
  }
  // "col1\tcol2\nv1\tv2\n..." for a query; "ERROR <msg> @<pos>" on failure.
  std::string Query(const std::string& q) {
    auto r = sql_->Execute(q);
    if (!r.ok()) return "ERROR " + r.status().message() + " @" + std::to_string(r.status().position());
    if (!r->rows) return "OK";
    std::string out;
    const auto& cols = r->rows->columns();
    for (size_t c = 0; c < cols.size(); ++c) out += (c ? "\t" : "") + cols[c].name;
    out += "\n";
    ResultBlock b;
    for (;;) {
      auto more = r->rows->Next(&b, 1000);
      if (!more.ok()) return "ERROR " + more.status().message() + " @" + std::to_string(more.status().position());
      if (!*more) break;
      for (size_t row = 0; row < b.row_count; ++row) {
        for (size_t c = 0; c < b.columns.size(); ++c) {
          if (c) out += "\t";
          out += Cell(b.columns[c], row);
        }
        out += "\n";
      }
    }
    return out;
  }
  std::string Error(const std::string& q) {
    auto r = sql_->Execute(q);
    if (r.ok() && r->rows) {
      ResultBlock b;
      for (;;) {
        auto more = r->rows->Next(&b, 1000);
        if (!more.ok()) return more.status().message() + " @" + std::to_string(more.status().position());
        if (!*more) break;
      }
    }
    if (r.ok()) return "OK";
    return r.status().message() + " @" + std::to_string(r.status().position());
  }
  static std::string Cell(const ResultVector& v, size_t row) {
    if (v.nulls[row]) return "NULL";
    if (cairo::IsGeoHash(v.type)) return std::string(v.strings[row]);
    if (v.type == cairo::ColumnType::kBinary) {
      return "(" + std::to_string(v.strings[row].size()) + " bytes)";
    }
    switch (v.type) {
      case cairo::ColumnType::kBoolean: return v.longs[row] ? "true" : "false";
      case cairo::ColumnType::kTimestamp: return core::FormatTimestamp(v.longs[row]);
      case cairo::ColumnType::kFloat:
      case cairo::ColumnType::kDouble: return FormatDouble(v.doubles[row]);
      case cairo::ColumnType::kSymbol:
      case cairo::ColumnType::kVarchar:
      case cairo::ColumnType::kIPv4:
      case cairo::ColumnType::kUuid:
      case cairo::ColumnType::kLong128:
      case cairo::ColumnType::kLong256:
        return std::string(v.strings[row]);
      case cairo::ColumnType::kChar: return std::string(1, static_cast<char>(v.longs[row]));
      default: return std::to_string(v.longs[row]);
    }
  }
  static void Drain(RowSource* rs) {
    ResultBlock b;
    while (true) {
      auto more = rs->Next(&b, 4096);
      ASSERT_TRUE(more.ok()) << more.status().ToString();
      if (!*more) break;
    }
  }

  std::string root_;
  std::shared_ptr<core::FileSystem> fs_;
  std::unique_ptr<cairo::Engine> engine_;
  std::unique_ptr<SqlEngine> sql_;
};

}  // namespace sundial::sql
