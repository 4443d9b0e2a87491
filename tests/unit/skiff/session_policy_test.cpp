// ssh's session decisions: pty or not, escape character, exit status.
#include "skiff/session_policy.hpp"

#include <gtest/gtest.h>

#include <csignal>

namespace skiff::cli {
namespace {

using config::RequestTty;

SessionFacts tty_in(bool command) {
  SessionFacts f;
  f.stdin_is_tty = true;
  f.has_command = command;
  return f;
}

TEST(SkiffSessionPolicy, RequestTty) {
  EXPECT_TRUE(decide_tty(RequestTty::automatic, tty_in(false)).request_pty);
  EXPECT_FALSE(decide_tty(RequestTty::automatic, tty_in(true)).request_pty);
  EXPECT_TRUE(decide_tty(RequestTty::yes, tty_in(true)).request_pty);
  EXPECT_FALSE(decide_tty(RequestTty::no, tty_in(false)).request_pty);
  auto none = tty_in(false);
  none.session_none = true;
  EXPECT_FALSE(decide_tty(RequestTty::force, none).request_pty);

  // stdin not a terminal: the message only when a pty was wanted; force overrides.
  SessionFacts pipe;
  auto d = decide_tty(RequestTty::automatic, pipe);
  EXPECT_FALSE(d.request_pty);
  EXPECT_TRUE(d.warn_not_terminal);
  pipe.has_command = true;
  EXPECT_FALSE(decide_tty(RequestTty::automatic, pipe).warn_not_terminal);
  EXPECT_TRUE(decide_tty(RequestTty::yes, pipe).warn_not_terminal);
  EXPECT_TRUE(decide_tty(RequestTty::force, pipe).request_pty);
  auto nulled = tty_in(false);
  nulled.stdin_null = true;  // -n
  EXPECT_FALSE(decide_tty(RequestTty::automatic, nulled).request_pty);
  EXPECT_EQ(kNoPtyMessage, "Pseudo-terminal will not be allocated because stdin is not a terminal.");
}

TEST(SkiffSessionPolicy, Checks) {
  SessionFacts f;
  f.has_command = true;
  f.has_remote_command = true;
  EXPECT_EQ(check_session(f).error().message, "Cannot execute command-line and remote command.");
  SessionFacts bg;
  bg.fork_after_auth = true;
  EXPECT_EQ(check_session(bg).error().message, "Cannot fork into background without a command to execute.");
  bg.session_none = true;
  EXPECT_TRUE(check_session(bg));
}

TEST(SkiffSessionPolicy, EscapeOnlyWithPty) {
  EXPECT_EQ(active_escape_char('~', true), '~');
  EXPECT_EQ(active_escape_char('~', false), std::nullopt);
  EXPECT_EQ(active_escape_char(-1, true), std::nullopt);
}

TEST(SkiffSessionPolicy, ExitStatus) {
  EXPECT_EQ(exit_status_for({.exit_status = 3}), 3);
  EXPECT_EQ(exit_status_for({.exit_status = 256 + 7}), 7);
  EXPECT_EQ(exit_status_for({.exit_signal = true}), 255);
  EXPECT_EQ(exit_status_for({}), 255);
  EXPECT_EQ(exit_status_for({.exit_status = 0, .local_signal = SIGINT}), 255);
  EXPECT_EQ(exit_status_for({.session_none = true, .local_signal = SIGTERM}), 0);
  EXPECT_EQ(connection_closed_message("h"), "Connection to h closed.");
}

TEST(SkiffSessionPolicy, AdjustConfig) {
  config::ClientConfig cfg;
  cfg.other["localforward"] = {"1 h:2"};
  adjust_config(cfg, {}, true);  // -W
  EXPECT_EQ(cfg.get("clearallforwardings"), "yes");
  EXPECT_EQ(cfg.get("exitonforwardfailure"), "yes");
  EXPECT_FALSE(cfg.get("localforward"));
  config::ClientConfig ask;
  ask.other["updatehostkeys"] = {"ask"};
  ask.other["hostkeyalias"] = {"Box"};
  SessionFacts cmd;
  cmd.has_command = true;
  adjust_config(ask, cmd, false);
  EXPECT_EQ(ask.get("updatehostkeys"), "no");
  EXPECT_EQ(ask.get("hostkeyalias"), "box");
}

}  // namespace
}  // namespace skiff::cli
