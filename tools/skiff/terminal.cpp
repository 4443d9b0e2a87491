#include "terminal.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace skiff::cli {
namespace {

// Process-wide because the signal handlers and the atexit hook must reach them.
struct termios g_saved {};
volatile sig_atomic_t g_raw = 0;
volatile sig_atomic_t g_signal_fd = -1;
bool g_atexit_set = false;

void restore_at_exit() {
  if (g_raw) {
    tcsetattr(STDIN_FILENO, TCSADRAIN, &g_saved);
    g_raw = 0;
  }
}

constexpr int kWatched[] = {SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT};

void on_signal(int sig) {
  int saved_errno = errno;
  if (sig != SIGWINCH && g_raw) {
    tcsetattr(STDIN_FILENO, TCSADRAIN, &g_saved);
    g_raw = 0;
  }
  if (g_signal_fd >= 0) {
    unsigned char b = static_cast<unsigned char>(sig);
    [[maybe_unused]] auto n = write(g_signal_fd, &b, 1);
  }
  errno = saved_errno;
}

std::uint32_t baud(speed_t s) {
  struct Pair {
    speed_t speed;
    std::uint32_t baud;
  };
  static constexpr Pair kSpeeds[] = {
      {B0, 0},         {B50, 50},         {B75, 75},         {B110, 110},       {B134, 134},
      {B150, 150},     {B200, 200},       {B300, 300},       {B600, 600},       {B1200, 1200},
      {B1800, 1800},   {B2400, 2400},     {B4800, 4800},     {B9600, 9600},     {B19200, 19200},
      {B38400, 38400}, {B57600, 57600},   {B115200, 115200}, {B230400, 230400},
  };
  for (const auto& p : kSpeeds) {
    if (p.speed == s) return p.baud;
  }
  return 9600;  // ssh's speed_to_baud default
}

}  // namespace

void enter_raw_mode(bool quiet) {
  struct termios tio {};
  if (tcgetattr(STDIN_FILENO, &tio) == -1) {
    if (!quiet) std::perror("tcgetattr");
    return;
  }
  g_saved = tio;
  tio.c_iflag |= IGNPAR;
  tio.c_iflag &= ~static_cast<tcflag_t>(ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXANY | IXOFF | IUCLC);
  tio.c_lflag &= ~static_cast<tcflag_t>(ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHONL | IEXTEN);
  tio.c_oflag &= ~static_cast<tcflag_t>(OPOST);
  tio.c_cc[VMIN] = 1;
  tio.c_cc[VTIME] = 0;
  if (!g_atexit_set) {
    std::atexit(restore_at_exit);
    g_atexit_set = true;
  }
  if (tcsetattr(STDIN_FILENO, TCSADRAIN, &tio) == -1) {
    if (!quiet) std::perror("tcsetattr");
  } else {
    g_raw = 1;
  }
}

void leave_raw_mode(bool quiet) {
  if (!g_raw) return;
  if (tcsetattr(STDIN_FILENO, TCSADRAIN, &g_saved) == -1) {
    if (!quiet) std::perror("tcsetattr");
  } else {
    g_raw = 0;
  }
}

bool in_raw_mode() { return g_raw != 0; }

void suspend_self(bool quiet) {
  leave_raw_mode(quiet);
  kill(getpid(), SIGTSTP);
  // Running again: the shell gave the terminal back.
  enter_raw_mode(quiet);
}

Result<int> session_input_fd(bool stdin_null) {
  int fd = stdin_null ? open("/dev/null", O_RDONLY | O_CLOEXEC) : fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) {
    return fail(Errc::io_error, std::string(stdin_null ? "open /dev/null: " : "dup stdin: ") + strerror(errno));
  }
  return fd;
}

WindowSize window_size(int fd) {
  struct winsize ws {};
  if (ioctl(fd, TIOCGWINSZ, &ws) == -1) return {};
  return {ws.ws_col, ws.ws_row, ws.ws_xpixel, ws.ws_ypixel};
}

