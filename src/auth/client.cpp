#include "auth/client.hpp"

#include <algorithm>
#include <utility>

namespace skiff::auth {
namespace {

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

ClientAuth::ClientAuth(ClientAuthConfig config, ByteView session_id, std::vector<std::string> server_sig_algs)
    : config_(std::move(config)),
      session_id_(session_id.begin(), session_id.end()),
      server_sig_algs_(std::move(server_sig_algs)) {
  if (config_.pubkey_accepted_algorithms.empty()) config_.pubkey_accepted_algorithms = default_pubkey_algorithms();
}

std::optional<ClientAuthEvent> ClientAuth::poll_event() {
  if (events_.empty()) return std::nullopt;
  auto ev = std::move(events_.front());
  events_.pop_front();
  return ev;
}

std::optional<Bytes> ClientAuth::next_payload() {
  if (output_.empty()) return std::nullopt;
  auto p = std::move(output_.front());
  output_.pop_front();
  return p;
}

void ClientAuth::start() {
  if (state_ != State::idle || sent_ != Sent::none || !output_.empty()) return;
  send_request(std::string(method::kNone), NoneRequest{}, Sent::none);
}

void ClientAuth::send_request(std::string method, decltype(UserauthRequest::body) body, Sent sent) {
  output_.push_back(encode(UserauthRequest{config_.user, config_.service, std::move(method), std::move(body)}));
  state_ = State::sent;
  sent_ = sent;
  ask_ = Ask::none;
}

Result<void> ClientAuth::protocol_error(std::string what) {
  state_ = State::failed;
  Error e{Errc::protocol_error, std::move(what), 2};
  return std::unexpected(std::move(e));
}

Result<void> ClientAuth::receive(ByteView payload) {
  if (payload.empty()) return protocol_error("empty message");
  if (state_ == State::done || state_ == State::failed) {
    return protocol_error("user authentication message after authentication ended");
  }
  const std::uint8_t number = payload[0];
  if (number == msg::kBanner) {
    auto b = decode_banner(payload);
    if (!b) return std::unexpected(b.error());
    events_.push_back(client_event::Banner{std::move(b->message), std::move(b->language)});
    return {};
  }
  if (state_ != State::sent) return protocol_error("unsolicited user authentication message");
  if (number == msg::kSuccess) {
    if (auto s = decode_success(payload); !s) return s;
    state_ = State::done;
    std::string m = sent_ == Sent::none       ? std::string(method::kNone)
                    : sent_ == Sent::password ? std::string(method::kPassword)
                    : sent_ == Sent::kbdint   ? std::string(method::kKeyboardInteractive)
                                              : std::string(method::kPublicKey);
    events_.push_back(client_event::Authenticated{std::move(m)});
    return {};
  }
  if (number == msg::kFailure) return on_failure(payload);
  if (number == msg::kPkOk) return on_sixty(payload);
  return protocol_error("unexpected message " + std::to_string(number) + " during user authentication");
}

Result<void> ClientAuth::on_failure(ByteView payload) {
  auto f = decode_failure(payload);
  if (!f) return std::unexpected(f.error());
  if (sent_ == Sent::pk_query || sent_ == Sent::pk_signed) ++next_identity_;
  if (f->partial_success) {
    std::string m = sent_ == Sent::password ? std::string(method::kPassword)
                    : sent_ == Sent::kbdint ? std::string(method::kKeyboardInteractive)
                                            : std::string(method::kPublicKey);
    events_.push_back(client_event::PartialSuccess{std::move(m), f->methods});
  }
  server_methods_ = std::move(f->methods);
  state_ = State::idle;
  next_method();
  return {};
}

Result<void> ClientAuth::on_sixty(ByteView payload) {
  if (sent_ == Sent::pk_query) {
    auto ok = decode_pk_ok(payload);
    if (!ok) return std::unexpected(ok.error());
    const Identity& id = config_.identities[next_identity_];
    if (ok->algorithm != pk_algorithm_ || ok->key_blob != id.public_key.blob()) {
      return protocol_error("USERAUTH_PK_OK for a key that was not offered");
    }
    if (id.private_key) {
      auto data = publickey_signed_data(session_id_, config_.user, config_.service, pk_algorithm_, ok->key_blob);
      auto sig = id.private_key->sign(pk_algorithm_, data);
      if (sig) {
        send_signed(std::move(*sig));
      } else {
        // A key that cannot sign (a disabled algorithm): go on with the next one.
        ++next_identity_;
        state_ = State::idle;
        next_method();
      }
      return {};
    }
    state_ = State::waiting_app;
    ask_ = Ask::signature;
    events_.push_back(client_event::SignatureNeeded{
        id.public_key, pk_algorithm_,
        publickey_signed_data(session_id_, config_.user, config_.service, pk_algorithm_, ok->key_blob)});
    return {};
  }
  if (sent_ == Sent::password) {
    auto req = decode_passwd_changereq(payload);
    if (!req) return std::unexpected(req.error());
    state_ = State::waiting_app;
    ask_ = Ask::password_change;
    events_.push_back(client_event::PasswordChangeNeeded{std::move(req->prompt)});
    return {};
  }
  if (sent_ == Sent::kbdint) {
    auto req = decode_info_request(payload);
    if (!req) return std::unexpected(req.error());
    state_ = State::waiting_app;
    ask_ = Ask::info;
    info_prompts_ = req->prompts.size();
    events_.push_back(client_event::InfoRequestReceived{std::move(*req)});
    return {};
  }
  return protocol_error("message 60 does not answer the outstanding request");
}

bool ClientAuth::accepted(std::string_view alg) const { return contains(config_.pubkey_accepted_algorithms, alg); }

std::optional<std::string> ClientAuth::signature_algorithm(const Identity& id) const {
  if (id.public_key.type() != KeyType::rsa) {
    auto name = id.public_key.type_name();
    if (accepted(name)) return name;
    return std::nullopt;
  }
  if (server_sig_algs_.empty()) {
    if (accepted("ssh-rsa")) return std::string("ssh-rsa");
    return std::nullopt;
  }
  for (const auto& alg : config_.pubkey_accepted_algorithms) {
    if ((alg == "rsa-sha2-512" || alg == "rsa-sha2-256" || alg == "ssh-rsa") && contains(server_sig_algs_, alg)) {
      return alg;
    }
  }
  return std::nullopt;
}

bool ClientAuth::try_publickey() {
  for (; next_identity_ < config_.identities.size(); ++next_identity_) {
    const Identity& id = config_.identities[next_identity_];
    auto alg = signature_algorithm(id);
    if (!alg) continue;
    pk_algorithm_ = *alg;
    send_request(std::string(method::kPublicKey), PublicKeyRequest{*alg, id.public_key.blob(), std::nullopt},
                 Sent::pk_query);
    return true;
  }
  return false;
}

void ClientAuth::send_signed(Bytes signature) {
  const Identity& id = config_.identities[next_identity_];
  send_request(std::string(method::kPublicKey), PublicKeyRequest{pk_algorithm_, id.public_key.blob(), std::move(signature)},
               Sent::pk_signed);
}

void ClientAuth::next_method() {
  for (const auto& m : config_.methods) {
    if (!contains(server_methods_, m)) continue;
    if (m == method::kPublicKey) {
      if (try_publickey()) return;
    } else if (m == method::kKeyboardInteractive) {
      if (!kbdint_skipped_ && kbdint_attempts_ < config_.number_of_password_prompts) {
        ++kbdint_attempts_;
        send_request(m, KeyboardInteractiveRequest{"", config_.kbdint_submethods}, Sent::kbdint);
        return;
      }
    } else if (m == method::kPassword) {
      if (!password_skipped_ && password_attempts_ < config_.number_of_password_prompts) {
        ++password_attempts_;
        state_ = State::waiting_app;
        ask_ = Ask::password;
        events_.push_back(client_event::PasswordNeeded{config_.user, password_attempts_});
        return;
      }
    }
  }
  state_ = State::failed;
  events_.push_back(client_event::Failed{server_methods_});
}

Result<void> ClientAuth::provide_password(SecretString password) {
  if (state_ != State::waiting_app || ask_ != Ask::password) return fail(Errc::invalid_argument, "no password was asked for");
  send_request(std::string(method::kPassword), PasswordRequest{std::move(password), std::nullopt}, Sent::password);
  return {};
}

Result<void> ClientAuth::provide_password_change(SecretString old_password, SecretString new_password) {
  if (state_ != State::waiting_app || ask_ != Ask::password_change) {
    return fail(Errc::invalid_argument, "no password change was asked for");
  }
  send_request(std::string(method::kPassword), PasswordRequest{std::move(old_password), std::move(new_password)},
               Sent::password);
  return {};
}

Result<void> ClientAuth::provide_responses(std::vector<SecretString> responses) {
  if (state_ != State::waiting_app || ask_ != Ask::info) return fail(Errc::invalid_argument, "no prompts are pending");
  if (responses.size() != info_prompts_) return fail(Errc::invalid_argument, "one response per prompt is needed");
  output_.push_back(encode(InfoResponse{std::move(responses)}));
  state_ = State::sent;
  ask_ = Ask::none;
  return {};
}

Result<void> ClientAuth::provide_signature(Bytes signature_blob) {
  if (state_ != State::waiting_app || ask_ != Ask::signature) return fail(Errc::invalid_argument, "no signature was asked for");
  send_signed(std::move(signature_blob));
  return {};
}

Result<void> ClientAuth::skip() {
  if (state_ != State::waiting_app) return fail(Errc::invalid_argument, "nothing was asked");
  switch (ask_) {
    case Ask::password:
    case Ask::password_change:
      password_skipped_ = true;
      break;
    case Ask::info:
      // The next request abandons the exchange (RFC 4256 3.4 lets a client do so).
      kbdint_skipped_ = true;
      break;
    case Ask::signature:
      ++next_identity_;
      break;
    case Ask::none:
      break;
  }
  state_ = State::idle;
  ask_ = Ask::none;
  next_method();
  return {};
}

}  // namespace skiff::auth
