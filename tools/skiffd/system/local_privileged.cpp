#include "system/local_privileged.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdlib>
#include <functional>
#include <map>

#include "keys/ssh_key.hpp"
#include "system/account.hpp"
#include "system/authorized_keys_lookup.hpp"
#include "system/conversation_thread.hpp"
#include "system/environment.hpp"
#include "system/forward_sockets.hpp"
#include "system/internal_sftp.hpp"
#include "system/login_records.hpp"
#include "system/session_spawn.hpp"
#include "system/strict_modes.hpp"
#include "system/user_identity.hpp"
#include "system/user_lookup.hpp"
#include "wire/limits.hpp"
#ifdef SKIFF_HAVE_PAM
#include "system/pam_auth.hpp"
#endif

namespace skiff::skiffd {

namespace {

// What sshd checks in place of the password of an invalid or refused user, so that PAM
// or crypt does the same work and can never succeed.
constexpr const char* kBadPassword = "\b\n\r\177INCORRECT";

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Passes the inner conversation through, but an Accepted only when gate() agrees at that
// moment (the account and PermitRootLogin decisions sshd takes once the secret was right).
class GatedConversation final : public AuthConversation {
 public:
  GatedConversation(std::unique_ptr<AuthConversation> inner, std::function<bool()> gate)
      : inner_(std::move(inner)), gate_(std::move(gate)) {}
  int wait_fd() const override { return inner_->wait_fd(); }
  ConversationState poll() override {
    ConversationState s = inner_->poll();
    if (std::holds_alternative<conversation::Accepted>(s) && !gate_()) return conversation::Rejected{};
    return s;
  }
  Result<void> answer(std::vector<SecretString> responses) override { return inner_->answer(std::move(responses)); }

 private:
  std::unique_ptr<AuthConversation> inner_;
  std::function<bool()> gate_;
};

// ChrootDirectory tokens (%% %h %u %U), as sshd's expansion for it.
Result<std::string> expand_chroot(std::string_view pattern, const UserAccount& u) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') {
      out.push_back(pattern[i]);
      continue;
    }
    if (++i == pattern.size()) return fail(Errc::bad_format, "ChrootDirectory: '%' at end");
    switch (pattern[i]) {
      case '%': out.push_back('%'); break;
      case 'h': out += u.home; break;
      case 'u': out += u.name; break;
      case 'U': out += std::to_string(u.uid); break;
      default: return fail(Errc::bad_format, std::string("ChrootDirectory: unknown token %") + pattern[i]);
    }
  }
  return out;
}

}  // namespace

struct LocalPrivileged::Impl {
  enum class Phase : std::uint8_t { start, user, authenticated };

  LocalPrivilegedOptions options;
  ServerLog& log;
  config::ServerConfig config;
  Phase phase = Phase::start;
  UserCheck user;
  bool use_pam = false;
  std::optional<ShadowEntry> shadow;
  // Options of every authorized_keys line that matched a key, by key blob, until one of
  // them authenticates.
  std::map<wire::Bytes, keys::AuthorizedKeyOptions> matched;
  std::optional<keys::AuthorizedKeyOptions> key_options;
  std::string agent_socket_path;  // the forwarded agent's socket, removed at the end
  struct Running {
    LoginRecord record;
    bool pty = false;
    std::string_view refuse_signals;  // "forced-command" or "subsystem": no signal requests
  };
  std::map<pid_t, Running> sessions;
#ifdef SKIFF_HAVE_PAM
  std::unique_ptr<PamContext> pam;
#endif

  Impl(LocalPrivilegedOptions o, ServerLog& l) : options(std::move(o)), log(l) {}

  bool root() const { return ::geteuid() == 0; }

  // PermitRootLogin, checked when the secret was right, as sshd's userauth_finish.
  bool root_allowed(AuthMethod method, bool forced_command) {
    if (user.account.uid != 0) return true;
    if (auto refusal = root_login_refusal(config.permit_root_login, method, forced_command, options.peer)) {
      log.info(*refusal);
      return false;
    }
    return true;
  }
};

