// /imp: CSV import (multipart/form-data). See csv_import.h for the parsing and type detection.
#include "core/json.h"
#include "http/api.h"

namespace sundial::http {

void Api::HandleImport(HttpRequest& req, ResponseWriter& resp) {
  resp.Send(200, "application/json; charset=utf-8", "{\"status\":\"import is not implemented yet\"}");
}

}  // namespace sundial::http
