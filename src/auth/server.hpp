// ServerAuth: the server side of SSH user authentication (RFC 4252, RFC 4256), sans-I/O.
//
// It sits on top of a Transport that has accepted "ssh-userauth": the caller hands it
// every payload numbered 50..79 (and any other before authentication, which is a protocol
// error) with receive(), sends what next_payload() yields with Transport::send(), and
// answers the decisions it asks for through poll_event():
//   CheckPassword               -> accept(), reject() or request_password_change()
//   CheckPublicKey              -> accept() or reject()
//   KeyboardInteractiveStart    -> send_info_request(), accept() or reject()
//   KeyboardInteractiveAnswers  -> send_info_request() (another round), accept() or reject()
// Exactly one decision is outstanding at a time; requests a client pipelines meanwhile
// wait (at most limits::kMaxQueuedAuthRequests).
//
// What the layer decides by itself, so that no application can get it wrong:
// - A signed publickey request is verified here, bound to the session id, before the
//   application is asked (CheckPublicKey::verified). Authenticated::keys lists only keys
//   whose signature was verified; a key that was only offered (a query) never appears.
// - Algorithms outside pubkey_accepted_algorithms, keys that do not decode, keys that
//   already completed a step, methods not enabled or not next in any
//   AuthenticationMethods list fail without asking.
// - Failures count against max_auth_tries (only a first "none" is free, as in OpenSSH);
//   the failure that reaches it ends the connection (Disconnect, reason 2, "Too many
//   authentication failures") instead of a FAILURE message.
// - Every answer except SUCCESS and the answer to "none" is held back until at least
//   min_failure_delay after the request arrived (doubled until it exceeds the time the
//   decision took, not at all beyond 5 s, as OpenSSH's ensure_minimum_time_since): an
//   unknown user, which the application simply rejects, gets the same answer at the
//   same time as a known one with a wrong password. Held answers are released by
//   on_timer(); call it when next_deadline() passes.
// - LoginGraceTime: when it passes before success, a Disconnect event asks the caller to
//   end the connection.
// - The user name and service may not change between requests (OpenSSH disconnects too);
//   a service other than config.service ends the connection (reason 7).
// - Out-of-phase messages (INFO_RESPONSE without an INFO_REQUEST, or with the wrong
//   number of answers, a client sending SUCCESS, FAILURE, BANNER or 60) are protocol
//   errors. Requests after success are ignored (RFC 4252 5.1).
//
// Errors: receive() returns Errc::protocol_error (or a decoding error) when the input ends
// the connection; the same end is also reported as a Disconnect event carrying the
// disconnect reason, which is the one thing the caller must act on (Transport::disconnect).
// Answers given out of turn are Errc::invalid_argument and change nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <variant>
#include <functional>
#include <optional>
#include <vector>

#include <skiff/key.hpp>
#include <skiff/transport.hpp>

#include "auth/messages.hpp"

namespace skiff::auth {

struct ServerAuthConfig {
  // Methods enabled, in the order FAILURE lists them.
  std::vector<std::string> methods = {"publickey", "keyboard-interactive", "password"};
  // AuthenticationMethods: each list must be completed in order, any one list suffices
  // (e.g. {{"publickey", "password"}, {"publickey", "keyboard-interactive"}}). Empty: any
  // one enabled method.
  std::vector<std::vector<std::string>> authentication_methods;
  unsigned max_auth_tries = 6;
  std::string banner;  // sent before the first answer when not empty
  // Signature algorithms accepted for publickey; empty: every one skiff verifies except
  // "ssh-rsa" (SHA-1), as OpenSSH 9.
  std::vector<std::string> pubkey_accepted_algorithms;
  std::string service = "ssh-connection";
  std::chrono::milliseconds min_failure_delay{5};
  // A server-wide random secret (skiffd makes one at start-up, as sshd's timing_secret):
  // when set, each user name gets a fixed extra 0..4.3 ms on top of min_failure_delay,
  // derived from SHA-512(secret || user), so that a user's delay is stable and an unknown
  // user's looks like any other.
  Bytes timing_secret;
  std::chrono::seconds login_grace_time{120};  // zero: none
  // Called once, with the user name of the first request and before any answer: methods
  // and authentication_methods for that user (sshd's Match User). nullopt keeps the
  // above. A plain call: the core waits for nothing, so it must not block for long.
  struct UserMethods {
    std::vector<std::string> methods;
    std::vector<std::vector<std::string>> authentication_methods;
  };
  std::function<std::optional<UserMethods>(const std::string& user)> methods_for_user;
};

namespace server_event {
struct CheckPassword {
  std::string user;
  SecretString password;
  std::optional<SecretString> new_password;  // the client answers a change request
};
struct CheckPublicKey {
  std::string user;
  PublicKey key;
  std::string algorithm;
  bool verified = false;  // false: only a query, answered by PK_OK on accept()
};
struct KeyboardInteractiveStart {
  std::string user;
  std::string submethods;
};
struct KeyboardInteractiveAnswers {
  std::string user;
  std::vector<SecretString> responses;  // as many as the last request had prompts
};
// For the log: a counted failure of one attempt ("Failed password for ...").
struct AttemptFailed {
  std::string user;
  std::string method;
  std::optional<PublicKey> key;  // publickey only
  unsigned failures = 0;         // counted so far
};
// One method of an AuthenticationMethods list done, more needed.
struct PartialSuccess {
  std::string user;
  std::string method;
};
struct Authenticated {
  std::string user;
  std::string service;
  std::vector<std::string> methods;  // in the order completed
  std::vector<PublicKey> keys;       // keys whose signature was verified and accepted
};
// End the connection: Transport::disconnect(reason, description).
struct Disconnect {
  std::uint32_t reason = 0;
  std::string description;
};
}  // namespace server_event

using ServerAuthEvent =
    std::variant<server_event::CheckPassword, server_event::CheckPublicKey, server_event::KeyboardInteractiveStart,
                 server_event::KeyboardInteractiveAnswers, server_event::AttemptFailed, server_event::PartialSuccess,
                 server_event::Authenticated, server_event::Disconnect>;

class ServerAuth {
 public:
  // session_id: the transport's session identifier (the hash of the first exchange).
  ServerAuth(ServerAuthConfig config, ByteView session_id, TimePoint now);

