#include "connection.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include <fstream>
#include <sstream>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <skiff/client.hpp>

#include "agent_forward.hpp"
#include "agent_identities.hpp"
#include "client_session.hpp"
#include "connect.hpp"
#include "forwarding.hpp"
#include "host_key_check.hpp"
#include "mux_setup.hpp"
#include "readpass.hpp"

namespace skiff::cli {
namespace {

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return std::nullopt;
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

Secret to_secret(const std::optional<std::string>& s) { return s ? Secret(s->begin(), s->end()) : Secret(); }

// What the prompts and hooks share for one connection.
struct State {
  const ConnectionInput& in;
  Log& log;
  ServerStream server;
  std::string prompt_host;  // HostKeyAlias or HostName, as ssh's prompts name the server
  bool host_key_reported = false;
  bool no_password = false, no_kbdint = false;  // a changed key accepted under "no"
  // ConnectTimeout and the server's version line: seen, timed out, or start() is over.
  bool banner_seen = false, banner_timed_out = false, start_done = false;
  IdentitySources key_files = system_identity_sources();
  AgentKeys agent;  // SSH_AUTH_SOCK / IdentityAgent (agent_identities.hpp)
};

// ssh's fmprintf of the banner: what is not printable (but line ends and tabs) is dropped.
std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '\n' || c == '\r' || c == '\t' || (c >= 0x20 && c != 0x7f)) out.push_back(static_cast<char>(c));
  }
  return out;
}

asio::awaitable<Result<void>> check_host_key(State& st, const HostKey& k) {
  st.log.debug1("Server host key: " + k.key.type_name() + " " + k.key.fingerprint());
  HostKeyQuery q = make_host_key_query(st.in.cfg, st.server.address, k.key, st.in.ctx.home, read_text);
  UnsafeContinuation unsafe = unsafe_continuation(st.in.cfg);
  const Log& log = st.log;
  HostKeyUi ui = system_host_key_ui(st.in.ctx.home, [&log](LogLevel l, std::string_view text) {
    log.write(l == LogLevel::fatal ? Level::fatal : l == LogLevel::error ? Level::error : Level::info, text);
  });
  // ssh's confirm() reads with read_passphrase(RP_ECHO): /dev/tty, or SSH_ASKPASS when
  // there is no terminal (or SSH_ASKPASS_REQUIRE says so).
  ui.ask = [&log](std::string_view prompt) { return read_passphrase(prompt, {.echo = true, .allow_eof = true}, log); };
  HostKeyDecision d = verify_host_key(q, unsafe, ui);
  if (!d.accepted) {
    st.host_key_reported = true;
    co_return fail(Errc::host_key_rejected, "Host key verification failed.");
  }
  st.no_password = d.disable_password_auth;
  st.no_kbdint = d.disable_kbd_interactive_auth;
  co_return Result<void>{};
}

asio::awaitable<std::optional<Secret>> ask_password(State& st, const PasswordPrompt& p) {
  if (st.no_password) co_return std::nullopt;
  if (p.attempt > 1) st.log.error("Permission denied, please try again.");
  auto pw = read_passphrase(st.in.cfg.user + "@" + st.prompt_host + "'s password: ", {}, st.log);
  co_return to_secret(pw);
}

// ssh's userauth_passwd with a password change request (sshconnect2.c).
asio::awaitable<std::optional<PasswordChange>> change_password(State& st, const std::string& prompt) {
  if (st.no_password) co_return std::nullopt;
  const std::string who = st.in.cfg.user.substr(0, 30) + "@" + st.prompt_host.substr(0, 128);
  if (!prompt.empty()) st.log.info(printable(prompt));
  PasswordChange c;
  c.old_password = to_secret(read_passphrase("Enter " + who + "'s old password: ", {}, st.log));
  for (;;) {
    auto fresh = read_passphrase("Enter " + who + "'s new password: ", {.allow_eof = true}, st.log);
    if (!fresh) co_return std::nullopt;
    auto again = read_passphrase("Retype " + who + "'s new password: ", {}, st.log);
    if (*fresh == *again) {
      c.new_password = to_secret(fresh);
      co_return c;
    }
    st.log.info("Mismatch; try again, EOF to quit.");
  }
}

asio::awaitable<std::optional<std::vector<Secret>>> answer_prompts(State& st, const KeyboardInteractiveRequest& r) {
  if (st.no_kbdint) co_return std::nullopt;
  if (!r.name.empty()) st.log.info(printable(r.name));
  if (!r.instruction.empty()) st.log.info(printable(r.instruction));
  std::vector<Secret> answers;
  for (const auto& p : r.prompts) {
    auto a = read_passphrase("(" + st.in.cfg.user + "@" + st.prompt_host + ") " + p.text, {.echo = p.echo}, st.log);
    answers.push_back(to_secret(a));
  }
  co_return answers;
}

