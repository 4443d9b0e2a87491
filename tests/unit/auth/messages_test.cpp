#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/messages.hpp"

using namespace skiff;
using namespace skiff::auth;

namespace {

Bytes bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// Builds expected encodings field by field, independently of wire::Writer.
struct Raw {
  Bytes b;
  Raw& u8(std::uint8_t v) {
    b.push_back(v);
    return *this;
  }
  Raw& u32(std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
    return *this;
  }
  Raw& str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
};

// Every strict prefix of a valid message must fail cleanly, and so must one byte more.
template <class Decode>
void expect_strict(const Bytes& good, Decode decode) {
  ASSERT_TRUE(decode(good));
  for (std::size_t n = 0; n < good.size(); ++n) {
    auto r = decode(ByteView(good.data(), n));
    EXPECT_FALSE(r) << "prefix " << n;
  }
  Bytes longer = good;
  longer.push_back(0);
  auto r = decode(longer);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::trailing_data);
}

}  // namespace

TEST(AuthMessages, PasswordRequestBytesAndRoundTrip) {
  UserauthRequest req{"alice", "ssh-connection", "password", PasswordRequest{"pw", SecretString("new")}};
  Bytes expected = Raw{}.u8(50).str("alice").str("ssh-connection").str("password").u8(1).str("pw").str("new").b;
  EXPECT_EQ(encode(req), expected);
  auto back = decode_request(expected);
  ASSERT_TRUE(back);
  auto& p = std::get<PasswordRequest>(back->body);
  EXPECT_EQ(back->user, "alice");
  EXPECT_EQ(std::string(p.password.begin(), p.password.end()), "pw");
  ASSERT_TRUE(p.new_password);
  expect_strict(expected, decode_request);
  // Without the change flag the new password is absent, and extra bytes are refused.
  Bytes plain = Raw{}.u8(50).str("a").str("ssh-connection").str("password").u8(0).str("pw").b;
  auto pr = decode_request(plain);
  ASSERT_TRUE(pr);
  EXPECT_FALSE(std::get<PasswordRequest>(pr->body).new_password);
  expect_strict(plain, decode_request);
}

TEST(AuthMessages, PublicKeyQueryAndSigned) {
  Bytes query = Raw{}.u8(50).str("u").str("ssh-connection").str("publickey").u8(0).str("ssh-ed25519").str("BLOB").b;
  auto q = decode_request(query);
  ASSERT_TRUE(q);
  auto& pk = std::get<PublicKeyRequest>(q->body);
  EXPECT_EQ(pk.algorithm, "ssh-ed25519");
  EXPECT_EQ(pk.key_blob, bytes("BLOB"));
  EXPECT_FALSE(pk.signature);
  EXPECT_EQ(encode(*q), query);
  expect_strict(query, decode_request);

  Bytes sig = Raw{}.u8(50).str("u").str("ssh-connection").str("publickey").u8(1).str("ssh-ed25519").str("BLOB").str("SIG").b;
  auto s = decode_request(sig);
  ASSERT_TRUE(s);
  EXPECT_EQ(*std::get<PublicKeyRequest>(s->body).signature, bytes("SIG"));
  EXPECT_EQ(encode(*s), sig);
  expect_strict(sig, decode_request);
}

TEST(AuthMessages, NoneKeyboardInteractiveAndUnknownMethods) {
  Bytes none = Raw{}.u8(50).str("u").str("ssh-connection").str("none").b;
  auto n = decode_request(none);
  ASSERT_TRUE(n);
  EXPECT_TRUE(std::holds_alternative<NoneRequest>(n->body));
  expect_strict(none, decode_request);

  Bytes ki = Raw{}.u8(50).str("u").str("ssh-connection").str("keyboard-interactive").str("").str("pam").b;
  auto k = decode_request(ki);
  ASSERT_TRUE(k);
  EXPECT_EQ(std::get<KeyboardInteractiveRequest>(k->body).submethods, "pam");
  EXPECT_EQ(encode(*k), ki);
  expect_strict(ki, decode_request);

  // hostbased and GSSAPI are not implemented: their fields are skipped unparsed.
  Bytes other = Raw{}.u8(50).str("u").str("ssh-connection").str("hostbased").str("whatever").b;
  auto o = decode_request(other);
  ASSERT_TRUE(o);
  EXPECT_TRUE(std::holds_alternative<OtherMethodRequest>(o->body));
}

