// Hostile and out-of-phase input, fed as raw messages to each side.
#include <gtest/gtest.h>

#include "auth_pair.hpp"

using namespace skiff;
using namespace skiff::auth;
using namespace skiff::auth::testing;
using namespace std::chrono_literals;

namespace {

const Bytes kSid(32, 0x11);
const TimePoint t0{};

PrivateKey ed25519() {
  auto k = PrivateKey::generate(KeyType::ed25519);
  EXPECT_TRUE(k);
  return *k;
}

Bytes signed_request(const PrivateKey& signer, const Bytes& blob, std::string alg, ByteView sid,
                     std::string user = "u") {
  auto data = publickey_signed_data(sid, user, "ssh-connection", alg, blob);
  auto sig = signer.sign(alg, data);
  EXPECT_TRUE(sig);
  return encode(UserauthRequest{user, "ssh-connection", "publickey", PublicKeyRequest{alg, blob, *sig}});
}

Bytes query(const PrivateKey& k, std::string user = "u") {
  return encode(UserauthRequest{user, "ssh-connection", "publickey", PublicKeyRequest{k.type_name(), k.public_blob(), std::nullopt}});
}

Bytes password(std::string user, std::string pw) {
  return encode(UserauthRequest{std::move(user), "ssh-connection", "password", PasswordRequest{SecretString(pw.begin(), pw.end()), std::nullopt}});
}

std::vector<ServerAuthEvent> drain(ServerAuth& s) {
  std::vector<ServerAuthEvent> v;
  while (auto e = s.poll_event()) v.push_back(std::move(*e));
  return v;
}

template <class E>
const E* find(const std::vector<ServerAuthEvent>& v) {
  for (const auto& e : v) {
    if (auto* p = std::get_if<E>(&e)) return p;
  }
  return nullptr;
}

// Releases every held answer and returns what was sent.
std::vector<Bytes> flush(ServerAuth& s, TimePoint& now) {
  if (auto d = s.next_deadline(); d && *d - now < 1s) {
    now = *d;
    s.on_timer(now);
  }
  std::vector<Bytes> out;
  while (auto p = s.next_payload()) out.push_back(std::move(*p));
  return out;
}

void expect_protocol_end(ServerAuth& s, Result<void> r, std::uint32_t reason = 2) {
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().disconnect_reason, reason);
  EXPECT_TRUE(s.closed());
  auto ev = drain(s);
  auto* d = find<server_event::Disconnect>(ev);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->reason, reason);
}

}  // namespace

TEST(AuthServerEdge, SignatureOverAnotherSessionIdIsRejectedWithoutAsking) {
  auto key = ed25519();
  ServerAuth s(ServerAuthConfig{}, kSid, t0);
  TimePoint now = t0;
  ASSERT_TRUE(s.receive(signed_request(key, key.public_blob(), "ssh-ed25519", Bytes(32, 0x22)), now));
  auto ev = drain(s);
  EXPECT_FALSE(find<server_event::CheckPublicKey>(ev));
  ASSERT_TRUE(find<server_event::AttemptFailed>(ev));
  auto out = flush(s, now);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0][0], msg::kFailure);
}

TEST(AuthServerEdge, SignatureByAnotherKeyOrForAnotherUserIsRejected) {
  auto key = ed25519();
  auto other = ed25519();
  ServerAuth s(ServerAuthConfig{}, kSid, t0);
  TimePoint now = t0;
  ASSERT_TRUE(s.receive(signed_request(other, key.public_blob(), "ssh-ed25519", kSid), now));
  EXPECT_FALSE(find<server_event::CheckPublicKey>(drain(s)));
  flush(s, now);
  // Signed for user "v" but sent as "u": the signed data differs.
  auto data = publickey_signed_data(kSid, "v", "ssh-connection", "ssh-ed25519", key.public_blob());
  auto sig = key.sign("ssh-ed25519", data);
  ASSERT_TRUE(s.receive(encode(UserauthRequest{"u", "ssh-connection", "publickey",
                                               PublicKeyRequest{"ssh-ed25519", key.public_blob(), *sig}}),
                        now));
  EXPECT_FALSE(find<server_event::CheckPublicKey>(drain(s)));
  EXPECT_EQ(s.failures(), 2u);
}

