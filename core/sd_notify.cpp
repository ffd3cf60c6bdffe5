#include "core/sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

namespace sundial::core {

Status NotifyServiceManager(const char* notify_socket, std::string_view state) {
  if (notify_socket == nullptr || *notify_socket == '\0') return Status::Ok();
  const std::string address(notify_socket);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (address.size() > sizeof(addr.sun_path) - 1) {
    return Status::InvalidArgument(
        "NOTIFY_SOCKET is too long [length=" + std::to_string(address.size()) + "]");
  }
  if (address[0] != '/' && address[0] != '@') {
    return Status::InvalidArgument(
        "NOTIFY_SOCKET is neither an absolute path nor an abstract "
        "name starting with '@' [address=" +
        address + "]");
  }
  std::memcpy(addr.sun_path, address.data(), address.size());
  // An abstract name has no terminating NUL: its length is part of the address.
  socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size());
  if (address[0] == '@') {
    addr.sun_path[0] = '\0';
  } else {
    length += 1;  // the path's NUL
  }
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno(errno, "could not create the notify socket");
  ssize_t sent;
  do {
    sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                    reinterpret_cast<const sockaddr*>(&addr), length);
  } while (sent < 0 && errno == EINTR);
  const int err = errno;
  ::close(fd);
  if (sent < 0)
    return Status::FromErrno(err, "could not notify the service manager [address=" + address + "]");
  return Status::Ok();
}

}  // namespace sundial::core