LocalPrivileged::LocalPrivileged(LocalPrivilegedOptions options, ServerLog& log)
    : impl_(std::make_unique<Impl>(std::move(options), log)) {
  if (impl_->options.config) {
    if (auto g = impl_->options.config->global()) impl_->config = std::move(*g);
  }
}

LocalPrivileged::~LocalPrivileged() {
  // The forwarded agent's socket and directory go with the connection (sshd's
  // auth_sock_cleanup_proc).
  if (!impl_->agent_socket_path.empty()) remove_agent_socket(impl_->agent_socket_path);
  // The connection is over: sessions still running are told to end, and their ttys are
  // logged out and released now, as sshd's session_pty_cleanup does on channel close.
  // What is left to reap is reaped by whoever reaps this process's children.
  for (const auto& [pid, s] : impl_->sessions) {
    terminate_process_group(pid);
    (void)try_reap(pid);
    if (s.pty) {
      record_logout(s.record, impl_->options.login_files);
      release_pty(s.record.tty);
    }
  }
}

const config::ServerConfig& LocalPrivileged::config() const { return impl_->config; }
const std::optional<keys::AuthorizedKeyOptions>& LocalPrivileged::key_options() const { return impl_->key_options; }

Result<UserCheck> LocalPrivileged::begin_user(std::string_view name) {
  Impl& d = *impl_;
  if (d.phase != Impl::Phase::start) return fail(Errc::protocol_error, "begin_user: the user is already chosen");
  const Peer& peer = d.options.peer;
  std::optional<UserAccount> found;
  if (name.size() <= limits::kMaxUserNameLength) {
    auto looked = lookup_user(name);
    if (!looked) d.log.error(looked.error().message);
    else found = std::move(*looked);
  }
  UserCheck check;
  check.account = found ? std::move(*found) : fake_user(name);
  if (!check.account.valid) d.log.invalid_user(name, peer);

  if (d.options.config && check.account.valid) {
    config::ConnectionInfo info{check.account.name, peer.host, peer.address, peer.local_address, peer.local_port};
    auto per_user = d.options.config->for_connection(info, known_groups_lookup(check.account));
    if (per_user) d.config = std::move(*per_user);
    else d.log.error(per_user.error().message);
  }
#ifdef SKIFF_HAVE_PAM
  d.use_pam = d.config.use_pam;
#endif
  if (check.account.valid) {
    if (!d.use_pam && d.root()) {
      long today = static_cast<long>(now_seconds() / 86400);
      d.shadow = read_shadow(check.account.name, today);
    }
    AccountCheckInput in{&check.account, &d.config, &peer, d.shadow && (d.shadow->locked || d.shadow->expired),
                         d.use_pam};
    auto refusal = account_refusal(in);
    if (!refusal && !d.root() && check.account.uid != ::geteuid())
      refusal = "User " + check.account.name.substr(0, 100) + " not allowed because skiffd does not run as root";
    if (refusal) d.log.info(*refusal);
    check.allowed = !refusal;
  }
#ifdef SKIFF_HAVE_PAM
  if (d.use_pam) {
    auto pam = PamContext::start(d.options.pam_service, std::string(name), peer.address, !d.config.permit_empty_passwords);
    if (!pam) return std::unexpected(pam.error());
    d.pam = std::move(*pam);
  }
#endif
  d.user = check;
  d.phase = Impl::Phase::user;
  return check;
}

