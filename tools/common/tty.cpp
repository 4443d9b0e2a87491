// Terminal prompts shared by the programs (see tty.hpp).
#include "common/tty.hpp"

#include <fcntl.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <iterator>

namespace skiff::tools {

namespace {

// The terminal state to put back if a signal arrives while echo is off.
int g_tty_fd = -1;
struct termios g_saved_termios;
bool g_echo_off = false;

struct termios g_quiet_termios {};

void restore_and_reraise(int sig) {
  if (g_echo_off) tcsetattr(g_tty_fd, TCSAFLUSH, &g_saved_termios);
  signal(sig, SIG_DFL);
  raise(sig);
}

// Job control at the prompt (^Z, background reads/writes): the shell gets its terminal
// back with echo on while we are stopped, and echo goes off again when we continue, as
// readpassphrase(3) does. Installed with SA_NODEFER so that the re-raised signal stops
// us inside the handler.
void stop_with_terminal_restored(int sig) {
  int saved_errno = errno;
  if (g_echo_off) tcsetattr(g_tty_fd, TCSAFLUSH, &g_saved_termios);
  signal(sig, SIG_DFL);
  raise(sig);
  struct sigaction again {};
  again.sa_handler = stop_with_terminal_restored;
  again.sa_flags = SA_NODEFER;
  sigemptyset(&again.sa_mask);
  sigaction(sig, &again, nullptr);
  if (g_echo_off) tcsetattr(g_tty_fd, TCSAFLUSH, &g_quiet_termios);
  errno = saved_errno;
}

constexpr int kTerminatingSignals[] = {SIGINT, SIGTERM, SIGQUIT, SIGHUP};
constexpr int kStopSignals[] = {SIGTSTP, SIGTTIN, SIGTTOU};

void write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = write(fd, s.data(), s.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    s.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

std::optional<std::string> read_passphrase(std::string_view prompt, ReadPassOptions options) {
  // As readpassphrase(3): the terminal when there is one, else (unless one is required)
  // stdin with the prompt on stderr; a line ends at '\n' or '\r'; at most 1023
  // characters are kept.
  int tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (tty < 0 && options.require_tty) return std::nullopt;
  // ssh puts the prompt at the start of the line, over anything typed ahead.
  if (tty >= 0 && options.require_tty) write_all(tty, "\r");
  int in = tty >= 0 ? tty : STDIN_FILENO;
  int out = tty >= 0 ? tty : STDERR_FILENO;
  std::fflush(stdout);

  bool echo_off = false;
  struct termios saved {};
  struct sigaction old_term[std::size(kTerminatingSignals)] {}, old_stop[std::size(kStopSignals)] {};
  if (tty >= 0 && tcgetattr(in, &saved) == 0) {
    g_tty_fd = in;
    g_saved_termios = saved;
    struct termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL);
    g_quiet_termios = quiet;
    struct sigaction sa {};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = restore_and_reraise;
    for (std::size_t i = 0; i < std::size(kTerminatingSignals); ++i) sigaction(kTerminatingSignals[i], &sa, &old_term[i]);
    sa.sa_handler = stop_with_terminal_restored;
    sa.sa_flags = SA_NODEFER;
    for (std::size_t i = 0; i < std::size(kStopSignals); ++i) sigaction(kStopSignals[i], &sa, &old_stop[i]);
    if (!options.echo && tcsetattr(in, TCSAFLUSH, &quiet) == 0) echo_off = g_echo_off = true;
  }
  // After echo is off: TCSAFLUSH drops what was typed before, never what answers the prompt.
  write_all(out, prompt);

  std::string line;
  line.reserve(1024);  // never reallocated, so no copy of the passphrase is freed unwiped
  for (;;) {
    char c = 0;
    ssize_t n = read(in, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n' || c == '\r') break;
    if (line.size() < 1023) line.push_back(c);
  }
  if (echo_off) {
    tcsetattr(in, TCSAFLUSH, &saved);
    g_echo_off = false;
    write_all(out, "\n");
  }
  if (g_tty_fd == in) {
    for (std::size_t i = 0; i < std::size(kTerminatingSignals); ++i) sigaction(kTerminatingSignals[i], &old_term[i], nullptr);
    for (std::size_t i = 0; i < std::size(kStopSignals); ++i) sigaction(kStopSignals[i], &old_stop[i], nullptr);
    g_tty_fd = -1;
  }
  if (tty >= 0) close(tty);
  return line;
}

}  // namespace skiff::tools
