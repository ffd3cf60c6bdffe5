// core/sd_notify.h — systemd's service notification protocol (Type=notify), without libsystemd.
//
// systemd passes the address of a unix datagram socket in $NOTIFY_SOCKET: a file system path
// ("/run/systemd/notify") or, when it starts with '@', an abstract socket name (the '@' stands
// for the leading NUL byte). A service reports its state by sending one datagram of
// newline-separated assignments to it: "READY=1" once it serves, "STOPPING=1" when it begins
// to shut down. See sd_notify(3); the protocol is stable and documented by systemd.
//
// Failure: an address that is empty is "not under systemd" (OK, nothing sent); one that is
// neither absolute nor abstract, or longer than a sockaddr_un holds, is kInvalidArgument; a
// socket or send error is Status::FromErrno's (e.g. kNotFound when no socket has that name).
// Nothing else changes on failure. Thread safety: stateless; each call opens and closes its own
// socket.
#pragma once

#include <string_view>

#include "core/status.h"

namespace sundial::core {

// Sends `state` (e.g. "READY=1") to `notify_socket` (the value of $NOTIFY_SOCKET, or nullptr).
[[nodiscard]] Status NotifyServiceManager(const char* notify_socket, std::string_view state);

}  // namespace sundial::core
