// Channels of a connection (RFC 4254), as the application sees them: a byte stream in each
// direction (plus stderr, extended data type 1), with flow control, and the session
// requests of both sides.
//
// Coroutine operations take views and references, not class values: g++ 12 destroys a
// prvalue argument of a coroutine twice (GCC bug 99576), so no temporary is passed by value.
//
// Handles are cheap to copy; all copies refer to the same channel. Every operation must run
// on the connection's executor (the one the Client or ServerConnection runs on); a
// connection is single-threaded. One reader per stream and one writer at a time.
//
// Flow control: bytes received count against the window we granted until the application
// has read() them; a channel nobody reads stops (its peer waits) while every other channel,
// keepalives and rekeys go on. write() returns once its bytes are queued inside the
// connection, waiting for room when the peer's window or the queue is full: memory stays
// bounded, whatever the peer does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <asio/awaitable.hpp>

#include <skiff/error.hpp>
#include <skiff/key.hpp>

namespace skiff {

// Terminal size in characters and pixels (pty-req, window-change).
struct WindowSize {
  std::uint32_t columns = 80, rows = 24, width_px = 0, height_px = 0;
  bool operator==(const WindowSize&) const = default;
};
// One encoded terminal mode of pty-req (RFC 4254 8): opcode 1..159 and its value.
struct TerminalMode {
  std::uint8_t opcode = 0;
  std::uint32_t value = 0;
  bool operator==(const TerminalMode&) const = default;
};
struct PtyRequest {
  std::string term = "xterm";
  WindowSize size;
  std::vector<TerminalMode> modes;
  bool operator==(const PtyRequest&) const = default;
};
struct EnvRequest {
  std::string name, value;
};
struct ShellRequest {};
struct ExecRequest {
  std::string command;  // any bytes
};
struct SubsystemRequest {
  std::string name;
};
struct SignalRequest {
  std::string name;  // without "SIG": "INT", "TERM", ...
};
struct BreakRequest {  // RFC 4335
  std::uint32_t length_ms = 0;
};
// x11-req (RFC 4254 6.3.1): the client's fake cookie, which the server stores with xauth
// for the session and the client swaps for the real one on each x11 channel.
struct X11Request {
  bool single_connection = false;
  std::string auth_protocol;  // "MIT-MAGIC-COOKIE-1"
  std::string auth_cookie;    // hexadecimal
  std::uint32_t screen = 0;
  bool operator==(const X11Request&) const = default;
};
// auth-agent-req@openssh.com: the client offers its agent; the server may open
// auth-agent@openssh.com channels to it for this session.
struct AgentForwardRequest {
  bool operator==(const AgentForwardRequest&) const = default;
};
// eow@openssh.com: the client reads no more of the session's output (its stdout went
// away); the server should stop reading the command's output, which then sees a broken
// pipe, as sshd does.
struct EndOfWrite {
  bool operator==(const EndOfWrite&) const = default;
};
// A session request as the server application receives it (keepalives never arrive here).
using SessionRequestBody = std::variant<PtyRequest, EnvRequest, ShellRequest, ExecRequest, SubsystemRequest,
                                        WindowSize, SignalRequest, BreakRequest, X11Request, AgentForwardRequest,
                                        EndOfWrite>;
struct SessionRequest {
  SessionRequestBody body;
  bool want_reply = false;
};

// How the remote command ended, as the server reported it (exit-status or exit-signal).
// Neither set: the channel closed without either (ssh then exits 255).
struct ExitStatus {
  std::optional<std::uint32_t> code;
  std::optional<std::string> signal;  // without "SIG"
  bool core_dumped = false;
  std::string message;
};

// The channel types other than "session" (RFC 4254 7.2, 6.3.2; OpenSSH's PROTOCOL 2.1-2.4),
// as one side opens them and the other receives them.
struct DirectTcpip {  // "direct-tcpip": client to server, "connect to host:port for me"
  std::string host;
  std::uint32_t port = 0;
  std::string originator;  // where the forwarded connection came from
  std::uint32_t originator_port = 0;
  bool operator==(const DirectTcpip&) const = default;
};
struct ForwardedTcpip {  // "forwarded-tcpip": server to client, a connection to a remote forward
  std::string address;     // the forward's address as the client requested it
  std::uint32_t port = 0;  // the forward's port (the allocated one when 0 was asked)
  std::string originator;
  std::uint32_t originator_port = 0;
  bool operator==(const ForwardedTcpip&) const = default;
};
struct DirectStreamlocal {  // "direct-streamlocal@openssh.com": connect to a Unix socket
  std::string path;
  bool operator==(const DirectStreamlocal&) const = default;
};
struct ForwardedStreamlocal {  // "forwarded-streamlocal@openssh.com"
  std::string path;            // the remote forward's socket path
  bool operator==(const ForwardedStreamlocal&) const = default;
};
struct X11Channel {  // "x11": server to client, an X client connected to the session's display
  std::string originator;
  std::uint32_t originator_port = 0;
  bool operator==(const X11Channel&) const = default;
};
struct AgentChannel {  // "auth-agent@openssh.com": server to client, a use of the forwarded agent
  bool operator==(const AgentChannel&) const = default;
};
using ChannelOpenBody =
    std::variant<DirectTcpip, ForwardedTcpip, DirectStreamlocal, ForwardedStreamlocal, X11Channel, AgentChannel>;
// The channel type's name on the wire ("direct-tcpip", ...).
std::string_view channel_type_name(const ChannelOpenBody& body);

// CHANNEL_OPEN_FAILURE reason codes (RFC 4254 5.1).
enum class OpenFailure : std::uint32_t {
  administratively_prohibited = 1,
  connect_failed = 2,
  unknown_channel_type = 3,
  resource_shortage = 4,
};

class Channel {
 public:
  Channel() = default;
  explicit operator bool() const noexcept { return impl_ != nullptr; }
  // Our channel number (for logs: "channel 0").
  std::uint32_t id() const noexcept;

