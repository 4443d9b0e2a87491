// skiffd's pure system helpers: terminal modes, the session environment, account
// checks, PermitRootLogin, wait statuses, command lines and log names.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <syslog.h>
#include <termios.h>

#include <algorithm>
#include <string>
#include <vector>

#include "system/account.hpp"
#include "system/authorized_keys_lookup.hpp"
#include "system/environment.hpp"
#include "system/server_log.hpp"
#include "system/session_spawn.hpp"
#include "system/terminal_modes.hpp"

using namespace skiff::skiffd;
using skiff::config::PermitRootLogin;
using skiff::config::ServerConfig;
using skiff::connection::TerminalMode;

namespace {

bool has(const std::vector<std::string>& env, const std::string& entry) {
  return std::ranges::find(env, entry) != env.end();
}
bool has_name(const std::vector<std::string>& env, const std::string& name) {
  return std::ranges::any_of(env, [&](const std::string& e) { return e.starts_with(name + "="); });
}

UserAccount user(std::string name, uid_t uid) {
  UserAccount u;
  u.name = std::move(name);
  u.uid = uid;
  u.gid = uid;
  u.home = "/home/" + u.name;
  u.shell = "/bin/sh";
  u.valid = true;
  u.group_names = {u.name, "staff"};
  return u;
}

Peer peer() { return Peer{"192.0.2.7", 50022, "client.example.org", "192.0.2.1", 2222}; }

}  // namespace

TEST(SkiffdTerminalModes, FlagsCharsAndSpeeds) {
  termios t{};
  t.c_lflag = ECHO | ICANON;
  t.c_cflag = CS7;
  std::vector<TerminalMode> modes{
      {53, 0},       // ECHO off
      {50, 1},       // ISIG on
      {1, 3},        // VINTR ^C
      {4, 255},      // VKILL disabled
      {36, 1},       // ICRNL on
      {72, 1},       // ONLCR on
      {91, 1},       // CS8
      {128, 38400},  // ISPEED
      {129, 9601},   // OSPEED: not a rate, the one below it
      {200, 1},      // unknown: ignored
  };
  apply_terminal_modes(t, modes);
  EXPECT_EQ(t.c_lflag & ECHO, 0u);
  EXPECT_NE(t.c_lflag & ISIG, 0u);
  EXPECT_NE(t.c_lflag & ICANON, 0u);
  EXPECT_EQ(t.c_cc[VINTR], 3);
  EXPECT_EQ(t.c_cc[VKILL], static_cast<cc_t>(_POSIX_VDISABLE));
  EXPECT_NE(t.c_iflag & ICRNL, 0u);
  EXPECT_NE(t.c_oflag & ONLCR, 0u);
  EXPECT_EQ(t.c_cflag & CSIZE, static_cast<tcflag_t>(CS8));
  EXPECT_EQ(baud_of_speed(cfgetospeed(&t)), 9600u);
  // Linux keeps one speed for both directions: ISPEED alone, checked on its own.
  termios in{};
  std::vector<TerminalMode> ispeed{{128, 38400}};
  apply_terminal_modes(in, ispeed);
  EXPECT_EQ(baud_of_speed(cfgetispeed(&in)), 38400u);
}

TEST(SkiffdEnvironment, OpenSshVariablesAndOrder) {
  UserAccount u = user("alice", 1000);
  Peer p = peer();
  ServerConfig c;
  c.accept_env = {"LANG", "LC_*"};
  c.set_env = {"FROM_ADMIN=1", "USER=overridden"};
  EnvironmentInput in;
  in.user = &u;
  in.peer = &p;
  in.config = &c;
  in.shell = "/bin/bash";
  in.term = "xterm-256color";
  in.tty = "/dev/pts/4";
  in.display = "localhost:10.0";
  in.original_command = "ls -l";
  in.client_env = {{"LANG", "C.UTF-8"}, {"LC_ALL", "C"}, {"EVIL", "1"}, {"HOME", "/tmp"}};
  in.key_environment = {"KEYVAR=1"};  // PermitUserEnvironment no: ignored
  auto env = build_session_environment(in);
  EXPECT_TRUE(has(env, "LANG=C.UTF-8"));
  EXPECT_TRUE(has(env, "LC_ALL=C"));
  EXPECT_FALSE(has_name(env, "EVIL"));
  EXPECT_FALSE(has_name(env, "KEYVAR"));
  EXPECT_TRUE(has(env, "HOME=/home/alice"));
  EXPECT_TRUE(has(env, "LOGNAME=alice"));
  EXPECT_TRUE(has(env, "USER=overridden"));  // SetEnv comes after USER, as in sshd
  EXPECT_TRUE(has(env, "FROM_ADMIN=1"));
  EXPECT_TRUE(has(env, "PATH=" + std::string(kUserPath)));
  EXPECT_TRUE(has(env, "MAIL=/var/mail/alice"));
  EXPECT_TRUE(has(env, "SHELL=/bin/bash"));
  EXPECT_TRUE(has(env, "TERM=xterm-256color"));
  EXPECT_TRUE(has(env, "DISPLAY=localhost:10.0"));  // X11 forwarding, right after TERM as sshd
  EXPECT_EQ(std::ranges::find(env, "DISPLAY=localhost:10.0") - std::ranges::find(env, "TERM=xterm-256color"), 1);
  EXPECT_TRUE(has(env, "SSH_CLIENT=192.0.2.7 50022 2222"));
  EXPECT_TRUE(has(env, "SSH_CONNECTION=192.0.2.7 50022 192.0.2.1 2222"));
  EXPECT_TRUE(has(env, "SSH_TTY=/dev/pts/4"));
  EXPECT_TRUE(has(env, "SSH_ORIGINAL_COMMAND=ls -l"));
  EXPECT_EQ(std::ranges::count_if(env, [](const std::string& e) { return e.starts_with("HOME="); }), 1);
}

