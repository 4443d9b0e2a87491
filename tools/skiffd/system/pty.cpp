#include "system/pty.hpp"

#include <fcntl.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "system/terminal_modes.hpp"
#include "system/user_lookup.hpp"

namespace skiff::skiffd {

namespace {

unsigned short clamp16(std::uint32_t v) { return static_cast<unsigned short>(v > USHRT_MAX ? USHRT_MAX : v); }

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

Result<Pty> open_pty(const connection::PtyReq& req, std::optional<std::pair<uid_t, gid_t>> owner) {
  int master = -1, slave = -1;
  char name[128] = {};
  winsize ws{clamp16(req.rows), clamp16(req.columns), clamp16(req.width_px), clamp16(req.height_px)};
  if (::openpty(&master, &slave, name, nullptr, &ws) != 0) return fail(Errc::io_error, errno_text("openpty"));
  Pty pty{UniqueFd(master), UniqueFd(slave), name};
  ::fcntl(master, F_SETFD, FD_CLOEXEC);
  ::fcntl(slave, F_SETFD, FD_CLOEXEC);
  struct termios tio {};
  if (::tcgetattr(slave, &tio) != 0) return fail(Errc::io_error, errno_text("tcgetattr"));
  apply_terminal_modes(tio, req.modes);
  if (::tcsetattr(slave, TCSANOW, &tio) != 0) return fail(Errc::io_error, errno_text("tcsetattr"));
  if (owner) {
    auto tty_group = lookup_group("tty");
    gid_t gid = tty_group.value_or(owner->second);
    mode_t mode = tty_group ? 0620 : 0600;
    if (::fchown(slave, owner->first, gid) != 0) return fail(Errc::io_error, errno_text("chown " + pty.name));
    if (::fchmod(slave, mode) != 0) return fail(Errc::io_error, errno_text("chmod " + pty.name));
  }
  return pty;
}

Result<void> set_window_size(int master_fd, std::uint32_t columns, std::uint32_t rows, std::uint32_t width_px,
                             std::uint32_t height_px) {
  winsize ws{clamp16(rows), clamp16(columns), clamp16(width_px), clamp16(height_px)};
  if (::ioctl(master_fd, TIOCSWINSZ, &ws) != 0) return fail(Errc::io_error, errno_text("TIOCSWINSZ"));
  return {};
}

Result<void> send_break(int master_fd) {
  if (::tcsendbreak(master_fd, 0) != 0) return fail(Errc::io_error, errno_text("tcsendbreak"));
  return {};
}

void release_pty(const std::string& name) {
  if (::geteuid() != 0 || name.empty()) return;
  // Errors are not worth failing a session end for: the kernel frees /dev/pts entries.
  if (::chown(name.c_str(), 0, 0) != 0) return;
  ::chmod(name.c_str(), 0666);
}

}  // namespace skiff::skiffd
