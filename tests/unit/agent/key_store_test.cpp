// The agent's key store on a virtual clock: add, list, sign (with the RSA flags), remove,
// lifetimes (per key and the default), the confirm constraint, lock and unlock with the
// growing delay, and FAILURE for everything it does not serve.
#include <gtest/gtest.h>

#include "agent/key_store.hpp"
#include "keys/ssh_key.hpp"

using namespace skiff;
using namespace skiff::agent;
using namespace std::chrono_literals;

namespace {

wire::ByteView body(const wire::Bytes& framed) { return wire::ByteView(framed).subspan(4); }
wire::ByteView body(const crypto::SecureBytes& framed) { return wire::ByteView(framed.data(), framed.size()).subspan(4); }

struct AgentKeyStore : ::testing::Test {
  Clock::time_point now = Clock::time_point{} + 1000s;
  KeyStore store{KeyStoreConfig{std::nullopt, limits::kMaxAgentIdentities, false}};
  crypto::PrivateKey ed = *crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  crypto::PrivateKey rsa = *crypto::PrivateKey::generate(crypto::KeyType::rsa, 2048);

  Outcome send(const wire::Bytes& framed) { return store.handle(body(framed), now); }
  Outcome send(const crypto::SecureBytes& framed) { return store.handle(body(framed), now); }
  bool ok(const Outcome& o) { return o.reply == encode_status(true); }
  std::vector<Identity> list() { return *decode_identities_answer(body(send(encode_request_identities()).reply)); }
  wire::Bytes blob(const crypto::PrivateKey& k) { return keys::encode_public_blob(k.public_key()); }
};

}  // namespace

TEST_F(AgentKeyStore, AddListSignRemove) {
  EXPECT_TRUE(ok(send(encode_add_identity(ed, "ed key", {}))));
  EXPECT_TRUE(ok(send(encode_add_identity(rsa, "rsa key", {}))));
  auto ids = list();
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0].comment, "ed key");
  EXPECT_EQ(ids[1].key_blob, blob(rsa));

  const wire::Bytes data{1, 2, 3};
  for (auto [flags, alg] : {std::pair{kFlagRsaSha2_256, "rsa-sha2-256"}, std::pair{kFlagRsaSha2_512, "rsa-sha2-512"}}) {
    auto sig = decode_sign_response(body(send(encode_sign_request(blob(rsa), data, flags)).reply));
    ASSERT_TRUE(sig);
    EXPECT_TRUE(keys::verify_blob(rsa.public_key(), alg, data, *sig));
  }
  auto sig = decode_sign_response(body(send(encode_sign_request(blob(ed), data, 0)).reply));
  ASSERT_TRUE(sig);
  EXPECT_TRUE(keys::verify_blob(ed.public_key(), "ssh-ed25519", data, *sig));

  EXPECT_TRUE(ok(send(encode_remove_identity(blob(ed)))));
  EXPECT_FALSE(ok(send(encode_remove_identity(blob(ed)))));
  EXPECT_FALSE(ok(send(encode_sign_request(blob(ed), data, 0))));
  EXPECT_EQ(list().size(), 1u);
  EXPECT_TRUE(ok(send(encode_remove_all_identities())));
  EXPECT_TRUE(list().empty());
}

TEST_F(AgentKeyStore, AddingAgainReplacesCommentAndConstraints) {
  send(encode_add_identity(ed, "first", Constraints{10, false}));
  send(encode_add_identity(ed, "second", {}));
  auto ids = list();
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids[0].comment, "second");
  now += 20s;
  EXPECT_EQ(list().size(), 1u);  // the lifetime went with the replacement
}

TEST_F(AgentKeyStore, LifetimesExpire) {
  send(encode_add_identity(ed, "short", Constraints{5, false}));
  send(encode_add_identity(rsa, "forever", {}));
  EXPECT_EQ(store.next_deadline(), now + 5s);
  now += 4s;
  EXPECT_EQ(list().size(), 2u);
  now += 1s;
  EXPECT_EQ(list().size(), 1u);
  EXPECT_FALSE(store.next_deadline());
}