// The server accepted this public key: only now is the private key loaded (and its
// passphrase asked for), as ssh does.
asio::awaitable<Result<std::vector<std::uint8_t>>> sign_with(State& st, const PublicKey& key, const std::string& alg,
                                                             const std::vector<std::uint8_t>& data) {
  const auto& cfg = st.in.cfg;
  if (agent_holds(st.agent, key)) co_return co_await agent_sign(st.agent, key, alg, data);
  const Identity* id = find_identity(st.in.identities, key);
  if (!id) co_return fail(Errc::not_found, "no identity for the key");
  std::vector<std::string> messages;
  auto priv = id->load_private(st.key_files, cfg.number_of_password_prompts, cfg.batch_mode, messages);
  for (const auto& m : messages) st.log.info(m);
  if (!priv) co_return fail(Errc::bad_passphrase, "no private key for " + id->path());
  if (!(priv->public_key() == key)) co_return fail(Errc::invalid_argument, "key mismatch for " + id->path());
  co_return priv->sign(alg, data);
}

// The identities to offer: those whose public key is known are offered first and
// loaded on PK_OK; for the others the private key (and its passphrase) is needed now.
std::vector<ClientIdentity> offered_identities(State& st) {
  std::vector<ClientIdentity> out;
  if (!st.in.cfg.pubkey_authentication) return out;
  for (const auto& id : st.in.identities.identities) {
    if (id.public_key()) {
      out.push_back({*id.public_key(), std::nullopt});
      continue;
    }
    std::vector<std::string> messages;
    auto priv = id.load_private(st.key_files, st.in.cfg.number_of_password_prompts, st.in.cfg.batch_mode, messages);
    for (const auto& m : messages) st.log.info(m);
    if (priv) out.push_back({priv->public_key(), *priv});
  }
  return out;
}

// The stream ended (no DISCONNECT): the runtime's and the transport's words for it.
bool ends_with_eof(const Error& e) {
  return e.message == "connection closed" || e.message.ends_with("connection closed by peer") ||
         e.message.ends_with("connection closed during version exchange");
}

// What ssh prints when the connection could not be set up (the host key refusal has
// been printed by the check itself).
void report_start_failure(const State& st, const Error& e) {
  if (st.host_key_reported) return;
  const std::string remote = st.server.address.empty() ? std::string("UNKNOWN port 65535")
                                                       : st.server.address + " port " + std::to_string(st.server.port);
  if (st.banner_timed_out) {
    st.log.error("Connection timed out during banner exchange");
    st.log.fatal("Connection to " + remote + " timed out");
    return;
  }
  if (e.message.starts_with("Permission denied (")) {
    st.log.fatal(st.in.cfg.user + "@" + st.in.cfg.hostname + ": " + e.message);
  } else if (e.code == Errc::disconnected && ends_with_eof(e)) {
    if (e.message.ends_with("during version exchange")) {
      st.log.error("kex_exchange_identification: Connection closed by remote host");
    }
    // Through a ProxyCommand ssh has no address: "UNKNOWN port 65535".
    st.log.fatal("Connection closed by " + remote);
  } else {
    st.log.fatal(e.message);
  }
}

