// StrictModes on real directories, and authorized_keys look-ups against a temporary home,
// as the current user and (as root) with the test user's file-system identity.
#include <gtest/gtest.h>

#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

#include "keys/public_key_text.hpp"
#include "system/authorized_keys_lookup.hpp"
#include "system/strict_modes.hpp"
#include "system/user_lookup.hpp"
#include "system_test_util.hpp"

using namespace skiff::skiffd;
using skiffd_test::TempDir;

namespace {

struct Home {
  TempDir dir;
  std::string home, ssh, keys;
  Home() {
    ::chmod(dir.path().c_str(), 0755);
    home = dir.path() + "/home";
    ssh = home + "/.ssh";
    keys = ssh + "/authorized_keys";
    ::mkdir(home.c_str(), 0755);
    ::mkdir(ssh.c_str(), 0700);
    skiffd_test::write_file(keys, "");
    ::chmod(keys.c_str(), 0600);
  }
};

skiff::Result<void> check(const std::string& path, const std::string& home, uid_t uid) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return skiff::fail(skiff::Errc::not_found, path);
  return check_secure_path(path, st, home, uid);
}

// The refusal's text, "ok" when the check passed.
std::string why(const skiff::Result<void>& r) { return r ? "ok" : r.error().message; }

std::string real(const std::string& p) { return std::filesystem::canonical(p).string(); }

skiff::crypto::PublicKey new_key() { return skiff::crypto::PrivateKey::generate(skiff::crypto::KeyType::ed25519)->public_key(); }

}  // namespace

TEST(SkiffdStrictModes, WalksUpToHome) {
  Home h;
  uid_t me = ::geteuid();
  EXPECT_EQ(why(check(h.keys, h.home, me)), "ok");
  ::chmod(h.keys.c_str(), 0620);
  EXPECT_EQ(why(check(h.keys, h.home, me)), "bad ownership or modes for file " + real(h.keys));
  ::chmod(h.keys.c_str(), 0600);
  ::chmod(h.ssh.c_str(), 0757);
  EXPECT_EQ(why(check(h.keys, h.home, me)), "bad ownership or modes for directory " + real(h.ssh));
  ::chmod(h.ssh.c_str(), 0700);
  ::chmod(h.home.c_str(), 0775);
  EXPECT_EQ(why(check(h.keys, h.home, me)), "bad ownership or modes for directory " + real(h.home));
  ::chmod(h.home.c_str(), 0755);
  // Without a home to stop at, the walk reaches /tmp, which everyone may write to.
  EXPECT_EQ(why(check(h.keys, "", me)), "bad ownership or modes for directory /tmp");
  EXPECT_EQ(why(check(h.ssh, h.home, me)), real(h.ssh) + " is not a regular file");
}

TEST(SkiffdStrictModes, OwnerMustBeUserOrRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give files away";
  Home h;
  ASSERT_EQ(::chown(h.keys.c_str(), 1234, 1234), 0);
  EXPECT_EQ(why(check(h.keys, h.home, 1234)), "ok");  // directories owned by root are fine
  EXPECT_EQ(why(check(h.keys, h.home, 999)), "bad ownership or modes for file " + real(h.keys));
  ASSERT_EQ(::chown(h.keys.c_str(), 0, 0), 0);
  ASSERT_EQ(::chown(h.ssh.c_str(), 1234, 1234), 0);
  EXPECT_EQ(why(check(h.keys, h.home, 1234)), "ok");
  EXPECT_EQ(why(check(h.keys, h.home, 999)), "bad ownership or modes for directory " + real(h.ssh));
}

TEST(SkiffdStrictModes, ChrootPath) {
  EXPECT_TRUE(check_chroot_path("/"));
  EXPECT_TRUE(check_chroot_path("/usr/share"));
  EXPECT_EQ(why(check_chroot_path("/tmp")), "bad ownership or modes for chroot directory \"/tmp\"");
  EXPECT_EQ(why(check_chroot_path("/etc/passwd")), "chroot path \"/etc/passwd\" is not a directory");
  EXPECT_FALSE(check_chroot_path("relative"));
  TempDir d;
  EXPECT_EQ(why(check_chroot_path(d.path())),
            "bad ownership or modes for chroot directory component \"/tmp/\"");
}