Result<std::unique_ptr<AuthConversation>> LocalPrivileged::start_password(SecretString password,
                                                                         std::optional<SecretString> new_password) {
  Impl& d = *impl_;
  if (d.phase != Impl::Phase::user) return fail(Errc::protocol_error, "start_password: not authenticating");
  bool empty_refused = password.empty() && !d.config.permit_empty_passwords;
  bool force_reject = !d.user.allowed || empty_refused;
  if (!d.user.allowed) password = kBadPassword;
  auto gate = [&d] { return d.root_allowed(AuthMethod::password, false); };
  Result<std::unique_ptr<AuthConversation>> inner = fail(Errc::unsupported, "no password backend");
#ifdef SKIFF_HAVE_PAM
  if (d.use_pam) inner = d.pam->password(std::move(password), std::move(new_password), force_reject);
#endif
  if (!d.use_pam) {
    SecretString hash = d.shadow ? d.shadow->hash : SecretString{};
    bool change = new_password.has_value();
    // An account without a password, under PermitEmptyPasswords yes (sshd's rule).
    bool empty_ok = d.shadow && hash.empty() && password.empty() && d.config.permit_empty_passwords;
    inner = start_conversation([pw = std::move(password), hash = std::move(hash), force_reject, change,
                                empty_ok](ConversationLink&) -> ConversationState {
      // Without PAM there is no password change: such a request fails like a wrong one.
      bool ok = (crypt_matches(pw, hash) || empty_ok) && !force_reject && !change;
      if (ok) return conversation::Accepted{};
      return conversation::Rejected{};
    });
  }
  if (!inner) return inner;
  return std::unique_ptr<AuthConversation>(std::make_unique<GatedConversation>(std::move(*inner), gate));
}

Result<std::unique_ptr<AuthConversation>> LocalPrivileged::start_keyboard_interactive() {
  Impl& d = *impl_;
  if (d.phase != Impl::Phase::user) return fail(Errc::protocol_error, "start_keyboard_interactive: not authenticating");
#ifdef SKIFF_HAVE_PAM
  if (d.use_pam) {
    auto inner = d.pam->keyboard_interactive(!d.user.allowed);
    if (!inner) return inner;
    auto gate = [&d] { return d.root_allowed(AuthMethod::keyboard_interactive, false); };
    return std::unique_ptr<AuthConversation>(std::make_unique<GatedConversation>(std::move(*inner), gate));
  }
#endif
  return fail(Errc::unsupported, "keyboard-interactive needs PAM");
}

Result<std::optional<AuthorizedKeyMatch>> LocalPrivileged::find_authorized_key(const crypto::PublicKey& key) {
  Impl& d = *impl_;
  if (d.phase != Impl::Phase::user) return fail(Errc::protocol_error, "find_authorized_key: not authenticating");
  if (!d.user.allowed) return std::optional<AuthorizedKeyMatch>{};
  KeyLookupContext ctx{&d.user.account, &d.config, &d.options.peer, now_seconds(), &d.log};
  auto match = lookup_authorized_key(ctx, key);
  if (!match) return std::optional<AuthorizedKeyMatch>{};
  if (!d.root_allowed(AuthMethod::publickey, match->entry.options.command.has_value()))
    return std::optional<AuthorizedKeyMatch>{};
  d.matched[keys::encode_public_blob(key)] = match->entry.options;
  return match;
}

Result<void> LocalPrivileged::authenticated(AuthMethod method, std::span<const crypto::PublicKey> verified_keys) {
  Impl& d = *impl_;
  if (d.phase != Impl::Phase::user || !d.user.allowed)
    return fail(Errc::protocol_error, "authenticated: no allowed user is authenticating");
  if (method == AuthMethod::none) return fail(Errc::protocol_error, "authenticated: method none is never accepted");
  if (method == AuthMethod::publickey && verified_keys.empty())
    return fail(Errc::invalid_argument, "authenticated: publickey without its key");
  // Every verified key's line restricts the session, not only the last step's: a key with
  // command= or restrict followed by a password must not give an unrestricted session.
  d.key_options.reset();
  for (const auto& key : verified_keys) {
    auto it = d.matched.find(keys::encode_public_blob(key));
    if (it == d.matched.end()) return fail(Errc::protocol_error, "authenticated: the key was never authorised");
    d.key_options = d.key_options ? keys::merge_most_restrictive(*d.key_options, it->second) : it->second;
  }
  const crypto::PublicKey* key = method == AuthMethod::publickey ? &verified_keys.back() : nullptr;
#ifdef SKIFF_HAVE_PAM
  if (d.use_pam) {
    if (auto a = d.pam->account(); !a) {
      d.log.error("PAM account check for " + d.user.account.name + " failed: " + a.error().message);
      return a;
    }
    if (auto s = d.pam->open_session(); !s) {
      d.log.error(s.error().message);
      return s;
    }
  }
#endif
  d.log.accepted(method, d.user.account.name, d.options.peer, method == AuthMethod::publickey ? key : nullptr);
  d.matched.clear();
  d.phase = Impl::Phase::authenticated;
  return {};
}