TEST_F(AgentKeyStore, DefaultLifetime) {
  KeyStore s(KeyStoreConfig{30s, limits::kMaxAgentIdentities, false});
  s.handle(body(encode_add_identity(ed, "c", {})), now);
  EXPECT_EQ(s.next_deadline(), now + 30s);
  s.expire(now + 30s);
  EXPECT_EQ(s.size(), 0u);
}

TEST_F(AgentKeyStore, ConfirmAsksBeforeSigning) {
  send(encode_add_identity(ed, "careful", Constraints{std::nullopt, true}));
  const wire::Bytes data{4, 5};
  Outcome o = send(encode_sign_request(blob(ed), data, 0));
  ASSERT_TRUE(o.confirm);
  EXPECT_TRUE(o.reply.empty());
  EXPECT_EQ(o.confirm->comment, "careful");
  EXPECT_EQ(o.confirm->fingerprint.rfind("SHA256:", 0), 0u);
  EXPECT_EQ(store.finish_confirm(*o.confirm, false, now), encode_status(false));
  auto sig = decode_sign_response(body(store.finish_confirm(*o.confirm, true, now)));
  ASSERT_TRUE(sig);
  EXPECT_TRUE(keys::verify_blob(ed.public_key(), "ssh-ed25519", data, *sig));
  // The key went while the user was asked: refused even with a yes.
  send(encode_remove_all_identities());
  EXPECT_EQ(store.finish_confirm(*o.confirm, true, now), encode_status(false));
}

TEST_F(AgentKeyStore, LockAndUnlock) {
  send(encode_add_identity(ed, "k", {}));
  EXPECT_FALSE(ok(send(encode_lock("", true))));  // empty passphrase refused
  EXPECT_FALSE(ok(send(encode_lock("pw", false))));  // not locked
  EXPECT_TRUE(ok(send(encode_lock("pw", true))));
  EXPECT_TRUE(store.locked());
  EXPECT_FALSE(ok(send(encode_lock("pw", true))));  // already locked
  EXPECT_TRUE(list().empty());
  EXPECT_FALSE(ok(send(encode_sign_request(blob(ed), wire::Bytes{1}, 0))));
  EXPECT_FALSE(ok(send(encode_add_identity(rsa, "r", {}))));
  EXPECT_FALSE(ok(send(encode_remove_all_identities())));
  EXPECT_FALSE(ok(send(encode_lock("wrong", false))));
  EXPECT_TRUE(ok(send(encode_lock("pw", false))));
  EXPECT_EQ(list().size(), 1u);
}

TEST_F(AgentKeyStore, UnlockFailuresAreDelayed) {
  KeyStore s;  // the delay is on by default
  s.handle(body(encode_lock("pw", true)), now);
  EXPECT_EQ(s.handle(body(encode_lock("x", false)), now).delay, 100ms);
  EXPECT_EQ(s.handle(body(encode_lock("y", false)), now).delay, 200ms);
  Outcome good = s.handle(body(encode_lock("pw", false)), now);
  EXPECT_EQ(good.delay, 0ms);
  EXPECT_EQ(good.reply, encode_status(true));
}

TEST_F(AgentKeyStore, UnservedRequestsGetFailure) {
  EXPECT_FALSE(ok(send(encode_extension("session-bind@openssh.com"))));
  const std::uint8_t ssh1_list[] = {1};
  EXPECT_EQ(store.handle(ssh1_list, now).reply, encode_status(false));
  const std::uint8_t garbage[] = {13, 0, 0};
  EXPECT_EQ(store.handle(garbage, now).reply, encode_status(false));
}

TEST_F(AgentKeyStore, KeyCountIsCapped) {
  KeyStore s(KeyStoreConfig{std::nullopt, 1, false});
  EXPECT_EQ(s.handle(body(encode_add_identity(ed, "a", {})), now).reply, encode_status(true));
  EXPECT_EQ(s.handle(body(encode_add_identity(rsa, "b", {})), now).reply, encode_status(false));
  EXPECT_EQ(s.handle(body(encode_add_identity(ed, "a again", {})), now).reply, encode_status(true));
}