  // Reads into buf from the main data stream; 0 at its end (the peer's EOF or CLOSE).
  // Errors: the connection ended (Errc::disconnected and the like).
  asio::awaitable<Result<std::size_t>> read(std::span<std::uint8_t> buf);
  // The same for extended data type 1 (stderr). Unread stderr holds the channel's window
  // like unread data does: read both streams when the peer may send both.
  asio::awaitable<Result<std::size_t>> read_stderr(std::span<std::uint8_t> buf);
  // The next block of data as it arrived, without a copy (empty at the end of the stream);
  // for a reader that hands data on (to a file descriptor, another channel) anyway.
  asio::awaitable<Result<std::vector<std::uint8_t>>> read_chunk();
  asio::awaitable<Result<std::vector<std::uint8_t>>> read_stderr_chunk();
  // Queues all of data (waiting for room as needed); Errc::invalid_argument after
  // send_eof() or close(), the connection's error once it ended.
  asio::awaitable<Result<void>> write(std::span<const std::uint8_t> data);
  asio::awaitable<Result<void>> write_stderr(std::span<const std::uint8_t> data);
  // EOF after the queued data; no more writes.
  Result<void> send_eof();
  // CLOSE after the queued data, then waits until the peer's CLOSE has arrived too (or
  // the connection ended). Unread input is dropped.
  asio::awaitable<void> close();
  // Waits until both CLOSEs have passed or the connection ended.
  asio::awaitable<void> wait_closed();
  bool eof_received() const noexcept;
  bool closed() const noexcept;

  struct Impl;
  explicit Channel(std::shared_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}

 protected:
  std::shared_ptr<Impl> impl_;
};

// The client's side of a session channel: ask for a pty, environment, a shell, a command
// or a subsystem, then exchange data and wait for the exit status.
class ClientSession : public Channel {
 public:
  ClientSession() = default;
  explicit ClientSession(std::shared_ptr<Impl> impl) noexcept : Channel(std::move(impl)) {}

