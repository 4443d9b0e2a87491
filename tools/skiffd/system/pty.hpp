// Pseudo-terminals for sessions, as sshd's sshpty.c: openpty, the client's modes and
// window size, and the tty given to the user (group "tty", mode 0620) while it is in use.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "connection/messages.hpp"
#include "system/privileged.hpp"

namespace skiff::skiffd {

struct Pty {
  UniqueFd master, slave;
  std::string name;  // "/dev/pts/N"
};

// Opens a pty with req's window size and terminal modes applied to the slave. owner
// (when set, which needs root): the slave is chowned to that uid and to tty_group (or
// the user's gid when there is no "tty" group), mode 0620 (0600 without tty group).
Result<Pty> open_pty(const connection::PtyReq& req, std::optional<std::pair<uid_t, gid_t>> owner);

// window-change: the new size, for the session's process group to see with SIGWINCH.
Result<void> set_window_size(int master_fd, std::uint32_t columns, std::uint32_t rows, std::uint32_t width_px,
                             std::uint32_t height_px);

// The client's "break" request (RFC 4335): a break on the terminal, as sshd (the length
// asked for is not honoured by ttys, so none is taken).
Result<void> send_break(int master_fd);

// Gives a released tty back to root, mode 0666, as sshd's pty_release (root only).
void release_pty(const std::string& name);

}  // namespace skiff::skiffd
