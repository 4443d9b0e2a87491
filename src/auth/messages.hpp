// The user authentication messages (RFC 4252 sections 5-8, RFC 4256 section 3) as
// typed values, with their encoders and decoders.
//
// Every decoder takes a whole payload (message number included), checks the number,
// caps every length (limits.hpp, "User authentication") and consumes the payload
// exactly: Errc::truncated, Errc::trailing_data, Errc::too_large, Errc::bad_format or
// Errc::protocol_error (wrong message number) otherwise. Message 60 means PK_OK,
// PASSWD_CHANGEREQ or INFO_REQUEST depending on the method of the outstanding request:
// the caller knows which and picks the decoder.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <skiff/error.hpp>

#include "crypto/secure.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace skiff::auth {

using wire::ByteView;
using wire::Bytes;

// Passwords and keyboard-interactive answers: the heap buffer is wiped when freed.
using SecretString = std::basic_string<char, std::char_traits<char>, crypto::WipingAllocator<char>>;

namespace msg {
inline constexpr std::uint8_t kRequest = 50;
inline constexpr std::uint8_t kFailure = 51;
inline constexpr std::uint8_t kSuccess = 52;
inline constexpr std::uint8_t kBanner = 53;
inline constexpr std::uint8_t kPkOk = 60;
inline constexpr std::uint8_t kPasswdChangeReq = 60;
inline constexpr std::uint8_t kInfoRequest = 60;
inline constexpr std::uint8_t kInfoResponse = 61;
// RFC 4250 4.1.2: 50..79 belong to user authentication.
inline constexpr bool is_userauth(std::uint8_t m) { return m >= 50 && m <= 79; }
}  // namespace msg

namespace method {
inline constexpr std::string_view kNone = "none";
inline constexpr std::string_view kPassword = "password";
inline constexpr std::string_view kPublicKey = "publickey";
inline constexpr std::string_view kKeyboardInteractive = "keyboard-interactive";
}  // namespace method

struct NoneRequest {};
struct PasswordRequest {
  SecretString password;
  std::optional<SecretString> new_password;  // set: the change flag was TRUE
};
struct PublicKeyRequest {
  std::string algorithm;
  Bytes key_blob;
  std::optional<Bytes> signature;  // absent: a query ("would this key do?")
};
struct KeyboardInteractiveRequest {
  std::string language;    // deprecated by RFC 4256, usually empty
  std::string submethods;  // a hint, e.g. "pam"
};
// A method skiff does not know: its fields are not parsed (the answer is a FAILURE).
struct OtherMethodRequest {};

struct UserauthRequest {
  std::string user;
  std::string service;
  std::string method;  // the name on the wire; the body says which fields followed
  std::variant<NoneRequest, PasswordRequest, PublicKeyRequest, KeyboardInteractiveRequest, OtherMethodRequest> body;
};

struct UserauthFailure {
  std::vector<std::string> methods;  // "authentications that can continue"
  bool partial_success = false;
};
struct UserauthBanner {
  std::string message;
  std::string language;
};
struct PkOk {
  std::string algorithm;
  Bytes key_blob;
};
struct PasswdChangeReq {
  std::string prompt;
  std::string language;
};
struct Prompt {
  std::string text;
  bool echo = false;
};
struct InfoRequest {
  std::string name;
  std::string instruction;
  std::string language;
  std::vector<Prompt> prompts;
};
struct InfoResponse {
  std::vector<SecretString> responses;
};

Bytes encode(const UserauthRequest& m);
Bytes encode(const UserauthFailure& m);
Bytes encode_success();
Bytes encode(const UserauthBanner& m);
Bytes encode(const PkOk& m);
Bytes encode(const PasswdChangeReq& m);
Bytes encode(const InfoRequest& m);
Bytes encode(const InfoResponse& m);

Result<UserauthRequest> decode_request(ByteView payload);
Result<UserauthFailure> decode_failure(ByteView payload);
Result<void> decode_success(ByteView payload);
Result<UserauthBanner> decode_banner(ByteView payload);
Result<PkOk> decode_pk_ok(ByteView payload);
Result<PasswdChangeReq> decode_passwd_changereq(ByteView payload);
Result<InfoRequest> decode_info_request(ByteView payload);
Result<InfoResponse> decode_info_response(ByteView payload);

// The signature algorithms accepted for publickey when none are configured: every one
// skiff verifies except "ssh-rsa" (SHA-1), as OpenSSH 9's PubkeyAcceptedAlgorithms.
const std::vector<std::string>& default_pubkey_algorithms();

// What a publickey signature covers (RFC 4252 section 7): string session_id, byte 50,
// string user, string service, string "publickey", boolean TRUE, string algorithm,
// string key blob.
Bytes publickey_signed_data(ByteView session_id, std::string_view user, std::string_view service,
                            std::string_view algorithm, ByteView key_blob);

}  // namespace skiff::auth