TEST(SkiffdEnvironment, RootPathUserEnvironmentAndPam) {
  UserAccount u = user("root", 0);
  Peer p = peer();
  ServerConfig c;
  c.permit_user_environment = "FOO*,BAR";
  EnvironmentInput in;
  in.user = &u;
  in.peer = &p;
  in.config = &c;
  in.use_pam = true;
  in.key_environment = {"FOO1=key", "OTHER=no"};
  in.user_environment_file = "# comment\n  FOO2=file\nBAR=b\nbadline\nZED=no\n";
  in.pam_environment = {"LANG=de_DE", "SSH_CONNECTION=forged"};
  auto env = build_session_environment(in);
  EXPECT_TRUE(has(env, "PATH=" + std::string(kRootPath)));
  EXPECT_FALSE(has_name(env, "MAIL"));  // pam_mail's job under PAM
  EXPECT_FALSE(has_name(env, "TERM"));
  EXPECT_FALSE(has_name(env, "SSH_TTY"));
  EXPECT_FALSE(has_name(env, "SSH_ORIGINAL_COMMAND"));
  EXPECT_TRUE(has(env, "FOO1=key"));
  EXPECT_TRUE(has(env, "FOO2=file"));
  EXPECT_TRUE(has(env, "BAR=b"));
  EXPECT_FALSE(has_name(env, "OTHER"));
  EXPECT_FALSE(has_name(env, "ZED"));
  EXPECT_TRUE(has(env, "LANG=de_DE"));
  EXPECT_TRUE(has(env, "SSH_CONNECTION=192.0.2.7 50022 192.0.2.1 2222"));
}

TEST(SkiffdEnvironment, ClientCannotGrowItWithoutBound) {
  UserAccount u = user("alice", 1000);
  Peer p = peer();
  ServerConfig c;
  c.accept_env = {"*"};
  EnvironmentInput in{&u, &p, &c};
  for (int i = 0; i < 5000; ++i) in.client_env.push_back({"V" + std::to_string(i), "x"});
  in.client_env.push_back({"A=B", "x"});
  auto env = build_session_environment(in);
  EXPECT_LE(env.size(), skiff::limits::kMaxSessionEnvironment);
  EXPECT_FALSE(accept_client_env("A=B", {"*"}));
  EXPECT_FALSE(accept_client_env("", {"*"}));
}

TEST(SkiffdAccount, AllowDenyUsersAndGroups) {
  UserAccount u = user("alice", 1000);
  Peer p = peer();
  ServerConfig c;
  AccountCheckInput in{&u, &c, &p};
  EXPECT_EQ(account_refusal(in), std::nullopt);

  c.allow_users = {"bob", "al*@192.0.2.0/24"};
  EXPECT_EQ(account_refusal(in), std::nullopt);
  c.allow_users = {"bob", "alice@10.0.0.0/8"};
  EXPECT_EQ(account_refusal(in), "User alice from client.example.org not allowed because not listed in AllowUsers");
  c.allow_users = {"alice@*.example.org"};
  EXPECT_EQ(account_refusal(in), std::nullopt);
  c.allow_users.clear();

  c.deny_users = {"a?ice"};
  EXPECT_EQ(account_refusal(in), "User alice from client.example.org not allowed because listed in DenyUsers");
  c.deny_users.clear();

  c.deny_groups = {"sta*"};
  EXPECT_EQ(account_refusal(in),
            "User alice from client.example.org not allowed because a group is listed in DenyGroups");
  c.deny_groups.clear();
  c.allow_groups = {"wheel"};
  EXPECT_EQ(account_refusal(in),
            "User alice from client.example.org not allowed because none of user's groups are listed in AllowGroups");
  c.allow_groups = {"staff"};
  EXPECT_EQ(account_refusal(in), std::nullopt);
  u.group_names.clear();
  EXPECT_EQ(account_refusal(in), "User alice from client.example.org not allowed because not in any group");
}