bool LocalPrivileged::keyboard_interactive_available() const { return impl_->use_pam; }

bool LocalPrivileged::pty_permitted() const {
  const Impl& d = *impl_;
  return d.config.permit_tty && (!d.key_options || d.key_options->pty);
}

Result<void> LocalPrivileged::x11_permitted() const {
  const Impl& d = *impl_;
  // sshd checks the key's options first (its reason goes to the client as a debug message).
  if (d.key_options && !d.key_options->x11_forwarding)
    return fail(Errc::invalid_argument, "X11 forwarding disabled by key options.");
  if (d.config.get("x11forwarding") != "yes" || d.config.get("disableforwarding") == "yes")
    return fail(Errc::invalid_argument, "X11 forwarding disabled in server configuration file.");
  return {};
}

Result<SessionProcess> LocalPrivileged::spawn_session(const SessionRequest& request) {
  Impl& d = *impl_;
  if (d.phase != Impl::Phase::authenticated) return fail(Errc::protocol_error, "spawn_session: not authenticated");
  const UserAccount& u = d.user.account;
  if (request.pty && !pty_permitted()) return fail(Errc::invalid_argument, "PTY allocation disabled");

  std::optional<std::string> command = request.command;
  std::optional<std::string> original_command;
  const std::string* forced = nullptr;
  if (!d.config.force_command.empty()) forced = &d.config.force_command;
  else if (d.key_options && d.key_options->command) forced = &*d.key_options->command;
  std::string kind = request.subsystem ? "subsystem '" + *request.subsystem + "'" : command ? "command" : "shell";
  if (forced) {
    original_command = request.command;
    command = *forced;
    kind = std::string("forced-command (") + (d.config.force_command.empty() ? "key-option" : "config") + ") '" +
           *forced + "'";
  }
  // internal-sftp runs in the session child itself: for a subsystem naming it, or a
  // forced internal-sftp (which refuses anything but a subsystem request, as sshd). A
  // client's own "exec internal-sftp" is just a command for the shell.
  const bool internal_sftp = command && is_internal_sftp(*command) && (forced || request.subsystem);

  std::string chroot;
  if (!d.config.chroot_directory.empty() && d.config.chroot_directory != "none") {
    auto path = expand_chroot(d.config.chroot_directory, u);
    if (!path) return std::unexpected(path.error());
    if (!d.root()) return fail(Errc::invalid_argument, "server lacks privileges to chroot to ChrootDirectory");
    if (auto ok = check_chroot_path(*path); !ok) {
      d.log.error(ok.error().message);
      return std::unexpected(ok.error());
    }
    chroot = *path;
  }

  EnvironmentInput env;
  env.user = &u;
  env.peer = &d.options.peer;
  env.config = &d.config;
  env.shell = u.shell.empty() ? "/bin/sh" : u.shell;
  env.original_command = original_command;
  env.client_env = request.env;
  env.use_pam = d.use_pam;
  if (const char* tz = std::getenv("TZ")) env.tz = tz;
  if (d.key_options) env.key_environment = d.key_options->environment;
  if (d.config.permit_user_environment != "no") {
    UserFile f = read_user_file(u.home + "/.ssh/environment", u, false, limits::kMaxUserEnvironmentFileBytes);
    if (f.status == UserFile::Status::ok) env.user_environment_file = std::move(f.text);
  }

  if (request.x11) env.display = request.x11->display;
  env.auth_sock = request.auth_sock;

  std::optional<Pty> pty;
  if (request.pty) {
    std::optional<std::pair<uid_t, gid_t>> owner;
    if (d.root()) owner = std::make_pair(u.uid, u.gid);
    auto p = open_pty(*request.pty, owner);
    if (!p) {
      d.log.error(p.error().message);
      return std::unexpected(p.error());
    }
    pty = std::move(*p);
    env.term = request.pty->term;
    env.tty = pty->name;
  }
#ifdef SKIFF_HAVE_PAM
  if (d.use_pam) {
    d.pam->set_tty(pty ? pty->name : "ssh");
    env.pam_environment = d.pam->environment();
  }
#endif

  SpawnPlan plan;
  plan.user = &u;
  plan.shell = env.shell;
  plan.command = command;
  plan.env = build_session_environment(env);
  plan.change_identity = d.root();
  plan.chroot = chroot;
  if (!internal_sftp) {
    RcInput rc;
    rc.home = u.home;
    rc.shell = env.shell;
    rc.user_rc_allowed = !request.subsystem && d.config.force_command.empty() &&
                         (!d.key_options || d.key_options->user_rc) && d.config.get("permituserrc") != "no";
    rc.x11 = request.x11;
    rc.xauth_location = d.config.get("xauthlocation").value_or("/usr/bin/xauth");
    plan.rc = plan_rc_files(rc);
  }
  if (internal_sftp) {
    plan.run_in_child = request.subsystem ? internal_sftp_child(*command, u, d.options.peer)
                                          : refuse_non_sftp_child(d.options.peer);
    plan.with_log_pipe = true;
  }

  LoginRecord record{0, pty ? pty->name : std::string{}, u.name, u.uid, d.options.peer.host, d.options.peer.address,
                     now_seconds()};
  if (pty && !command) {
    struct stat st {};
    bool quiet = ::stat((u.home + "/.hushlogin").c_str(), &st) == 0;
    if (!quiet && d.config.print_last_log) plan.banner += last_login_message(u.uid, d.options.login_files.lastlog).value_or("");
    if (!quiet && d.config.print_motd) plan.banner += read_motd(d.options.motd_path);
  }
  bool with_pty = pty.has_value();
  auto proc = spawn_process(plan, std::move(pty));
  if (!proc) {
    d.log.error(proc.error().message);
    return proc;
  }
  record.pid = proc->pid;
  d.log.verbose("Starting session: " + kind + (with_pty ? " on " + tty_line(proc->tty_name) : std::string{}) +
                " for " + u.name + " from " + d.options.peer.address.substr(0, 200) + " port " +
                std::to_string(d.options.peer.port) + " id " + std::to_string(request.channel_id));
  if (with_pty) record_login(record, d.options.login_files);
  std::string_view no_signals = forced ? "forced-command" : request.subsystem ? "subsystem" : "";
  d.sessions[proc->pid] = Impl::Running{record, with_pty, no_signals};
  return proc;
}