// ssh's control_persist_detach(): with ControlPersist the master forks; the child keeps
// the connection in the background (stdio on /dev/null, stderr kept when debugging), the
// parent becomes a passenger of it for the session it was started for and exits with its
// status. Returns that status in the parent, nullopt in the child (or when there is no
// session to hand over: -N keeps the master in front, as ssh without -f).
std::optional<int> detach_persistent_master(asio::io_context& io, const config::ClientConfig& cfg, State& st,
                                            const SessionSetup& s) {
  if (s.session_none) return std::nullopt;
  io.notify_fork(asio::io_context::fork_prepare);
  const pid_t pid = fork();
  if (pid < 0) {
    st.log.fatal(std::string("fork: ") + std::strerror(errno));
    std::_Exit(255);
  }
  if (pid > 0) {
    SharedSessionInput in{cfg, std::nullopt, std::nullopt, s.command, s.request_pty, {}};  // forwards are the master's
    MuxClientRequest req = shared_session_request(in);
    auto status = run_mux_client(req, st.log);
    std::fflush(nullptr);
    std::_Exit(status.value_or(255));
  }
  io.notify_fork(asio::io_context::fork_child);
  setsid();
  if (int fd = open("/dev/null", O_RDWR); fd >= 0) {
    dup2(fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    if (!st.log.enabled(Level::debug1)) dup2(fd, STDERR_FILENO);
    if (fd > STDERR_FILENO) close(fd);
  }
  return std::nullopt;
}

// Where a channel the server opens goes, by its type; anything else is refused.
asio::awaitable<void> server_opened_channel(std::shared_ptr<X11Forwarder> x11, std::shared_ptr<AgentForwarder> agent,
                                            IncomingChannel in) {
  if (std::holds_alternative<AgentChannel>(in.body())) {
    co_await AgentForwarder::handle(std::move(agent), std::move(in));
  } else {
    co_await X11Forwarder::handle(std::move(x11), std::move(in));
  }
}

asio::awaitable<int> run(asio::io_context& io, State& st) {
  const auto& cfg = st.in.cfg;
  const PathExpander expand = [&st](std::string_view path) { return config::expand_tokens(path, st.in.cfg, st.in.ctx); };
  auto forwards = forwarding_from_config(cfg, expand);
  if (!forwards) {
    st.log.fatal(forwards.error().message);
    co_return 255;
  }
  Forwarding forwarding(io, std::move(*forwards), st.log);
  auto server = open_server_stream(io.get_executor(), cfg, st.in.ctx, st.log);
  if (!server) {
    st.log.error(server.error().message);
    co_return 255;
  }
  st.server = std::move(*server);
  std::unique_ptr<Stream> stream = std::move(st.server.stream);

  ClientOptions o = options_from_config(cfg);
  st.agent = co_await open_agent(cfg, st.log);
  o.identities = order_with_agent(st.agent, offered_identities(st), cfg.identities_only);
  o.check_host_key = [&st](const HostKey& k) { return check_host_key(st, k); };
  o.password = [&st](const PasswordPrompt& p) { return ask_password(st, p); };
  o.password_change = [&st](const std::string& prompt) { return change_password(st, prompt); };
  o.keyboard_interactive = [&st](const KeyboardInteractiveRequest& r) { return answer_prompts(st, r); };
  o.sign = [&st](const PublicKey& k, const std::string& alg, const std::vector<std::uint8_t>& data) {
    return sign_with(st, k, alg, data);
  };
  // As ssh, ConnectTimeout also bounds the wait for the server's version line (the
  // API's debug line for it is the sign that it came): past it, the stream is closed.
  Stream* raw_stream = stream.get();
  asio::steady_timer banner_timer(io);
  if (cfg.connect_timeout > 0) {
    banner_timer.expires_after(std::chrono::seconds(cfg.connect_timeout));
    // The stream stays alive until start() returns, and start_done is set then.
    banner_timer.async_wait([&st, raw_stream](std::error_code ec) {
      if (ec || st.banner_seen || st.start_done) return;
      st.banner_timed_out = true;
      raw_stream->close();
    });
  }
  o.debug = [&st](const std::string& line) {
    if (line.starts_with("Remote protocol version ")) st.banner_seen = true;
    st.log.debug1(printable(line));
  };
  // Channels the server opens: x11 after the session's x11-req, the agent after
  // auth-agent-req (each forwarder refuses what it did not ask for).
  auto x11 = std::make_shared<X11Forwarder>(x11_settings(cfg), st.log);
  auto agent = std::make_shared<AgentForwarder>(cfg, st.log);
  // Forwarded channels of our remote forwards first (forwarding.hpp), then these.
  o.channel_open = forwarding.channel_open_hook(
      [x11, agent](IncomingChannel in) { return server_opened_channel(x11, agent, std::move(in)); });
  const int stderr_fd = STDERR_FILENO;
  const bool show_banner = st.log.enabled(Level::info);
  o.banner = [stderr_fd, show_banner](const std::string& message) {
    if (!show_banner) return;
    std::string text = printable(message);
    (void)!write(stderr_fd, text.data(), text.size());
  };

  auto client = co_await Client::start(std::move(stream), std::move(o));
  st.start_done = true;
  banner_timer.cancel();
  if (!client) {
    report_start_failure(st, client.error());
    co_return 255;
  }
  const std::string method = client->info().auth_methods.empty() ? "none" : client->info().auth_methods.back();
  if (st.server.address.empty()) {
    st.log.verbose("Authenticated to " + cfg.hostname + " (via proxy) using \"" + method + "\".");
  } else {
    st.log.verbose("Authenticated to " + cfg.hostname + " ([" + st.server.address + "]:" +
                   std::to_string(st.server.port) + ") using \"" + method + "\".");
  }

  // ssh_session2(): the stdio forward, then the other forwards, then the session.
  if (st.in.stdio_forward) {
    int status = co_await run_stdio_forward(io, *client, *st.in.stdio_forward, st.log);
    client->disconnect();
    co_await client->wait_closed();
    co_return status;
  }
  if (!co_await forwarding.start(*client)) {
    client->disconnect();
    co_await client->wait_closed();
    co_return 255;
  }
  // Connection sharing: this connection becomes a ControlMaster (mux_setup.hpp).
  auto master = start_mux_master(io, *client, cfg, forwarding, st.log);
  const auto persist = master ? control_persist_of(cfg) : std::nullopt;
  auto alive = std::make_shared<bool>(true);
  struct EndMaster {
    std::shared_ptr<MuxMaster>& m;
    std::shared_ptr<bool>& alive;
    ~EndMaster() {
      *alive = false;
      if (m) m->shutdown();
    }
  } end_master{master, alive};

  SessionSetup s;
  // As ssh (without ControlMaster), to a server that knows it: no session after ours.
  const std::string& peer = client->info().peer_version;
  s.no_more_sessions = !master && peer.find("OpenSSH_") != std::string::npos && peer.find("OpenSSH_2") == std::string::npos &&
                       peer.find("OpenSSH_3") == std::string::npos && peer.find("OpenSSH_4") == std::string::npos;
  s.session_none = cfg.get("sessiontype") == "none";
  s.request_pty = st.in.request_pty;
  s.force_pty = cfg.request_tty == config::RequestTty::force;
  s.command = st.in.command;
  s.subsystem = cfg.get("sessiontype") == "subsystem";
  s.stdin_null = cfg.get("stdinnull") == "yes";
  s.fork_after_auth = cfg.get("forkafterauthentication") == "yes";
  s.escape_char = cfg.escape_char;
  s.send_env = cfg.send_env;
  s.set_env = cfg.set_env;
  s.host = cfg.hostname;
  if (x11->enabled()) s.x11 = x11.get();
  s.command_line = cfg.get("enableescapecommandline") == "yes";
  s.forwarding = &forwarding;
  if (agent->enabled()) s.agent = agent.get();
  if (master && persist) {
    // As ssh's control_persist_detach(): the master goes on in the background, and this
    // process becomes its first passenger.
    if (auto passenger = detach_persistent_master(io, cfg, st, s)) co_return *passenger;
    s.session_none = true;
    co_await serve_shared_connection(io, *client, *master, persist);
    client->disconnect();
    co_await client->wait_closed();
    co_return 0;
  }
  if (master) end_on_terminate(io, *client, master, alive);
  const auto loop_start = std::chrono::steady_clock::now();
  int status = co_await run_session(io, *client, s, st.log);
  // The master waits for the sessions it shares before the connection ends.
  if (master) co_await serve_shared_connection(io, *client, *master, std::nullopt);
  forwarding.stop();
  co_await forwarding.wait_idle();
  client->disconnect();
  co_await client->wait_closed();
  // As ssh's client_loop at its end (LogLevel VERBOSE).
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - loop_start).count();
  char line[160];
  std::snprintf(line, sizeof line, "Transferred: sent %llu, received %llu bytes, in %.1f seconds",
                static_cast<unsigned long long>(client->bytes_sent()),
                static_cast<unsigned long long>(client->bytes_received()), seconds);
  st.log.verbose(line);
  if (seconds > 0) {
    std::snprintf(line, sizeof line, "Bytes per second: sent %.1f, received %.1f",
                  static_cast<double>(client->bytes_sent()) / seconds,
                  static_cast<double>(client->bytes_received()) / seconds);
    st.log.verbose(line);
  }
  co_return status;
}

}  // namespace

int run_connection(const ConnectionInput& in) {
  // As ssh: a reader that went away (stdout, a ProxyCommand) is a failed write, not a
  // fatal signal.
  signal(SIGPIPE, SIG_IGN);
  Log log(level_from_name(in.cfg.log_level), in.log_fd);
  State st{in, log, {}, in.cfg.get("hostkeyalias").value_or(in.cfg.hostname)};
  st.key_files.ask_passphrase = [&log](std::string_view prompt) { return read_passphrase(prompt, {.allow_eof = true}, log); };
  asio::io_context io;
  int status = 255;
  asio::co_spawn(io, run(io, st), [&status, &io](std::exception_ptr e, int rc) {
    if (!e) status = rc;
    // Forwarded connections and listeners still waiting end with the connection.
    io.stop();
  });
  io.run();
  if (st.server.proxy_pid > 1) kill(st.server.proxy_pid, SIGHUP);
  return status;
}

}  // namespace skiff::cli
