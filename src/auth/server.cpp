#include "auth/server.hpp"

#include <algorithm>
#include <utility>

#include "crypto/hash.hpp"
#include "keys/key_handle.hpp"
#include "keys/ssh_key.hpp"
#include "transport/messages.hpp"

namespace skiff::auth {
namespace {

namespace dc = transport::disconnect;

constexpr auto kMaxFailureDelay = std::chrono::seconds(5);

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

ServerAuth::ServerAuth(ServerAuthConfig config, ByteView session_id, TimePoint now)
    : config_(std::move(config)), session_id_(session_id.begin(), session_id.end()) {
  make_method_lists();
  if (config_.pubkey_accepted_algorithms.empty()) config_.pubkey_accepted_algorithms = default_pubkey_algorithms();
  if (config_.login_grace_time.count() > 0) grace_deadline_ = now + config_.login_grace_time;
}

std::optional<ServerAuthEvent> ServerAuth::poll_event() {
  if (events_.empty()) return std::nullopt;
  auto ev = std::move(events_.front());
  events_.pop_front();
  return ev;
}

std::optional<Bytes> ServerAuth::next_payload() {
  if (output_.empty()) return std::nullopt;
  auto p = std::move(output_.front());
  output_.pop_front();
  return p;
}

std::optional<TimePoint> ServerAuth::next_deadline() const {
  if (phase_ == Phase::done || phase_ == Phase::closed) return std::nullopt;
  std::optional<TimePoint> d = grace_deadline_;
  if (held_ && (!d || held_->release < *d)) d = held_->release;
  return d;
}

void ServerAuth::on_timer(TimePoint now) {
  if (phase_ == Phase::done || phase_ == Phase::closed) return;
  if (held_ && now >= held_->release) {
    release_held();
    if (phase_ == Phase::closed) return;
    drain_queue(now);
  }
  if (grace_deadline_ && now >= *grace_deadline_ && phase_ != Phase::done && phase_ != Phase::closed) {
    (void)end(Errc::timeout, dc::kByApplication, "Timeout before authentication");
  }
}

Result<void> ServerAuth::end(Errc code, std::uint32_t reason, std::string description) {
  phase_ = Phase::closed;
  held_.reset();
  queued_requests_.clear();
  events_.push_back(server_event::Disconnect{reason, description});
  Error e{code, std::move(description), reason};
  return std::unexpected(std::move(e));
}

Result<void> ServerAuth::receive(ByteView payload, TimePoint now) {
  if (phase_ == Phase::closed) return fail(Errc::protocol_error, "authentication already ended");
  if (payload.empty()) return end(Errc::protocol_error, dc::kProtocolError, "empty message");
  const std::uint8_t number = payload[0];
  if (phase_ == Phase::done) {
    // RFC 4252 5.1: requests after success are ignored; the rest is not ours to get.
    if (number == msg::kRequest) return {};
    return end(Errc::protocol_error, dc::kProtocolError, "unexpected message after authentication");
  }
  if (number == msg::kRequest) {
    if (phase_ == Phase::deciding || phase_ == Phase::holding) {
      if (queued_requests_.size() >= limits::kMaxQueuedAuthRequests) {
        return end(Errc::too_large, dc::kProtocolError, "too many pipelined authentication requests");
      }
      queued_requests_.emplace_back(payload.begin(), payload.end());
      return {};
    }
    return handle_request(payload, now);
  }
  if (number == msg::kInfoResponse && phase_ == Phase::info_wait) return handle_info_response(payload, now);
  return end(Errc::protocol_error, dc::kProtocolError,
             "unexpected message " + std::to_string(number) + " during user authentication");
}

void ServerAuth::make_method_lists() {
  lists_.clear();
  if (config_.authentication_methods.empty()) {
    for (const auto& m : config_.methods) lists_.push_back({m});
    return;
  }
  // A list naming a method that is not enabled can never complete: drop it.
  for (const auto& l : config_.authentication_methods) {
    bool usable = !l.empty() && std::all_of(l.begin(), l.end(), [&](const auto& m) { return contains(config_.methods, m); });
    if (usable) lists_.push_back(l);
  }
}

bool ServerAuth::method_can_continue(std::string_view m) const {
  return std::any_of(lists_.begin(), lists_.end(), [&](const auto& l) { return l.front() == m; });
}

std::vector<std::string> ServerAuth::methods_that_can_continue() const {
  std::vector<std::string> out;
  for (const auto& m : config_.methods) {
    if (method_can_continue(m)) out.push_back(m);
  }
  return out;
}

Result<void> ServerAuth::handle_request(ByteView payload, TimePoint now) {
  auto req = decode_request(payload);
  if (!req) return end(req.error().code, dc::kProtocolError, "bad USERAUTH_REQUEST: " + req.error().message);
  if (!user_) {
    if (req->service != config_.service) {
      return end(Errc::protocol_error, dc::kServiceNotAvailable, "unknown service " + req->service);
    }
    user_ = req->user;
    service_ = req->service;
    if (config_.methods_for_user) {
      if (auto per_user = config_.methods_for_user(*user_)) {
        config_.methods = std::move(per_user->methods);
        config_.authentication_methods = std::move(per_user->authentication_methods);
        make_method_lists();
      }
    }
    failure_delay_ = std::chrono::duration_cast<Clock::duration>(config_.min_failure_delay);
    if (!config_.timing_secret.empty() && failure_delay_.count() > 0) {
      crypto::Hash h(crypto::HashAlg::sha512);
      h.update(config_.timing_secret);
      h.update(ByteView(reinterpret_cast<const std::uint8_t*>(user_->data()), user_->size()));
      const Bytes digest = h.finish();
      failure_delay_ += std::chrono::nanoseconds(wire::get_u32(digest.data()) / 1000);
    }
  } else if (req->user != *user_ || req->service != *service_) {
    return end(Errc::protocol_error, dc::kProtocolError, "Change of username or service not allowed");
  }
  if (!banner_sent_) {
    banner_sent_ = true;
    if (!config_.banner.empty()) output_.push_back(encode(UserauthBanner{config_.banner, ""}));
  }
  // A new request abandons an unfinished keyboard-interactive exchange.
  phase_ = Phase::idle;
  info_prompts_ = 0;
  pending_key_.reset();
  request_start_ = now;

  ++requests_;
  if (std::holds_alternative<NoneRequest>(req->body)) {
    // As OpenSSH: only a first "none" is free, and "none" is never delayed.
    if (requests_ == 1) {
      output_.push_back(encode(UserauthFailure{methods_that_can_continue(), false}));
    } else {
      fail_attempt(req->method, std::nullopt, now, false);
    }
    return {};
  }
  if (!contains(config_.methods, req->method) || !method_can_continue(req->method) ||
      std::holds_alternative<OtherMethodRequest>(req->body)) {
    fail_attempt(req->method, std::nullopt, now);
    return {};
  }
  if (auto* pw = std::get_if<PasswordRequest>(&req->body)) {
    pending_ = Pending::password;
    phase_ = Phase::deciding;
    events_.push_back(server_event::CheckPassword{*user_, std::move(pw->password), std::move(pw->new_password)});
    return {};
  }
  if (auto* ki = std::get_if<KeyboardInteractiveRequest>(&req->body)) {
    pending_ = Pending::kbd_start;
    phase_ = Phase::deciding;
    events_.push_back(server_event::KeyboardInteractiveStart{*user_, std::move(ki->submethods)});
    return {};
  }
  return start_publickey(*req, std::get<PublicKeyRequest>(req->body), now);
}

Result<void> ServerAuth::start_publickey(const UserauthRequest& req, const PublicKeyRequest& pk, TimePoint now) {
  auto key = PublicKey::from_blob(pk.key_blob);
  if (!key || !contains(config_.pubkey_accepted_algorithms, pk.algorithm) ||
      !keys::signature_algorithm_fits_key(pk.algorithm, key->impl().key.type())) {
    fail_attempt(req.method, std::nullopt, now);
    return {};
  }
  // "publickey,publickey" needs two different keys (OpenSSH refuses a key used before).
  if (std::find(verified_keys_.begin(), verified_keys_.end(), *key) != verified_keys_.end()) {
    fail_attempt(req.method, *key, now);
    return {};
  }
  if (pk.signature) {
    auto data = publickey_signed_data(session_id_, req.user, req.service, pk.algorithm, pk.key_blob);
    auto ok = verify_signature(pk.key_blob, pk.algorithm, data, *pk.signature, pk.algorithm == "ssh-rsa");
    if (!ok) {
      fail_attempt(req.method, *key, now);
      return {};
    }
  }
  pending_ = pk.signature ? Pending::pk_signed : Pending::pk_query;
  phase_ = Phase::deciding;
  pending_key_ = *key;
  pending_pk_ok_ = PkOk{pk.algorithm, pk.key_blob};
  events_.push_back(server_event::CheckPublicKey{*user_, *key, pk.algorithm, pk.signature.has_value()});
  return {};
}

Result<void> ServerAuth::handle_info_response(ByteView payload, TimePoint now) {
  auto resp = decode_info_response(payload);
  if (!resp) return end(resp.error().code, dc::kProtocolError, "bad USERAUTH_INFO_RESPONSE: " + resp.error().message);
  if (resp->responses.size() != info_prompts_) {
    return end(Errc::protocol_error, dc::kProtocolError, "wrong number of keyboard-interactive responses");
  }
  pending_ = Pending::kbd_answers;
  phase_ = Phase::deciding;
  request_start_ = now;
  events_.push_back(server_event::KeyboardInteractiveAnswers{*user_, std::move(resp->responses)});
  return {};
}

void ServerAuth::hold(std::optional<Bytes> payload, TimePoint now, Phase after, bool delayed) {
  auto delay = failure_delay_;
  const auto elapsed = now - request_start_;
  // A decision that took longer than OpenSSH's MAX_FAIL_DELAY_SECONDS is not padded.
  if (!delayed || elapsed > kMaxFailureDelay) {
    delay = Clock::duration::zero();
  } else if (delay.count() > 0) {
    while (delay <= elapsed) delay *= 2;
  }
  const TimePoint release = request_start_ + delay;
  held_ = Held{std::move(payload), release, after};
  phase_ = Phase::holding;
  pending_ = Pending::none;
  if (release <= now) release_held();
}

void ServerAuth::release_held() {
  Held h = std::move(*held_);
  held_.reset();
  if (!h.payload) {
    (void)end(Errc::protocol_error, dc::kProtocolError, "Too many authentication failures");
    return;
  }
  output_.push_back(std::move(*h.payload));
  phase_ = h.after;
}

void ServerAuth::drain_queue(TimePoint now) {
  while ((phase_ == Phase::idle || phase_ == Phase::info_wait) && !queued_requests_.empty()) {
    Bytes next = std::move(queued_requests_.front());
    queued_requests_.pop_front();
    if (!handle_request(next, now)) return;
  }
}

void ServerAuth::fail_attempt(std::string method, std::optional<PublicKey> key, TimePoint now, bool delayed) {
  ++failures_;
  events_.push_back(server_event::AttemptFailed{*user_, std::move(method), std::move(key), failures_});
  if (failures_ >= config_.max_auth_tries) {
    hold(std::nullopt, now, Phase::closed, delayed);
  } else {
    hold(encode(UserauthFailure{methods_that_can_continue(), false}), now, Phase::idle, delayed);
  }
}

void ServerAuth::method_succeeded(TimePoint now) {
  std::string m(pending_ == Pending::password    ? method::kPassword
                : pending_ == Pending::pk_signed ? method::kPublicKey
                                                 : method::kKeyboardInteractive);
  if (pending_key_ && pending_ == Pending::pk_signed) verified_keys_.push_back(*pending_key_);
  pending_key_.reset();
  completed_.push_back(m);
  bool complete = false;
  for (auto& l : lists_) {
    if (!l.empty() && l.front() == m) {
      l.erase(l.begin());
      complete = complete || l.empty();
    }
  }
  std::erase_if(lists_, [](const auto& l) { return l.empty(); });
  if (complete) {
    pending_ = Pending::none;
    phase_ = Phase::done;
    queued_requests_.clear();
    output_.push_back(encode_success());
    events_.push_back(server_event::Authenticated{*user_, *service_, completed_, verified_keys_});
    return;
  }
  events_.push_back(server_event::PartialSuccess{*user_, m});
  hold(encode(UserauthFailure{methods_that_can_continue(), true}), now, Phase::idle, true);
  if (phase_ == Phase::idle) drain_queue(now);
}

Result<void> ServerAuth::accept(TimePoint now) {
  if (phase_ != Phase::deciding) return fail(Errc::invalid_argument, "no authentication decision is outstanding");
  if (pending_ == Pending::pk_query) {
    // PK_OK goes at once: only a user whose key is authorised ever gets one, and the
    // answer itself says so, so holding it to the failure delay hides nothing (failures,
    // what known and unknown users both get, stay held). It was 5-9 ms of every login.
    hold(encode(pending_pk_ok_), now, Phase::idle, false);
    if (phase_ == Phase::idle) drain_queue(now);
    return {};
  }
  method_succeeded(now);
  return {};
}

Result<void> ServerAuth::reject(TimePoint now) {
  if (phase_ != Phase::deciding) return fail(Errc::invalid_argument, "no authentication decision is outstanding");
  std::string m(pending_ == Pending::password                                 ? method::kPassword
                : pending_ == Pending::pk_query || pending_ == Pending::pk_signed ? method::kPublicKey
                                                                              : method::kKeyboardInteractive);
  auto key = std::move(pending_key_);
  pending_key_.reset();
  fail_attempt(std::move(m), std::move(key), now);
  if (phase_ == Phase::idle) drain_queue(now);
  return {};
}

Result<void> ServerAuth::request_password_change(std::string prompt, TimePoint now) {
  if (phase_ != Phase::deciding || pending_ != Pending::password) {
    return fail(Errc::invalid_argument, "no password decision is outstanding");
  }
  hold(encode(PasswdChangeReq{std::move(prompt), ""}), now, Phase::idle, true);
  if (phase_ == Phase::idle) drain_queue(now);
  return {};
}

Result<void> ServerAuth::send_info_request(InfoRequest request, TimePoint now) {
  if (phase_ != Phase::deciding || (pending_ != Pending::kbd_start && pending_ != Pending::kbd_answers)) {
    return fail(Errc::invalid_argument, "no keyboard-interactive decision is outstanding");
  }
  if (request.prompts.size() > limits::kMaxKbdIntPrompts) return fail(Errc::too_large, "too many prompts");
  info_prompts_ = request.prompts.size();
  hold(encode(request), now, Phase::info_wait, true);
  return {};
}

}  // namespace skiff::auth