Result<std::optional<SessionExit>> LocalPrivileged::reap_session(pid_t pid) {
  Impl& d = *impl_;
  auto it = d.sessions.find(pid);
  if (it == d.sessions.end()) return fail(Errc::invalid_argument, "reap_session: not a session of this connection");
  auto status = try_reap(pid);
  if (!status) return std::optional<SessionExit>{};
  if (it->second.pty) {
    record_logout(it->second.record, d.options.login_files);
    release_pty(it->second.record.tty);
  }
  d.sessions.erase(it);
  return std::optional<SessionExit>{decode_wait_status(*status)};
}

void LocalPrivileged::terminate_session(pid_t pid) {
  if (impl_->sessions.contains(pid)) terminate_process_group(pid);
}

Result<void> LocalPrivileged::signal_session(pid_t pid, std::string_view name) {
  Impl& d = *impl_;
  auto it = d.sessions.find(pid);
  if (it == d.sessions.end()) return fail(Errc::invalid_argument, "signal_session: not a session of this connection");
  auto sig = signal_number(name);
  if (!sig) {
    d.log.error("session_signal_req: unsupported signal \"" + std::string(name.substr(0, 64)) + "\"");
    return fail(Errc::invalid_argument, "unsupported signal");
  }
  if (!it->second.refuse_signals.empty()) {
    d.log.error("session_signal_req: refusing to send signal " + std::string(name) + " to " +
                std::string(it->second.refuse_signals) + " session");
    return fail(Errc::invalid_argument, "signals are refused for this session");
  }
  // The group is the user's (or, not yet exec'd, still ours): root may signal it either way.
  if (::killpg(pid, *sig) != 0) return fail(Errc::io_error, std::string("killpg: ") + std::strerror(errno));
  return {};
}