TEST(AuthServerEdge, AlgorithmsThatDoNotFitOrAreNotAcceptedFailWithoutAsking) {
  auto key = ed25519();
  auto rsa = PrivateKey::generate(KeyType::rsa, 2048);
  ASSERT_TRUE(rsa);
  ServerAuth s(ServerAuthConfig{}, kSid, t0);
  TimePoint now = t0;
  for (auto req : {encode(UserauthRequest{"u", "ssh-connection", "publickey",
                                          PublicKeyRequest{"rsa-sha2-256", key.public_blob(), std::nullopt}}),
                   // ssh-rsa (SHA-1) is not accepted by default, even correctly signed.
                   signed_request(*rsa, rsa->public_blob(), "ssh-rsa", kSid),
                   encode(UserauthRequest{"u", "ssh-connection", "publickey",
                                          PublicKeyRequest{"ssh-ed25519", Bytes{0, 0, 0, 1, 'x'}, std::nullopt}})}) {
    ASSERT_TRUE(s.receive(req, now));
    auto ev = drain(s);
    EXPECT_FALSE(find<server_event::CheckPublicKey>(ev));
    EXPECT_TRUE(find<server_event::AttemptFailed>(ev));
    flush(s, now);
  }
}

TEST(AuthServerEdge, OnlyTheKeyWhoseSignatureVerifiedIsReported) {
  auto offered = ed25519();
  auto used = ed25519();
  ServerAuth s(ServerAuthConfig{}, kSid, t0);
  TimePoint now = t0;
  ASSERT_TRUE(s.receive(query(offered), now));
  auto ev = drain(s);
  ASSERT_TRUE(find<server_event::CheckPublicKey>(ev));
  EXPECT_FALSE(find<server_event::CheckPublicKey>(ev)->verified);
  ASSERT_TRUE(s.accept(now));
  auto out = flush(s, now);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], encode(PkOk{"ssh-ed25519", offered.public_blob()}));
  EXPECT_FALSE(s.authenticated());

  ASSERT_TRUE(s.receive(signed_request(used, used.public_blob(), "ssh-ed25519", kSid), now));
  ev = drain(s);
  auto* check = find<server_event::CheckPublicKey>(ev);
  ASSERT_TRUE(check);
  EXPECT_TRUE(check->verified);
  EXPECT_EQ(check->key, used.public_key());
  ASSERT_TRUE(s.accept(now));
  ev = drain(s);
  auto* auth = find<server_event::Authenticated>(ev);
  ASSERT_TRUE(auth);
  ASSERT_EQ(auth->keys.size(), 1u);
  EXPECT_EQ(auth->keys[0], used.public_key());
}

TEST(AuthServerEdge, OutOfPhaseMessagesEndTheConnection) {
  ServerAuth a(ServerAuthConfig{}, kSid, t0);
  expect_protocol_end(a, a.receive(encode_success(), t0));
  ServerAuth b(ServerAuthConfig{}, kSid, t0);
  expect_protocol_end(b, b.receive(encode(InfoResponse{{"x"}}), t0));
  ServerAuth c(ServerAuthConfig{}, kSid, t0);
  expect_protocol_end(c, c.receive(Bytes{90, 0, 0, 0, 0}, t0));  // CHANNEL_OPEN before authentication
  ServerAuth d(ServerAuthConfig{}, kSid, t0);
  expect_protocol_end(d, d.receive(Bytes{}, t0));
  ServerAuth e(ServerAuthConfig{}, kSid, t0);
  expect_protocol_end(e, e.receive(encode(PkOk{"ssh-ed25519", Bytes{1}}), t0));
}

