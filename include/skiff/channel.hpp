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
// A session request as the server application receives it. x11-req and auth-agent-req
// are refused by the runtime and never arrive here; nor do keepalives.
using SessionRequestBody = std::variant<PtyRequest, EnvRequest, ShellRequest, ExecRequest, SubsystemRequest,
                                        WindowSize, SignalRequest, BreakRequest>;
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
};

}  // namespace skiff
