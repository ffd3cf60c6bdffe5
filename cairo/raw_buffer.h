// cairo/raw_buffer.h — a growable byte buffer that does not zero what it grows into (the
// writer's per-column row buffers). Not thread-safe. Aborts on out-of-memory, like new.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace sundial::cairo {

class RawBuffer {
 public:
  RawBuffer() = default;
  ~RawBuffer() { std::free(data_); }
  RawBuffer(const RawBuffer&) = delete;
  RawBuffer& operator=(const RawBuffer&) = delete;
  RawBuffer(RawBuffer&& o) noexcept : data_(o.data_), size_(o.size_), capacity_(o.capacity_) {
    o.data_ = nullptr;
    o.size_ = o.capacity_ = 0;
  }

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

  // Grows by n bytes and returns a pointer to them (uninitialised).
  uint8_t* Extend(size_t n) {
    size_t old = size_;
    if (size_ + n > capacity_) Grow(size_ + n);
    size_ += n;
    return data_ + old;
  }
  void Append(const void* p, size_t n) {
    if (n != 0) std::memcpy(Extend(n), p, n);
  }
  void ShrinkTo(size_t n) {
    if (n < size_) size_ = n;
  }
  void Clear() { size_ = 0; }
  // Frees the memory if it grew past `keep_bytes` (after a big batch).
  void Trim(size_t keep_bytes) {
    if (capacity_ > keep_bytes && size_ == 0) {
      std::free(data_);
      data_ = nullptr;
      capacity_ = 0;
    }
  }

 private:
  void Grow(size_t need) {
    size_t cap = capacity_ < 4096 ? 4096 : capacity_;
    while (cap < need) cap *= 2;
    void* p = std::realloc(data_, cap);
    if (p == nullptr) std::abort();
    data_ = static_cast<uint8_t*>(p);
    capacity_ = cap;
  }
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace sundial::cairo