TEST(AuthServerEdge, KeyboardInteractiveResponsesMustMatchThePrompts) {
  ServerAuth s(ServerAuthConfig{}, kSid, t0);
  TimePoint now = t0;
  ASSERT_TRUE(s.receive(encode(UserauthRequest{"u", "ssh-connection", "keyboard-interactive",
                                               KeyboardInteractiveRequest{}}),
                        now));
  drain(s);
  // The application has not sent an INFO_REQUEST yet: a response is out of phase.
  expect_protocol_end(s, s.receive(encode(InfoResponse{{"1", "2"}}), now));

  ServerAuth w(ServerAuthConfig{}, kSid, t0);
  now = t0;
  ASSERT_TRUE(w.receive(encode(UserauthRequest{"u", "ssh-connection", "keyboard-interactive",
                                               KeyboardInteractiveRequest{}}),
                        now));
  drain(w);
  ASSERT_TRUE(w.send_info_request(InfoRequest{"", "", "", {{"A: ", false}, {"B: ", false}}}, now));
  ASSERT_EQ(flush(w, now).size(), 1u);
  expect_protocol_end(w, w.receive(encode(InfoResponse{{"only one"}}), now));
}

TEST(AuthServerEdge, UserOrServiceMayNotChange) {
  ServerAuth s(ServerAuthConfig{}, kSid, t0);
  TimePoint now = t0;
  ASSERT_TRUE(s.receive(encode(UserauthRequest{"u", "ssh-connection", "none", NoneRequest{}}), now));
  flush(s, now);
  expect_protocol_end(s, s.receive(encode(UserauthRequest{"root", "ssh-connection", "none", NoneRequest{}}), now));

  ServerAuth t(ServerAuthConfig{}, kSid, t0);
  expect_protocol_end(t, t.receive(encode(UserauthRequest{"u", "ssh-frobnicate", "none", NoneRequest{}}), t0), 7);
}

TEST(AuthServerEdge, OnlyAFirstNoneIsFreeAndUnknownMethodsCount) {
  ServerAuthConfig sc;
  sc.methods = {"publickey"};
  ServerAuth s(sc, kSid, t0);
  TimePoint now = t0;
  const Bytes none = encode(UserauthRequest{"u", "ssh-connection", "none", NoneRequest{}});
  for (unsigned i = 0; i < 3; ++i) {
    ASSERT_TRUE(s.receive(none, now));
    // "none" is answered at once, never held back.
    auto out = s.next_payload();
    ASSERT_TRUE(out);
    EXPECT_EQ(*out, encode(UserauthFailure{{"publickey"}, false}));
    EXPECT_EQ(s.failures(), i);
  }
  ASSERT_TRUE(s.receive(password("u", "x"), now));  // not enabled
  EXPECT_FALSE(find<server_event::CheckPassword>(drain(s)));
  flush(s, now);
  ASSERT_TRUE(s.receive(encode(UserauthRequest{"u", "ssh-connection", "hostbased", OtherMethodRequest{}}), now));
  flush(s, now);
  EXPECT_EQ(s.failures(), 4u);
}

