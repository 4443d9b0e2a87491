// Terminal interaction: passphrases without echo, yes/no and file name questions.
#include <fcntl.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "crypto/secure.hpp"
#include "keygen.hpp"

namespace skiff::keygen {

namespace {

// The terminal state to put back if a signal arrives while echo is off.
int g_tty_fd = -1;
struct termios g_saved_termios;
bool g_echo_off = false;

void restore_and_reraise(int sig) {
  if (g_echo_off) tcsetattr(g_tty_fd, TCSAFLUSH, &g_saved_termios);
  signal(sig, SIG_DFL);
  raise(sig);
}

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

std::string read_passphrase(const char* prompt) {
  // As readpassphrase(3): the terminal when there is one, else stdin with the prompt on
  // stderr; a line ends at '\n' or '\r'; at most 1023 characters are kept.
  int tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
  int in = tty >= 0 ? tty : STDIN_FILENO;
  int out = tty >= 0 ? tty : STDERR_FILENO;
  std::fflush(stdout);

  bool echo_off = false;
  struct termios saved {};
  struct sigaction old_int {}, old_term {}, old_quit {}, sa {};
  if (tty >= 0 && tcgetattr(in, &saved) == 0) {
    g_tty_fd = in;
    g_saved_termios = saved;
    sa.sa_handler = restore_and_reraise;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGQUIT, &sa, &old_quit);
    struct termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL);
    if (tcsetattr(in, TCSAFLUSH, &quiet) == 0) echo_off = g_echo_off = true;
  }
  // After echo is off: TCSAFLUSH drops what was typed before, never what answers the prompt.
  write_all(out, prompt);

  std::string line;
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
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    sigaction(SIGQUIT, &old_quit, nullptr);
    g_tty_fd = -1;
  }
  if (tty >= 0) close(tty);
  return line;
}

std::optional<std::string> prompt_line(const std::string& prompt) {
  std::fputs(prompt.c_str(), stdout);
  std::fflush(stdout);
  std::string line;
  int c;
  bool any = false;
  while ((c = std::getchar()) != EOF) {
    any = true;
    if (c == '\n') break;
    line.push_back(static_cast<char>(c));
  }
  if (!any) return std::nullopt;
  return line;
}

void ask_filename(Options& o, const User& user, const char* prompt) {
  const char* name = ".ssh/id_rsa";  // ssh-keygen 9.2's default type is rsa
  if (o.key_type) {
    name = key_type_from_name(*o.key_type).default_file;
  }
  o.identity_file = user.home + "/" + name;
  auto answer = prompt_line(std::string(prompt) + " (" + o.identity_file + "): ");
  if (!answer) std::exit(1);
  if (!answer->empty()) o.identity_file = *answer;
  o.have_identity = true;
}

}  // namespace skiff::keygen