  Result<void> receive(ByteView payload, TimePoint now);
  std::optional<ServerAuthEvent> poll_event();
  // The next payload for Transport::send(), in order.
  std::optional<Bytes> next_payload();

  std::optional<TimePoint> next_deadline() const;
  void on_timer(TimePoint now);

  // Answers to the outstanding decision (see the table above).
  Result<void> accept(TimePoint now);
  Result<void> reject(TimePoint now);
  Result<void> request_password_change(std::string prompt, TimePoint now);
  Result<void> send_info_request(InfoRequest request, TimePoint now);

  bool authenticated() const noexcept { return phase_ == Phase::done; }
  bool closed() const noexcept { return phase_ == Phase::closed; }
  unsigned failures() const noexcept { return failures_; }

 private:
  enum class Phase : std::uint8_t { idle, deciding, holding, info_wait, done, closed };
  enum class Pending : std::uint8_t { none, password, pk_query, pk_signed, kbd_start, kbd_answers };
  struct Held {
    std::optional<Bytes> payload;  // nullopt: the Disconnect for too many failures
    TimePoint release;
    Phase after = Phase::idle;
  };

  Result<void> handle_request(ByteView payload, TimePoint now);
  Result<void> handle_info_response(ByteView payload, TimePoint now);
  Result<void> start_publickey(const UserauthRequest& req, const PublicKeyRequest& pk, TimePoint now);
  bool method_can_continue(std::string_view m) const;
  std::vector<std::string> methods_that_can_continue() const;
  void make_method_lists();  // lists_ from config_'s methods and authentication_methods
  void fail_attempt(std::string method, std::optional<PublicKey> key, TimePoint now, bool delayed = true);
  void method_succeeded(TimePoint now);
  void hold(std::optional<Bytes> payload, TimePoint now, Phase after, bool delayed);
  void release_held();
  void drain_queue(TimePoint now);
  Result<void> end(Errc code, std::uint32_t reason, std::string description);

  ServerAuthConfig config_;
  Bytes session_id_;
  std::vector<std::vector<std::string>> lists_;  // what is left of each list
  std::optional<TimePoint> grace_deadline_;

  Phase phase_ = Phase::idle;
  Pending pending_ = Pending::none;
  std::optional<Held> held_;
  TimePoint request_start_{};
  Clock::duration failure_delay_{};  // min_failure_delay plus the user's share
  std::optional<std::string> user_, service_;
  bool banner_sent_ = false;
  unsigned failures_ = 0;
  unsigned requests_ = 0;
  std::size_t info_prompts_ = 0;
  // The key (and algorithm) of the request being decided.
  std::optional<PublicKey> pending_key_;
  PkOk pending_pk_ok_;

  std::vector<std::string> completed_;
  std::vector<PublicKey> verified_keys_;
  std::deque<Bytes> queued_requests_;
  std::deque<ServerAuthEvent> events_;
  std::deque<Bytes> output_;
};

}  // namespace skiff::auth
