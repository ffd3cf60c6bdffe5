// core/codec/lz.h — a byte-oriented LZ77 codec (the sequence format of LZ4: literals and
// back-references of up to 65535 bytes) for VARCHAR bytes. Byte layout in cairo/FORMAT.md,
// "Compressed column files". Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sundial::core::codec {

// Appends the compressed form of `in` to `out`. Incompressible input grows by about 1/255.
void LzCompress(std::string_view in, std::string* out);

// Decompresses `in` into exactly `raw_size` bytes at `out`; Corruption when `in` is not one
// whole compressed form of that many bytes (never reads or writes outside the two buffers).
Status LzDecompress(std::string_view in, char* out, size_t raw_size);

}  // namespace sundial::core::codec