  // Requests with a reply: Errc::unsupported with OpenSSH's wording when the server refuses
  // ("PTY allocation request failed on channel 0", "exec request failed on channel 0").
  asio::awaitable<Result<void>> request_pty(const PtyRequest& pty);
  asio::awaitable<Result<void>> shell();
  asio::awaitable<Result<void>> exec(std::string_view command);
  asio::awaitable<Result<void>> subsystem(std::string_view name);
  // Without a reply, as ssh sends them (a server that does not accept a variable ignores it).
  Result<void> set_env(std::string name, std::string value);
  Result<void> window_change(WindowSize size);
  Result<void> signal(std::string name);
  Result<void> send_break(std::uint32_t length_ms);
  // x11-req with a reply (as ssh sends it); the server then opens "x11" channels, which
  // reach ClientOptions::channel_open.
  asio::awaitable<Result<void>> request_x11(const X11Request& request);
  // auth-agent-req@openssh.com without a reply (as ssh); "auth-agent@openssh.com" channels
  // then reach ClientOptions::channel_open.
  Result<void> request_agent_forwarding();
  // eow@openssh.com (no reply, as ssh sends it when its stdout fails): the server stops
  // reading the command's output. Data that still arrives must be read (and dropped) so
  // that the exit status can come.
  Result<void> send_end_of_write();
  // Waits until the channel is closed, then tells how the command ended.
  asio::awaitable<ExitStatus> wait_exit();
};

// What a server knows of the authenticated user of a connection.
struct AuthenticatedUser {
  std::string user;
  std::vector<std::string> methods;  // in the order completed
  std::vector<PublicKey> keys;       // only keys whose signature was verified
  std::string peer;                  // the stream's description ("192.0.2.1 port 4242")
};

class ConnectionLink;

// A channel the peer asks to open (forwarded-tcpip, x11 or auth-agent on a client;
// direct-tcpip or direct-streamlocal on a server), handed to the application's channel_open
// hook. Answer once: accept() opens it (typically after the connection it stands for was
// made, as OpenSSH does), reject() refuses it. When the last handle goes away unanswered,
// the open is refused (administratively prohibited). Run on the connection's executor.
class IncomingChannel {
 public:
  IncomingChannel() = default;
  const ChannelOpenBody& body() const noexcept;
  // The authenticated user (a server; nullptr on a client).
  const AuthenticatedUser* user() const noexcept;
  // The connection, for opening channels the other way.
  ConnectionLink link() const;
  // Confirms the open; Errc::invalid_argument when already answered, the connection's
  // error once it ended.
  Result<Channel> accept();
  void reject(OpenFailure reason = OpenFailure::administratively_prohibited, std::string description = "open failed");
  bool answered() const noexcept;

  struct Impl;
  explicit IncomingChannel(std::shared_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<Impl> impl_;
};

// A weak handle on a running connection for code that outlives one request (a server's
// remote-forward listener, agent or X11 forwarding of a session): it opens channels to the
// peer. Cheap to copy; once the connection ended, operations fail with its error.
class ConnectionLink {
 public:
  ConnectionLink() = default;
  // Opens a channel of this type and waits for the peer's answer: Errc::unsupported with
  // OpenSSH's wording when refused ("channel 3: open failed: connect failed: Connection
  // refused"), the connection's error when it ended.
  asio::awaitable<Result<Channel>> open_channel(const ChannelOpenBody& body);
  bool is_open() const noexcept;
  // Returns when the connection has ended.
  asio::awaitable<void> wait_closed();

  struct Impl;
  explicit ConnectionLink(std::shared_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<Impl> impl_;
};

// The server's side of a session channel.
class Session : public Channel {
 public:
  Session() = default;
  explicit Session(std::shared_ptr<Impl> impl) noexcept : Channel(std::move(impl)) {}

  // The next request from the client, in order; nullopt once the channel is closing or the
  // connection ended. A request with want_reply must be answered with reply() before the
  // next one is asked for; an unanswered one is refused when next_request() is called.
  asio::awaitable<std::optional<SessionRequest>> next_request();
  // Answers the last request returned (a no-op when it did not want a reply).
  Result<void> reply(bool success);
  // Sent in order with the data written before; then send_eof()/close().
  Result<void> send_exit_status(std::uint32_t code);
  Result<void> send_exit_signal(std::string name, bool core_dumped = false, std::string message = {});
  const AuthenticatedUser& user() const noexcept;
  // The connection the session belongs to (to open x11 or auth-agent channels for it).
  ConnectionLink link() const;
};

}  // namespace skiff
