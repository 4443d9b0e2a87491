// ServerAuth against ClientAuth, method by method, and the server's defences.
#include <gtest/gtest.h>

#include "auth_pair.hpp"

using namespace skiff;
using namespace skiff::auth;
using namespace skiff::auth::testing;
using namespace std::chrono_literals;

namespace {

PrivateKey make_key(KeyType t) {
  auto k = PrivateKey::generate(t, t == KeyType::rsa ? 2048 : 0);
  EXPECT_TRUE(k);
  return *k;
}

ClientAuthConfig client_config(std::string user, std::vector<std::string> methods) {
  ClientAuthConfig c;
  c.user = std::move(user);
  c.methods = std::move(methods);
  return c;
}

Identity identity(const PrivateKey& k) { return Identity{k.public_key(), k}; }

}  // namespace

TEST(AuthFlow, PasswordLogin) {
  ServerAuthConfig sc;
  sc.banner = "Authorized users only\n";
  AuthPair p(sc, client_config("alice", {"password"}));
  p.sapp.passwords["alice"] = "secret";
  p.capp.passwords = {"wrong", "secret"};
  p.run();
  ASSERT_TRUE(p.server.authenticated());
  ASSERT_TRUE(p.client.authenticated());
  auto auth = p.server_all<server_event::Authenticated>();
  ASSERT_EQ(auth.size(), 1u);
  EXPECT_EQ(auth[0].user, "alice");
  EXPECT_EQ(auth[0].service, "ssh-connection");
  EXPECT_EQ(auth[0].methods, (std::vector<std::string>{"password"}));
  EXPECT_TRUE(auth[0].keys.empty());
  EXPECT_EQ(p.server.failures(), 1u);
  // The banner comes first, once.
  auto banners = p.client_all<client_event::Banner>();
  ASSERT_EQ(banners.size(), 1u);
  EXPECT_EQ(banners[0].message, "Authorized users only\n");
  EXPECT_TRUE(std::holds_alternative<client_event::Banner>(p.client_events.front()));
  EXPECT_EQ(p.client_all<client_event::Authenticated>().at(0).method, "password");
}

TEST(AuthFlow, PasswordChangeRequest) {
  AuthPair p(ServerAuthConfig{}, client_config("alice", {"password"}));
  p.sapp.passwords["alice"] = "old";
  p.sapp.require_password_change = true;
  p.capp.passwords = {"old"};
  p.run();
  ASSERT_TRUE(p.server.authenticated());
  auto checks = p.server_all<server_event::CheckPassword>();
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_FALSE(checks[0].new_password);
  ASSERT_TRUE(checks[1].new_password);
  EXPECT_EQ(str(*checks[1].new_password), "changed");
  EXPECT_EQ(p.sapp.passwords["alice"], "changed");
}

TEST(AuthFlow, PublicKeyEveryTypeQueriesFirstAndReportsTheVerifiedKey) {
  for (auto t : {KeyType::ed25519, KeyType::ecdsa_p256, KeyType::ecdsa_p384, KeyType::ecdsa_p521, KeyType::rsa}) {
    auto key = make_key(t);
    auto cc = client_config("bob", {"publickey"});
    cc.identities = {identity(key)};
    AuthPair p(ServerAuthConfig{}, cc);
    p.sapp.keys["bob"] = {key.public_key()};
    p.run();
    ASSERT_TRUE(p.server.authenticated()) << key.type_name();
    ASSERT_TRUE(p.client.authenticated());
    EXPECT_EQ(p.sapp.pk_checks_verified, (std::vector<bool>{false, true}));
    auto auth = p.server_all<server_event::Authenticated>().at(0);
    ASSERT_EQ(auth.keys.size(), 1u);
    EXPECT_EQ(auth.keys[0], key.public_key());
    auto checks = p.server_all<server_event::CheckPublicKey>();
    // RSA signs with the strongest SHA-2 name the server lists.
    EXPECT_EQ(checks.back().algorithm, t == KeyType::rsa ? "rsa-sha2-512" : key.type_name());
  }
}

