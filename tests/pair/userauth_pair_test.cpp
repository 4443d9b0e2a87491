// Real transports in memory with ClientAuth and ServerAuth on top: publickey (RSA, so
// that server-sig-algs from EXT_INFO decides the hash) then password, with delayed
// compression that must start exactly after USERAUTH_SUCCESS on both sides.
#include <gtest/gtest.h>

#include <algorithm>

#include "auth/client.hpp"
#include "auth/server.hpp"
#include "pair_harness.hpp"

using namespace skiff;
using namespace skiff::test;
using namespace skiff::auth;

namespace {

TEST(UserauthPair, PublicKeyThenPasswordOverRealTransports) {
  auto key = PrivateKey::generate(KeyType::rsa, 2048);
  ASSERT_TRUE(key);
  auto cc = client_config();
  auto sc = server_config();
  cc.compression = sc.compression = {"zlib@openssh.com"};
  Pair p(cc, sc);
  ASSERT_TRUE(p.handshake());

  ServerAuthConfig sac;
  sac.authentication_methods = {{"publickey", "password"}};
  ServerAuth server(sac, p.server.session_id(), p.now);
  ClientAuthConfig cac;
  cac.user = "erin";
  cac.methods = {"publickey", "password"};
  cac.identities = {Identity{key->public_key(), *key}};
  ClientAuth client(cac, p.client.session_id(), p.client.server_sig_algs());
  client.start();

  std::string algorithm_used;
  bool server_done = false, client_done = false;
  for (int round = 0; round < 1000 && !(server_done && client_done); ++round) {
    while (auto out = client.next_payload()) ASSERT_TRUE(p.client.send(*out));
    while (auto out = server.next_payload()) {
      ASSERT_TRUE(p.server.send(*out));
      if (out->size() == 1 && (*out)[0] == msg::kSuccess) p.server.user_authenticated();
    }
    ASSERT_TRUE(p.pump());
    auto to_server = std::move(p.server_log.packets);
    p.server_log.packets.clear();
    for (const auto& pkt : to_server) ASSERT_TRUE(server.receive(pkt, p.now));
    auto to_client = std::move(p.client_log.packets);
    p.client_log.packets.clear();
    for (const auto& pkt : to_client) ASSERT_TRUE(client.receive(pkt));

    while (auto ev = server.poll_event()) {
      if (auto* pk = std::get_if<server_event::CheckPublicKey>(&*ev)) {
        algorithm_used = pk->algorithm;
        ASSERT_TRUE(pk->key == key->public_key() ? server.accept(p.now) : server.reject(p.now));
      } else if (auto* pw = std::get_if<server_event::CheckPassword>(&*ev)) {
        ASSERT_TRUE(std::string(pw->password.begin(), pw->password.end()) == "hunter2" ? server.accept(p.now) : server.reject(p.now));
      } else if (auto* a = std::get_if<server_event::Authenticated>(&*ev)) {
        server_done = true;
        EXPECT_EQ(a->methods, (std::vector<std::string>{"publickey", "password"}));
        ASSERT_EQ(a->keys.size(), 1u);
        EXPECT_EQ(a->keys[0], key->public_key());
      } else {
        ASSERT_FALSE(std::holds_alternative<server_event::Disconnect>(*ev));
      }
    }
    while (auto ev = client.poll_event()) {
      if (std::holds_alternative<client_event::PasswordNeeded>(*ev)) {
        ASSERT_TRUE(client.provide_password("hunter2"));
      } else if (std::holds_alternative<client_event::Authenticated>(*ev)) {
        client_done = true;
        p.client.user_authenticated();
      } else {
        ASSERT_FALSE(std::holds_alternative<client_event::Failed>(*ev));
      }
    }
    if (auto d = server.next_deadline(); d && *d - p.now < std::chrono::seconds(1)) {
      p.now = std::max(p.now, *d);
      server.on_timer(p.now);
    }
  }
  ASSERT_TRUE(server_done);
  ASSERT_TRUE(client_done);
  EXPECT_EQ(algorithm_used, "rsa-sha2-512");

  // Compression now runs both ways; messages still arrive intact.
  Bytes data(4000, 0x61);
  data[0] = 94;
  ASSERT_TRUE(p.client.send(data));
  ASSERT_TRUE(p.server.send(data));
  ASSERT_TRUE(p.pump());
  ASSERT_EQ(p.server_log.packets.size(), 1u);
  EXPECT_EQ(p.server_log.packets[0], data);
  ASSERT_EQ(p.client_log.packets.size(), 1u);
  EXPECT_EQ(p.client_log.packets[0], data);
}

}  // namespace