TEST(AuthMessages, ServerMessagesRoundTrip) {
  Bytes failure = Raw{}.u8(51).str("publickey,password").u8(1).b;
  EXPECT_EQ(encode(UserauthFailure{{"publickey", "password"}, true}), failure);
  auto f = decode_failure(failure);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->methods, (std::vector<std::string>{"publickey", "password"}));
  EXPECT_TRUE(f->partial_success);
  expect_strict(failure, decode_failure);

  EXPECT_EQ(encode_success(), Bytes{52});
  EXPECT_TRUE(decode_success(Bytes{52}));
  EXPECT_EQ(decode_success(Bytes{52, 0}).error().code, Errc::trailing_data);

  Bytes banner = Raw{}.u8(53).str("Welcome\n").str("").b;
  EXPECT_EQ(encode(UserauthBanner{"Welcome\n", ""}), banner);
  expect_strict(banner, decode_banner);

  Bytes pkok = Raw{}.u8(60).str("rsa-sha2-512").str("KEY").b;
  EXPECT_EQ(encode(PkOk{"rsa-sha2-512", bytes("KEY")}), pkok);
  expect_strict(pkok, decode_pk_ok);

  Bytes change = Raw{}.u8(60).str("Password expired").str("en").b;
  EXPECT_EQ(encode(PasswdChangeReq{"Password expired", "en"}), change);
  expect_strict(change, decode_passwd_changereq);

  Bytes info = Raw{}.u8(60).str("name").str("instr").str("").u32(2).str("Password: ").u8(0).str("Code: ").u8(1).b;
  InfoRequest ir{"name", "instr", "", {{"Password: ", false}, {"Code: ", true}}};
  EXPECT_EQ(encode(ir), info);
  auto i = decode_info_request(info);
  ASSERT_TRUE(i);
  ASSERT_EQ(i->prompts.size(), 2u);
  EXPECT_TRUE(i->prompts[1].echo);
  expect_strict(info, decode_info_request);

  Bytes resp = Raw{}.u8(61).u32(2).str("a").str("bc").b;
  EXPECT_EQ(encode(InfoResponse{{"a", "bc"}}), resp);
  auto r = decode_info_response(resp);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->responses.size(), 2u);
  expect_strict(resp, decode_info_response);
}

TEST(AuthMessages, CapsAndWrongNumbers) {
  // More prompts or responses than the cap: refused before anything is read.
  Bytes many = Raw{}.u8(60).str("").str("").str("").u32(limits::kMaxKbdIntPrompts + 1).b;
  EXPECT_EQ(decode_info_request(many).error().code, Errc::too_large);
  Bytes many_resp = Raw{}.u8(61).u32(0xffffffff).b;
  EXPECT_EQ(decode_info_response(many_resp).error().code, Errc::too_large);
  // A declared count beyond what follows is truncation, not an allocation.
  Bytes short_resp = Raw{}.u8(61).u32(50).str("x").b;
  EXPECT_EQ(decode_info_response(short_resp).error().code, Errc::truncated);

  std::string long_user(limits::kMaxUserNameLength + 1, 'u');
  Bytes big_user = Raw{}.u8(50).str(long_user).str("ssh-connection").str("none").b;
  EXPECT_EQ(decode_request(big_user).error().code, Errc::too_large);
  std::string long_pw(limits::kMaxPasswordLength + 1, 'p');
  Bytes big_pw = Raw{}.u8(50).str("u").str("ssh-connection").str("password").u8(0).str(long_pw).b;
  EXPECT_EQ(decode_request(big_pw).error().code, Errc::too_large);
  std::string long_resp(limits::kMaxKbdIntResponseLength + 1, 'r');
  EXPECT_EQ(decode_info_response(Raw{}.u8(61).u32(1).str(long_resp).b).error().code, Errc::too_large);

  EXPECT_EQ(decode_request(Raw{}.u8(51).b).error().code, Errc::protocol_error);
  EXPECT_EQ(decode_failure(Raw{}.u8(50).str("").u8(0).b).error().code, Errc::protocol_error);
  EXPECT_EQ(decode_success(Bytes{}).error().code, Errc::truncated);
  // An empty name in the list is malformed.
  EXPECT_EQ(decode_failure(Raw{}.u8(51).str("publickey,,password").u8(0).b).error().code, Errc::bad_format);
}

TEST(AuthMessages, PublicKeySignedDataFollowsRfc4252Section7) {
  Bytes sid = {0xde, 0xad, 0xbe, 0xef};
  Bytes expected = Raw{}.str("\xde\xad\xbe\xef").u8(50).str("alice").str("ssh-connection").str("publickey").u8(1)
                       .str("ssh-ed25519").str("BLOB").b;
  EXPECT_EQ(publickey_signed_data(sid, "alice", "ssh-connection", "ssh-ed25519", bytes("BLOB")), expected);
}