TEST(AuthFlow, RsaAlgorithmFollowsServerSigAlgs) {
  auto key = make_key(KeyType::rsa);
  {
    auto cc = client_config("bob", {"publickey"});
    cc.identities = {identity(key)};
    AuthPair p(ServerAuthConfig{}, cc, {"ssh-ed25519", "rsa-sha2-256"});
    p.sapp.keys["bob"] = {key.public_key()};
    p.run();
    ASSERT_TRUE(p.server.authenticated());
    EXPECT_EQ(p.server_all<server_event::CheckPublicKey>().back().algorithm, "rsa-sha2-256");
  }
  {
    // No server-sig-algs and ssh-rsa not accepted: the key is not offered at all.
    auto cc = client_config("bob", {"publickey"});
    cc.identities = {identity(key)};
    AuthPair p(ServerAuthConfig{}, cc, {});
    p.sapp.keys["bob"] = {key.public_key()};
    p.run();
    EXPECT_TRUE(p.client.failed());
    EXPECT_TRUE(p.server_all<server_event::CheckPublicKey>().empty());
  }
  {
    // ssh-rsa allowed on both sides: used without server-sig-algs.
    auto cc = client_config("bob", {"publickey"});
    cc.identities = {identity(key)};
    cc.pubkey_accepted_algorithms = {"ssh-rsa"};
    ServerAuthConfig sc;
    sc.pubkey_accepted_algorithms = {"ssh-rsa"};
    AuthPair p(sc, cc, {});
    p.sapp.keys["bob"] = {key.public_key()};
    p.run();
    ASSERT_TRUE(p.server.authenticated());
    EXPECT_EQ(p.server_all<server_event::CheckPublicKey>().back().algorithm, "ssh-rsa");
  }
}

TEST(AuthFlow, UnauthorizedKeyIsSkippedAndNeverReported) {
  auto stranger = make_key(KeyType::ed25519);
  auto good = make_key(KeyType::ecdsa_p256);
  auto cc = client_config("bob", {"publickey"});
  cc.identities = {identity(stranger), identity(good)};
  AuthPair p(ServerAuthConfig{}, cc);
  p.sapp.keys["bob"] = {good.public_key()};
  p.run();
  ASSERT_TRUE(p.server.authenticated());
  auto auth = p.server_all<server_event::Authenticated>().at(0);
  ASSERT_EQ(auth.keys.size(), 1u);
  EXPECT_EQ(auth.keys[0], good.public_key());
  EXPECT_EQ(p.server.failures(), 1u);
}

TEST(AuthFlow, AgentSignsThroughAnEvent) {
  auto key = make_key(KeyType::ed25519);
  auto cc = client_config("bob", {"publickey"});
  cc.identities = {Identity{key.public_key(), std::nullopt}};
  AuthPair p(ServerAuthConfig{}, cc);
  p.sapp.keys["bob"] = {key.public_key()};
  p.capp.agent_key = key;
  p.run();
  ASSERT_TRUE(p.server.authenticated());
  EXPECT_EQ(p.client_all<client_event::SignatureNeeded>().size(), 1u);
}

TEST(AuthFlow, KeyboardInteractiveTwoRounds) {
  auto cc = client_config("carol", {"keyboard-interactive"});
  cc.kbdint_submethods = "pam";
  AuthPair p(ServerAuthConfig{}, cc);
  p.sapp.passwords["carol"] = "secret";
  p.sapp.kbd_rounds = 2;
  p.run();
  ASSERT_TRUE(p.server.authenticated());
  EXPECT_EQ(p.client_all<client_event::InfoRequestReceived>().size(), 2u);
  EXPECT_EQ(p.server_all<server_event::KeyboardInteractiveStart>().at(0).submethods, "pam");
  EXPECT_EQ(p.server_all<server_event::Authenticated>().at(0).methods,
            (std::vector<std::string>{"keyboard-interactive"}));
}

TEST(AuthFlow, PartialSuccessPublicKeyThenPassword) {
  auto key = make_key(KeyType::ed25519);
  ServerAuthConfig sc;
  sc.authentication_methods = {{"publickey", "password"}};
  // The client prefers password, but the server lists only publickey first.
  auto cc = client_config("dave", {"password", "publickey"});
  cc.identities = {identity(key)};
  AuthPair p(sc, cc);
  p.sapp.keys["dave"] = {key.public_key()};
  p.sapp.passwords["dave"] = "pw";
  p.capp.passwords = {"pw"};
  p.run();
  ASSERT_TRUE(p.server.authenticated());
  ASSERT_TRUE(p.client.authenticated());
  auto auth = p.server_all<server_event::Authenticated>().at(0);
  EXPECT_EQ(auth.methods, (std::vector<std::string>{"publickey", "password"}));
  EXPECT_EQ(auth.keys.size(), 1u);
  auto partial = p.client_all<client_event::PartialSuccess>();
  ASSERT_EQ(partial.size(), 1u);
  EXPECT_EQ(partial[0].methods_that_can_continue, (std::vector<std::string>{"password"}));
  EXPECT_EQ(p.server_all<server_event::PartialSuccess>().size(), 1u);
  // The first FAILURE (answer to "none") listed only publickey.
  auto first = decode_failure(p.server_sent.at(0).payload);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->methods, (std::vector<std::string>{"publickey"}));
}

