// The client API: connect, verify the host key, authenticate, open sessions.
//
//   skiff::ClientOptions o;
//   o.transport = ...; o.user = "alice"; o.identities = {...};
//   o.check_host_key = [&](const skiff::HostKey& k) -> asio::awaitable<skiff::Result<void>> {...};
//   auto client = co_await skiff::Client::connect("example.org", "22", std::move(o));
//   auto session = co_await client->open_session();
//   co_await session->exec("uname -a");
//   ... session->read(buf) ...; auto status = co_await session->wait_exit();
//
// Safe default: without check_host_key, connect() fails with Errc::invalid_argument before
// a byte is sent. Everything runs on the executor of the coroutine that called connect()
// or start(); one connection is single-threaded, many may share an io_context. With an
// io_context run by several threads, start each connection on its own strand
// (asio::co_spawn(asio::make_strand(ctx), ...)) and use it only from there.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>

#include <skiff/auth.hpp>
#include <skiff/channel.hpp>
#include <skiff/error.hpp>
#include <skiff/key.hpp>
#include <skiff/secret.hpp>
#include <skiff/stream.hpp>
#include <skiff/transport.hpp>

namespace skiff {

struct HostKey {
  PublicKey key;
  std::string algorithm;  // the host key algorithm negotiated ("rsa-sha2-512", ...)
};
// A user identity: with its private key, or public only (the sign callback signs).
struct ClientIdentity {
  PublicKey public_key;
  std::optional<PrivateKey> private_key;
};
struct PasswordPrompt {
  std::string user;
  unsigned attempt = 1;  // 1..NumberOfPasswordPrompts
};
struct PasswordChange {
  Secret old_password, new_password;
};

struct ClientOptions {
  TransportConfig transport;  // role is forced to client; RekeyLimit is rekey_bytes/rekey_interval
  std::string user;
  // PreferredAuthentications.
  std::vector<std::string> methods = {"publickey", "keyboard-interactive", "password"};
  std::vector<ClientIdentity> identities;  // tried in order
  std::vector<std::string> pubkey_accepted_algorithms;  // empty: skiff's defaults
  unsigned number_of_password_prompts = 3;
  // ServerAliveInterval / ServerAliveCountMax: after interval without anything received
  // from the server, a keepalive@openssh.com request goes out; when count_max of them
  // are unanswered the connection ends ("Timeout, server ... not responding."). Zero: off.
  std::chrono::seconds server_alive_interval{0};
  unsigned server_alive_count_max = 3;
  // For messages ("Timeout, server <host> not responding."); connect() sets it.
  std::string host_name;
  // ConnectTimeout for connect(): each address's TCP connect. Zero: the system's.
  std::chrono::seconds connect_timeout{0};