TEST(AuthServerEdge, PipelinedRequestsWaitTheirTurnAndAreCapped) {
  ServerAuth s(ServerAuthConfig{}, kSid, t0);
  TimePoint now = t0;
  ASSERT_TRUE(s.receive(password("u", "a"), now));
  ASSERT_TRUE(s.receive(password("u", "b"), now));
  auto ev = drain(s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(str(std::get<server_event::CheckPassword>(ev[0]).password), "a");
  ASSERT_TRUE(s.reject(now));
  drain(s);
  // Answering the second before the first FAILURE is out is not possible.
  EXPECT_EQ(s.accept(now).error().code, Errc::invalid_argument);
  flush(s, now);
  ev = drain(s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(str(std::get<server_event::CheckPassword>(ev[0]).password), "b");

  for (std::size_t i = 0; i < limits::kMaxQueuedAuthRequests; ++i) ASSERT_TRUE(s.receive(password("u", "c"), now));
  expect_protocol_end(s, s.receive(password("u", "d"), now));
}

TEST(AuthServerEdge, RequestsAfterSuccessAreIgnored) {
  ServerAuth s(ServerAuthConfig{}, kSid, t0);
  ASSERT_TRUE(s.receive(password("u", "a"), t0));
  drain(s);
  ASSERT_TRUE(s.accept(t0));
  EXPECT_TRUE(s.authenticated());
  EXPECT_TRUE(find<server_event::Authenticated>(drain(s)));
  while (s.next_payload()) {
  }
  EXPECT_TRUE(s.receive(password("u", "a"), t0));
  EXPECT_TRUE(drain(s).empty());
  EXPECT_FALSE(s.next_payload());
  EXPECT_FALSE(s.receive(encode(InfoResponse{}), t0));
}

TEST(AuthServerEdge, EveryTruncatedRequestEndsCleanly) {
  auto key = ed25519();
  for (const auto& good : {signed_request(key, key.public_blob(), "ssh-ed25519", kSid), password("u", "pw")}) {
    for (std::size_t n = 1; n < good.size(); ++n) {
      ServerAuth s(ServerAuthConfig{}, kSid, t0);
      auto r = s.receive(ByteView(good.data(), n), t0);
      ASSERT_FALSE(r) << n;
      EXPECT_TRUE(s.closed());
    }
  }
}

TEST(AuthClientEdge, UnsolicitedOrMismatchedAnswersAreProtocolErrors) {
  auto key = ed25519();
  ClientAuthConfig cc;
  cc.user = "u";
  cc.methods = {"publickey", "password"};
  cc.identities = {Identity{key.public_key(), key}};
  {
    ClientAuth c(cc, kSid, {});
    auto r = c.receive(encode_success());  // before start: nothing was asked
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::protocol_error);
  }
  {
    ClientAuth c(cc, kSid, {});
    c.start();
    ASSERT_TRUE(c.next_payload());
    // 60 in answer to "none" fits no request.
    EXPECT_FALSE(c.receive(encode(PkOk{"ssh-ed25519", key.public_blob()})));
  }
  {
    ClientAuth c(cc, kSid, {});
    c.start();
    c.next_payload();
    ASSERT_TRUE(c.receive(encode(UserauthFailure{{"publickey"}, false})));
    auto q = c.next_payload();
    ASSERT_TRUE(q);
    auto req = decode_request(*q);
    ASSERT_TRUE(req);
    EXPECT_FALSE(std::get<PublicKeyRequest>(req->body).signature);
    // PK_OK for a key that was not offered.
    auto other = ed25519();
    EXPECT_FALSE(c.receive(encode(PkOk{"ssh-ed25519", other.public_blob()})));
  }
  {
    ClientAuth c(cc, kSid, {});
    c.start();
    c.next_payload();
    ASSERT_TRUE(c.receive(encode(UserauthFailure{{"password"}, false})));
    // Waiting for the user's password: nothing is outstanding, SUCCESS is unsolicited.
    ASSERT_TRUE(std::holds_alternative<client_event::PasswordNeeded>(*c.poll_event()));
    EXPECT_FALSE(c.receive(encode_success()));
  }
  {
    ClientAuth c(cc, kSid, {});
    c.start();
    c.next_payload();
    ASSERT_TRUE(c.receive(encode(UserauthFailure{{"hostbased"}, false})));
    auto ev = c.poll_event();
    ASSERT_TRUE(ev);
    ASSERT_TRUE(std::holds_alternative<client_event::Failed>(*ev));
    EXPECT_TRUE(c.failed());
    EXPECT_FALSE(c.receive(encode(UserauthBanner{"late", ""})));
  }
}

TEST(AuthClientEdge, ResponsesMustMatchThePromptCount) {
  ClientAuthConfig cc;
  cc.user = "u";
  cc.methods = {"keyboard-interactive"};
  ClientAuth c(cc, kSid, {});
  c.start();
  c.next_payload();
  ASSERT_TRUE(c.receive(encode(UserauthFailure{{"keyboard-interactive"}, false})));
  ASSERT_TRUE(c.next_payload());
  ASSERT_TRUE(c.receive(encode(InfoRequest{"", "", "", {{"A", false}, {"B", true}}})));
  ASSERT_TRUE(c.poll_event());
  EXPECT_EQ(c.provide_responses({"x"}).error().code, Errc::invalid_argument);
  ASSERT_TRUE(c.provide_responses({"x", "y"}));
  auto resp = c.next_payload();
  ASSERT_TRUE(resp);
  EXPECT_EQ(*resp, encode(InfoResponse{{"x", "y"}}));
}