TEST(SkiffdAccount, ShellAndLock) {
  UserAccount u = user("alice", 1000);
  Peer p = peer();
  ServerConfig c;
  AccountCheckInput in{&u, &c, &p, true, false};
  EXPECT_EQ(account_refusal(in), "User alice not allowed because account is locked");
  in.use_pam = true;  // PAM's account stage decides instead
  EXPECT_EQ(account_refusal(in), std::nullopt);
  u.shell = "/nonexistent/shell";
  EXPECT_EQ(account_refusal(in), "User alice not allowed because shell /nonexistent/shell does not exist");
  u.shell = "/etc/passwd";
  EXPECT_EQ(account_refusal(in), "User alice not allowed because shell /etc/passwd is not executable");
  c.chroot_directory = "/srv/jail";  // the shell is inside the chroot: not checked
  EXPECT_EQ(account_refusal(in), std::nullopt);
  u.shell.clear();  // empty means /bin/sh
  c.chroot_directory.clear();
  EXPECT_EQ(account_refusal(in), std::nullopt);
  EXPECT_TRUE(password_field_locked("!$y$abc"));
  EXPECT_TRUE(password_field_locked("*LK*x"));
  EXPECT_FALSE(password_field_locked("*"));
}

TEST(SkiffdAccount, PermitRootLogin) {
  Peer p = peer();
  EXPECT_EQ(root_login_refusal(PermitRootLogin::yes, AuthMethod::password, false, p), std::nullopt);
  EXPECT_EQ(root_login_refusal(PermitRootLogin::prohibit_password, AuthMethod::publickey, false, p), std::nullopt);
  EXPECT_EQ(root_login_refusal(PermitRootLogin::prohibit_password, AuthMethod::password, false, p),
            "ROOT LOGIN REFUSED FROM 192.0.2.7 port 50022");
  EXPECT_TRUE(root_login_refusal(PermitRootLogin::prohibit_password, AuthMethod::keyboard_interactive, false, p));
  EXPECT_EQ(root_login_refusal(PermitRootLogin::forced_commands_only, AuthMethod::publickey, true, p), std::nullopt);
  EXPECT_TRUE(root_login_refusal(PermitRootLogin::forced_commands_only, AuthMethod::publickey, false, p));
  EXPECT_TRUE(root_login_refusal(PermitRootLogin::no, AuthMethod::publickey, true, p));
}

TEST(SkiffdSession, WaitStatusDecoding) {
  auto e = decode_wait_status(42 << 8);  // exited 42
  EXPECT_EQ(e.exit_status, 42u);
  EXPECT_TRUE(e.signal.empty());
  e = decode_wait_status(SIGSEGV | 0x80);  // killed by SEGV, core dumped
  EXPECT_EQ(e.exit_status, std::nullopt);
  EXPECT_EQ(e.signal, "SEGV");
  EXPECT_TRUE(e.core_dumped);
  e = decode_wait_status(SIGTERM);
  EXPECT_EQ(e.signal, "TERM");
  EXPECT_FALSE(e.core_dumped);
  EXPECT_EQ(signal_name(SIGUSR2), "USR2");
  EXPECT_EQ(signal_name(SIGWINCH), "SIG@openssh.com");
  EXPECT_EQ(signal_number("INT"), SIGINT);
  EXPECT_EQ(signal_number("SIGINT"), std::nullopt);
  EXPECT_EQ(signal_number("WINCH"), std::nullopt);
}

TEST(SkiffdKeysCommand, TokensAndSplitting) {
  KeyTokens t{"alice", "/home/alice", "1000", "ssh-ed25519", "SHA256:abc", "AAAA"};
  EXPECT_EQ(expand_key_command_token("%u:%U:%h:%t:%f:%k:%%", t),
            "alice:1000:/home/alice:ssh-ed25519:SHA256:abc:AAAA:%");
  EXPECT_FALSE(expand_key_command_token("%x", t));
  EXPECT_FALSE(expand_key_command_token("50%", t));
  auto a = split_command_line("/usr/bin/lookup  \"two words\" 'sin gle' back\\ slash %u");
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, (std::vector<std::string>{"/usr/bin/lookup", "two words", "sin gle", "back slash", "%u"}));
  EXPECT_FALSE(split_command_line("/bin/x \"open"));
}

TEST(SkiffdLog, LevelsAndFacilities) {
  EXPECT_EQ(parse_log_level("verbose"), LogLevel::verbose);
  EXPECT_EQ(parse_log_level("DEBUG"), LogLevel::debug1);
  EXPECT_EQ(parse_log_level("DEBUG3"), LogLevel::debug3);
  EXPECT_FALSE(parse_log_level("LOUD"));
  EXPECT_EQ(parse_syslog_facility("authpriv"), LOG_AUTHPRIV);
  EXPECT_EQ(parse_syslog_facility("LOCAL7"), LOG_LOCAL7);
  EXPECT_FALSE(parse_syslog_facility("KERN"));
}
