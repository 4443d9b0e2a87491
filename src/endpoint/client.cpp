#include <utility>

#include "auth/messages.hpp"
#include "endpoint/endpoint.hpp"
#include "transport/messages.hpp"

namespace skiff::endpoint {

namespace {
TransportConfig as_client(TransportConfig c) {
  c.role = Role::client;
  return c;
}
}  // namespace

ClientConnection::ClientConnection(ClientConfig config)
    : ConnectionBase(as_client(std::move(config.transport)), config.engine), auth_config_(std::move(config.auth)) {}

void ClientConnection::start(TimePoint now) {
  transport_.start(now);
  transport_.request_service("ssh-userauth");
}

void ClientConnection::feed(ByteView data, TimePoint now) {
  transport_.feed(data, now);
  process();
}

void ClientConnection::commit_input(std::size_t n, TimePoint now) {
  transport_.commit_input(n, now);
  process();
}

void ClientConnection::feed_eof(TimePoint now) {
  transport_.feed_eof(now);
  process();
}

void ClientConnection::on_timer(TimePoint now) {
  transport_.on_timer(now);
  process();
}

void ClientConnection::accept_host_key() {
  transport_.accept_host_key();
  process();
}

void ClientConnection::reject_host_key(std::string reason) {
  transport_.reject_host_key(std::move(reason));
  process();
}

std::optional<ClientEvent> ClientConnection::poll_event() {
  // Engine events are taken lazily so that the engine's own caps keep bounding them.
  if (auto e = poll_engine_event()) return ClientEvent{event::Channel{std::move(*e)}};
  process();
  if (events_.empty()) return std::nullopt;
  ClientEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void ClientConnection::process() {
  while (auto ev = transport_.poll_event()) route(*ev);
  flush_engine();
}

void ClientConnection::route(TransportEvent& ev) {
  if (auto* p = std::get_if<skiff::event::Packet>(&ev)) {
    std::uint8_t number = p->payload[0];
    if (!auth::msg::is_userauth(number)) {
      route_to_engine(*p);
      return;
    }
    if (!auth_) {
      protocol_error("user authentication message before the service was accepted");
      return;
    }
    if (auto r = auth_->receive(p->payload); !r) {
      drain_auth();
      protocol_error(r.error().message);
      return;
    }
    drain_auth();
    return;
  }
  if (auto* h = std::get_if<skiff::event::HostKeyCheck>(&ev)) {
    events_.push_back(std::move(*h));
    return;
  }
  if (auto* d = std::get_if<skiff::event::Disconnected>(&ev)) {
    events_.push_back(std::move(*d));
    return;
  }
  if (auto* s = std::get_if<skiff::event::ServiceAccepted>(&ev); s && s->name == "ssh-userauth" && !auth_) {
    // EXT_INFO (server-sig-algs) comes before SERVICE_ACCEPT, so it is known by now.
    auth_.emplace(auth_config_, transport_.session_id(), transport_.server_sig_algs());
    auth_->start();
    events_.push_back(event::TransportInfo{std::move(ev)});
    drain_auth();
    return;
  }
  events_.push_back(event::TransportInfo{std::move(ev)});
}

void ClientConnection::drain_auth() {
  while (auto p = auth_->next_payload()) {
    if (!send(*p)) return;
  }
  while (auto e = auth_->poll_event()) {
    if (std::holds_alternative<auth::client_event::Authenticated>(*e) && !authenticated_) {
      authenticated_ = true;
      transport_.user_authenticated();
    }
    std::string denied;
    if (auto* f = std::get_if<auth::client_event::Failed>(&*e)) {
      denied = "Permission denied (";
      for (std::size_t i = 0; i < f->methods_that_can_continue.size(); ++i) {
        denied += (i ? "," : "") + f->methods_that_can_continue[i];
      }
      denied += ").";
    }
    events_.push_back(event::ClientAuth{std::move(*e)});
    if (!denied.empty()) transport_.disconnect(transport::disconnect::kNoMoreAuthMethodsAvailable, denied);
  }
}

Result<void> ClientConnection::auth_answer(Result<void> r) {
  if (r) drain_auth();
  flush_engine();
  return r;
}

namespace {
Result<void> no_auth() { return fail(Errc::invalid_argument, "user authentication has not started"); }
}  // namespace

Result<void> ClientConnection::provide_password(auth::SecretString password) {
  if (!auth_) return no_auth();
  return auth_answer(auth_->provide_password(std::move(password)));
}

Result<void> ClientConnection::provide_password_change(auth::SecretString old_password,
                                                       auth::SecretString new_password) {
  if (!auth_) return no_auth();
  return auth_answer(auth_->provide_password_change(std::move(old_password), std::move(new_password)));
}

Result<void> ClientConnection::provide_responses(std::vector<auth::SecretString> responses) {
  if (!auth_) return no_auth();
  return auth_answer(auth_->provide_responses(std::move(responses)));
}

Result<void> ClientConnection::provide_signature(Bytes signature_blob) {
  if (!auth_) return no_auth();
  return auth_answer(auth_->provide_signature(std::move(signature_blob)));
}

Result<void> ClientConnection::skip_auth_method() {
  if (!auth_) return no_auth();
  return auth_answer(auth_->skip());
}

}  // namespace skiff::endpoint
