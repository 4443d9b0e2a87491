// Agent messages: every request the client encodes decodes on the agent's side, replies
// round-trip, private keys of every type travel in sshkey_private_serialize's layout,
// malformed input (truncation, trailing bytes, unknown or repeated constraints) is
// refused, and the framer splits a stream fed in any pieces.
#include <gtest/gtest.h>

#include "agent/framer.hpp"
#include "agent/messages.hpp"
#include "keys/openssh_key.hpp"
#include "keys/ssh_key.hpp"

using namespace skiff;
using namespace skiff::agent;

namespace {

// The message without its uint32 length, as the framer hands it out.
wire::ByteView body(const wire::Bytes& framed) { return wire::ByteView(framed).subspan(4); }
wire::ByteView body(const crypto::SecureBytes& framed) { return wire::ByteView(framed.data(), framed.size()).subspan(4); }

crypto::PrivateKey make_key(crypto::KeyType t) { return *crypto::PrivateKey::generate(t, 2048); }

}  // namespace

TEST(AgentMessages, FramedLengthIsCorrect) {
  const wire::Bytes m = encode_sign_request(wire::Bytes{1, 2}, wire::Bytes{3}, kFlagRsaSha2_512);
  ASSERT_GE(m.size(), 5u);
  EXPECT_EQ(wire::get_u32(m.data()), m.size() - 4);
  EXPECT_EQ(m[4], static_cast<std::uint8_t>(MessageType::sign_request));
}

TEST(AgentMessages, SignRequestRoundTrip) {
  const wire::Bytes blob{1, 2, 3}, data{9, 8, 7, 6};
  auto r = decode_request(body(encode_sign_request(blob, data, kFlagRsaSha2_256)));
  ASSERT_TRUE(r) << r.error().message;
  auto& s = std::get<SignRequest>(*r);
  EXPECT_EQ(s.key_blob, blob);
  EXPECT_EQ(s.data, data);
  EXPECT_EQ(s.flags, kFlagRsaSha2_256);
}

TEST(AgentMessages, AddIdentityEveryKeyType) {
  for (auto t : {crypto::KeyType::ed25519, crypto::KeyType::ecdsa_p256, crypto::KeyType::ecdsa_p384,
                 crypto::KeyType::ecdsa_p521, crypto::KeyType::rsa}) {
    auto key = make_key(t);
    for (const Constraints& c : {Constraints{}, Constraints{600, false}, Constraints{std::nullopt, true},
                                 Constraints{1, true}}) {
      auto msg = encode_add_identity(key, "comment here", c);
      EXPECT_EQ(msg[4], static_cast<std::uint8_t>(c.empty() ? MessageType::add_identity : MessageType::add_id_constrained));
      auto r = decode_request(body(msg));
      ASSERT_TRUE(r) << r.error().message;
      auto& add = std::get<AddIdentity>(*r);
      EXPECT_EQ(add.comment, "comment here");
      EXPECT_EQ(add.constraints.lifetime_seconds, c.lifetime_seconds);
      EXPECT_EQ(add.constraints.confirm, c.confirm);
      EXPECT_EQ(keys::encode_public_blob(add.key.public_key()), keys::encode_public_blob(key.public_key()));
    }
  }
}

TEST(AgentMessages, PrivateKeyWireMatchesKeyFileFields) {
  // ssh-ed25519: string type || string pk(32) || string sk(64)
  auto key = make_key(crypto::KeyType::ed25519);
  wire::Bytes out;
  wire::Writer w(out);
  keys::write_private_key_wire(w, key);
  wire::Reader r(out);
  EXPECT_EQ(*r.text(), "ssh-ed25519");
  EXPECT_EQ(r.string()->size(), 32u);
  EXPECT_EQ(r.string()->size(), 64u);
  EXPECT_TRUE(r.empty());
  wire::Reader again(out);
  ASSERT_TRUE(keys::read_private_key_wire(again));
}

TEST(AgentMessages, UnknownKeyTypeIsRefused) {
  wire::Bytes m{static_cast<std::uint8_t>(MessageType::add_identity)};
  wire::Writer(m).string("ssh-dss").string("x").string("comment");
  auto r = decode_request(m);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unsupported);
}

TEST(AgentMessages, ConstraintsAreChecked) {
  auto key = make_key(crypto::KeyType::ed25519);
  auto plain = encode_add_identity(key, "c", Constraints{});
  wire::Bytes base(plain.begin() + 4, plain.end());
  base[0] = static_cast<std::uint8_t>(MessageType::add_id_constrained);
  auto with = [&](std::initializer_list<std::uint8_t> extra) {
    wire::Bytes m = base;
    m.insert(m.end(), extra);
    return decode_request(m);
  };
  EXPECT_TRUE(with({}));                              // no constraint at all
  EXPECT_TRUE(with({kConstrainConfirm}));
  EXPECT_FALSE(with({kConstrainConfirm, kConstrainConfirm}));  // repeated
  EXPECT_FALSE(with({kConstrainLifetime, 0, 0, 1}));           // truncated lifetime
  EXPECT_FALSE(with({kConstrainLifetime, 0, 0, 0, 5, kConstrainLifetime, 0, 0, 0, 5}));
  EXPECT_FALSE(with({7}));  // unknown constraint
  EXPECT_FALSE(with({kConstrainExtension, 0, 0, 0, 3, 'a', 'b', 'c'}));
  // An unconstrained ADD_IDENTITY with bytes after the comment is malformed.
  wire::Bytes trailing(plain.begin() + 4, plain.end());
  trailing.push_back(kConstrainConfirm);
  EXPECT_FALSE(decode_request(trailing));
}

