// skiffd's privileged-action interface: every action that needs root or the identity of
// the user logging in goes through one Privileged object per connection. Today
// LocalPrivileged does the work in the connection process itself; the later privilege
// split (DESIGN.md, "The server's processes") will add a MonitorPrivileged that forwards
// the same calls to the root monitor, so the connection glue never changes.
//
// Order of use, one connection (the object keeps the phase and refuses calls out of it
// with Errc::protocol_error, as the monitor will):
//   1. begin_user(name)           once, with the name of the first USERAUTH_REQUEST. Looks
//                                 the user up (an unknown one gets a fake entry so that
//                                 every later step costs the same work), evaluates the
//                                 account checks (shell, lock, Allow/Deny*) and logs sshd's
//                                 "Invalid user" / "not allowed because" lines.
//   2. any number of:
//        start_password(...)      -> AuthConversation (PAM, or crypt(3) on the shadow file)
//        start_keyboard_interactive() -> AuthConversation (PAM conversation)
//        find_authorized_key(key) -> the matching authorized_keys entry, if any
//      Each answer already includes the account verdict and PermitRootLogin / PermitEmpty-
//      Passwords: an invalid or refused user never succeeds, whatever the secret.
//   3. authenticated(method, ...) once the core reports success: logs "Accepted ...",
//                                 opens the PAM session (setcred, open_session).
//   4. spawn_session(...)         any number of times: a process as the user, with or
//                                 without a pty; returns its pid and descriptors.
//      reap_session(pid)          after SIGCHLD: the exit status once it has ended.
//      terminate_session(pid)     ends the session's process group.
//      listen_tcp / listen_unix / connect_unix: forwarding's sockets, any number of times.
//   5. The destructor ends sessions still running (their group is signalled, their tty
//      logged out), closes the PAM session and logs nothing; the caller logs the
//      disconnect through ServerLog. AuthConversations must be destroyed before it.
//
// Blocking: begin_user, find_authorized_key, spawn_session and reap_session are quick
// (file reads under caps, a fork). Anything that can wait on a person or a slow PAM module
// is an AuthConversation: it gives the caller a descriptor to wait on (readable when the
// conversation moved), so an Asio loop wraps it in a posix::stream_descriptor and
// async_wait()s. A finished session is noticed through SIGCHLD (asio::signal_set), then
// reap_session(pid) with WNOHANG semantics.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <skiff/error.hpp>

#include "auth/messages.hpp"
#include "connection/messages.hpp"
#include "keys/authorized_keys.hpp"

