// http/backup_handler.h — GET /backup[?tables=a,b]: a consistent point-in-time backup streamed
// as a POSIX tar archive (cairo/backup_stream.h) while writers go on.
//
// The tables are pinned when the request arrives and the archive is produced piece by piece
// on the HTTP workers as the client takes the bytes (ResponseWriter::Continue): a slow client
// holds one output buffer and no worker; a client that goes away (or stalls past the idle
// timeout) ends the response, and the stream — with its pins — is destroyed at once.
// Transfer-Encoding is chunked: the archive's last member is backup.manifest, so both the
// missing final chunk and the missing manifest tell a client that a stream was cut short.
// `X-Sundial-Backup-File-Bytes` announces the files' total size (for progress; the archive
// adds headers, padding and the manifest).
// Errors before the first byte: 400 {"error":...} (unknown table, empty `tables`), 405 (not
// GET/HEAD), 500 (the engine failed to pin or read conf/). A read error after the head was
// sent cuts the body short (no final chunk, connection closed). Thread-safe.
#pragma once

#include "cairo/engine.h"
#include "http/http_server.h"

namespace sundial::http {

// `server_root` holds conf/ (copied into the archive).
void HandleBackupStream(const cairo::Engine& engine, const std::string& server_root,
                        HttpRequest& req, ResponseWriter& resp);

}  // namespace sundial::http
