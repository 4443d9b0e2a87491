// ClientConnection and ServerConnection: one SSH connection, sans-I/O. Each owns a
// skiff::Transport, the matching user-authentication state machine (auth::ClientAuth or
// auth::ServerAuth) and a connection::Engine, and routes messages between them; the
// application sees one stream of events and answers the decisions asked of it.
//
// Drive it exactly like a Transport:
//   conn.start(now);
//   loop:
//     send conn.pending_output() to the peer, then consume_output(n) (or take_output());
//     give received bytes to feed(bytes, now) (only while wants_input()), EOF to feed_eof(now);
//     while (auto ev = conn.poll_event()) handle *ev;
//     call on_timer(now) when next_deadline() passes.
//
// Routing (RFC 4250 4.1.2 message numbers):
// - 50..79 go to the auth state machine; the client creates it on ServiceAccepted
//   ("ssh-userauth"), the server on ServiceRequested.
// - 80..255 go to the engine, but only after authentication; before it they are a protocol
//   error that ends the connection (reason 2). A number the connection protocol does not
//   define is answered with UNIMPLEMENTED (RFC 4253 11.4), as OpenSSH does.
// - Auth output goes to Transport::send at once (it is small and paced by the peer); engine
//   output is pulled only while Transport::can_send(), and pulling resumes when the
//   caller drains output (consume_output) or calls any operation: data waits in the
//   engine's per-channel queues, so a slow peer stalls the writers (Engine::writable()).
// - Transport::user_authenticated() is called at the right moment: the server right after
//   send()ing USERAUTH_SUCCESS (delayed compression starts after that very packet), the
//   client on receiving it.
// - Ends: auth's Disconnect (server) with its reason; an auth or engine error, reason 2
//   (protocol error); the client having no method left, reason 14. The transport's own
//   ends (MAC errors, kex failures, the peer's DISCONNECT) arrive as Disconnected.
//
// Safe defaults: the client's transport proceeds past the host key only after
// accept_host_key(); nothing else unblocks it (reject_host_key() ends the connection with
// nothing sent but the DISCONNECT). The server grants nothing by itself: every password,
// key or keyboard-interactive round waits for accept(); an unanswered decision runs into
// LoginGraceTime.
//
// Channel operations (open, write, ...) are the Engine's, forwarded; their messages go out
// only once authenticated. Errors: operations return the sub-layer's errors unchanged;
// auth answers before the auth machine exists return invalid_argument.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <variant>

#include <skiff/transport.hpp>

#include "auth/client.hpp"
#include "auth/server.hpp"
#include "connection/channels.hpp"

namespace skiff::endpoint {

namespace event {
// Client: the server proved possession of this host key. Answer with accept_host_key() or
// reject_host_key(); the connection waits until then.
using skiff::event::HostKeyCheck;
// The connection ended (locally or by the peer); nothing more will happen.
using skiff::event::Disconnected;
// Transport information the application may log or use (VersionReceived, KexComplete,
// ServiceRequested/Accepted, ExtInfo, Debug, Unimplemented, Pong); never a Packet.
struct TransportInfo {
  TransportEvent event;
};
struct ClientAuth {  // answer decisions through the ClientConnection
  auth::ClientAuthEvent event;
};
struct ServerAuth {  // answer decisions through the ServerConnection
  auth::ServerAuthEvent event;
};
struct Channel {  // connection::event::*, answered through the channel operations
  connection::Event event;
};
}  // namespace event

using ClientEvent =
    std::variant<event::HostKeyCheck, event::TransportInfo, event::ClientAuth, event::Channel, event::Disconnected>;
using ServerEvent = std::variant<event::TransportInfo, event::ServerAuth, event::Channel, event::Disconnected>;

// What both sides share: the transport, the engine, output, time and channel operations.
class ConnectionBase {
 public:
  // Output, as Transport; consuming may let more engine output through.
  ByteView pending_output() const noexcept { return transport_.pending_output(); }
  void consume_output(std::size_t n);
  void take_output(Bytes& buffer);
  bool has_output() const noexcept { return transport_.has_output(); }
  // False while the transport or the engine takes no more input (see their headers).
  bool wants_input() const noexcept;
  bool closed() const noexcept { return transport_.closed(); }
  bool authenticated() const noexcept { return authenticated_; }

  // Channel operations: connection::Engine's, forwarded.
  Result<connection::ChannelId> open(connection::OpenBody body);
  Result<void> accept(connection::ChannelId channel);
  Result<void> reject(connection::ChannelId channel, std::uint32_t reason, std::string description);
  Result<std::size_t> write(connection::ChannelId channel, ByteView data, std::uint32_t stream = 0);
  std::size_t writable(connection::ChannelId channel) const { return engine_.writable(channel); }
  Result<void> consume(connection::ChannelId channel, std::size_t n);
  Result<void> send_eof(connection::ChannelId channel);
  Result<void> close(connection::ChannelId channel);
  Result<void> request(connection::ChannelId channel, connection::RequestBody body, bool want_reply);
  Result<void> reply(connection::ChannelId channel, bool success);
  Result<void> global_request(connection::GlobalRequestBody body, bool want_reply);
  Result<void> global_reply(bool success, Bytes data = {});
  std::optional<connection::ChannelStats> stats(connection::ChannelId channel) const { return engine_.stats(channel); }

