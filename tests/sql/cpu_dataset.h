// tests/sql/cpu_dataset.h — builds the benchmark `cpu` table in-process, row for row identical
// to bench/peers/gen.py (same Mersenne Twister, seeding and %.2f rounding), so query
// results can be compared with the peers' (Q1 = rows, Q5 = 162,906 at 5M rows).
// Used by tests/sql/benchmark_queries_test.cpp and bench/sql_queries_bench.cpp.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cairo/engine.h"

namespace sundial::sql::testing_cpu {

// Python's random.Random(seed) for a non-negative int seed < 2^32, and random().
class PyRandom {
 public:
  explicit PyRandom(uint32_t seed) {
    InitGenrand(19650218u);
    uint32_t key[1] = {seed};
    int i = 1, j = 0;
    for (int k = kN; k; --k) {
      mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1664525u)) + key[j] + j;
      ++i;
      ++j;
      if (i >= kN) {
        mt_[0] = mt_[kN - 1];
        i = 1;
      }
      if (j >= 1) j = 0;
    }
    for (int k = kN - 1; k; --k) {
      mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1566083941u)) - i;
      ++i;
      if (i >= kN) {
        mt_[0] = mt_[kN - 1];
        i = 1;
      }
    }
    mt_[0] = 0x80000000u;
    mti_ = kN;
  }
  double Random() {
    uint32_t a = Genrand() >> 5, b = Genrand() >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
  }

 private:
  static constexpr int kN = 624, kM = 397;
  void InitGenrand(uint32_t s) {
    mt_[0] = s;
    for (mti_ = 1; mti_ < kN; ++mti_) {
      mt_[mti_] = 1812433253u * (mt_[mti_ - 1] ^ (mt_[mti_ - 1] >> 30)) + static_cast<uint32_t>(mti_);
    }
  }
  uint32_t Genrand() {
    static const uint32_t mag01[2] = {0x0u, 0x9908b0dfu};
    uint32_t y;
    if (mti_ >= kN) {
      int kk;
      for (kk = 0; kk < kN - kM; ++kk) {
        y = (mt_[kk] & 0x80000000u) | (mt_[kk + 1] & 0x7fffffffu);
        mt_[kk] = mt_[kk + kM] ^ (y >> 1) ^ mag01[y & 1u];
      }
      for (; kk < kN - 1; ++kk) {
        y = (mt_[kk] & 0x80000000u) | (mt_[kk + 1] & 0x7fffffffu);
        mt_[kk] = mt_[kk + (kM - kN)] ^ (y >> 1) ^ mag01[y & 1u];
      }
      y = (mt_[kN - 1] & 0x80000000u) | (mt_[0] & 0x7fffffffu);
      mt_[kN - 1] = mt_[kM - 1] ^ (y >> 1) ^ mag01[y & 1u];
      mti_ = 0;
    }
    y = mt_[mti_++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= (y >> 18);
    return y;
  }
  uint32_t mt_[kN];
  int mti_ = kN + 1;
};

// The value gen.py prints with "%.2f", read back as a double.
inline double Round2(double v) {
  double x = v * 100.0;
  double fl = std::floor(x);
  double frac = x - fl;
  if (std::fabs(frac - 0.5) < 1e-6) {  // near a tie: let printf decide, exactly as Python does
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return std::strtod(buf, nullptr);
  }
  return std::nearbyint(x) / 100.0;
}

inline const char* const kFields[] = {"usage_user",    "usage_system", "usage_idle",  "usage_nice",
                                      "usage_iowait",  "usage_irq",    "usage_softirq", "usage_steal",
                                      "usage_guest",   "usage_guest_nice"};
inline const char* const kRegions[] = {"us-east-1",      "us-west-1",      "us-west-2",     "eu-west-1",
                                       "eu-central-1",   "ap-southeast-1", "ap-southeast-2",
                                       "ap-northeast-1", "sa-east-1",      "ca-central-1"};
inline constexpr int64_t kStartUs = 1'704'067'200'000'000LL;  // 2024-01-01T00:00:00Z

// Creates `cpu` (hostname SYMBOL, region SYMBOL, ts TIMESTAMP, 10 DOUBLE; PARTITION BY DAY)
// and fills it like `gen.py --rows rows --hosts hosts` (60 s interval, seed 20240101).
inline core::Status LoadCpu(cairo::Engine* engine, int64_t rows, int hosts = 1000) {
  cairo::TableSchema schema;
  schema.columns.push_back({"hostname", cairo::ColumnType::kSymbol, 0});
  schema.columns.push_back({"region", cairo::ColumnType::kSymbol, 0});
  schema.columns.push_back({"ts", cairo::ColumnType::kTimestamp, 0});
  for (const char* f : kFields) schema.columns.push_back({f, cairo::ColumnType::kDouble, 0});
  schema.timestamp_index = 2;
  schema.partition_by = cairo::PartitionBy::kDay;
  RETURN_IF_ERROR(engine->CreateTable("cpu", schema));
  ASSIGN_OR_RETURN(cairo::WriterLease w, engine->AcquireWriter("cpu"));
  PyRandom rng(20240101u);
  std::vector<std::vector<double>> state(hosts, std::vector<double>(10));
  for (int h = 0; h < hosts; ++h) {
    for (int i = 0; i < 10; ++i) state[h][i] = rng.Random() * 100.0;
  }
  std::vector<std::string> names(hosts);
  std::vector<int32_t> host_keys(hosts), region_keys(hosts);
  for (int h = 0; h < hosts; ++h) {
    names[h] = "host_" + std::to_string(h);
    ASSIGN_OR_RETURN(host_keys[h], w->SymbolKey(0, names[h]));
  }
  for (int h = 0; h < hosts; ++h) {
    ASSIGN_OR_RETURN(region_keys[h], w->SymbolKey(1, kRegions[h % 10]));
  }
  std::vector<int64_t> ts(hosts);
  std::vector<int32_t> hk(hosts), rk(hosts);
  std::vector<std::vector<double>> vals(10, std::vector<double>(hosts));
  int64_t done = 0, since_commit = 0;
  for (int64_t round = 0; done < rows; ++round) {
    int n = static_cast<int>(std::min<int64_t>(hosts, rows - done));
    for (int h = 0; h < n; ++h) {
      for (int i = 0; i < 10; ++i) {
        double v = state[h][i] + (rng.Random() - 0.5) * 4.0;
        state[h][i] = v < 0.0 ? 0.0 : (v > 100.0 ? 100.0 : v);
        vals[i][h] = Round2(state[h][i]);
      }
      ts[h] = kStartUs + round * 60'000'000LL;
      hk[h] = host_keys[h];
      rk[h] = region_keys[h];
    }
    std::vector<cairo::ColumnBatch> cols(12);
    cols[0].column_index = 0;
    cols[0].values = hk.data();
    cols[1].column_index = 1;
    cols[1].values = rk.data();
    for (int i = 0; i < 10; ++i) {
      cols[2 + i].column_index = 3 + i;
      cols[2 + i].values = vals[i].data();
    }
    RETURN_IF_ERROR(w->AppendBatch(ts.data(), n, cols.data(), cols.size()));
    done += n;
    since_commit += n;
    if (since_commit >= 500'000 || done == rows) {
      auto c = w->Commit();
      if (!c.ok()) return c.status();
      since_commit = 0;
    }
  }
  return core::Status::Ok();
}

}  // namespace sundial::sql::testing_cpu
