// The log lines other programs read (fail2ban's sshd filter), word for word as sshd 9.2.
#include <gtest/gtest.h>

#include "keys/fingerprint.hpp"
#include "keys/ssh_key.hpp"
#include "system/server_log.hpp"
#include "system/privileged.hpp"
#include "system_test_util.hpp"

using namespace skiff::skiffd;

TEST(SkiffdServerLog, OpenSshWording) {
  skiffd_test::TempDir dir;
  std::string file = dir.path() + "/log";
  Peer p{"198.51.100.4", 40111, "198.51.100.4", "10.0.0.1", 22};
  auto key = skiff::crypto::PrivateKey::generate(skiff::crypto::KeyType::ed25519)->public_key();
  std::string fp = skiff::keys::fingerprint_sha256(skiff::keys::encode_public_blob(key));
  {
    ServerLog log({LogLevel::verbose, -1, false, false, file});
    log.connection_from(p);
    log.invalid_user("admin", p);
    log.failed(AuthMethod::password, "admin", false, p, nullptr);
    log.failed(AuthMethod::password, "alice", true, p, nullptr);
    log.connection_closed("admin", false, p);
    log.connection_closed("alice", true, p);
    log.connection_closed(std::nullopt, false, p);
    log.max_tries_exceeded("root", true, p);
    log.received_disconnect(p, 11, "Bye Bye");
    log.disconnected_preauth("admin", false, p);
    log.accepted(AuthMethod::password, "alice", p, nullptr);
    log.accepted(AuthMethod::publickey, "alice", p, &key);
    log.accepted(AuthMethod::keyboard_interactive, "alice", p, nullptr);
    log.set_preauth(false);
    log.disconnected("alice", p);
    log.error("something broke");
    log.debug("not at this level");
    log.info("bad\nline");
  }
  EXPECT_EQ(skiffd_test::read_text(file),
            "Connection from 198.51.100.4 port 40111 on 10.0.0.1 port 22\n"
            "Invalid user admin from 198.51.100.4 port 40111\n"
            "Failed password for invalid user admin from 198.51.100.4 port 40111 ssh2\n"
            "Failed password for alice from 198.51.100.4 port 40111 ssh2\n"
            "Connection closed by invalid user admin 198.51.100.4 port 40111 [preauth]\n"
            "Connection closed by authenticating user alice 198.51.100.4 port 40111 [preauth]\n"
            "Connection closed by 198.51.100.4 port 40111 [preauth]\n"
            "maximum authentication attempts exceeded for root from 198.51.100.4 port 40111 ssh2 [preauth]\n"
            "Received disconnect from 198.51.100.4 port 40111:11: Bye Bye [preauth]\n"
            "Disconnected from invalid user admin 198.51.100.4 port 40111 [preauth]\n"
            "Accepted password for alice from 198.51.100.4 port 40111 ssh2\n"
            "Accepted publickey for alice from 198.51.100.4 port 40111 ssh2: ED25519 " + fp + "\n"
            "Accepted keyboard-interactive/pam for alice from 198.51.100.4 port 40111 ssh2\n"
            "Disconnected from user alice 198.51.100.4 port 40111\n"
            "something broke\n"
            "bad?line\n");
}