TEST(AuthFlow, PasswordAloneDoesNotSatisfyPublicKeyPlusPassword) {
  ServerAuthConfig sc;
  sc.authentication_methods = {{"publickey", "password"}};
  AuthPair p(sc, client_config("dave", {"password"}));
  p.sapp.passwords["dave"] = "pw";
  p.capp.passwords = {"pw"};
  p.run();
  EXPECT_FALSE(p.server.authenticated());
  EXPECT_TRUE(p.client.failed());
  EXPECT_TRUE(p.server_all<server_event::CheckPassword>().empty());
}

TEST(AuthFlow, PerUserMethodsReplaceTheConnectionsOnce) {
  // sshd's Match User: password is off for the connection, on for this user.
  ServerAuthConfig sc;
  sc.methods = {"publickey"};
  std::vector<std::string> asked;
  sc.methods_for_user = [&asked](const std::string& user) -> std::optional<ServerAuthConfig::UserMethods> {
    asked.push_back(user);
    if (user != "erin") return std::nullopt;
    return ServerAuthConfig::UserMethods{{"publickey", "password"}, {}};
  };
  AuthPair p(sc, client_config("erin", {"password"}));
  p.sapp.passwords["erin"] = "pw";
  p.capp.passwords = {"wrong", "pw"};
  p.run();
  EXPECT_TRUE(p.server.authenticated());
  EXPECT_EQ(asked, std::vector<std::string>{"erin"});  // once, with the first request
  // Another user keeps the connection's methods: no password is even asked for.
  AuthPair q(sc, client_config("frank", {"password"}));
  q.sapp.passwords["frank"] = "pw";
  q.capp.passwords = {"pw"};
  q.run();
  EXPECT_FALSE(q.server.authenticated());
  EXPECT_TRUE(q.server_all<server_event::CheckPassword>().empty());
}

TEST(AuthFlow, MaxAuthTriesEndsTheConnection) {
  ServerAuthConfig sc;
  sc.max_auth_tries = 3;
  auto cc = client_config("alice", {"password"});
  cc.number_of_password_prompts = 10;
  AuthPair p(sc, cc);
  p.sapp.passwords["alice"] = "secret";
  p.capp.passwords = {"a", "b", "c", "d", "e"};
  p.run();
  EXPECT_TRUE(p.server.closed());
  auto d = p.server_all<server_event::Disconnect>();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].reason, 2u);
  EXPECT_EQ(d[0].description, "Too many authentication failures");
  EXPECT_EQ(p.server_all<server_event::CheckPassword>().size(), 3u);
  // "none" and two counted failures answered; the third failure is the disconnect.
  EXPECT_EQ(p.server_sent.size(), 3u);
  EXPECT_EQ(p.server_all<server_event::AttemptFailed>().back().failures, 3u);
}

TEST(AuthFlow, UnknownUserGetsTheSameAnswersAtTheSameTimes) {
  auto run = [](std::string user) {
    ServerAuthConfig sc;
    sc.banner = "hi";
    auto cc = client_config(user, {"keyboard-interactive", "password"});
    cc.number_of_password_prompts = 2;
    AuthPair p(sc, cc);
    p.sapp.passwords["alice"] = "secret";
    p.sapp.decision_time = 3ms;
    p.capp.passwords = {"bad", "worse"};
    p.capp.responses = {"nope"};
    p.run();
    return p.server_sent;
  };
  auto known = run("alice");
  auto unknown = run("mallory");
  ASSERT_EQ(known.size(), unknown.size());
  ASSERT_GT(known.size(), 4u);
  for (std::size_t i = 0; i < known.size(); ++i) {
    EXPECT_EQ(known[i].payload, unknown[i].payload) << i;
    EXPECT_EQ(known[i].at, unknown[i].at) << i;
  }
}

TEST(AuthFlow, PkOkIsNotHeldButAnUnauthorisedKeysFailureIs) {
  ServerAuthConfig sc;
  sc.min_failure_delay = 5ms;
  const TimePoint t0{};
  ServerAuth s(sc, Bytes(32, 1), t0);
  auto k = make_key(KeyType::ed25519);
  auto query = encode(UserauthRequest{"u", "ssh-connection", "publickey",
                                      PublicKeyRequest{k.type_name(), k.public_blob(), std::nullopt}});
  ASSERT_TRUE(s.receive(query, t0));
  ASSERT_TRUE(std::holds_alternative<server_event::CheckPublicKey>(*s.poll_event()));
  ASSERT_TRUE(s.accept(t0 + 1ms));
  auto ok = s.next_payload();
  ASSERT_TRUE(ok);  // at once
  EXPECT_EQ((*ok)[0], msg::kPkOk);
  // The same query for a key that is not authorised: FAILURE after the delay.
  ASSERT_TRUE(s.receive(query, t0 + 2ms));
  ASSERT_TRUE(std::holds_alternative<server_event::CheckPublicKey>(*s.poll_event()));
  ASSERT_TRUE(s.reject(t0 + 3ms));
  EXPECT_FALSE(s.next_payload());
  ASSERT_TRUE(s.next_deadline());
  EXPECT_GE(*s.next_deadline(), t0 + 7ms);
}

