// The agent's side in the core's shape: a key store that answers one request at a time.
// No I/O and no clock: the caller passes the time with every call (a steady clock), asks
// the user when a key carries the confirm constraint, and sleeps when told to (the delay
// after a wrong unlock passphrase). Behaviour follows OpenSSH's ssh-agent: keys keep the
// order they were added in (a key added again replaces its comment and constraints in
// place); while locked the agent lists no keys and refuses everything but UNLOCK;
// unknown messages, extensions and constraints get FAILURE; lifetimes expire keys.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/messages.hpp"
#include "crypto/secure.hpp"
#include "crypto/signature.hpp"
#include "wire/limits.hpp"

namespace skiff::agent {

using Clock = std::chrono::steady_clock;

struct KeyStoreConfig {
  // ssh-agent -t: the lifetime of keys added without one (none: forever).
  std::optional<std::chrono::seconds> default_lifetime;
  std::size_t max_keys = limits::kMaxAgentIdentities;
  // Wrong UNLOCK passphrases delay the answer by 0.1 s more each time, up to 10 s, as
  // OpenSSH; off for tests.
  bool unlock_delay = true;
};

// A signature that waits for the user's consent (the key has the confirm constraint).
struct ConfirmRequest {
  std::string comment;
  std::string fingerprint;  // SHA256:...
  SignRequest request;
};

struct Outcome {
  wire::Bytes reply;                      // framed; empty when confirm is set
  std::optional<ConfirmRequest> confirm;  // ask, then call finish_confirm()
  std::chrono::milliseconds delay{0};     // wait this long before sending the reply
  std::string log;                        // one line for ssh-agent -d style debugging
};

class KeyStore {
 public:
  explicit KeyStore(KeyStoreConfig config = {}) : config_(config) {}

  // One message from Framer::next() (type byte first). Never fails: a malformed request
  // is answered with FAILURE, as OpenSSH's agent does.
  Outcome handle(wire::ByteView message, Clock::time_point now);
  // The user's answer to a ConfirmRequest: the signature, or FAILURE.
  wire::Bytes finish_confirm(const ConfirmRequest& pending, bool approved, Clock::time_point now);

  // Drops expired keys; the earliest expiry left, for the caller's timer.
  void expire(Clock::time_point now);
  std::optional<Clock::time_point> next_deadline() const;

  std::size_t size() const noexcept { return keys_.size(); }
  bool locked() const noexcept { return locked_; }

 private:
  struct Entry {
    crypto::PrivateKey key;
    wire::Bytes blob;
    std::string comment;
    std::optional<Clock::time_point> expires;
    bool confirm = false;
  };

  Outcome add(AddIdentity& req, Clock::time_point now);
  Outcome sign(const SignRequest& req, Clock::time_point now);
  wire::Bytes sign_now(const Entry& entry, const SignRequest& req, std::string& log);
  Outcome lock(const crypto::SecureBytes& passphrase);
  Outcome unlock(const crypto::SecureBytes& passphrase);
  Entry* find(wire::ByteView blob);

  KeyStoreConfig config_;
  std::vector<Entry> keys_;
  bool locked_ = false;
  crypto::SecureBytes lock_salt_;
  crypto::SecureBytes lock_hash_;
  unsigned unlock_failures_ = 0;
};

}  // namespace skiff::agent
