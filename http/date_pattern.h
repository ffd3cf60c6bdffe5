// http/date_pattern.h — /imp's date patterns are QuestDB's, the one implementation shared with
// SQL: core::DatePattern (core/date_pattern.h), named here as the import code knows it.
#pragma once

#include "core/date_pattern.h"

namespace sundial::http {

using DatePattern = core::DatePattern;

}  // namespace sundial::http
