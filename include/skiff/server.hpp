// The server API: one ServerConnection per accepted stream; authentication and sessions
// through hooks.
//
//   auto options = std::make_shared<skiff::ServerOptions>();
//   options->transport.host_keys = {host_key};
//   options->hooks.check_password = [](const skiff::PasswordCheck& c) -> asio::awaitable<skiff::PasswordVerdict> {...};
//   options->hooks.session = [](skiff::Session s) -> asio::awaitable<void> {...};
//   for (;;) {
//     auto socket = co_await acceptor.async_accept(asio::use_awaitable);
//     asio::co_spawn(ex, skiff::ServerConnection(skiff::make_tcp_stream(std::move(socket)), options).run(),
//                    asio::detached);
//   }
//
// Safe defaults: with no hook set every authentication is rejected; sessions are refused
// without a session hook, other channel types without a channel_open hook (administratively
// prohibited), forwarding requests without a global_request hook; a session request the
// application does not answer (x11-req, auth-agent-req, ...) gets a failure reply. The application only ever sees keys whose
// signature was verified as authenticated (check_public_key is also asked for a mere query,
// with verified = false: answering true then only lets the client go on to sign).
//
// Hooks run as coroutines on the connection's executor (the one run() was awaited on; a
// strand of its own when the io_context has several threads); one connection is
// single-threaded, and one ServerOptions may be shared by any number of connections. Hooks
// that need per-connection state (the account being logged in, the authorized_keys line
// that matched) capture it from a ServerOptions made for that connection: copying one is
// cheap (keys are shared handles).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
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

struct PasswordCheck {
  std::string user;
  Secret password;
  std::optional<Secret> new_password;  // the client answers a change request
  std::string peer;
};
enum class PasswordVerdict : std::uint8_t { accept, reject, change_required };

struct PublicKeyCheck {
  std::string user;
  PublicKey key;
  std::string algorithm;
  bool verified = false;  // true: the signature over the session was verified
  std::string peer;
};

// A keyboard-interactive conversation, driven by the hook: ask() rounds, then return.
class KeyboardInteractive {
 public:
  const std::string& user() const noexcept;
  const std::string& submethods() const noexcept;
  const std::string& peer() const noexcept;
  // Sends one INFO_REQUEST and waits for the answers (one per prompt).
  asio::awaitable<Result<std::vector<Secret>>> ask(const KeyboardInteractiveRequest& request);

