// The part both sides share: engine routing, output flow and the channel operations.
#include <utility>

#include "endpoint/endpoint.hpp"
#include "transport/messages.hpp"

namespace skiff::endpoint {

namespace reason = transport::disconnect;

ConnectionBase::ConnectionBase(TransportConfig transport, connection::EngineConfig engine)
    : transport_(std::move(transport)), engine_(engine) {}

void ConnectionBase::consume_output(std::size_t n) {
  transport_.consume_output(n);
  flush_engine();
}

void ConnectionBase::take_output(Bytes& buffer) {
  transport_.take_output(buffer);
  flush_engine();
}

bool ConnectionBase::wants_input() const noexcept { return transport_.wants_input() && engine_.wants_input(); }

bool ConnectionBase::send(ByteView payload) {
  if (transport_.closed()) return false;
  if (auto s = transport_.send(payload); !s) {
    protocol_error(s.error().message);
    return false;
  }
  return true;
}

void ConnectionBase::flush_engine() {
  // Before authentication nothing of the connection protocol may leave (RFC 4252 5).
  if (!authenticated_) return;
  while (!transport_.closed() && transport_.can_send()) {
    auto p = engine_.poll_output();
    if (!p || !send(*p)) break;
  }
}

void ConnectionBase::protocol_error(std::string description) {
  transport_.disconnect(reason::kProtocolError, std::move(description));
}

void ConnectionBase::route_to_engine(const skiff::event::Packet& packet) {
  const ByteView payload = packet.payload;
  if (!authenticated_) {
    protocol_error("message " + std::to_string(payload[0]) + " before authentication");
    return;
  }
  if (!connection::msg::is_defined(payload[0])) {
    // RFC 4253 11.4, as OpenSSH: a message nobody here knows is answered, not fatal (a
    // peer may probe for an extension). The transport caps what unanswered output holds.
    if (auto r = transport_.send_unimplemented(packet.sequence); !r) protocol_error(r.error().message);
    return;
  }
  if (auto r = engine_.handle(payload); !r) {
    protocol_error(r.error().message);
    return;
  }
  flush_engine();
}

std::optional<connection::Event> ConnectionBase::poll_engine_event() { return engine_.poll_event(); }

Result<void> ConnectionBase::after(Result<void> r) {
  flush_engine();
  return r;
}

Result<connection::ChannelId> ConnectionBase::open(connection::OpenBody body) {
  auto r = engine_.open(std::move(body));
  flush_engine();
  return r;
}

Result<void> ConnectionBase::accept(connection::ChannelId channel) { return after(engine_.accept(channel)); }

Result<void> ConnectionBase::reject(connection::ChannelId channel, std::uint32_t why, std::string description) {
  return after(engine_.reject(channel, why, std::move(description)));
}

Result<std::size_t> ConnectionBase::write(connection::ChannelId channel, ByteView data, std::uint32_t stream) {
  auto r = engine_.write(channel, data, stream);
  flush_engine();
  return r;
}

Result<void> ConnectionBase::consume(connection::ChannelId channel, std::size_t n) {
  return after(engine_.consume(channel, n));
}

Result<void> ConnectionBase::send_eof(connection::ChannelId channel) { return after(engine_.send_eof(channel)); }

Result<void> ConnectionBase::close(connection::ChannelId channel) { return after(engine_.close(channel)); }

Result<void> ConnectionBase::request(connection::ChannelId channel, connection::RequestBody body, bool want_reply) {
  return after(engine_.request(channel, std::move(body), want_reply));
}

Result<void> ConnectionBase::reply(connection::ChannelId channel, bool success) {
  return after(engine_.reply(channel, success));
}

Result<void> ConnectionBase::global_request(connection::GlobalRequestBody body, bool want_reply) {
  return after(engine_.global_request(std::move(body), want_reply));
}

Result<void> ConnectionBase::global_reply(bool success, Bytes data) {
  return after(engine_.global_reply(success, std::move(data)));
}

}  // namespace skiff::endpoint
