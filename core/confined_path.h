// core/confined_path.h — the one rule for names and paths read from files on disk (`_txn`
// column file stems and partition names, backup manifests): joined to the directory they are
// relative to, they must name something inside it. Pure functions; thread-safe.
#pragma once

#include <string_view>

namespace sundial::core {

// One path component that stays in its directory: not empty, not "." or "..", at most 255
// bytes, no '/' and no NUL.
bool IsConfinedName(std::string_view name);

// A relative '/'-separated path whose every component IsConfinedName (so no leading '/', no
// empty, "." or ".." components).
bool IsConfinedPath(std::string_view path);

}  // namespace sundial::core