  // REQUIRED. The server proved it holds this key: success lets the connection proceed,
  // an error refuses it (the error becomes the connection's, e.g. Errc::host_key_rejected
  // "Host key verification failed.").
  std::function<asio::awaitable<Result<void>>(const HostKey&)> check_host_key;
  // Password method; nullopt skips it.
  std::function<asio::awaitable<std::optional<Secret>>(const PasswordPrompt&)> password;
  // The server asks for a new password (prompt as it sent it); nullopt skips.
  std::function<asio::awaitable<std::optional<PasswordChange>>(const std::string& prompt)> password_change;
  // Keyboard-interactive: one answer per prompt; nullopt skips the method.
  std::function<asio::awaitable<std::optional<std::vector<Secret>>>(const KeyboardInteractiveRequest&)>
      keyboard_interactive;
  // USERAUTH_BANNER, raw from the server (strip control characters before display).
  std::function<void(const std::string& message)> banner;
  // Progress for verbose output (ssh -v), in OpenSSH's wording where it has one:
  // "Remote protocol version 2.0, remote software version ...", "kex: algorithm: ...",
  // "Authentications that can continue: ...", "Authentication succeeded (publickey).", and
  // the server's SSH_MSG_DEBUG as "Remote: ...". Raw peer text: sanitize before display.
  std::function<void(const std::string& line)> debug;
  // Signs for identities without a private key (an agent): an SSH signature blob over
  // data with algorithm, or an error to skip the identity.
  std::function<asio::awaitable<Result<std::vector<std::uint8_t>>>(const PublicKey& key, const std::string& algorithm,
                                                                    const std::vector<std::uint8_t>& data)>
      sign;
  // Channels the server opens: forwarded-tcpip and forwarded-streamlocal for the forwards
  // of request_tcpip_forward() / request_streamlocal_forward(), x11 after request_x11(),
  // auth-agent@openssh.com after request_agent_forwarding(). Each runs as a coroutine of
  // its own; without the hook, or when it leaves the request unanswered, the open is
  // refused. The hook checks that the channel is one it asked for.
  std::function<asio::awaitable<void>(IncomingChannel)> channel_open;
};

struct ClientInfo {
  std::string peer;          // the stream's description
  std::string peer_version;  // "SSH-2.0-OpenSSH_9.2p1 Debian-2"
  NegotiatedAlgorithms algorithms;
  std::optional<HostKey> host_key;
  std::vector<std::string> auth_methods;  // the methods that succeeded, in order
};

class Client {
 public:
  // Connects by TCP, then as start().
  static asio::awaitable<Result<Client>> connect(std::string_view host, std::string_view port, ClientOptions options);
  // Pass stream and options with std::move (never a temporary: see channel.hpp).
  // Runs the protocol over an already-connected stream (a socket, a ProxyCommand's pipes)
  // until authentication succeeds. Errors: invalid_argument (no check_host_key), the host
  // key callback's error, disconnected with the server's reason, "Permission denied
  // (publickey,password)." when no method is left (disconnect_reason 14), io_error, ...
  static asio::awaitable<Result<Client>> start(std::unique_ptr<Stream> stream, ClientOptions options);

  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  // Disconnects (reason 11) if the connection is still open.
  ~Client();

  // A session channel, once the server confirmed it; Errc::unsupported with the server's
  // reason when refused ("channel 0: open failed: administratively prohibited: ...").
  asio::awaitable<Result<ClientSession>> open_session();
  // Another kind of channel (direct-tcpip for a local forward, direct-streamlocal@openssh.com,
  // ...), once the server confirmed it; Errc::unsupported with OpenSSH's wording when
  // refused ("channel 2: open failed: connect failed: Connection refused").
  asio::awaitable<Result<Channel>> open_channel(const ChannelOpenBody& body);
  // Remote forwarding (RFC 4254 7.1): asks the server to listen on address:port (port 0: a
  // port it picks) and returns the port it listens on. Connections to it arrive as
  // ForwardedTcpip channels at ClientOptions::channel_open. Errc::unsupported when refused.
  asio::awaitable<Result<std::uint32_t>> request_tcpip_forward(std::string_view address, std::uint32_t port);
  asio::awaitable<Result<void>> cancel_tcpip_forward(std::string_view address, std::uint32_t port);
  // The same for a Unix socket on the server (streamlocal-forward@openssh.com).
  asio::awaitable<Result<void>> request_streamlocal_forward(std::string_view path);
  asio::awaitable<Result<void>> cancel_streamlocal_forward(std::string_view path);
  // no-more-sessions@openssh.com (ssh sends it with -N, or when the session it needs is
  // open): the server then refuses further sessions, and a second one ends the connection.
  Result<void> no_more_sessions();
  // A weak handle on this connection, for code that opens channels later.
  ConnectionLink link() const;
  // A global request with want-reply: the data of REQUEST_SUCCESS, or Errc::unsupported.
  asio::awaitable<Result<std::vector<std::uint8_t>>> global_request(std::string_view name,
                                                                    std::span<const std::uint8_t> data = {});
  // Sends DISCONNECT (reason 11, "disconnected by user") and closes; returns at once.
  void disconnect(std::string description = "disconnected by user");
  // Until the connection ended; why (Errc::disconnected for an orderly end).
  asio::awaitable<Error> wait_closed();
  bool is_open() const noexcept;
  const ClientInfo& info() const noexcept;
  // Bytes written to and read from the stream so far (packets, as encrypted).
  std::uint64_t bytes_sent() const noexcept;
  std::uint64_t bytes_received() const noexcept;
  // Starts a key exchange now (RekeyLimit does it automatically).
  void rekey();

  struct Impl;

 private:
  explicit Client(std::shared_ptr<Impl> impl) noexcept;
  std::shared_ptr<Impl> impl_;
};

}  // namespace skiff
