// Strict key exchange (OpenSSH's kex-strict-*-v00, the Terrapin counter-measure), bad
// public values, and kex guesses, played against real skiff transports by a hand-made
// peer (crafted_peer.hpp) that can break the rules a skiff Transport never breaks itself.
#include <gtest/gtest.h>

#include "crypto/kex_math.hpp"
#include "pair/crafted_peer.hpp"
#include "pair/pair_harness.hpp"
#include "transport/messages.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

using namespace skiff;
using namespace skiff::test;
namespace msg = transport::msg;

namespace {

Bytes ignore_message() {
  Bytes m;
  wire::Writer(m).byte(msg::kIgnore).string("padding the prefix");
  return m;
}
Bytes debug_message() {
  Bytes m;
  wire::Writer(m).byte(msg::kDebug).boolean(false).string("hello").string("");
  return m;
}
Bytes unimplemented_message() {
  Bytes m;
  wire::Writer(m).byte(msg::kUnimplemented).u32(7);
  return m;
}
Bytes service_request_message() {
  Bytes m;
  wire::Writer(m).byte(msg::kServiceRequest).string("ssh-userauth");
  return m;
}

bool has_event_ServiceRequested(const CraftedLink& l) {
  for (const auto& e : l.events)
    if (std::holds_alternative<event::ServiceRequested>(e)) return true;
  return false;
}

std::optional<event::KexComplete> kex_complete(const CraftedLink& l) {
  for (const auto& e : l.events)
    if (auto* k = std::get_if<event::KexComplete>(&e)) return *k;
  return std::nullopt;
}

bool mentions(const std::optional<event::Disconnected>& d, std::string_view text) {
  return d && d->error.message.find(text) != std::string::npos;
}

// The crafted client has sent its version and KEXINIT and read the server's KEXINIT.
void open_as_client(CraftedLink& l, const transport::KexInit& k) {
  l.peer.send_version();
  l.peer.send_kexinit(k);
  l.run();
}

// ------------------------------------------------------------ a. KEXINIT must be first

TEST(StrictKex, StrictClientIgnoreBeforeKexinitIsRejected) {
  CraftedLink l(server_config(), Role::client);
  l.peer.send_version();
  l.peer.send_packet(ignore_message());
  l.peer.send_kexinit(crafted_kexinit(Role::client, true));
  l.run();
  ASSERT_TRUE(l.disconnected);
  EXPECT_FALSE(l.disconnected->by_peer);
  EXPECT_EQ(l.disconnected->error.code, Errc::protocol_error) << describe(l.disconnected);
  EXPECT_TRUE(mentions(l.disconnected, "KEXINIT was not the first packet")) << describe(l.disconnected);
  EXPECT_EQ(l.count_received(msg::kDisconnect), 1u);  // the server said why
  EXPECT_EQ(l.count_received(msg::kKexEcdhReply), 0u);
}

TEST(StrictKex, NonStrictClientMayIgnoreBeforeKexinit) {
  CraftedLink l(server_config(), Role::client);
  l.peer.send_version();
  l.peer.send_packet(ignore_message());
  l.peer.send_kexinit(crafted_kexinit(Role::client, false));
  l.run();
  ASSERT_FALSE(l.disconnected) << describe(l.disconnected);
  EXPECT_EQ(l.count_received(msg::kKexInit), 1u);
  EXPECT_TRUE(l.real.kex_in_progress());
  // It waits for the method's first message, and answers it.
  l.peer.send_ecdh_init();
  l.run();
  ASSERT_FALSE(l.disconnected) << describe(l.disconnected);
  EXPECT_EQ(l.count_received(msg::kKexEcdhReply), 1u);
}

// --------------------------- b. nothing but the exchange between KEXINIT and NEWKEYS

struct Intruder {
  const char* name;
  Bytes (*make)();
};
void PrintTo(const Intruder& i, std::ostream* os) { *os << i.name; }

class StrictKexIntruder : public ::testing::TestWithParam<Intruder> {};

TEST_P(StrictKexIntruder, StrictClientMessageBeforeEcdhInitIsRejected) {
  CraftedLink l(server_config(), Role::client);
  open_as_client(l, crafted_kexinit(Role::client, true));
  ASSERT_FALSE(l.disconnected) << describe(l.disconnected);
  l.peer.send_packet(GetParam().make());
  l.peer.send_ecdh_init();
  l.run();
  ASSERT_TRUE(l.disconnected);
  EXPECT_EQ(l.disconnected->error.code, Errc::protocol_error) << describe(l.disconnected);
  EXPECT_TRUE(mentions(l.disconnected, "strict KEX")) << describe(l.disconnected);
  // The ECDH_INIT behind the intruder must not have been answered.
  EXPECT_EQ(l.count_received(msg::kKexEcdhReply), 0u);
}

INSTANTIATE_TEST_SUITE_P(All, StrictKexIntruder,
                         ::testing::Values(Intruder{"ignore", ignore_message}, Intruder{"debug", debug_message},
                                           Intruder{"unimplemented", unimplemented_message},
                                           Intruder{"service_request", service_request_message},
                                           // An unknown transport message: under strict KEX no
                                           // UNIMPLEMENTED answer, a disconnect.
                                           Intruder{"unknown_15", [] { return Bytes{15, 0, 0}; }}),
                         [](const ::testing::TestParamInfo<Intruder>& i) { return std::string(i.param.name); });

TEST(StrictKex, NonStrictClientMayIgnoreAndDebugDuringExchange) {
  CraftedLink l(server_config(), Role::client);
  open_as_client(l, crafted_kexinit(Role::client, false));
  l.peer.send_packet(ignore_message());
  l.peer.send_packet(debug_message());
  l.peer.send_ecdh_init();
  l.run();
  ASSERT_FALSE(l.disconnected) << describe(l.disconnected);
  EXPECT_EQ(l.count_received(msg::kKexEcdhReply), 1u);
  bool saw_debug = false;
  for (const auto& e : l.events) saw_debug |= std::holds_alternative<event::Debug>(e);
  EXPECT_TRUE(saw_debug);
}

// --------------------------------------------- c. the same rule on the client's side

TEST(StrictKex, StrictServerIgnoreAfterKexinitIsRejectedByClient) {
  CraftedLink l(client_config(), Role::server);
  l.peer.send_version();
  l.peer.send_kexinit(crafted_kexinit(Role::server, true));
  l.peer.send_packet(ignore_message());
  l.run();
  ASSERT_TRUE(l.disconnected);
  EXPECT_EQ(l.disconnected->error.code, Errc::protocol_error) << describe(l.disconnected);
  EXPECT_TRUE(mentions(l.disconnected, "strict KEX")) << describe(l.disconnected);
}

TEST(StrictKex, StrictServerIgnoreBeforeKexinitIsRejectedByClient) {
  CraftedLink l(client_config(), Role::server);
  l.peer.send_version();
  l.peer.send_packet(ignore_message());
  l.peer.send_kexinit(crafted_kexinit(Role::server, true));
  l.run();
  ASSERT_TRUE(l.disconnected);
  EXPECT_EQ(l.disconnected->error.code, Errc::protocol_error) << describe(l.disconnected);
  EXPECT_TRUE(mentions(l.disconnected, "KEXINIT was not the first packet")) << describe(l.disconnected);
}

TEST(StrictKex, NonStrictServerIgnoreAfterKexinitIsAccepted) {
  CraftedLink l(client_config(), Role::server);
  l.peer.send_version();
  l.peer.send_kexinit(crafted_kexinit(Role::server, false));
  l.peer.send_packet(ignore_message());
  l.run();
  ASSERT_FALSE(l.disconnected) << describe(l.disconnected);
  EXPECT_EQ(l.count_received(msg::kKexEcdhInit), 1u);  // the client went on with the exchange
  EXPECT_FALSE(l.real.algorithms().strict_kex);
}

// ------------------------------- d. sequence numbers after NEWKEYS, with real keys

struct HandshakePlan {
  bool offer_strict = true;
  bool reset_outgoing = true;  // what the crafted client does with its sequence number
  bool reset_incoming = true;  // what it expects the server to have done
  std::string cipher = "chacha20-poly1305@openssh.com";
  std::string mac = "hmac-sha2-256";
};

// The crafted client runs curve25519-sha256 with its own hash and key derivation, sends
// NEWKEYS, and then an encrypted SERVICE_REQUEST sealed with the sequence number the plan
// says. Returns false (with a failure recorded) only when the exchange itself broke.
bool crafted_client_session(CraftedLink& l, const HandshakePlan& plan) {
  auto k = crafted_kexinit(Role::client, plan.offer_strict, "curve25519-sha256", "ssh-ed25519", plan.cipher, plan.mac);
  open_as_client(l, k);
  EXPECT_EQ(l.count_received(msg::kKexInit), 1u);
  Result<void> reply = fail(Errc::protocol_error, "no ECDH_REPLY");
  l.on_packet = [&](const Bytes& p) {
    if (p[0] == msg::kKexEcdhReply) reply = l.peer.on_ecdh_reply(p, plan.cipher, plan.mac);
    if (p[0] == msg::kNewKeys) l.peer.switch_incoming_keys(plan.reset_incoming);
  };
  l.peer.send_ecdh_init();
  l.run();
  EXPECT_FALSE(l.disconnected) << describe(l.disconnected);
  EXPECT_TRUE(reply) << reply.error().to_string();
  EXPECT_EQ(l.count_received(msg::kNewKeys), 1u);
  if (!reply || l.disconnected) return false;
  // Our exchange hash is the session id the server computed: the derivation agrees.
  EXPECT_TRUE(std::equal(l.real.session_id().begin(), l.real.session_id().end(), l.peer.exchange_hash().begin(),
                         l.peer.exchange_hash().end()));
  EXPECT_EQ(l.peer.server_host_key(), shared_host_keys()[0].public_blob());
  l.peer.send_newkeys_and_switch(plan.reset_outgoing);
  l.peer.send_packet(service_request_message());
  l.run();
  return true;
}

bool received_service_accept(const CraftedLink& l) {
  for (const auto& p : l.received) {
    if (p[0] != msg::kServiceAccept) continue;
    wire::Reader r(ByteView(p).subspan(1));
    auto name = r.text();
    return name && *name == "ssh-userauth" && r.empty();
  }
  return false;
}

class StrictSequence : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

// Strict: both directions restart at 0 after NEWKEYS. The server opens our packet sealed
// with 0, and we open its SERVICE_ACCEPT expecting 0.
TEST_P(StrictSequence, StrictClientRestartsAtZeroAndServerAccepts) {
  HandshakePlan plan;
  plan.cipher = GetParam().first;
  plan.mac = GetParam().second;
  CraftedLink l(server_config(), Role::client);
  ASSERT_TRUE(crafted_client_session(l, plan));
  ASSERT_FALSE(l.disconnected) << describe(l.disconnected);
  EXPECT_FALSE(l.peer.decode_error) << l.peer.decode_error->to_string();
  EXPECT_TRUE(has_event_ServiceRequested(l));
  EXPECT_TRUE(received_service_accept(l));
  auto kc = kex_complete(l);
  ASSERT_TRUE(kc);
  EXPECT_TRUE(kc->algorithms.strict_kex);
  EXPECT_EQ(kc->algorithms.cipher_c2s, plan.cipher);
}

INSTANTIATE_TEST_SUITE_P(Ciphers, StrictSequence,
                         ::testing::Values(std::pair<std::string, std::string>{"chacha20-poly1305@openssh.com",
                                                                               "hmac-sha2-256"},
                                           std::pair<std::string, std::string>{"aes256-gcm@openssh.com",
                                                                               "hmac-sha2-256"},
                                           std::pair<std::string, std::string>{"aes128-ctr",
                                                                               "hmac-sha2-256-etm@openssh.com"},
                                           std::pair<std::string, std::string>{"aes192-ctr", "hmac-sha2-512"}),
                         [](const auto& pi) {
                           std::string s = pi.param.first + "_" + pi.param.second;
                           for (char& c : s)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return s;
                         });

// Not strict: the numbers go on from the unencrypted packets (3 each way here:
// KEXINIT, ECDH_INIT/REPLY, NEWKEYS), as RFC 4253 says.
TEST(StrictKex, NonStrictClientContinuesSequenceAndServerAccepts) {
  HandshakePlan plan;
  plan.offer_strict = false;
  plan.reset_outgoing = plan.reset_incoming = false;
  CraftedLink l(server_config(), Role::client);
  ASSERT_TRUE(crafted_client_session(l, plan));
  ASSERT_FALSE(l.disconnected) << describe(l.disconnected);
  EXPECT_FALSE(l.peer.decode_error) << l.peer.decode_error->to_string();
  EXPECT_TRUE(received_service_accept(l));
  auto kc = kex_complete(l);
  ASSERT_TRUE(kc);
  EXPECT_FALSE(kc->algorithms.strict_kex);
}

// The sequence number enters the MAC: with encrypt-then-MAC the length is in clear, so a
// wrong number shows as a MAC error. With chacha20-poly1305 it also keys the length
// cipher, so the length decrypts to garbage first and the error is bad_length. (AES-GCM
// does not use the sequence number at all, so it cannot tell.)
void expect_wrong_sequence_rejected(HandshakePlan plan) {
  for (const auto& [cipher, mac] : {std::pair<std::string, std::string>{"aes128-ctr", "hmac-sha2-256-etm@openssh.com"},
                                    std::pair<std::string, std::string>{"chacha20-poly1305@openssh.com", ""}}) {
    SCOPED_TRACE(cipher);
    plan.cipher = cipher;
    plan.mac = mac;
    CraftedLink l(server_config(), Role::client);
    ASSERT_TRUE(crafted_client_session(l, plan));
    ASSERT_TRUE(l.disconnected);
    const Errc c = l.disconnected->error.code;
    if (mac.empty()) {
      EXPECT_TRUE(c == Errc::mac_error || c == Errc::bad_length) << describe(l.disconnected);
    } else {
      EXPECT_EQ(c, Errc::mac_error) << describe(l.disconnected);
    }
    EXPECT_FALSE(has_event_ServiceRequested(l));
    // The server's DISCONNECT is sealed with its own sequence number, which we expect
    // per the plan: opening it proves the server numbered its side as it should.
    EXPECT_FALSE(l.peer.decode_error) << l.peer.decode_error->to_string();
    EXPECT_EQ(l.count_received(msg::kDisconnect), 1u);
  }
}

// A strict client that forgets the reset seals with 3 where the server expects 0.
TEST(StrictKex, StrictClientWithContinuedSequenceIsRejected) {
  HandshakePlan plan;
  plan.reset_outgoing = false;
  expect_wrong_sequence_rejected(plan);
}

// And the reverse: without strict KEX the server must not reset.
TEST(StrictKex, NonStrictClientWithResetSequenceIsRejected) {
  HandshakePlan plan;
  plan.offer_strict = false;
  plan.reset_outgoing = true;
  plan.reset_incoming = false;
  expect_wrong_sequence_rejected(plan);
}

// ------------------------------------------- e. public values out of range

// The crafted client offers one kex method and sends a hand-made first method message;
// the server must refuse it without answering.
void expect_init_refused(const std::string& kex, const Bytes& init) {
  CraftedLink l(server_config(), Role::client);
  open_as_client(l, crafted_kexinit(Role::client, true, kex));
  ASSERT_FALSE(l.disconnected) << describe(l.disconnected);
  l.peer.send_packet(init);
  l.run();
  ASSERT_TRUE(l.disconnected) << "accepted";
  EXPECT_FALSE(l.disconnected->by_peer);
  const Errc c = l.disconnected->error.code;
  EXPECT_TRUE(c == Errc::kex_failed || c == Errc::bad_format || c == Errc::crypto_failure ||
              c == Errc::invalid_argument)
      << describe(l.disconnected);
  EXPECT_EQ(l.count_received(msg::kKexEcdhReply), 0u);
  EXPECT_EQ(l.real.exchanges_completed(), 0u);
}

Bytes ecdh_init(const Bytes& value) {
  Bytes m;
  wire::Writer(m).byte(msg::kKexEcdhInit).string(value);
  return m;
}

Bytes hex(std::string_view h) {
  Bytes b;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) b.push_back(static_cast<std::uint8_t>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return b;
}

TEST(KexPublicValues, X25519LowOrderPointsAreRefused) {
  // RFC 7748 5 / the curve's small-subgroup points (little-endian u), all of which make
  // the shared secret zero: 0, 1, the two points of order 8, p - 1, p, p + 1.
  const std::vector<Bytes> points = {
      Bytes(32, 0),
      hex("0100000000000000000000000000000000000000000000000000000000000000"),
      hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
      hex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
      hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
      hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
      hex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
  };
  for (std::size_t i = 0; i < points.size(); ++i) {
    SCOPED_TRACE("point " + std::to_string(i));
    expect_init_refused("curve25519-sha256", ecdh_init(points[i]));
  }
  // Wrong sizes.
  expect_init_refused("curve25519-sha256", ecdh_init(Bytes(31, 9)));
  expect_init_refused("curve25519-sha256", ecdh_init(Bytes(33, 9)));
  expect_init_refused("curve25519-sha256", ecdh_init(Bytes{}));
}

TEST(KexPublicValues, P256PointsOffTheCurveAreRefused) {
  Bytes good = crypto::EcdhKey::generate(crypto::Curve::p256).value().public_value();
  ASSERT_EQ(good.size(), 65u);
  Bytes off = good;
  off[64] ^= 0x01;  // y + 1 (or - 1): no longer on the curve
  expect_init_refused("ecdh-sha2-nistp256", ecdh_init(off));
  Bytes zero(65, 0);
  zero[0] = 0x04;  // (0, 0) is not on P-256
  expect_init_refused("ecdh-sha2-nistp256", ecdh_init(zero));
  expect_init_refused("ecdh-sha2-nistp256", ecdh_init(Bytes{0x00}));  // the point at infinity
  Bytes compressed(good.begin(), good.begin() + 33);
  compressed[0] = 0x02;  // compressed points are not allowed by RFC 5656
  expect_init_refused("ecdh-sha2-nistp256", ecdh_init(compressed));
}

TEST(KexPublicValues, DhGroup14ValuesOutOfRangeAreRefused) {
  const Bytes& p = crypto::modp_group(14).p;
  ASSERT_EQ(p.size(), 256u);
  Bytes p_minus_1 = p;
  ASSERT_EQ(p_minus_1.back() & 1, 1);  // p is odd: no borrow
  p_minus_1.back() ^= 1;
  const std::vector<Bytes> values = {Bytes{}, Bytes{1}, p_minus_1, p, Bytes(256, 0xff)};
  for (std::size_t i = 0; i < values.size(); ++i) {
    SCOPED_TRACE("value " + std::to_string(i));
    Bytes m;
    wire::Writer(m).byte(msg::kKexEcdhInit).mpint_unsigned(values[i]);
    expect_init_refused("diffie-hellman-group14-sha256", m);
  }
}

// ------------------------------------------------ f. first_kex_packet_follows

// The crafted client claims a guess and sends a first method message right behind its
// KEXINIT, before it has seen the server's.
struct GuessPlan {
  std::vector<std::string> kex;
  std::string host_key;
  bool guess_is_right;
};

void run_guess(const GuessPlan& g, TransportConfig server = server_config()) {
  CraftedLink l(std::move(server), Role::client);
  transport::KexInit k = crafted_kexinit(Role::client, true, "x", g.host_key);
  k.kex = g.kex;
  k.kex.push_back(kStrictClientMarker);
  k.first_kex_packet_follows = true;
  l.peer.send_version();
  l.peer.send_kexinit(k);
  // The guessed packet: for a wrong guess a P-256 value that curve25519 could not take,
  // so a server that used it would fail; for a right guess a real X25519 init.
  if (g.guess_is_right) {
    l.peer.send_ecdh_init();
  } else if (g.kex.front() == "ecdh-sha2-nistp256") {
    l.peer.send_packet(ecdh_init(crypto::EcdhKey::generate(crypto::Curve::p256).value().public_value()));
  } else {
    l.peer.send_ecdh_init();  // a plausible X25519 value that the server must nevertheless drop
  }
  Result<void> reply = fail(Errc::protocol_error, "no ECDH_REPLY");
  l.on_packet = [&](const Bytes& p) {
    if (p[0] == msg::kKexEcdhReply) reply = l.peer.on_ecdh_reply(p, "chacha20-poly1305@openssh.com", "");
    if (p[0] == msg::kNewKeys) l.peer.switch_incoming_keys(true);
  };
  l.run();
  ASSERT_FALSE(l.disconnected) << describe(l.disconnected);
  if (g.guess_is_right) {
    ASSERT_EQ(l.count_received(msg::kKexEcdhReply), 1u);
  } else {
    // Dropped without an answer; the server waits for the real one.
    ASSERT_EQ(l.count_received(msg::kKexEcdhReply), 0u);
    EXPECT_TRUE(l.real.kex_in_progress());
    l.peer.send_ecdh_init();
    l.run();
    ASSERT_FALSE(l.disconnected) << describe(l.disconnected);
    ASSERT_EQ(l.count_received(msg::kKexEcdhReply), 1u);
  }
  // The reply is for the value the server should have used (ours, the last one sent).
  ASSERT_TRUE(reply) << reply.error().to_string();
  l.peer.send_newkeys_and_switch(true);
  l.peer.send_packet(service_request_message());
  l.run();
  ASSERT_FALSE(l.disconnected) << describe(l.disconnected);
  EXPECT_TRUE(received_service_accept(l));
  EXPECT_EQ(l.real.algorithms().kex, "curve25519-sha256");
}

TEST(KexGuess, WrongKexGuessIsIgnoredThenRealInitAnswered) {
  // The server's first kex is curve25519-sha256; ours is ecdh-sha2-nistp256, which the
  // server does not do here, so the guess is wrong and the packet must be dropped.
  run_guess({{"ecdh-sha2-nistp256", "curve25519-sha256"}, "ssh-ed25519", false}, server_config("curve25519-sha256"));
}

TEST(KexGuess, WrongHostKeyGuessIsIgnoredThenRealInitAnswered) {
  // Same first kex, but our first host key algorithm differs from the server's
  // (ssh-ed25519): RFC 4253 7 counts that as a wrong guess too.
  run_guess({{"curve25519-sha256"}, "ecdsa-sha2-nistp256", false});
}

TEST(KexGuess, RightGuessIsUsed) { run_guess({{"curve25519-sha256"}, "ssh-ed25519", true}); }

}  // namespace
