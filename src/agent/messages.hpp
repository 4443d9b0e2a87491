// The SSH agent protocol's messages (draft-miller-ssh-agent, OpenSSH's PROTOCOL.agent),
// both sides. On the stream every message is uint32 length || byte type || body; the
// encoders here return the whole framed message, the decoders take one message without
// its length (type byte first, as Framer::next() hands it out) and consume it exactly.
//
//   REQUEST_IDENTITIES (11)   -
//   IDENTITIES_ANSWER (12)    uint32 n || n * (string key blob || string comment)
//   SIGN_REQUEST (13)         string key blob || string data || uint32 flags
//   SIGN_RESPONSE (14)        string signature blob
//   ADD_IDENTITY (17)         string type || key fields (sshkey_private_serialize) || string comment
//   ADD_ID_CONSTRAINED (25)   the same || constraints: byte 1 (lifetime) uint32 seconds,
//                             byte 2 (confirm), byte 255 (extension) string name ...
//   REMOVE_IDENTITY (18)      string key blob
//   REMOVE_ALL_IDENTITIES (19), LOCK (22) / UNLOCK (23) string passphrase
//   EXTENSION (27)            string name || contents
//   FAILURE (5), SUCCESS (6)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <skiff/error.hpp>

#include "crypto/secure.hpp"
#include "crypto/signature.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace skiff::agent {

enum class MessageType : std::uint8_t {
  failure = 5,
  success = 6,
  request_identities = 11,
  identities_answer = 12,
  sign_request = 13,
  sign_response = 14,
  add_identity = 17,
  remove_identity = 18,
  remove_all_identities = 19,
  lock = 22,
  unlock = 23,
  add_id_constrained = 25,
  extension = 27,
  extension_failure = 28,
};

// SIGN_REQUEST flags: which hash an RSA key signs with (none: SHA-1, "ssh-rsa").
inline constexpr std::uint32_t kFlagRsaSha2_256 = 0x02;
inline constexpr std::uint32_t kFlagRsaSha2_512 = 0x04;

inline constexpr std::uint8_t kConstrainLifetime = 1;
inline constexpr std::uint8_t kConstrainConfirm = 2;
inline constexpr std::uint8_t kConstrainExtension = 255;

struct Constraints {
  std::optional<std::uint32_t> lifetime_seconds;
  bool confirm = false;
  bool empty() const noexcept { return !lifetime_seconds && !confirm; }
};

struct RequestIdentities {};
struct SignRequest {
  wire::Bytes key_blob;
  wire::Bytes data;
  std::uint32_t flags = 0;
};
struct AddIdentity {
  crypto::PrivateKey key;
  std::string comment;
  Constraints constraints;
};
struct RemoveIdentity {
  wire::Bytes key_blob;
};
struct RemoveAllIdentities {};
struct Lock {
  crypto::SecureBytes passphrase;
};
struct Unlock {
  crypto::SecureBytes passphrase;
};
struct Extension {
  std::string name;
};
// A type this agent does not serve (SSH1's, smartcards): answered with FAILURE.
struct UnknownRequest {
  std::uint8_t type = 0;
};

using Request = std::variant<RequestIdentities, SignRequest, AddIdentity, RemoveIdentity, RemoveAllIdentities, Lock,
                             Unlock, Extension, UnknownRequest>;

// One request. Errors are for malformed messages (a key that does not parse, an
// unknown or repeated constraint, trailing bytes): the agent answers them with FAILURE.
// An empty message is Errc::truncated.
Result<Request> decode_request(wire::ByteView message);

struct Identity {
  wire::Bytes key_blob;
  std::string comment;
};

// Client side: the framed requests.
wire::Bytes encode_request_identities();
wire::Bytes encode_sign_request(wire::ByteView key_blob, wire::ByteView data, std::uint32_t flags);
// The whole message holds the private key: the result is a SecureBytes.
crypto::SecureBytes encode_add_identity(const crypto::PrivateKey& key, std::string_view comment,
                                        const Constraints& constraints);
wire::Bytes encode_remove_identity(wire::ByteView key_blob);
wire::Bytes encode_remove_all_identities();
crypto::SecureBytes encode_lock(std::string_view passphrase, bool lock);
wire::Bytes encode_extension(std::string_view name);

// Client side: the replies. A FAILURE where an answer was expected is
// Errc::protocol_error "agent refused operation"; another type is Errc::protocol_error.
Result<std::vector<Identity>> decode_identities_answer(wire::ByteView message);
Result<wire::Bytes> decode_sign_response(wire::ByteView message);
// SUCCESS, or Errc::protocol_error for FAILURE (and the extension failures).
Result<void> decode_status(wire::ByteView message);

// Agent side: the framed replies.
wire::Bytes encode_identities_answer(const std::vector<Identity>& identities);
wire::Bytes encode_sign_response(wire::ByteView signature_blob);
wire::Bytes encode_status(bool success);

// The flag an RSA signature algorithm is asked for with (0 for anything else), and the
// algorithm an agent signs with for a key type and flags (OpenSSH's agent_decode_alg:
// SHA-256 wins when both bits are set).
std::uint32_t flags_for_algorithm(std::string_view algorithm) noexcept;
std::string_view algorithm_for_flags(crypto::KeyType type, std::uint32_t flags) noexcept;

}  // namespace skiff::agent
