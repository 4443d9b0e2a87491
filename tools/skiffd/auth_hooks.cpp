#include "auth_hooks.hpp"

#include <unistd.h>

#include <asio/posix/stream_descriptor.hpp>
#include <asio/redirect_error.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "io/convert.hpp"
#include "keys/key_handle.hpp"
#include "server_options.hpp"
#include "system/user_lookup.hpp"

namespace skiffd {
namespace {

using sys::AuthMethod;


std::optional<AuthMethod> method_of(std::string_view name) {
  if (name == "password") return AuthMethod::password;
  if (name == "publickey") return AuthMethod::publickey;
  if (name == "keyboard-interactive") return AuthMethod::keyboard_interactive;
  if (name == "none") return AuthMethod::none;
  return std::nullopt;
}

std::string key_suffix(const std::optional<skiff::PublicKey>& key) {
  if (!key) return {};
  std::string family = "RSA";
  switch (key->type()) {
    case skiff::KeyType::ed25519: family = "ED25519"; break;
    case skiff::KeyType::ecdsa_p256:
    case skiff::KeyType::ecdsa_p384:
    case skiff::KeyType::ecdsa_p521: family = "ECDSA"; break;
    case skiff::KeyType::rsa: break;
  }
  return ": " + family + " " + key->fingerprint();
}

// Waits until the conversation has moved (its helper thread posted a state). The
// descriptor is duplicated so that Asio's registration never owns the conversation's.
asio::awaitable<sys::ConversationState> next_state(sys::AuthConversation& conv) {
  const int fd = ::dup(conv.wait_fd());
  if (fd < 0) co_return sys::conversation::Rejected{};
  asio::posix::stream_descriptor wait(co_await asio::this_coro::executor, fd);
  for (;;) {
    sys::ConversationState s = conv.poll();
    if (!std::holds_alternative<sys::conversation::Running>(s)) co_return s;
    std::error_code ec;
    co_await wait.async_wait(asio::posix::descriptor_base::wait_read, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return sys::conversation::Rejected{};
  }
}

}  // namespace

Login::Login(const skiff::config::ServerConfigFile& file, const skiff::config::ServerConfig& connection_config,
             sys::Privileged& privileged, sys::ServerLog& log, sys::Peer peer, unsigned max_auth_tries,
             std::function<void()> on_authenticated, std::function<void(std::string)> on_fatal)
    : file_(file),
      connection_config_(connection_config),
      privileged_(privileged),
      log_(log),
      peer_(std::move(peer)),
      max_auth_tries_(max_auth_tries),
      on_authenticated_(std::move(on_authenticated)),
      on_fatal_(std::move(on_fatal)) {}

void Login::install(skiff::ServerHooks& hooks) {
  // sshd applies Match User before answering the first request: a Match block may offer
  // a user methods the connection's settings do not (or take them away).
  hooks.methods_for_user = [this](const std::string& user) -> std::optional<skiff::UserAuthMethods> {
    begin(user);
    if (!user_config_) return std::nullopt;
    return offered_methods(*user_config_);
  };
  hooks.check_password = [this](const skiff::PasswordCheck& c) { return check_password(c); };
  hooks.check_public_key = [this](const skiff::PublicKeyCheck& c) { return check_public_key(c); };
  hooks.keyboard_interactive = [this](skiff::KeyboardInteractive& k) { return keyboard_interactive(k); };
  hooks.auth_failed = [this](const skiff::AuthFailure& f) { auth_failed(f); };
  hooks.partial_success = [this](const skiff::AuthPartialSuccess& p) {
    std::string method = p.method;
    if (p.method == "keyboard-interactive") method = std::string(sys::ServerLog::method_name(AuthMethod::keyboard_interactive));
    log_.info("Partial " + method.substr(0, 64) + " for " + p.user.substr(0, 100) + " from " + peer_.address +
              " port " + std::to_string(peer_.port) + " ssh2" +
              key_suffix(p.method == "publickey" ? last_key_ : std::nullopt));
  };
  hooks.authenticated = [this](const skiff::AuthenticatedUser& u) { on_authenticated(u); };
}

void Login::begin(const std::string& user) {
  // The library ends a connection whose user name changes, so the first name is the one.
  if (begun_) return;
  begun_ = true;
  user_ = user;
  auto check = privileged_.begin_user(user);
  if (!check) {
    log_.error("begin_user: " + check.error().message);
    return;
  }
  valid_ = check->account.valid;
  // An unknown name is matched as given (its groups are none), as sshd does, so that it
  // is offered what a real user of that name would be.
  skiff::config::ConnectionInfo info{valid_ ? check->account.name : user, peer_.host, peer_.address,
                                     peer_.local_address, peer_.local_port};
  auto per_user = file_.for_connection(info, sys::known_groups_lookup(check->account));
  if (per_user) user_config_ = std::move(*per_user);
  else log_.error(per_user.error().message);
}

asio::awaitable<skiff::PasswordVerdict> Login::check_password(const skiff::PasswordCheck& c) {
  begin(c.user);
  if (!config().password_authentication) co_return skiff::PasswordVerdict::reject;
  std::optional<sys::SecretString> new_password;
  if (c.new_password) new_password = skiff::io::to_core(*c.new_password);
  auto conv = privileged_.start_password(skiff::io::to_core(c.password), std::move(new_password));
  if (!conv) {
    log_.error("password check: " + conv.error().message);
    co_return skiff::PasswordVerdict::reject;
  }
  const sys::ConversationState s = co_await next_state(**conv);
  if (std::holds_alternative<sys::conversation::Accepted>(s)) co_return skiff::PasswordVerdict::accept;
  if (std::holds_alternative<sys::conversation::PasswordChangeRequired>(s))
    co_return skiff::PasswordVerdict::change_required;
  co_return skiff::PasswordVerdict::reject;
}

asio::awaitable<bool> Login::check_public_key(const skiff::PublicKeyCheck& c) {
  begin(c.user);
  if (!config().pubkey_authentication) co_return false;
  auto match = privileged_.find_authorized_key(c.key.impl().key);
  if (!match) {
    log_.error("authorized key look-up: " + match.error().message);
    co_return false;
  }
  if (*match && c.verified) last_key_ = c.key;
  co_return match->has_value();
}

asio::awaitable<bool> Login::keyboard_interactive(skiff::KeyboardInteractive& k) {
  begin(k.user());
  if (!config().kbd_interactive_authentication || !privileged_.keyboard_interactive_available()) co_return false;
  auto conv = privileged_.start_keyboard_interactive();
  if (!conv) {
    log_.error("keyboard-interactive: " + conv.error().message);
    co_return false;
  }
  for (;;) {
    sys::ConversationState s = co_await next_state(**conv);
    if (auto* p = std::get_if<sys::conversation::Prompts>(&s)) {
      const skiff::KeyboardInteractiveRequest request = skiff::io::to_public(p->request);
      auto answers = co_await k.ask(request);
      if (!answers) co_return false;
      if (!(*conv)->answer(skiff::io::to_core(*answers))) co_return false;
      continue;
    }
    co_return std::holds_alternative<sys::conversation::Accepted>(s);
  }
}

void Login::auth_failed(const skiff::AuthFailure& f) {
  begin(f.user);
  // sshd's auth_log: failures are VERBOSE unless they are passwords, for an unknown user,
  // or past half of MaxAuthTries (what fail2ban counts stays at INFO).
  const bool loud = f.method == "password" || !valid_ || f.failures >= max_auth_tries_ / 2;
  std::string method = f.method;
  if (f.method == "keyboard-interactive") method = std::string(sys::ServerLog::method_name(AuthMethod::keyboard_interactive));
  log_.log(loud ? sys::LogLevel::info : sys::LogLevel::verbose,
           "Failed " + method.substr(0, 64) + " for " + (valid_ ? "" : "invalid user ") + f.user.substr(0, 100) +
               " from " + peer_.address + " port " + std::to_string(peer_.port) + " ssh2" + key_suffix(f.key));
  if (max_auth_tries_ != 0 && f.failures >= max_auth_tries_ && !too_many_failures_) {
    too_many_failures_ = true;
    log_.max_tries_exceeded(f.user, valid_, peer_);
  }
}

void Login::on_authenticated(const skiff::AuthenticatedUser& u) {
  const std::string& last = u.methods.empty() ? std::string() : u.methods.back();
  const auto method = method_of(last);
  std::vector<skiff::crypto::PublicKey> verified;
  for (const auto& k : u.keys) verified.push_back(k.impl().key);
  if (!method) {
    on_fatal_("authenticated by an unknown method " + last);
    return;
  }
  // Logs "Accepted ..." and opens the PAM session.
  if (auto ok = privileged_.authenticated(*method, verified); !ok) {
    on_fatal_(ok.error().message);
    return;
  }
  authenticated_ = true;
  log_.set_preauth(false);
  on_authenticated_();
}

std::string Login::who() const {
  if (authenticated_) return "user " + user_.substr(0, 100) + " ";
  if (!begun_) return {};
  return (valid_ ? "authenticating user " : "invalid user ") + user_.substr(0, 100) + " ";
}

void Login::grace_expired() {
  grace_expired_ = true;
  log_.info("Timeout before authentication for " + peer_.address + " port " + std::to_string(peer_.port));
}

void Login::log_end(const skiff::Error& why) {
  if (grace_expired_) return;
  const std::string id = who() + peer_.address + " port " + std::to_string(peer_.port);
  constexpr std::string_view kPeerDisconnect = "peer disconnected: ";
  if (why.code == skiff::Errc::timeout && why.message == "Timeout before authentication") {
    grace_expired();
  } else if (why.code == skiff::Errc::timeout) {
    log_.info(why.message);
  } else if (why.code == skiff::Errc::disconnected && why.message.starts_with(kPeerDisconnect)) {
    log_.received_disconnect(peer_, why.disconnect_reason, why.message.substr(kPeerDisconnect.size()));
    log_.log_network(sys::LogLevel::info, "Disconnected from " + id);
  } else if (why.code == skiff::Errc::disconnected && why.message.starts_with("connection closed")) {
    log_.log_network(sys::LogLevel::info, "Connection closed by " + id);
  } else if (why.code == skiff::Errc::disconnected) {
    // We ended it (DISCONNECT sent with this description).
    log_.log_network(sys::LogLevel::info, "Disconnecting " + id + ": " + why.message.substr(0, 100));
  } else {
    log_.log_network(sys::LogLevel::info, why.message.substr(0, 200) + ": Connection from " + id);
  }
}

}  // namespace skiffd
