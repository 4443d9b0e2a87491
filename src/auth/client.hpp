// ClientAuth: the client side of SSH user authentication (RFC 4252, RFC 4256, RFC 8332),
// sans-I/O.
//
// Once the Transport reports ServiceAccepted{"ssh-userauth"}, call start(): it asks with
// "none" first (the server's FAILURE tells which methods can continue), then tries the
// configured methods in order (PreferredAuthentications), each only while the server
// lists it. Hand it every payload numbered 50..79 with receive(), send what
// next_payload() yields with Transport::send(), and answer what poll_event() asks:
//   PasswordNeeded        -> provide_password() or skip()
//   PasswordChangeNeeded  -> provide_password_change() or skip()
//   InfoRequestReceived   -> provide_responses() (one per prompt) or skip()
//   SignatureNeeded       -> provide_signature() or skip() (an identity without a private
//                            key here: an agent signs)
// Authenticated ends it well (call Transport::user_authenticated() then), Failed when no
// method is left.
//
// Publickey sends a query first and signs only after PK_OK for that very key and
// algorithm. RSA keys sign with rsa-sha2-512 or rsa-sha2-256 as the server's
// server-sig-algs allows; "ssh-rsa" (SHA-1) only when the accepted algorithms name it, and
// then without server-sig-algs too (as OpenSSH).
//
// Errors: receive() returns Errc::protocol_error for a message out of phase (SUCCESS or
// FAILURE with no request outstanding, 60 that does not fit the request, PK_OK for another
// key, a BANNER after success) and decoding errors for malformed messages: the caller ends
// the connection (reason 2). Answers given out of turn are Errc::invalid_argument.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <skiff/key.hpp>

#include "auth/messages.hpp"

namespace skiff::auth {

struct Identity {
  PublicKey public_key;
  std::optional<PrivateKey> private_key;  // absent: ask with SignatureNeeded
};

struct ClientAuthConfig {
  std::string user;
  std::string service = "ssh-connection";
  std::vector<std::string> methods = {"publickey", "keyboard-interactive", "password"};
  std::vector<Identity> identities;  // tried in order
  // Empty: default_pubkey_algorithms().
  std::vector<std::string> pubkey_accepted_algorithms;
  // NumberOfPasswordPrompts: password attempts, and keyboard-interactive attempts.
  unsigned number_of_password_prompts = 3;
  std::string kbdint_submethods;
};

namespace client_event {
struct Banner {
  std::string message;  // raw from the server: strip control characters before display
  std::string language;
};
struct PasswordNeeded {
  std::string user;
  unsigned attempt = 1;
};
struct PasswordChangeNeeded {
  std::string prompt;
};
struct InfoRequestReceived {
  InfoRequest request;
};
struct SignatureNeeded {
  PublicKey key;
  std::string algorithm;
  Bytes data;  // sign exactly this
};
struct PartialSuccess {
  std::string method;
  std::vector<std::string> methods_that_can_continue;
};
struct Authenticated {
  std::string method;  // the last method
};
struct Failed {
  std::vector<std::string> methods_that_can_continue;  // as the server last listed them
};
}  // namespace client_event

using ClientAuthEvent =
    std::variant<client_event::Banner, client_event::PasswordNeeded, client_event::PasswordChangeNeeded,
                 client_event::InfoRequestReceived, client_event::SignatureNeeded, client_event::PartialSuccess,
                 client_event::Authenticated, client_event::Failed>;

class ClientAuth {
 public:
  // server_sig_algs: Transport::server_sig_algs() (empty when the server sent none).
  ClientAuth(ClientAuthConfig config, ByteView session_id, std::vector<std::string> server_sig_algs);

  void start();
  Result<void> receive(ByteView payload);
  std::optional<ClientAuthEvent> poll_event();
  std::optional<Bytes> next_payload();

  Result<void> provide_password(SecretString password);
  Result<void> provide_password_change(SecretString old_password, SecretString new_password);
  Result<void> provide_responses(std::vector<SecretString> responses);
  Result<void> provide_signature(Bytes signature_blob);
  Result<void> skip();

  bool authenticated() const noexcept { return state_ == State::done; }
  bool failed() const noexcept { return state_ == State::failed; }

 private:
  enum class State : std::uint8_t { idle, sent, waiting_app, done, failed };
  enum class Sent : std::uint8_t { none, pk_query, pk_signed, password, kbdint };
  enum class Ask : std::uint8_t { none, password, password_change, info, signature };

  Result<void> on_failure(ByteView payload);
  Result<void> on_sixty(ByteView payload);
  void next_method();
  bool try_publickey();
  std::optional<std::string> signature_algorithm(const Identity& id) const;
  bool accepted(std::string_view alg) const;
  void send_request(std::string method, decltype(UserauthRequest::body) body, Sent sent);
  void send_signed(Bytes signature);
  Result<void> protocol_error(std::string what);

  ClientAuthConfig config_;
  Bytes session_id_;
  std::vector<std::string> server_sig_algs_;

  State state_ = State::idle;
  Sent sent_ = Sent::none;
  Ask ask_ = Ask::none;
  std::vector<std::string> server_methods_;
  std::size_t next_identity_ = 0;
  std::string pk_algorithm_;  // of the identity being tried
  unsigned password_attempts_ = 0;
  unsigned kbdint_attempts_ = 0;
  bool password_skipped_ = false, kbdint_skipped_ = false;
  std::size_t info_prompts_ = 0;

  std::deque<ClientAuthEvent> events_;
  std::deque<Bytes> output_;
};

}  // namespace skiff::auth