namespace skiff::skiffd {

using auth::SecretString;

// A file descriptor that is closed when it goes out of scope.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();
  int get() const noexcept { return fd_; }
  int release() noexcept {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  void reset(int fd = -1) noexcept;

 private:
  int fd_ = -1;
};

// Where the connection comes from (for logs, Allow/Deny user@host, from=, SSH_CLIENT).
struct Peer {
  std::string address;  // textual client address
  std::uint16_t port = 0;
  std::string host;  // its name when UseDNS resolved one, else the address
  std::string local_address;
  std::uint16_t local_port = 0;
};

// The user as the system knows it. For an unknown name this is the fake entry (valid ==
// false, uid/gid of nobody's kind, home and shell "/nonexist"): callers must look at
// valid (or allowed), never at the fields alone.
struct UserAccount {
  std::string name;
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
  std::string gecos;
  std::string home;
  std::string shell;
  std::vector<gid_t> groups;             // including the primary group
  std::vector<std::string> group_names;  // same order, where a name exists
  bool valid = false;
};

// The result of begin_user().
struct UserCheck {
  UserAccount account;
  bool allowed = false;  // valid and every account check passed
};

enum class AuthMethod : std::uint8_t { none, password, publickey, keyboard_interactive };

// What an AuthConversation asks for or concluded.
namespace conversation {
struct Running {};  // nothing new yet: wait on wait_fd() again
struct Prompts {    // keyboard-interactive: send as INFO_REQUEST, then answer()
  auth::InfoRequest request;
};
struct PasswordChangeRequired {  // password: send PASSWD_CHANGEREQ with this prompt
  std::string prompt;
};
struct Accepted {};
struct Rejected {};
}  // namespace conversation
using ConversationState = std::variant<conversation::Running, conversation::Prompts,
                                       conversation::PasswordChangeRequired, conversation::Accepted,
                                       conversation::Rejected>;

// One password check or keyboard-interactive exchange that may take long (PAM modules can
// sleep, and keyboard-interactive waits for the client). The work runs off the caller's
// thread; wait_fd() becomes readable when poll() has something new to say. Destroying
// it cancels the exchange (the helper is told to stop and joined).
class AuthConversation {
 public:
  virtual ~AuthConversation() = default;
  virtual int wait_fd() const = 0;
  // Consumes the readiness of wait_fd(); Running when there is nothing new.
  virtual ConversationState poll() = 0;
  // Answers the last Prompts (as many responses as it had prompts), or, after
  // PasswordChangeRequired, the client's {old, new} passwords.
  virtual Result<void> answer(std::vector<SecretString> responses) = 0;
};

// The authorized_keys entry that allowed a key, with where it came from.
struct AuthorizedKeyMatch {
  keys::AuthorizedKey entry;
  std::string source;  // "file:line", or "AuthorizedKeysCommand:line" as sshd logs it
};

// A session the client asked for (after authentication).
struct SessionRequest {
  std::optional<std::string> command;  // exec (or a subsystem's command line); none: a shell
  std::optional<std::string> subsystem;  // the subsystem's name when command is its line
  std::uint32_t channel_id = 0;          // for the "Starting session" log line
  std::optional<connection::PtyReq> pty;
  std::vector<connection::EnvReq> env;  // env requests, filtered by AcceptEnv here
  // A granted x11-req: DISPLAY for the environment, and the cookie the session's child
  // stores with xauth (or hands to ~/.ssh/rc) before the command, as the user.
  struct X11 {
    std::string display, auth_display, protocol, cookie;
  };
  std::optional<X11> x11;
  // The connection's forwarded agent socket (SSH_AUTH_SOCK), when one was made.
  std::string auth_sock;
  // The options of the authorized_keys line that authenticated the user (command=,
  // environment=, no-pty) are not passed in: the Privileged side remembers them from
  // find_authorized_key() and authenticated(), and enforces them here.
};

// A running session process. With a pty, pty_master is the only descriptor (stdin,
// stdout and stderr all go through it; non-blocking); without, three pipes (stderr
// apart). "Last login" and the motd are already written to the pty by the child.
struct SessionProcess {
  pid_t pid = -1;
  UniqueFd pty_master;
  std::string tty_name;  // "/dev/pts/N"
  UniqueFd stdin_fd, stdout_fd, stderr_fd;  // parent ends, close-on-exec, non-blocking
  // internal-sftp only: lines "<level digit><text>\n" for skiffd's log (the digit is a
  // LogLevel; the child already applied its -l level, so the line is logged as forced).
  UniqueFd log_fd;
};

// How a session ended, ready for exit-status or exit-signal (RFC 4254 6.10).
struct SessionExit {
  std::optional<std::uint32_t> exit_status;
  std::string signal;  // RFC 4254 name without "SIG" ("TERM", "SEGV"), empty when exited
  bool core_dumped = false;
};

class Privileged {
 public:
  virtual ~Privileged() = default;

  virtual Result<UserCheck> begin_user(std::string_view name) = 0;

  // password: new_password set when the client answers a change request. A user that is
  // invalid or not allowed is checked against a bad password, so the work is the same.
  virtual Result<std::unique_ptr<AuthConversation>> start_password(SecretString password,
                                                                   std::optional<SecretString> new_password) = 0;
  virtual Result<std::unique_ptr<AuthConversation>> start_keyboard_interactive() = 0;
  // Whether keyboard-interactive can be served (it needs PAM); known after begin_user().
  virtual bool keyboard_interactive_available() const = 0;

