// The local terminal pieces, on a pseudo terminal the test opens itself.
#include "skiff/terminal.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>

namespace skiff::cli {
namespace {

struct Pty {
  int master = -1, slave = -1;
  Pty() {
    master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) return;
    slave = open(ptsname(master), O_RDWR | O_NOCTTY);
  }
  ~Pty() {
    if (slave >= 0) close(slave);
    if (master >= 0) close(master);
  }
};

std::uint32_t mode(const std::vector<connection::TerminalMode>& m, std::uint8_t op) {
  for (const auto& x : m) {
    if (x.opcode == op) return x.value;
  }
  ADD_FAILURE() << "no opcode " << int(op);
  return 0;
}

TEST(SkiffTerminal, ModesAndWindowSize) {
  Pty pty;
  ASSERT_GE(pty.slave, 0);
  struct termios tio {};
  ASSERT_EQ(tcgetattr(pty.slave, &tio), 0);
  tio.c_cc[VINTR] = 3;
  tio.c_cc[VEOL] = _POSIX_VDISABLE;
  tio.c_lflag |= ECHO | ICANON;
  tio.c_iflag &= ~static_cast<tcflag_t>(IXON);
  cfsetospeed(&tio, B38400);
  cfsetispeed(&tio, B38400);
  ASSERT_EQ(tcsetattr(pty.slave, TCSANOW, &tio), 0);
  auto m = terminal_modes(pty.slave);
  ASSERT_GE(m.size(), 40u);
  EXPECT_EQ(m[0], (connection::TerminalMode{129, 38400}));  // ssh sends the output speed first
  EXPECT_EQ(m[1], (connection::TerminalMode{128, 38400}));
  EXPECT_EQ(m[2], (connection::TerminalMode{1, 3}));  // VINTR
  EXPECT_EQ(mode(m, 6), 255u);                       // a disabled character
  EXPECT_EQ(mode(m, 53), 1u);                        // ECHO
  EXPECT_EQ(mode(m, 51), 1u);                        // ICANON
  EXPECT_EQ(mode(m, 38), 0u);                        // IXON
  EXPECT_EQ(m.back().opcode, 93);                    // PARODD ends ssh's list

  struct winsize ws {};
  ws.ws_col = 132;
  ws.ws_row = 43;
  ws.ws_xpixel = 800;
  ws.ws_ypixel = 600;
  ASSERT_EQ(ioctl(pty.slave, TIOCSWINSZ, &ws), 0);
  EXPECT_EQ(window_size(pty.slave), (WindowSize{132, 43, 800, 600}));
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  EXPECT_EQ(window_size(p[0]), WindowSize{});
  EXPECT_TRUE(terminal_modes(p[0]).empty());
  close(p[0]);
  close(p[1]);
}

TEST(SkiffTerminal, SessionInputIsDevNullWithStdinNull) {
  auto fd = session_input_fd(true);
  ASSERT_TRUE(fd);
  char c;
  EXPECT_EQ(read(*fd, &c, 1), 0);  // immediate EOF
  close(*fd);
  auto dup_fd = session_input_fd(false);
  ASSERT_TRUE(dup_fd);
  EXPECT_NE(*dup_fd, STDIN_FILENO);
  close(*dup_fd);
}

TEST(SkiffTerminal, RawModeAndRestore) {
  Pty pty;
  ASSERT_GE(pty.slave, 0);
  int saved_stdin = dup(STDIN_FILENO);
  ASSERT_GE(saved_stdin, 0);
  ASSERT_EQ(dup2(pty.slave, STDIN_FILENO), STDIN_FILENO);
  struct termios before {};
  tcgetattr(STDIN_FILENO, &before);

  enter_raw_mode(true);
  EXPECT_TRUE(in_raw_mode());
  struct termios raw {};
  tcgetattr(STDIN_FILENO, &raw);
  EXPECT_EQ(raw.c_lflag & (ECHO | ICANON | ISIG | IEXTEN), 0u);
  EXPECT_EQ(raw.c_oflag & OPOST, 0u);
  EXPECT_EQ(raw.c_iflag & (ICRNL | IXON), 0u);
  EXPECT_NE(raw.c_iflag & IGNPAR, 0u);
  EXPECT_EQ(raw.c_cc[VMIN], 1);

  leave_raw_mode(true);
  EXPECT_FALSE(in_raw_mode());
  struct termios after {};
  tcgetattr(STDIN_FILENO, &after);
  EXPECT_EQ(after.c_lflag, before.c_lflag);
  EXPECT_EQ(after.c_iflag, before.c_iflag);
  EXPECT_EQ(after.c_oflag, before.c_oflag);

  dup2(saved_stdin, STDIN_FILENO);
  close(saved_stdin);
}

TEST(SkiffTerminal, SignalsReachTheLoopAndRestoreTheTerminal) {
  Pty pty;
  ASSERT_GE(pty.slave, 0);
  int saved_stdin = dup(STDIN_FILENO);
  ASSERT_EQ(dup2(pty.slave, STDIN_FILENO), STDIN_FILENO);
  struct termios before {};
  tcgetattr(STDIN_FILENO, &before);
  {
    auto sig = TerminalSignals::install();
    ASSERT_TRUE(sig);
    EXPECT_FALSE(TerminalSignals::install());  // one per process
    enter_raw_mode(true);
    raise(SIGWINCH);
    EXPECT_TRUE(in_raw_mode());  // a resize leaves the terminal alone
    raise(SIGTERM);              // caught: the terminal comes back at once
    EXPECT_FALSE(in_raw_mode());
    struct termios now {};
    tcgetattr(STDIN_FILENO, &now);
    EXPECT_EQ(now.c_lflag, before.c_lflag);
    EXPECT_EQ(sig->take(), (std::vector<int>{SIGWINCH, SIGTERM}));
    EXPECT_TRUE(sig->take().empty());
  }
  dup2(saved_stdin, STDIN_FILENO);
  close(saved_stdin);
}

}  // namespace
}  // namespace skiff::cli
