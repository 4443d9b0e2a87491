// The local terminal while a session with a pty runs (ssh's sshtty.c, ttymodes.c and
// the signal handling of clientloop.c): raw mode and its restoration on every way out,
// suspending with ~^Z, the window size and the modes for pty-req, and a self-pipe so
// that the event loop notices SIGWINCH and the terminating signals.
#pragma once

#include <csignal>
#include <cstdint>
#include <optional>
#include <vector>

#include <skiff/error.hpp>

#include "connection/messages.hpp"

namespace skiff::cli {

// ssh's enter_raw_mode() on stdin: no echo, no line editing, no signals from keys, no
// output processing. The previous state is kept (process-wide: a signal handler must
// reach it) and put back by leave_raw_mode(), by exit(), and by SIGINT, SIGTERM,
// SIGHUP or SIGQUIT arriving while raw (see TerminalSignals). Unless quiet, a failure
// is reported on stderr as ssh's perror ("tcsetattr: ...").
void enter_raw_mode(bool quiet);
void leave_raw_mode(bool quiet);
bool in_raw_mode();

// ~^Z: restore the terminal, stop with SIGTSTP, and enter raw mode again when
// continued (the caller then sends a window-change, as ssh does).
void suspend_self(bool quiet);

// The session channel's input, as ssh_session2_open(): /dev/null with -n, -f or
// StdinNull (stdin itself is left alone), otherwise a duplicate of stdin. The caller
// owns the descriptor.
Result<int> session_input_fd(bool stdin_null);

struct WindowSize {
  std::uint32_t columns = 0, rows = 0, width_px = 0, height_px = 0;
  bool operator==(const WindowSize&) const = default;
};
// TIOCGWINSZ of fd; zeros when it is not a terminal.
WindowSize window_size(int fd);

// The pty-req modes of fd as ssh sends them: output and input speed, then every
// control character and flag of ttymodes.h that this system has, in ssh's order.
// Empty when fd is not a terminal.
std::vector<connection::TerminalMode> terminal_modes(int fd);

// Signals for the event loop, through a self-pipe: SIGWINCH, and SIGINT, SIGTERM,
// SIGHUP, SIGQUIT (which also restore the terminal at once if raw mode is on, in case
// the loop never gets to it). One instance per process.
class TerminalSignals {
 public:
  static Result<TerminalSignals> install();
  TerminalSignals(TerminalSignals&& other) noexcept;
  TerminalSignals& operator=(TerminalSignals&&) = delete;
  ~TerminalSignals();

  // Readable when a signal arrived: give it to the loop (poll, or an asio descriptor).
  int fd() const noexcept { return read_fd_; }
  // The signals since the last call, in arrival order (drains the pipe).
  std::vector<int> take();

 private:
  TerminalSignals(int r, int w) : read_fd_(r), write_fd_(w) {}
  int read_fd_ = -1;
  int write_fd_ = -1;
};

}  // namespace skiff::cli