  // publickey: the entry of AuthorizedKeysFile / AuthorizedKeysCommand whose key equals
  // key (and whose from= and expiry-time= hold now), read as the user with StrictModes.
  // nullopt when none; Errc values only for a misuse.
  virtual Result<std::optional<AuthorizedKeyMatch>> find_authorized_key(const crypto::PublicKey& key) = 0;

  // The core accepted the user; method is the last step's. verified_keys: every key whose
  // signature was verified on the way, in order (AuthenticationMethods may ask for a key
  // and then a password, or two keys): their authorized_keys options all apply, merged
  // most restrictive first (keys::merge_most_restrictive), whatever the last step was. A
  // publickey login's last key is the one logged. Opens the PAM session when PAM is used.
  virtual Result<void> authenticated(AuthMethod method, std::span<const crypto::PublicKey> verified_keys) = 0;

  // Whether a pty-req may be granted now (PermitTTY, the key's no-pty): the answer to
  // the request itself.
  virtual bool pty_permitted() const = 0;
  // Whether an x11-req may be granted: X11Forwarding yes, DisableForwarding no and the
  // key's options allow it. The error's message is sshd's reason ("X11 forwarding
  // disabled by key options.", "X11 forwarding disabled in server configuration file.").
  virtual Result<void> x11_permitted() const = 0;
  // Errc::invalid_argument when the request is not permitted (a pty under PermitTTY no
  // or no-pty; a ChrootDirectory that fails its checks); the reason is logged.
  virtual Result<SessionProcess> spawn_session(const SessionRequest& request) = 0;
  // nullopt while the process runs; the exit once it ended (it is reaped then, and its
  // login records are closed).
  virtual Result<std::optional<SessionExit>> reap_session(pid_t pid) = 0;
  // SIGHUP then SIGTERM to the session's process group (it is a session leader).
  virtual void terminate_session(pid_t pid) = 0;
  // The client's "signal" request (RFC 4254 6.9, a name without "SIG") to the session's
  // process group, as the user. Refused (Errc::invalid_argument, logged) for an unknown
  // name and, as sshd, for forced-command and subsystem sessions.
  virtual Result<void> signal_session(pid_t pid, std::string_view name) = 0;

  // Forwarding, after authenticated(): the sockets sshd's unprivileged child would make as
  // the user (forward_sockets.hpp has the errors' wording). The policy (AllowTcpForwarding,
  // PermitOpen, ...) is the caller's; these only act as the user would be allowed to.
  // The merged authorized_keys options of the login (permitopen=, no-port-forwarding, ...).
  virtual const std::optional<keys::AuthorizedKeyOptions>& key_options() const = 0;
  // A listening TCP socket (tcpip-forward); ports below 1024 only for root.
  virtual Result<UniqueFd> listen_tcp(const sockaddr* address, socklen_t length) = 0;
  // A listening Unix socket created as the user with StreamLocalBindMask (mask) and
  // StreamLocalBindUnlink (unlink_first); a failed unlink is logged here.
  virtual Result<UniqueFd> listen_unix(std::string_view path, unsigned mask, bool unlink_first) = 0;
  // A connection to a Unix socket, as the user (direct-streamlocal).
  virtual Result<UniqueFd> connect_unix(std::string_view path) = 0;

  // Agent forwarding (auth-agent-req@openssh.com), as sshd 9.2's session_auth_agent_req:
  // granted when AllowAgentForwarding is yes, DisableForwarding no and the key's options
  // allow it (the error's message is the reason sshd logs at debug level).
  virtual Result<void> agent_forwarding_permitted() const = 0;
  // The connection's agent socket, made once (a second request is an error, as sshd's
  // "authentication forwarding requested twice."): a directory /tmp/ssh-XXXXXXXXXX
  // created as the user (mode 0700) holding a listening socket agent.<pid>, also the
  // user's. remove_agent_socket() takes both away (at the connection's end).
  struct AgentSocket {
    UniqueFd listener;
    std::string path;
  };
  virtual Result<AgentSocket> create_agent_socket() = 0;
  virtual void remove_agent_socket(const std::string& path) = 0;
};

}  // namespace skiff::skiffd
