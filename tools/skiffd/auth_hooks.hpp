// Authentication for one skiffd connection: the library's ServerHooks answered through
// the Privileged interface, with sshd's log lines.
//
// The library reports the user name with each attempt; the first one calls
// Privileged::begin_user (which logs "Invalid user ...") and evaluates the Match blocks
// again for that user, as sshd does once it knows the name. ServerOptions are fixed per
// connection before that, so a Match User block can only narrow what the connection-wide
// settings allow: a method it disables is refused here (and counted as a failure), and
// one enabled only inside a Match block stays off.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <skiff/server.hpp>

#include "config/sshd_config.hpp"
#include "system/privileged.hpp"
#include "system/server_log.hpp"

namespace skiffd {

namespace sys = skiff::skiffd;

class Login {
 public:
  // All references must outlive the connection. on_authenticated runs once the user is
  // in (report_authenticated, for MaxStartups); on_fatal ends the connection (a PAM
  // account or session stage that failed after the core accepted the user).
  Login(const skiff::config::ServerConfigFile& file, const skiff::config::ServerConfig& connection_config,
        sys::Privileged& privileged, sys::ServerLog& log, sys::Peer peer, unsigned max_auth_tries,
        std::function<void()> on_authenticated, std::function<void(std::string)> on_fatal);

  // Sets check_password, check_public_key, keyboard_interactive, auth_failed,
  // partial_success and authenticated; this object must outlive the connection.
  void install(skiff::ServerHooks& hooks);

  // LoginGraceTime ran out before authentication: logs sshd's line; the caller ends the
  // connection, and log_end() then adds nothing.
  void grace_expired();
  // The connection ended: sshd's closing line for how and when.
  void log_end(const skiff::Error& why);

  // The settings for this user (the connection's until a name is known).
  const skiff::config::ServerConfig& config() const { return user_config_ ? *user_config_ : connection_config_; }
  const sys::Peer& peer() const { return peer_; }
  sys::Privileged& privileged() { return privileged_; }
  sys::ServerLog& log() { return log_; }
  bool authenticated() const { return authenticated_; }
  const std::string& user() const { return user_; }

 private:
  void begin(const std::string& user);
  asio::awaitable<skiff::PasswordVerdict> check_password(const skiff::PasswordCheck& c);
  asio::awaitable<bool> check_public_key(const skiff::PublicKeyCheck& c);
  asio::awaitable<bool> keyboard_interactive(skiff::KeyboardInteractive& k);
  void auth_failed(const skiff::AuthFailure& f);
  void on_authenticated(const skiff::AuthenticatedUser& u);
  std::string who() const;  // "authenticating user U " / "invalid user U " / ""

  const skiff::config::ServerConfigFile& file_;
  const skiff::config::ServerConfig& connection_config_;
  std::optional<skiff::config::ServerConfig> user_config_;
  sys::Privileged& privileged_;
  sys::ServerLog& log_;
  sys::Peer peer_;
  unsigned max_auth_tries_;
  std::function<void()> on_authenticated_;
  std::function<void(std::string)> on_fatal_;
  std::string user_;
  std::optional<skiff::PublicKey> last_key_;  // the last key accepted with its signature
  bool begun_ = false, valid_ = false, authenticated_ = false;
  bool too_many_failures_ = false, grace_expired_ = false;
};

}  // namespace skiffd