TEST(AuthFlow, FailureAnswerIsHeldForTheMinimumDelay) {
  ServerAuthConfig sc;
  sc.min_failure_delay = 5ms;
  const TimePoint t0{};
  ServerAuth s(sc, Bytes(32, 1), t0);
  UserauthRequest req{"u", "ssh-connection", "password", PasswordRequest{"x", std::nullopt}};
  ASSERT_TRUE(s.receive(encode(req), t0));
  ASSERT_TRUE(std::holds_alternative<server_event::CheckPassword>(*s.poll_event()));
  // The decision took 7 ms: the delay doubles to 10 ms after the request.
  ASSERT_TRUE(s.reject(t0 + 7ms));
  EXPECT_FALSE(s.next_payload());
  EXPECT_EQ(*s.next_deadline(), t0 + 10ms);
  s.on_timer(t0 + 9ms);
  EXPECT_FALSE(s.next_payload());
  s.on_timer(t0 + 10ms);
  auto f = s.next_payload();
  ASSERT_TRUE(f);
  EXPECT_EQ((*f)[0], msg::kFailure);

  // A decision slower than OpenSSH's 5 s cap is not padded further.
  ASSERT_TRUE(s.receive(encode(req), t0 + 11ms));
  while (s.poll_event()) {
  }
  ASSERT_TRUE(s.reject(t0 + 6s));
  EXPECT_TRUE(s.next_payload());

  // Success is not delayed.
  ASSERT_TRUE(s.receive(encode(req), t0 + 20ms));
  while (s.poll_event()) {
  }
  ASSERT_TRUE(s.accept(t0 + 20ms));
  auto ok = s.next_payload();
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, encode_success());
  EXPECT_FALSE(s.next_deadline());
}

TEST(AuthFlow, LoginGraceTimeEndsAStalledLogin) {
  ServerAuthConfig sc;
  sc.login_grace_time = 30s;
  const TimePoint t0{};
  ServerAuth s(sc, Bytes(32, 1), t0);
  EXPECT_EQ(*s.next_deadline(), t0 + 30s);
  s.on_timer(t0 + 29s);
  EXPECT_FALSE(s.poll_event());
  s.on_timer(t0 + 30s);
  auto ev = s.poll_event();
  ASSERT_TRUE(ev);
  ASSERT_TRUE(std::holds_alternative<server_event::Disconnect>(*ev));
  EXPECT_TRUE(s.closed());
  EXPECT_FALSE(s.receive(encode(UserauthRequest{"u", "ssh-connection", "none", NoneRequest{}}), t0 + 31s));
}

TEST(AuthFlow, PublicKeyTwiceNeedsTwoDifferentKeys) {
  auto k1 = make_key(KeyType::ed25519);
  auto k2 = make_key(KeyType::ecdsa_p256);
  ServerAuthConfig sc;
  sc.authentication_methods = {{"publickey", "publickey"}};
  {
    auto cc = client_config("bob", {"publickey"});
    cc.identities = {identity(k1), identity(k1)};
    AuthPair p(sc, cc);
    p.sapp.keys["bob"] = {k1.public_key()};
    p.run();
    EXPECT_FALSE(p.server.authenticated());
    EXPECT_TRUE(p.client.failed());
  }
  auto cc = client_config("bob", {"publickey"});
  cc.identities = {identity(k1), identity(k2)};
  AuthPair p(sc, cc);
  p.sapp.keys["bob"] = {k1.public_key(), k2.public_key()};
  p.run();
  ASSERT_TRUE(p.server.authenticated());
  auto auth = p.server_all<server_event::Authenticated>().at(0);
  ASSERT_EQ(auth.keys.size(), 2u);
  EXPECT_EQ(auth.keys[0], k1.public_key());
  EXPECT_EQ(auth.keys[1], k2.public_key());
}

TEST(AuthFlow, TimingSecretGivesEachUserAStableExtraDelay) {
  ServerAuthConfig sc;
  sc.timing_secret = Bytes(32, 0x42);
  auto release_for = [&](std::string user) {
    const TimePoint t0{};
    ServerAuth s(sc, Bytes(32, 1), t0);
    EXPECT_TRUE(s.receive(encode(UserauthRequest{user, "ssh-connection", "password", PasswordRequest{"x", std::nullopt}}), t0));
    while (s.poll_event()) {
    }
    EXPECT_TRUE(s.reject(t0));
    return *s.next_deadline() - t0;
  };
  auto a = release_for("alice");
  EXPECT_GE(a, 5ms);
  EXPECT_LT(a, 5ms + 4300us);
  EXPECT_EQ(a, release_for("alice"));
  EXPECT_NE(a, release_for("mallory"));
}
