// Session processes: pipes and exit statuses, a pty with size and modes, signals, and the
// whole LocalPrivileged path (publickey, then a session) as root for the test user.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <utmpx.h>

#include <cstring>
#include <thread>

#include "config/sshd_config.hpp"
#include "keys/public_key_text.hpp"
#include "system/local_privileged.hpp"
#include "system/login_records.hpp"
#include "system/session_spawn.hpp"
#include "system/strict_modes.hpp"
#include "system/user_lookup.hpp"
#include "system_test_util.hpp"

using namespace skiff::skiffd;
using skiffd_test::read_all;
using skiffd_test::TempDir;

namespace {

UserAccount me_in(const std::string& home) {
  auto me = lookup_uid(::geteuid());
  UserAccount u = me && *me ? **me : fake_user("me");
  u.home = home;
  return u;
}

SessionExit wait_exit(pid_t pid) {
  for (int i = 0; i < 1000; ++i) {
    if (auto st = try_reap(pid)) return decode_wait_status(*st);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "session did not end";
  return {};
}

std::shared_ptr<const skiff::config::ServerConfigFile> config_of(const std::string& text) {
  auto none = [](std::string_view) -> skiff::Result<std::vector<skiff::config::IncludedFile>> {
    return std::vector<skiff::config::IncludedFile>{};
  };
  auto f = skiff::config::ServerConfigFile::parse("test_config", text, none);
  EXPECT_TRUE(f) << (f ? "" : f.error().message);
  return std::make_shared<const skiff::config::ServerConfigFile>(std::move(*f));
}

Peer test_peer() { return Peer{"192.0.2.7", 50022, "192.0.2.7", "192.0.2.1", 2222}; }

}  // namespace

TEST(SkiffdSpawn, PipesEnvironmentAndExitStatus) {
  TempDir home;
  UserAccount u = me_in(home.path());
  SpawnPlan plan;
  plan.user = &u;
  plan.command = "printf '%s:%s:' \"$FOO\" \"$(pwd)\"; head -c 5; echo oops >&2; exit 3";
  plan.env = {"FOO=bar", "PATH=/usr/bin:/bin"};
  auto p = spawn_process(plan, std::nullopt);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_FALSE(p->pty_master);
  ASSERT_EQ(::write(p->stdin_fd.get(), "hello world", 11), 11);
  p->stdin_fd.reset();
  EXPECT_EQ(read_all(p->stdout_fd.get()), "bar:" + std::filesystem::canonical(home.path()).string() + ":hello");
  EXPECT_EQ(read_all(p->stderr_fd.get()), "oops\n");
  auto e = wait_exit(p->pid);
  EXPECT_EQ(e.exit_status, 3u);
}

TEST(SkiffdSpawn, LoginShellAndMissingHome) {
  UserAccount u = me_in("/nonexistent/home");
  u.shell = "/bin/sh";
  SpawnPlan plan;
  plan.user = &u;
  plan.shell = "/bin/sh";
  plan.env = {"PATH=/usr/bin:/bin"};
  plan.banner = "banner\n";
  auto p = spawn_process(plan, std::nullopt);
  ASSERT_TRUE(p);
  std::string script = "echo \"$0\"; pwd; exit 0\n";
  ASSERT_EQ(::write(p->stdin_fd.get(), script.data(), script.size()), static_cast<ssize_t>(script.size()));
  p->stdin_fd.reset();
  EXPECT_EQ(read_all(p->stdout_fd.get()), "banner\n-sh\n/\n");
  EXPECT_EQ(read_all(p->stderr_fd.get()),
            "Could not chdir to home directory /nonexistent/home: No such file or directory\n");
  EXPECT_EQ(wait_exit(p->pid).exit_status, 0u);
}

TEST(SkiffdSpawn, PtySizeAndModes) {
  TempDir home;
  UserAccount u = me_in(home.path());
  skiff::connection::PtyReq req;
  req.term = "xterm";
  req.columns = 101;
  req.rows = 33;
  req.modes = {{53, 0}, {72, 1}};  // -echo, onlcr
  auto pty = open_pty(req, std::nullopt);
  ASSERT_TRUE(pty) << pty.error().message;
  SpawnPlan plan;
  plan.user = &u;
  plan.command = "stty size; stty -a; tty";
  plan.env = {"PATH=/usr/bin:/bin", "TERM=xterm"};
  std::string name = pty->name;
  auto p = spawn_process(plan, std::move(*pty));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->tty_name, name);
  std::string out = read_all(p->pty_master.get());
  EXPECT_NE(out.find("33 101\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("-echo "), std::string::npos) << out;
  EXPECT_NE(out.find(name), std::string::npos) << out;
  EXPECT_EQ(wait_exit(p->pid).exit_status, 0u);
  EXPECT_TRUE(set_window_size(p->pty_master.get(), 80, 24, 0, 0));
  EXPECT_TRUE(send_break(p->pty_master.get()));
}

TEST(SkiffdSpawn, SignalsAndTermination) {
  TempDir home;
  UserAccount u = me_in(home.path());
  SpawnPlan plan;
  plan.user = &u;
  plan.env = {"PATH=/usr/bin:/bin"};
  plan.command = "kill -USR1 $$";
  auto p = spawn_process(plan, std::nullopt);
  ASSERT_TRUE(p);
  auto e = wait_exit(p->pid);
  EXPECT_EQ(e.exit_status, std::nullopt);
  EXPECT_EQ(e.signal, "USR1");

  plan.command = "sleep 100 & wait";
  p = spawn_process(plan, std::nullopt);
  ASSERT_TRUE(p);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(try_reap(p->pid), std::nullopt);
  terminate_process_group(p->pid);
  e = wait_exit(p->pid);
  EXPECT_EQ(e.signal, "HUP");
  // The group's other member (sleep) got it too: the pipe's last writer is gone.
  EXPECT_EQ(read_all(p->stdout_fd.get(), std::chrono::seconds(5)), "");
}

TEST(SkiffdLocalPrivileged, InvalidUserIsRefusedEverywhere) {
  TempDir logdir;
  std::string logfile = logdir.path() + "/log";
  ServerLog log({LogLevel::info, -1, false, false, logfile});
  LocalPrivileged priv({config_of("UsePAM no\n"), test_peer()}, log);
  auto check = priv.begin_user("no-such-user-skiffd");
  ASSERT_TRUE(check);
  EXPECT_FALSE(check->allowed);
  EXPECT_FALSE(check->account.valid);
  EXPECT_EQ(check->account.home, "/nonexist");
  EXPECT_FALSE(priv.begin_user("again"));  // once per connection
  EXPECT_FALSE(priv.keyboard_interactive_available());  // UsePAM no
  EXPECT_EQ(priv.start_keyboard_interactive().error().code, skiff::Errc::unsupported);
  auto key = skiff::crypto::PrivateKey::generate(skiff::crypto::KeyType::ed25519)->public_key();
  auto found = priv.find_authorized_key(key);
  ASSERT_TRUE(found);
  EXPECT_FALSE(*found);
  auto conv = priv.start_password("secret", std::nullopt);
  ASSERT_TRUE(conv);
  EXPECT_TRUE(std::holds_alternative<conversation::Rejected>(skiffd_test::wait_state(**conv)));
  EXPECT_EQ(priv.authenticated(AuthMethod::password, {}).error().code, skiff::Errc::protocol_error);
  EXPECT_EQ(priv.spawn_session({}).error().code, skiff::Errc::protocol_error);
  EXPECT_NE(skiffd_test::read_text(logfile).find("Invalid user no-such-user-skiffd from 192.0.2.7 port 50022"),
            std::string::npos);
}

TEST(SkiffdLocalPrivileged, PublickeyThenSessionAsTestUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  auto tu = lookup_user("skifftest");
  if (!tu || !*tu) GTEST_SKIP() << "no user skifftest";
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  auto key = skiff::crypto::PrivateKey::generate(skiff::crypto::KeyType::ed25519)->public_key();
  std::string keys = dir.path() + "/keys";
  skiffd_test::write_file(keys, "environment=\"FROMKEY=1\" " + skiff::keys::format_public_key_line(key, "t") + "\n");
  ::chmod(keys.c_str(), 0644);
  std::string logfile = dir.path() + "/log";
  ServerLog log({LogLevel::verbose, -1, false, false, logfile});
  auto cfg = config_of("UsePAM no\nStrictModes no\nAuthorizedKeysFile " + keys +
                       "\nAcceptEnv LANG\nPermitUserEnvironment yes\nPrintMotd no\n");
  LocalPrivileged priv({cfg, test_peer()}, log);
  auto check = priv.begin_user("skifftest");
  ASSERT_TRUE(check);
  ASSERT_TRUE(check->allowed);
  auto found = priv.find_authorized_key(key);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->source, keys + ":1");
  ASSERT_TRUE(priv.authenticated(AuthMethod::publickey, std::span(&key, 1)));
  EXPECT_NE(skiffd_test::read_text(logfile).find("Accepted publickey for skifftest from 192.0.2.7 port 50022 ssh2: ED25519 SHA256:"),
            std::string::npos)
      << skiffd_test::read_text(logfile);

  SessionRequest req;
  req.command = "id -u; id -g; id -G; echo \"$USER $LOGNAME $HOME $SHELL\"; echo \"$SSH_CONNECTION\"; "
                "echo \"$LANG $FROMKEY $SSH_TTY\"";
  req.env = {{"LANG", "C.UTF-8"}, {"NOTACCEPTED", "1"}};
  auto p = priv.spawn_session(req);
  ASSERT_TRUE(p) << p.error().message;
  std::string out = read_all(p->stdout_fd.get());
  const UserAccount& u = check->account;
  std::string groups;
  for (gid_t g : u.groups) groups += (groups.empty() ? "" : " ") + std::to_string(g);
  std::string expected = std::to_string(u.uid) + "\n" + std::to_string(u.gid) + "\n";
  EXPECT_EQ(out.substr(0, expected.size()), expected) << out;
  EXPECT_NE(out.find("skifftest skifftest " + u.home + " " + u.shell + "\n"), std::string::npos) << out;
  EXPECT_NE(out.find("192.0.2.7 50022 192.0.2.1 2222\n"), std::string::npos) << out;
  EXPECT_NE(out.find("C.UTF-8 1 \n"), std::string::npos) << out;
  std::optional<SessionExit> e;
  for (int i = 0; i < 500 && !e; ++i) {
    auto r = priv.reap_session(p->pid);
    ASSERT_TRUE(r);
    e = *r;
    if (!e) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(e);
  EXPECT_EQ(e->exit_status, 0u);
  EXPECT_FALSE(priv.reap_session(p->pid));  // reaped once
  EXPECT_NE(skiffd_test::read_text(logfile).find("Starting session: command for skifftest from 192.0.2.7 port 50022 id 0"),
            std::string::npos);

  // A signal request reaches the session's process group.
  SessionRequest sleeper;
  sleeper.command = "sleep 30";
  auto s = priv.spawn_session(sleeper);
  ASSERT_TRUE(s);
  EXPECT_FALSE(priv.signal_session(s->pid, "WINCH"));  // not an RFC 4254 name
  EXPECT_FALSE(priv.signal_session(s->pid + 100000, "TERM"));  // not a session of ours
  ASSERT_TRUE(priv.signal_session(s->pid, "USR1"));
  e.reset();
  for (int i = 0; i < 500 && !e; ++i) {
    e = *priv.reap_session(s->pid);
    if (!e) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(e);
  EXPECT_EQ(e->signal, "USR1");
}

TEST(SkiffdLocalPrivileged, RootWithForcedCommandsOnly) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  TempDir dir;
  auto forced = skiff::crypto::PrivateKey::generate(skiff::crypto::KeyType::ed25519)->public_key();
  auto plain = skiff::crypto::PrivateKey::generate(skiff::crypto::KeyType::ed25519)->public_key();
  std::string keys = dir.path() + "/keys";
  skiffd_test::write_file(keys, "command=\"echo forced:$SSH_ORIGINAL_COMMAND\",no-pty " +
                                    skiff::keys::format_public_key_line(forced, "f") + "\n" +
                                    skiff::keys::format_public_key_line(plain, "p") + "\n");
  std::string logfile = dir.path() + "/log";
  ServerLog log({LogLevel::verbose, -1, false, false, logfile});
  auto cfg = config_of("UsePAM no\nStrictModes no\nPermitRootLogin forced-commands-only\nAuthorizedKeysFile " + keys + "\n");
  LocalPrivileged priv({cfg, test_peer()}, log);
  ASSERT_TRUE(priv.begin_user("root"));
  auto refused = priv.find_authorized_key(plain);
  ASSERT_TRUE(refused);
  EXPECT_FALSE(*refused);
  EXPECT_NE(skiffd_test::read_text(logfile).find("ROOT LOGIN REFUSED FROM 192.0.2.7 port 50022"), std::string::npos);
  EXPECT_FALSE(priv.authenticated(AuthMethod::publickey, std::span(&plain, 1)));  // never authorised
  auto found = priv.find_authorized_key(forced);
  ASSERT_TRUE(found && *found);
  ASSERT_TRUE(priv.authenticated(AuthMethod::publickey, std::span(&forced, 1)));
  EXPECT_FALSE(priv.pty_permitted());
  SessionRequest with_pty;
  with_pty.pty = skiff::connection::PtyReq{"vt100", 80, 24, 0, 0, {}};
  EXPECT_EQ(priv.spawn_session(with_pty).error().code, skiff::Errc::invalid_argument);
  SessionRequest req;
  req.command = "rm -rf /nothing";
  req.channel_id = 5;
  auto p = priv.spawn_session(req);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(read_all(p->stdout_fd.get()), "forced:rm -rf /nothing\n");
  EXPECT_FALSE(priv.signal_session(p->pid, "KILL"));  // refused for forced commands, as sshd
  EXPECT_NE(skiffd_test::read_text(logfile).find("Starting session: forced-command (key-option) 'echo "
                                                  "forced:$SSH_ORIGINAL_COMMAND' for root from 192.0.2.7 port 50022 id 5"),
            std::string::npos)
      << skiffd_test::read_text(logfile);
  priv.terminate_session(p->pid);
}

TEST(SkiffdLocalPrivileged, KeyOptionsHoldWhenAPasswordStepCameLast) {
  // AuthenticationMethods publickey,password: the key's command= and no-pty still apply
  // (they were once lost when the last step was not publickey).
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  TempDir dir;
  auto forced = skiff::crypto::PrivateKey::generate(skiff::crypto::KeyType::ed25519)->public_key();
  std::string keys = dir.path() + "/keys";
  skiffd_test::write_file(keys, "command=\"echo only-this\",no-pty " + skiff::keys::format_public_key_line(forced, "f") + "\n");
  ServerLog log({LogLevel::quiet, -1, false, false, ""});
  auto cfg = config_of("UsePAM no\nStrictModes no\nPermitRootLogin yes\nAuthorizedKeysFile " + keys + "\n");
  LocalPrivileged priv({cfg, test_peer()}, log);
  ASSERT_TRUE(priv.begin_user("root"));
  auto found = priv.find_authorized_key(forced);
  ASSERT_TRUE(found && *found);
  ASSERT_TRUE(priv.authenticated(AuthMethod::password, std::span(&forced, 1)));
  EXPECT_FALSE(priv.pty_permitted());
  SessionRequest req;
  req.command = "echo anything-else";
  auto p = priv.spawn_session(req);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(read_all(p->stdout_fd.get()), "only-this\n");
  priv.terminate_session(p->pid);
}

TEST(SkiffdLocalPrivileged, PtySessionOwnsTheTerminal) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  auto tu = lookup_user("skifftest");
  if (!tu || !*tu) GTEST_SKIP() << "no user skifftest";
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  auto key = skiff::crypto::PrivateKey::generate(skiff::crypto::KeyType::ed25519)->public_key();
  std::string keys = dir.path() + "/keys";
  skiffd_test::write_file(keys, skiff::keys::format_public_key_line(key, "t") + "\n");
  ::chmod(keys.c_str(), 0644);
  std::string lastlog = dir.path() + "/lastlog";
  skiffd_test::write_file(lastlog, "");
  std::string utmp = dir.path() + "/utmp", wtmp = dir.path() + "/wtmp";
  skiffd_test::write_file(utmp, "");
  skiffd_test::write_file(wtmp, "");
  ServerLog log({LogLevel::quiet, -1, false, false, ""});
  auto cfg = config_of("UsePAM no\nStrictModes no\nAuthorizedKeysFile " + keys + "\n");
  LocalPrivilegedOptions o{cfg, test_peer()};
  o.login_files = {utmp, wtmp, lastlog};
  o.motd_path = dir.path() + "/motd";
  skiffd_test::write_file(o.motd_path, "Welcome to the test\n");
  LocalPrivileged priv(o, log);
  ASSERT_TRUE(priv.begin_user("skifftest"));
  ASSERT_TRUE(priv.find_authorized_key(key));
  ASSERT_TRUE(priv.authenticated(AuthMethod::publickey, std::span(&key, 1)));
  EXPECT_TRUE(priv.pty_permitted());
  SessionRequest req;
  req.pty = skiff::connection::PtyReq{"vt100", 90, 20, 0, 0, {}};
  auto p = priv.spawn_session(req);  // the login shell
  ASSERT_TRUE(p) << p.error().message;
  std::string cmd = "stty size; ls -l $(tty) | cut -c1-10; stat -c '%U %G' $(tty); echo \"T=$TERM\"; exit 7\n";
  ASSERT_EQ(::write(p->pty_master.get(), cmd.data(), cmd.size()), static_cast<ssize_t>(cmd.size()));
  std::string out = read_all(p->pty_master.get());
  EXPECT_NE(out.find("Welcome to the test"), std::string::npos) << out;
  EXPECT_NE(out.find("20 90\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("crw--w----"), std::string::npos) << out;
  EXPECT_NE(out.find("skifftest tty"), std::string::npos) << out;
  EXPECT_NE(out.find("T=vt100"), std::string::npos) << out;
  std::optional<SessionExit> e;
  for (int i = 0; i < 500 && !e; ++i) {
    e = *priv.reap_session(p->pid);
    if (!e) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(e);
  EXPECT_EQ(e->exit_status, 7u);
  // The login was recorded in lastlog: a second login prints it.
  auto last = last_login_message((*tu)->uid, lastlog);
  ASSERT_TRUE(last);
  EXPECT_TRUE(last->starts_with("Last login: ")) << *last;
  EXPECT_TRUE(last->ends_with(" from 192.0.2.7\r\n")) << *last;
  // wtmp has the login and the logout of the line.
  std::string w = skiffd_test::read_text(wtmp);
  EXPECT_EQ(w.size(), 2 * sizeof(utmpx));
  if (w.size() == 2 * sizeof(utmpx)) {
    utmpx login{}, logout{};
    std::memcpy(&login, w.data(), sizeof login);
    std::memcpy(&logout, w.data() + sizeof login, sizeof logout);
    EXPECT_EQ(login.ut_type, USER_PROCESS);
    EXPECT_EQ(std::string(login.ut_user, ::strnlen(login.ut_user, sizeof login.ut_user)), "skifftest");
    EXPECT_EQ(std::string(login.ut_line, ::strnlen(login.ut_line, sizeof login.ut_line)), tty_line(p->tty_name));
    EXPECT_EQ(logout.ut_type, DEAD_PROCESS);
  }
}

TEST(SkiffdSpawn, ChrootAsTestUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  auto tu = lookup_user("skifftest");
  if (!tu || !*tu) GTEST_SKIP() << "no user skifftest";
  const char* libs[] = {"/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"};
  for (const char* l : libs)
    if (!std::filesystem::exists(l)) GTEST_SKIP() << "no " << l;
  TempDir jail("/run");
  ASSERT_FALSE(jail.path().empty());
  ::chmod(jail.path().c_str(), 0755);
  namespace fs = std::filesystem;
  fs::create_directories(jail.path() + "/bin");
  fs::copy_file("/bin/sh", jail.path() + "/bin/sh");
  for (const char* l : libs) {
    fs::create_directories(jail.path() + fs::path(l).parent_path().string());
    fs::copy_file(l, jail.path() + l);
  }
  ASSERT_TRUE(check_chroot_path(jail.path()));
  UserAccount u = **tu;
  SpawnPlan plan;
  plan.user = &u;
  plan.shell = "/bin/sh";
  plan.chroot = jail.path();
  plan.change_identity = true;
  plan.command = "pwd; [ -e /bin/sh ] && echo has-sh; [ -e /etc/passwd ] || echo jailed";
  auto p = spawn_process(plan, std::nullopt);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(read_all(p->stdout_fd.get()), "/\nhas-sh\njailed\n");
  // The home is missing inside the jail: as sshd, no warning in a chroot (it starts at /).
  EXPECT_EQ(read_all(p->stderr_fd.get()), "");
  EXPECT_EQ(wait_exit(p->pid).exit_status, 0u);
}
