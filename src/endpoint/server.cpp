#include <algorithm>
#include <utility>

#include "auth/messages.hpp"
#include "endpoint/endpoint.hpp"

namespace skiff::endpoint {

namespace {
TransportConfig as_server(TransportConfig c) {
  c.role = Role::server;
  return c;
}
Result<void> no_auth() { return fail(Errc::invalid_argument, "user authentication has not started"); }
}  // namespace

ServerConnection::ServerConnection(ServerConfig config)
    : ConnectionBase(as_server(std::move(config.transport)), config.engine), auth_config_(std::move(config.auth)) {}

void ServerConnection::start(TimePoint now) { transport_.start(now); }

void ServerConnection::feed(ByteView data, TimePoint now) {
  transport_.feed(data, now);
  process(now);
}

void ServerConnection::commit_input(std::size_t n, TimePoint now) {
  transport_.commit_input(n, now);
  process(now);
}

void ServerConnection::feed_eof(TimePoint now) {
  transport_.feed_eof(now);
  process(now);
}

std::optional<TimePoint> ServerConnection::next_deadline() const {
  auto t = transport_.next_deadline();
  auto a = auth_ && !transport_.closed() ? auth_->next_deadline() : std::nullopt;
  if (t && a) return std::min(*t, *a);
  return t ? t : a;
}

void ServerConnection::on_timer(TimePoint now) {
  transport_.on_timer(now);
  if (auth_) {
    auth_->on_timer(now);
    drain_auth();
  }
  process(now);
}

std::optional<ServerEvent> ServerConnection::poll_event() {
  if (auto e = poll_engine_event()) return ServerEvent{event::Channel{std::move(*e)}};
  // Input the transport held back while its output was full is processed now.
  process(now_);
  if (events_.empty()) return std::nullopt;
  ServerEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void ServerConnection::process(TimePoint now) {
  now_ = std::max(now_, now);
  while (auto ev = transport_.poll_event()) route(*ev, now);
  flush_engine();
}

void ServerConnection::route(TransportEvent& ev, TimePoint now) {
  if (auto* p = std::get_if<skiff::event::Packet>(&ev)) {
    std::uint8_t number = p->payload[0];
    if (!auth::msg::is_userauth(number)) {
      route_to_engine(*p);
      return;
    }
    if (!auth_) {
      protocol_error("user authentication message before the service was requested");
      return;
    }
    auto r = auth_->receive(p->payload, now);
    drain_auth();
    // ServerAuth reports its ends as Disconnect events (handled above); this is the
    // backstop for an error that came without one.
    if (!r) protocol_error(r.error().message);
    return;
  }
  if (auto* d = std::get_if<skiff::event::Disconnected>(&ev)) {
    events_.push_back(std::move(*d));
    return;
  }
  if (auto* s = std::get_if<skiff::event::ServiceRequested>(&ev); s && s->name == "ssh-userauth" && !auth_) {
    auth_.emplace(auth_config_, transport_.session_id(), now);
  }
  events_.push_back(event::TransportInfo{std::move(ev)});
}

void ServerConnection::drain_auth() {
  while (auto p = auth_->next_payload()) {
    if (!send(*p)) return;
    if (p->size() == 1 && (*p)[0] == auth::msg::kSuccess && !authenticated_) {
      // Exactly after SUCCESS: delayed compression starts with the next packet.
      authenticated_ = true;
      transport_.user_authenticated();
    }
  }
  while (auto e = auth_->poll_event()) {
    std::optional<auth::server_event::Disconnect> end;
    if (auto* d = std::get_if<auth::server_event::Disconnect>(&*e)) end = *d;
    events_.push_back(event::ServerAuth{std::move(*e)});
    if (end) transport_.disconnect(end->reason, end->description);
  }
}

Result<void> ServerConnection::auth_answer(Result<void> r, TimePoint now) {
  now_ = std::max(now_, now);
  drain_auth();
  flush_engine();
  return r;
}

Result<void> ServerConnection::accept_auth(TimePoint now) {
  if (!auth_) return no_auth();
  return auth_answer(auth_->accept(now), now);
}

Result<void> ServerConnection::reject_auth(TimePoint now) {
  if (!auth_) return no_auth();
  return auth_answer(auth_->reject(now), now);
}

Result<void> ServerConnection::request_password_change(std::string prompt, TimePoint now) {
  if (!auth_) return no_auth();
  return auth_answer(auth_->request_password_change(std::move(prompt), now), now);
}

Result<void> ServerConnection::send_info_request(auth::InfoRequest request, TimePoint now) {
  if (!auth_) return no_auth();
  return auth_answer(auth_->send_info_request(std::move(request), now), now);
}

}  // namespace skiff::endpoint
