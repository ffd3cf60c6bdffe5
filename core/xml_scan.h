// core/xml_scan.h — a tiny, tolerant scanner for the few elements Sundial reads from the XML
// documents of S3-compatible object stores (ListObjectsV2 results, error documents, multipart
// upload ids). Not a parser: it finds elements by local name (a namespace prefix is ignored),
// skips the XML declaration, processing instructions and comments, and never reads outside the
// input. Truncated or garbled input yields fewer (or no) elements, never a crash; decoding of
// entity references reports a bad one as an error. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sundial::core {

// The raw content (between the start and the end tag) of every complete element whose local
// name is `name`, in document order. An element of that name inside another one of the same
// name is not reported separately. `<name/>` yields an empty content.
std::vector<std::string_view> XmlElements(std::string_view xml, std::string_view name);

// The first of XmlElements(xml, name), or nullopt.
std::optional<std::string_view> XmlFirstElement(std::string_view xml, std::string_view name);

// Character data with the five predefined entities, decimal and hex character references
// (encoded as UTF-8) and CDATA sections decoded. kCorruption for an unknown or unterminated
// entity, a reference outside Unicode, or an unterminated CDATA section.
Result<std::string> XmlText(std::string_view content);

}  // namespace sundial::core