  // Ends the connection (DISCONNECT with this reason); flush pending output afterwards.
  void disconnect(std::uint32_t reason, std::string description) { transport_.disconnect(reason, std::move(description)); }
  // For what is not forwarded (request_rekey, send_ping, send_ignore, algorithms(), ...).
  // Do not feed, poll or send() through it: that would bypass the routing.
  Transport& transport() noexcept { return transport_; }
  const Transport& transport() const noexcept { return transport_; }
  const connection::Engine& engine() const noexcept { return engine_; }

 protected:
  ConnectionBase(TransportConfig transport, connection::EngineConfig engine);
  ~ConnectionBase() = default;
  ConnectionBase(ConnectionBase&&) noexcept = default;
  ConnectionBase& operator=(ConnectionBase&&) noexcept = default;

  // Hands an upper-layer payload numbered 80..255 to the engine (or ends the connection).
  void route_to_engine(const skiff::event::Packet& packet);
  // Sends a payload; a refusal by the transport ends the connection.
  bool send(ByteView payload);
  // Moves engine output to the transport while it can take it.
  void flush_engine();
  void protocol_error(std::string description);
  std::optional<connection::Event> poll_engine_event();
  Result<void> after(Result<void> r);

  Transport transport_;
  connection::Engine engine_;
  bool authenticated_ = false;
};

struct ClientConfig {
  TransportConfig transport;  // role is forced to client
  auth::ClientAuthConfig auth;
  connection::EngineConfig engine;
};

class ClientConnection : public ConnectionBase {
 public:
  explicit ClientConnection(ClientConfig config);

  // Starts the transport and asks for "ssh-userauth" (sent once the first kex is done).
  void start(TimePoint now);
  void feed(ByteView data, TimePoint now);
  // The same without a copy: read up to input_space(n).size() bytes into it, then
  // commit_input(bytes read).
  std::span<std::uint8_t> input_space(std::size_t at_least) { return transport_.input_space(at_least); }
  void commit_input(std::size_t n, TimePoint now);
  void feed_eof(TimePoint now);
  std::optional<ClientEvent> poll_event();
  std::optional<TimePoint> next_deadline() const { return transport_.next_deadline(); }
  void on_timer(TimePoint now);

  // The host key verdict.
  void accept_host_key();
  void reject_host_key(std::string reason);

  // Auth answers: auth::ClientAuth's, forwarded.
  Result<void> provide_password(auth::SecretString password);
  Result<void> provide_password_change(auth::SecretString old_password, auth::SecretString new_password);
  Result<void> provide_responses(std::vector<auth::SecretString> responses);
  Result<void> provide_signature(Bytes signature_blob);
  Result<void> skip_auth_method();

 private:
  void process();
  void route(TransportEvent& ev);
  void drain_auth();
  Result<void> auth_answer(Result<void> r);

  auth::ClientAuthConfig auth_config_;
  std::optional<auth::ClientAuth> auth_;
  std::deque<ClientEvent> events_;
};

struct ServerConfig {
  TransportConfig transport;  // role is forced to server
  auth::ServerAuthConfig auth;
  connection::EngineConfig engine;
};

class ServerConnection : public ConnectionBase {
 public:
  explicit ServerConnection(ServerConfig config);

  void start(TimePoint now);
  void feed(ByteView data, TimePoint now);
  // The same without a copy: read up to input_space(n).size() bytes into it, then
  // commit_input(bytes read).
  std::span<std::uint8_t> input_space(std::size_t at_least) { return transport_.input_space(at_least); }
  void commit_input(std::size_t n, TimePoint now);
  void feed_eof(TimePoint now);
  std::optional<ServerEvent> poll_event();
  // The earlier of the transport's and auth's (held failure answers, LoginGraceTime).
  std::optional<TimePoint> next_deadline() const;
  void on_timer(TimePoint now);

  // Auth decisions: auth::ServerAuth's, forwarded (see its header for which fits which).
  Result<void> accept_auth(TimePoint now);
  Result<void> reject_auth(TimePoint now);
  Result<void> request_password_change(std::string prompt, TimePoint now);
  Result<void> send_info_request(auth::InfoRequest request, TimePoint now);

 private:
  void process(TimePoint now);
  void route(TransportEvent& ev, TimePoint now);
  void drain_auth();
  Result<void> auth_answer(Result<void> r, TimePoint now);

  auth::ServerAuthConfig auth_config_;
  std::optional<auth::ServerAuth> auth_;
  std::deque<ServerEvent> events_;
  TimePoint now_{};  // the latest time passed in, for work done inside poll_event()
};

}  // namespace skiff::endpoint
