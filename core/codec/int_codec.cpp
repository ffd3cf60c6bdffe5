// core/codec/int_codec.cpp — see int_codec.h.
#include "core/codec/int_codec.h"

#include <cstring>
#include <vector>

#include "core/codec/bit_pack.h"

namespace sundial::core::codec {
namespace {

void PutU64(uint64_t v, std::string* out) { out->append(reinterpret_cast<const char*>(&v), 8); }

bool GetU64(std::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  std::memcpy(v, in->data(), 8);
  in->remove_prefix(8);
  return true;
}

Status Damaged(const char* what) {
  return Status::Corruption(std::string("damaged integer block: ") + what);
}

// Frame of reference: u64 base, u8 width, PackedSize(n, width) bytes of (v - base).
void EncodeFor(const uint64_t* v, size_t n, std::string* out) {
  uint64_t lo = n ? v[0] : 0, hi = lo;
  for (size_t k = 1; k < n; ++k) {
    // Compare as signed so that a block of small negative values packs narrow.
    if (static_cast<int64_t>(v[k]) < static_cast<int64_t>(lo)) lo = v[k];
    if (static_cast<int64_t>(v[k]) > static_cast<int64_t>(hi)) hi = v[k];
  }
  const int width = BitWidth(hi - lo);
  PutU64(lo, out);
  out->push_back(static_cast<char>(width));
  std::vector<uint64_t> offsets(n);
  for (size_t k = 0; k < n; ++k) offsets[k] = v[k] - lo;
  PackBits(offsets.data(), n, width, out);
}

// Consumes one kFor section of `n` values from the front of `in`.
Status DecodeFor(std::string_view* in, size_t n, uint64_t* out) {
  uint64_t base;
  if (!GetU64(in, &base) || in->empty()) return Damaged("frame of reference header cut short");
  const int width = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  if (width > 64) return Damaged("bit width over 64");
  const size_t size = PackedSize(n, width);
  if (in->size() < size) return Damaged("packed values cut short");
  UnpackFor(reinterpret_cast<const uint8_t*>(in->data()), n, width, base, out);
  in->remove_prefix(size);
  return Status::Ok();
}

void EncodeDelta(const uint64_t* v, size_t n, int order, std::string* out) {
  std::vector<uint64_t> d(v, v + n);
  size_t heads = 0;
  for (int o = 0; o < order && heads < n; ++o) {
    PutU64(d[heads], out);
    for (size_t k = n - 1; k > heads; --k) d[k] -= d[k - 1];
    ++heads;
  }
  EncodeFor(d.data() + heads, n - heads, out);
}

Status DecodeDelta(std::string_view* in, size_t n, int order, uint64_t* out) {
  size_t heads = 0;
  for (int o = 0; o < order && heads < n; ++o) {
    if (!GetU64(in, &out[heads])) return Damaged("delta head cut short");
    ++heads;
  }
  RETURN_IF_ERROR(DecodeFor(in, n - heads, out + heads));
  // Undo the differences as running sums in one pass (each a chain of one add per value):
  // for order 2, out[k] holds the second difference and d the running first difference.
  if (order == 1 && n > 0) {
    uint64_t acc = out[0];
    for (size_t k = 1; k < n; ++k) out[k] = acc += out[k];
  } else if (n > 1) {
    uint64_t acc = out[0], d = out[1];
    out[1] = acc += d;
    for (size_t k = 2; k < n; ++k) {
      d += out[k];
      out[k] = acc += d;
    }
  }
  return Status::Ok();
}

void EncodeRle(const uint64_t* v, size_t n, std::string* out) {
  std::vector<uint64_t> run_values, run_lengths;
  for (size_t k = 0; k < n;) {
    size_t e = k + 1;
    while (e < n && v[e] == v[k]) ++e;
    run_values.push_back(v[k]);
    run_lengths.push_back(e - k - 1);
    k = e;
  }
  const uint32_t runs = static_cast<uint32_t>(run_values.size());
  out->append(reinterpret_cast<const char*>(&runs), 4);
  EncodeFor(run_values.data(), runs, out);
  EncodeFor(run_lengths.data(), runs, out);
}

Status DecodeRle(std::string_view* in, size_t n, uint64_t* out) {
  uint32_t runs;
  if (in->size() < 4) return Damaged("run count cut short");
  std::memcpy(&runs, in->data(), 4);
  in->remove_prefix(4);
  if (runs > n) return Damaged("more runs than values");
  // Reused between blocks: no allocation per block once the largest has been seen.
  thread_local std::vector<uint64_t> run_values, run_lengths;
  if (run_values.size() < runs) {
    run_values.resize(runs);
    run_lengths.resize(runs);
  }
  RETURN_IF_ERROR(DecodeFor(in, runs, run_values.data()));
  RETURN_IF_ERROR(DecodeFor(in, runs, run_lengths.data()));
  size_t pos = 0;
  for (uint32_t r = 0; r < runs; ++r) {
    if (run_lengths[r] >= n - pos) return Damaged("runs longer than the block");
    const size_t len = run_lengths[r] + 1;
    for (size_t k = 0; k < len; ++k) out[pos + k] = run_values[r];
    pos += len;
  }
  if (pos != n) return Damaged("runs shorter than the block");
  return Status::Ok();
}

}  // namespace

void EncodeInts(IntCodec codec, const int64_t* values, size_t n, std::string* out) {
  const uint64_t* v = reinterpret_cast<const uint64_t*>(values);
  switch (codec) {
    case IntCodec::kFor:
      return EncodeFor(v, n, out);
    case IntCodec::kDelta:
      return EncodeDelta(v, n, 1, out);
    case IntCodec::kDeltaDelta:
      return EncodeDelta(v, n, 2, out);
    case IntCodec::kRle:
      return EncodeRle(v, n, out);
  }
}

Status DecodeInts(IntCodec codec, std::string_view in, size_t n, int64_t* out) {
  uint64_t* v = reinterpret_cast<uint64_t*>(out);
  Status st;
  switch (codec) {
    case IntCodec::kFor:
      st = DecodeFor(&in, n, v);
      break;
    case IntCodec::kDelta:
      st = DecodeDelta(&in, n, 1, v);
      break;
    case IntCodec::kDeltaDelta:
      st = DecodeDelta(&in, n, 2, v);
      break;
    case IntCodec::kRle:
      st = DecodeRle(&in, n, v);
      break;
    default:
      return Damaged("unknown integer codec");
  }
  RETURN_IF_ERROR(st);
  if (!in.empty()) return Damaged("bytes left after the values");
  return Status::Ok();
}

IntCodec ChooseIntCodec(const int64_t* values, size_t n) {
  constexpr size_t kWindow = 128, kWindows = 4;
  std::vector<int64_t> sample;
  if (n <= kWindow * kWindows) {
    sample.assign(values, values + n);
  } else {
    for (size_t w = 0; w < kWindows; ++w) {
      const size_t start = (n - kWindow) * w / (kWindows - 1);
      sample.insert(sample.end(), values + start, values + start + kWindow);
    }
  }
  IntCodec best = IntCodec::kFor;
  size_t best_size = SIZE_MAX;
  std::string scratch;
  for (IntCodec c : {IntCodec::kFor, IntCodec::kDelta, IntCodec::kDeltaDelta, IntCodec::kRle}) {
    scratch.clear();
    EncodeInts(c, sample.data(), sample.size(), &scratch);
    if (scratch.size() < best_size) {
      best = c;
      best_size = scratch.size();
    }
  }
  return best;
}

}  // namespace sundial::core::codec