  struct Impl;
  explicit KeyboardInteractive(std::shared_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<Impl> impl_;
};

// Log notifications.
struct AuthFailure {
  std::string user;
  std::string method;
  std::optional<PublicKey> key;  // publickey only
  unsigned failures = 0;         // counted so far against max_auth_tries
  std::string peer;
};
struct AuthPartialSuccess {
  std::string user;
  std::string method;
  std::string peer;
};

// The methods offered to one user (see ServerHooks::methods_for_user).
struct UserAuthMethods {
  std::vector<std::string> methods;
  std::vector<std::vector<std::string>> authentication_methods;  // empty: any one method
};

// Global requests of the connection protocol a server application decides (RFC 4254 7.1,
// OpenSSH's PROTOCOL 2.4). Others with want-reply are refused by the runtime.
struct TcpipForwardRequest {
  std::string address;  // "" means every address, "localhost" loopback only (RFC 4254 7.1)
  std::uint32_t port = 0;  // 0: pick one, and answer it in GlobalRequestAnswer::bound_port
  bool operator==(const TcpipForwardRequest&) const = default;
};
struct CancelTcpipForwardRequest {
  std::string address;
  std::uint32_t port = 0;
  bool operator==(const CancelTcpipForwardRequest&) const = default;
};
struct StreamlocalForwardRequest {  // streamlocal-forward@openssh.com
  std::string path;
  bool operator==(const StreamlocalForwardRequest&) const = default;
};
struct CancelStreamlocalForwardRequest {  // cancel-streamlocal-forward@openssh.com
  std::string path;
  bool operator==(const CancelStreamlocalForwardRequest&) const = default;
};
struct OtherGlobalRequest {  // any other name; only those without want-reply arrive
  std::string name;
  std::vector<std::uint8_t> data;
  bool operator==(const OtherGlobalRequest&) const = default;
};
using GlobalRequestBody = std::variant<TcpipForwardRequest, CancelTcpipForwardRequest, StreamlocalForwardRequest,
                                       CancelStreamlocalForwardRequest, OtherGlobalRequest>;
struct GlobalRequest {
  GlobalRequestBody body;
  bool want_reply = false;
};
struct GlobalRequestAnswer {
  bool success = false;
  std::uint32_t bound_port = 0;  // tcpip-forward with port 0: the port now listened on
};

struct ServerHooks {
  // Called once, with the user name of the client's first request and before anything is
  // answered: the methods to offer that user instead of ServerOptions' (a per-user
  // configuration, as sshd's Match User), or nullopt to keep them. Synchronous.
  std::function<std::optional<UserAuthMethods>(const std::string& user)> methods_for_user;
  std::function<asio::awaitable<PasswordVerdict>(const PasswordCheck&)> check_password;
  std::function<asio::awaitable<bool>(const PublicKeyCheck&)> check_public_key;
  // Returns true to accept; false (or an error from ask()) rejects.
  std::function<asio::awaitable<bool>(KeyboardInteractive&)> keyboard_interactive;
  std::function<void(const AuthFailure&)> auth_failed;
  std::function<void(const AuthPartialSuccess&)> partial_success;
  std::function<void(const AuthenticatedUser&)> authenticated;
  // The connection ended; why (Errc::disconnected with the reason for an orderly end).
  std::function<void(const Error&)> disconnected;
  // A session channel was opened: requests, data and its end are the coroutine's; the
  // channel is closed (if still open) when the coroutine returns.
  std::function<asio::awaitable<void>(Session)> session;
  // Another channel type the client opens (direct-tcpip, direct-streamlocal@openssh.com,
  // ...) after authentication: the coroutine answers it (typically: connect, then accept()
  // and carry the bytes). Without the hook, or unanswered, the open is refused
  // (administratively prohibited).
  std::function<asio::awaitable<void>(IncomingChannel)> channel_open;
  // Global requests (forwarding): the answer, sent in the order the requests came whatever
  // order the coroutines finish in. The link opens forwarded-tcpip / forwarded-streamlocal
  // channels for connections a forward accepts, and tells when the connection ended (close
  // the listeners then). Without the hook every request is refused.
  std::function<asio::awaitable<GlobalRequestAnswer>(const GlobalRequest&, const AuthenticatedUser&, ConnectionLink)>
      global_request;
};

struct ServerOptions {
  TransportConfig transport;  // host_keys; role is forced to server
  // Enabled methods, in the order USERAUTH_FAILURE lists them.
  std::vector<std::string> methods = {"publickey", "keyboard-interactive", "password"};
  // AuthenticationMethods: any one list completed in order suffices; empty: any method.
  std::vector<std::vector<std::string>> authentication_methods;
  unsigned max_auth_tries = 6;
  std::string banner;
  std::chrono::seconds login_grace_time{120};
  std::vector<std::string> pubkey_accepted_algorithms;  // empty: skiff's defaults
  // sshd's timing secret: each user name gets a stable extra failure delay.
  std::vector<std::uint8_t> timing_secret;
  std::string password_change_prompt = "Password change required";
  // MaxSessions: open session channels at once (0: no limit).
  unsigned max_sessions = 10;
  // ClientAliveInterval / ClientAliveCountMax, as ServerAlive* on the client.
  std::chrono::seconds client_alive_interval{0};
  unsigned client_alive_count_max = 3;
  ServerHooks hooks;
};

class ServerConnection {
 public:
  ServerConnection(std::unique_ptr<Stream> stream, std::shared_ptr<const ServerOptions> options);
  ServerConnection(ServerConnection&&) noexcept;
  ServerConnection& operator=(ServerConnection&&) noexcept;
  ~ServerConnection();

  // Runs the connection on the calling coroutine's executor until it ends; why.
  asio::awaitable<Error> run();
  // Ends the connection (DISCONNECT reason 11 by default); from the same executor.
  void disconnect(std::string description, std::uint32_t reason = 11);
  std::string peer() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace skiff