TEST(AgentMessages, SimpleRequests) {
  EXPECT_TRUE(std::holds_alternative<RequestIdentities>(*decode_request(body(encode_request_identities()))));
  EXPECT_TRUE(std::holds_alternative<RemoveAllIdentities>(*decode_request(body(encode_remove_all_identities()))));
  auto rm = decode_request(body(encode_remove_identity(wire::Bytes{5, 6})));
  EXPECT_EQ(std::get<RemoveIdentity>(*rm).key_blob, (wire::Bytes{5, 6}));
  auto lock = decode_request(body(encode_lock("pw", true)));
  EXPECT_EQ(std::get<Lock>(*lock).passphrase.size(), 2u);
  auto unlock = decode_request(body(encode_lock("pw", false)));
  EXPECT_TRUE(std::holds_alternative<Unlock>(*unlock));
  auto ext = decode_request(body(encode_extension("query")));
  EXPECT_EQ(std::get<Extension>(*ext).name, "query");
  const std::uint8_t ssh1[] = {1};
  EXPECT_EQ(std::get<UnknownRequest>(*decode_request(ssh1)).type, 1);
  EXPECT_FALSE(decode_request(wire::ByteView{}));
  const std::uint8_t trailing[] = {11, 0};
  EXPECT_FALSE(decode_request(trailing));
}

TEST(AgentMessages, Replies) {
  std::vector<Identity> ids{{{1, 2, 3}, "one"}, {{4}, ""}};
  auto got = decode_identities_answer(body(encode_identities_answer(ids)));
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].key_blob, ids[0].key_blob);
  EXPECT_EQ((*got)[0].comment, "one");
  auto sig = decode_sign_response(body(encode_sign_response(wire::Bytes{7, 7})));
  ASSERT_TRUE(sig);
  EXPECT_EQ(*sig, (wire::Bytes{7, 7}));
  EXPECT_TRUE(decode_status(body(encode_status(true))));
  auto refused = decode_status(body(encode_status(false)));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "agent refused operation");
  EXPECT_FALSE(decode_identities_answer(body(encode_status(false))));
  EXPECT_FALSE(decode_sign_response(body(encode_status(true))));
  // A count beyond the cap is refused before anything is allocated.
  wire::Bytes many{static_cast<std::uint8_t>(MessageType::identities_answer)};
  wire::Writer(many).u32(0xffffffff);
  EXPECT_EQ(decode_identities_answer(many).error().code, Errc::too_large);
}

TEST(AgentMessages, AlgorithmsAndFlags) {
  EXPECT_EQ(flags_for_algorithm("rsa-sha2-256"), kFlagRsaSha2_256);
  EXPECT_EQ(flags_for_algorithm("rsa-sha2-512"), kFlagRsaSha2_512);
  EXPECT_EQ(flags_for_algorithm("ssh-ed25519"), 0u);
  EXPECT_EQ(algorithm_for_flags(crypto::KeyType::rsa, 0), "ssh-rsa");
  EXPECT_EQ(algorithm_for_flags(crypto::KeyType::rsa, kFlagRsaSha2_512), "rsa-sha2-512");
  EXPECT_EQ(algorithm_for_flags(crypto::KeyType::rsa, kFlagRsaSha2_256 | kFlagRsaSha2_512), "rsa-sha2-256");
  EXPECT_EQ(algorithm_for_flags(crypto::KeyType::ecdsa_p384, kFlagRsaSha2_512), "ecdsa-sha2-nistp384");
}

TEST(AgentFramer, SplitsAnyPieces) {
  wire::Bytes stream = encode_request_identities();
  auto more = encode_sign_request(wire::Bytes{1}, wire::Bytes(1000, 7), 0);
  stream.insert(stream.end(), more.begin(), more.end());
  Framer f;
  std::vector<std::uint8_t> types;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    f.append(wire::ByteView(&stream[i], 1));
    for (;;) {
      auto m = f.next();
      ASSERT_TRUE(m);
      if (!*m) break;
      types.push_back((**m)[0]);
    }
  }
  EXPECT_EQ(types, (std::vector<std::uint8_t>{11, 13}));
  EXPECT_EQ(f.buffered(), 0u);
}

TEST(AgentFramer, RefusesZeroAndOversizedLengths) {
  Framer f;
  const std::uint8_t zero[] = {0, 0, 0, 0};
  f.append(zero);
  EXPECT_EQ(f.next().error().code, Errc::bad_length);
  Framer g;
  std::uint8_t big[4];
  wire::put_u32(big, limits::kMaxAgentMessage + 1);
  g.append(big);
  EXPECT_EQ(g.next().error().code, Errc::too_large);
}