// ---- forwarding: what sshd's post-authentication child does as the user ----

Result<UniqueFd> LocalPrivileged::listen_tcp(const sockaddr* address, socklen_t length) {
  Impl& d = *impl_;
  if (d.phase != Impl::Phase::authenticated) return fail(Errc::protocol_error, "listen_tcp: not authenticated");
  return listen_tcp_socket(address, length, d.user.account.uid);
}

Result<UniqueFd> LocalPrivileged::listen_unix(std::string_view path, unsigned mask, bool unlink_first) {
  Impl& d = *impl_;
  if (d.phase != Impl::Phase::authenticated) return fail(Errc::protocol_error, "listen_unix: not authenticated");
  std::string warning;
  Result<UniqueFd> fd = fail(Errc::io_error, "unix_listener: cannot take the user's identity");
  if (d.root() && d.user.account.uid != 0) {
    UserFileIdentity as_user(d.user.account);
    if (as_user.ok()) fd = listen_unix_socket(path, mask, unlink_first, &warning);
  } else {
    fd = listen_unix_socket(path, mask, unlink_first, &warning);
  }
  if (!warning.empty()) d.log.error(warning);
  return fd;
}

Result<UniqueFd> LocalPrivileged::connect_unix(std::string_view path) {
  Impl& d = *impl_;
  if (d.phase != Impl::Phase::authenticated) return fail(Errc::protocol_error, "connect_unix: not authenticated");
  if (d.root() && d.user.account.uid != 0) {
    UserFileIdentity as_user(d.user.account);
    if (!as_user.ok()) return fail(Errc::io_error, "connect_unix: cannot take the user's identity");
    return connect_unix_socket(path);
  }
  return connect_unix_socket(path);
}

}  // namespace skiff::skiffd

namespace skiff::skiffd {

Result<void> LocalPrivileged::agent_forwarding_permitted() const {
  const Impl& d = *impl_;
  if ((d.key_options && !d.key_options->agent_forwarding) || d.config.get("allowagentforwarding") == "no" ||
      d.config.get("disableforwarding") == "yes") {
    return fail(Errc::invalid_argument, "session_auth_agent_req: agent forwarding disabled");
  }
  return {};
}

Result<Privileged::AgentSocket> LocalPrivileged::create_agent_socket() {
  Impl& d = *impl_;
  if (d.phase != Impl::Phase::authenticated) return fail(Errc::protocol_error, "create_agent_socket: not authenticated");
  if (!d.agent_socket_path.empty()) {
    d.log.error("authentication forwarding requested twice.");
    return fail(Errc::invalid_argument, "authentication forwarding requested twice.");
  }
  // As the user: the directory and the socket are theirs, so only they (and root) can
  // reach the agent through it.
  std::optional<UserFileIdentity> as_user;
  if (d.root() && d.user.account.uid != 0) {
    as_user.emplace(d.user.account);
    if (!as_user->ok()) return fail(Errc::io_error, "agent socket: cannot take the user's identity");
  }
  char dir[] = "/tmp/ssh-XXXXXXXXXX";
  if (::mkdtemp(dir) == nullptr) {
    const std::string why = std::string("mkdtemp() failed: ") + std::strerror(errno);
    d.log.error(why);
    return fail(Errc::io_error, why);
  }
  const std::string path = std::string(dir) + "/agent." + std::to_string(::getpid());
  auto fd = listen_unix_socket(path, 0177, false, nullptr);
  if (!fd) {
    d.log.error(fd.error().message);
    ::rmdir(dir);
    return std::unexpected(fd.error());
  }
  d.agent_socket_path = path;
  return AgentSocket{std::move(*fd), path};
}

void LocalPrivileged::remove_agent_socket(const std::string& path) {
  Impl& d = *impl_;
  if (path.empty() || path != d.agent_socket_path) return;
  std::optional<UserFileIdentity> as_user;
  if (d.root() && d.user.account.uid != 0) as_user.emplace(d.user.account);
  ::unlink(path.c_str());
  ::rmdir(path.substr(0, path.rfind('/')).c_str());
  d.agent_socket_path.clear();
}

}  // namespace skiff::skiffd