std::vector<connection::TerminalMode> terminal_modes(int fd) {
  std::vector<connection::TerminalMode> m;
  struct termios tio {};
  if (tcgetattr(fd, &tio) == -1) return m;
  m.push_back({129, baud(cfgetospeed(&tio))});  // TTY_OP_OSPEED
  m.push_back({128, baud(cfgetispeed(&tio))});  // TTY_OP_ISPEED
  auto ch = [&](int index, std::uint8_t op) {
    cc_t c = tio.c_cc[index];
    m.push_back({op, c == _POSIX_VDISABLE ? 255u : static_cast<std::uint32_t>(c)});
  };
  auto flag = [&](tcflag_t field, tcflag_t bit, std::uint8_t op) { m.push_back({op, (field & bit) != 0 ? 1u : 0u}); };
  // RFC 4254 8 opcodes, in ssh's ttymodes.h order, for what Linux has.
  ch(VINTR, 1);
  ch(VQUIT, 2);
  ch(VERASE, 3);
  ch(VKILL, 4);
  ch(VEOF, 5);
  ch(VEOL, 6);
  ch(VEOL2, 7);
  ch(VSTART, 8);
  ch(VSTOP, 9);
  ch(VSUSP, 10);
  ch(VREPRINT, 12);
  ch(VWERASE, 13);
  ch(VLNEXT, 14);
  ch(VDISCARD, 18);
  flag(tio.c_iflag, IGNPAR, 30);
  flag(tio.c_iflag, PARMRK, 31);
  flag(tio.c_iflag, INPCK, 32);
  flag(tio.c_iflag, ISTRIP, 33);
  flag(tio.c_iflag, INLCR, 34);
  flag(tio.c_iflag, IGNCR, 35);
  flag(tio.c_iflag, ICRNL, 36);
  flag(tio.c_iflag, IUCLC, 37);
  flag(tio.c_iflag, IXON, 38);
  flag(tio.c_iflag, IXANY, 39);
  flag(tio.c_iflag, IXOFF, 40);
  flag(tio.c_iflag, IMAXBEL, 41);
  flag(tio.c_iflag, IUTF8, 42);
  flag(tio.c_lflag, ISIG, 50);
  flag(tio.c_lflag, ICANON, 51);
  flag(tio.c_lflag, XCASE, 52);
  flag(tio.c_lflag, ECHO, 53);
  flag(tio.c_lflag, ECHOE, 54);
  flag(tio.c_lflag, ECHOK, 55);
  flag(tio.c_lflag, ECHONL, 56);
  flag(tio.c_lflag, NOFLSH, 57);
  flag(tio.c_lflag, TOSTOP, 58);
  flag(tio.c_lflag, IEXTEN, 59);
  flag(tio.c_lflag, ECHOCTL, 60);
  flag(tio.c_lflag, ECHOKE, 61);
  flag(tio.c_lflag, PENDIN, 62);
  flag(tio.c_oflag, OPOST, 70);
  flag(tio.c_oflag, OLCUC, 71);
  flag(tio.c_oflag, ONLCR, 72);
  flag(tio.c_oflag, OCRNL, 73);
  flag(tio.c_oflag, ONOCR, 74);
  flag(tio.c_oflag, ONLRET, 75);
  flag(tio.c_cflag, CS7, 90);
  flag(tio.c_cflag, CS8, 91);
  flag(tio.c_cflag, PARENB, 92);
  flag(tio.c_cflag, PARODD, 93);
  return m;
}

Result<TerminalSignals> TerminalSignals::install() {
  if (g_signal_fd >= 0) return fail(Errc::invalid_argument, "terminal signals already installed");
  int p[2];
  if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) return fail(Errc::io_error, std::string("pipe: ") + strerror(errno));
  g_signal_fd = p[1];
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int s : kWatched) sigaction(s, &sa, nullptr);
  return TerminalSignals(p[0], p[1]);
}

TerminalSignals::TerminalSignals(TerminalSignals&& other) noexcept
    : read_fd_(other.read_fd_), write_fd_(other.write_fd_) {
  other.read_fd_ = other.write_fd_ = -1;
}

TerminalSignals::~TerminalSignals() {
  if (read_fd_ < 0) return;
  for (int s : kWatched) signal(s, SIG_DFL);
  g_signal_fd = -1;
  close(read_fd_);
  close(write_fd_);
}

std::vector<int> TerminalSignals::take() {
  std::vector<int> got;
  unsigned char buf[64];
  for (;;) {
    ssize_t n = read(read_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) got.push_back(buf[i]);
  }
  return got;
}

}  // namespace skiff::cli