TEST(SkiffdAuthorizedKeys, FindsTheLineWhoseOptionsHold) {
  Home h;
  auto me = lookup_uid(::geteuid());
  ASSERT_TRUE(me && *me);
  UserAccount u = **me;
  u.home = h.home;
  auto key = new_key();
  std::string line = skiff::keys::format_public_key_line(key, "test");
  skiffd_test::write_file(h.keys, skiff::keys::format_public_key_line(new_key(), "other") + "\n" +
                                      "from=\"10.0.0.0/8\" " + line + "\n" + "expiry-time=\"19990101\" " + line +
                                      "\n" + "command=\"echo hi\",no-pty " + line + "\n");
  skiff::config::ServerConfig c;
  Peer p{"192.0.2.7", 50022, "192.0.2.7", "192.0.2.1", 22};
  TempDir logdir;
  std::string logfile = logdir.path() + "/log";
  ServerLog log({LogLevel::verbose, -1, false, false, logfile});
  KeyLookupContext ctx{&u, &c, &p, std::time(nullptr), &log};
  auto m = lookup_authorized_key(ctx, key);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->source, h.keys + ":4");
  EXPECT_EQ(m->entry.options.command, "echo hi");
  EXPECT_FALSE(m->entry.options.pty);
  std::string text = skiffd_test::read_text(logfile);
  EXPECT_NE(text.find(h.keys + ":2: Authentication tried for " + u.name +
                      " with correct key but not from a permitted host (host=192.0.2.7, ip=192.0.2.7, "
                      "required=10.0.0.0/8)."),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Accepted key ssh-ed25519 SHA256:"), std::string::npos) << text;

  EXPECT_FALSE(lookup_authorized_key(ctx, new_key()));  // a key not listed
  ::chmod(h.keys.c_str(), 0666);
  EXPECT_FALSE(lookup_authorized_key(ctx, key));
  EXPECT_NE(skiffd_test::read_text(logfile).find("Authentication refused: bad ownership or modes for file " + real(h.keys)),
            std::string::npos);
  c.strict_modes = false;
  EXPECT_TRUE(lookup_authorized_key(ctx, key));
  // %h and %u tokens, several files, the first that exists.
  c.authorized_keys_files = {"%h/.ssh/none_%u", ".ssh/authorized_keys"};
  EXPECT_TRUE(lookup_authorized_key(ctx, key));
  u.valid = false;
  EXPECT_FALSE(lookup_authorized_key(ctx, key));
}

TEST(SkiffdAuthorizedKeys, ReadAsTheUserWhenRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  auto found = lookup_user("skifftest");
  if (!found || !*found) GTEST_SKIP() << "no user skifftest";
  Home h;
  UserAccount u = **found;
  u.home = h.home;
  auto key = new_key();
  skiffd_test::write_file(h.keys, skiff::keys::format_public_key_line(key, "t") + "\n");
  skiff::config::ServerConfig c;
  Peer p{"127.0.0.1", 1, "127.0.0.1", "127.0.0.1", 22};
  ServerLog log({LogLevel::quiet, -1, false, false, ""});
  KeyLookupContext ctx{&u, &c, &p, std::time(nullptr), &log};
  const int groups_before = ::getgroups(0, nullptr);
  // Owned by root, mode 0600: root may read it, the user may not, and the reader is the user.
  EXPECT_FALSE(lookup_authorized_key(ctx, key));
  for (const auto& path : {h.home, h.ssh, h.keys}) ASSERT_EQ(::chown(path.c_str(), u.uid, u.gid), 0);
  EXPECT_TRUE(lookup_authorized_key(ctx, key));
  UserFile f = read_user_file(h.keys, u, true, 10);
  EXPECT_EQ(f.status, UserFile::Status::failed);  // over the cap
  // The identity is switched back after every read: root again, with root's groups.
  EXPECT_EQ(::setfsuid(static_cast<uid_t>(-1)), 0);
  EXPECT_EQ(::setfsgid(static_cast<gid_t>(-1)), 0);
  EXPECT_EQ(::getgroups(0, nullptr), groups_before);
  EXPECT_EQ(::access(h.keys.c_str(), R_OK), 0);
}

TEST(SkiffdAuthorizedKeys, Command) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (the command must sit in a root-owned path)";
  TempDir bin("/run");
  ASSERT_FALSE(bin.path().empty());
  ::chmod(bin.path().c_str(), 0755);
  auto key = new_key();
  std::string script = bin.path() + "/keys";
  skiffd_test::write_file(script, "#!/bin/sh\n[ \"$1\" = root ] && [ \"$2\" = ssh-ed25519 ] && [ \"$(id -un)\" = nobody ] && "
                                  "echo 'restrict " + skiff::keys::format_public_key_line(key, "cmd") + "'\n");
  ::chmod(script.c_str(), 0755);
  auto root = lookup_uid(0);
  ASSERT_TRUE(root && *root);
  skiff::config::ServerConfig c;
  c.authorized_keys_files = {"none"};
  c.authorized_keys_command = script + " %u %t";
  c.authorized_keys_command_user = "nobody";
  Peer p{"127.0.0.1", 1, "127.0.0.1", "127.0.0.1", 22};
  ServerLog log({LogLevel::quiet, -1, false, false, ""});
  KeyLookupContext ctx{&**root, &c, &p, std::time(nullptr), &log};
  auto m = lookup_authorized_key(ctx, key);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->source, "AuthorizedKeysCommand:1");
  EXPECT_FALSE(m->entry.options.pty);
  c.authorized_keys_command_user.clear();
  EXPECT_FALSE(lookup_authorized_key(ctx, key));
}
