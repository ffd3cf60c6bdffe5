// core/version.h — the release version of Sundial, for the server's banner, /exec replies and
// the SQL functions that report it (build(), version()).
#pragma once

namespace sundial::core {

inline constexpr const char* kSundialVersion = "0.1.0";

}  // namespace sundial::core
