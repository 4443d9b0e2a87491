#include "client_session.hpp"

#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "escape.hpp"
#include "readpass.hpp"
#include "session_policy.hpp"
#include "terminal.hpp"

extern char** environ;

namespace skiff::cli {
namespace {

using asio::use_awaitable;
using namespace asio::experimental::awaitable_operators;

constexpr std::size_t kBufferSize = 64 * 1024;

// A descriptor of ours on one of the standard streams: a duplicate, so that closing it
// leaves the original alone (ssh dups them too), and so that -f can send the originals
// to /dev/null. Non-blocking mode is shared with the original; the flags are put back.
class StdStream {
 public:
  StdStream(asio::io_context& io, int fd) : StdStream(io, fd, fcntl(fd, F_DUPFD_CLOEXEC, 3)) {}
  // fd's stream through own, a descriptor of ours (session_input_fd's).
  StdStream(asio::io_context& io, int fd, int own) : fd_(fd), flags_(fcntl(fd, F_GETFL)), desc_(io) {
    if (own >= 0) desc_.assign(own);
  }
  ~StdStream() {
    std::error_code ec;
    desc_.close(ec);
    if (flags_ != -1) fcntl(fd_, F_SETFL, flags_);
  }
  asio::posix::stream_descriptor& desc() { return desc_; }
  bool ok() const { return desc_.is_open(); }

 private:
  int fd_;
  int flags_;
  asio::posix::stream_descriptor desc_;
};

// The session's state, shared with the coroutines spawned for stdin and the signals:
// they may resume once more after run_session() has returned (a cancelled read, a
// signal already queued), and then find `done` set and touch nothing else.
struct Shared {
  Shared(asio::io_context& i, Client& c, const SessionSetup& s, Log& l, TerminalSignals sig)
      : io(i), client(c), setup(s), log(l), signals(std::move(sig)), sigpipe(i, signals.fd()) {}
  // The pipe's descriptor belongs to signals.
  ~Shared() { (void)sigpipe.release(); }

  asio::io_context& io;
  Client& client;
  const SessionSetup& setup;
  Log& log;
  TerminalSignals signals;
  asio::posix::stream_descriptor sigpipe;
  std::optional<StdStream> in;
  ClientSession ch;
  bool have_pty = false;
  int received_signal = 0;
  bool done = false;  // the session is over
  bool quit = false;  // ~. ended the connection
};

void write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = write(fd, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    s.remove_prefix(static_cast<std::size_t>(n));
  }
}

skiff::WindowSize channel_size(int fd) {
  auto w = window_size(fd);
  return {w.columns, w.rows, w.width_px, w.height_px};
}

PtyRequest pty_request() {
  PtyRequest r;
  const char* term = std::getenv("TERM");
  r.term = term ? term : "";
  r.size = channel_size(STDIN_FILENO);
  for (const auto& m : terminal_modes(STDIN_FILENO)) r.modes.push_back({m.opcode, m.value});
  return r;
}

// ssh's fork_postauth(): daemon(1, 1), then stdin and stdout on /dev/null; our
// duplicates keep the session's streams.
void fork_to_background(asio::io_context& io, const Log& log) {
  log.debug1("forking to background");
  io.notify_fork(asio::io_context::fork_prepare);
  if (daemon(1, 1) == -1) {
    log.fatal(std::string("daemon() failed: ") + std::strerror(errno));
    std::_Exit(255);
  }
  io.notify_fork(asio::io_context::fork_child);
  int fd = open("/dev/null", O_RDWR);
  if (fd >= 0) {
    dup2(fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    if (fd > STDERR_FILENO) close(fd);
  }
}

// ~&: the terminal back to normal, the parent exits 0 and the child goes on.
void background_session(Shared& st) {
  leave_raw_mode(st.setup.force_pty);
  st.io.notify_fork(asio::io_context::fork_prepare);
  pid_t pid = fork();
  if (pid == -1) {
    st.log.error(std::string("fork: ") + std::strerror(errno));
    return;
  }
  if (pid != 0) std::_Exit(0);
  st.io.notify_fork(asio::io_context::fork_child);
}

// Carries out what the escape filter found in a piece of stdin; false once the session
// is to end (~.).
// ~C: one command read on the terminal in cooked mode (clientloop.c process_cmdline),
// its answer in ssh's words.
asio::awaitable<void> command_line(Shared& st) {
  leave_raw_mode(st.setup.force_pty);
  auto line = read_passphrase("\r\nssh> ", {.echo = true, .allow_eof = true}, st.log);
  const EscapeCommand c = parse_escape_command(line.value_or(""));
  using A = EscapeCommand::Action;
  const auto type = c.type == 'R'   ? Forwarding::ForwardType::remote
                    : c.type == 'D' ? Forwarding::ForwardType::dynamic
                                    : Forwarding::ForwardType::local;
  switch (c.action) {
    case A::none: break;
    case A::help:
      for (const auto& l : escape_command_help()) st.log.info(l);
      break;
    case A::invalid:
    case A::bad_spec: st.log.info(c.message); break;
    case A::add: {
      Result<std::uint32_t> r = fail(Errc::unsupported, "no forwarding");
      if (st.setup.forwarding) r = co_await st.setup.forwarding->add(st.client, type, c.spec);
      st.log.info(r ? "Forwarding port." : "Port forwarding failed.");
      break;
    }
    case A::cancel: {
      Result<void> r = fail(Errc::not_found, "no forwarding");
      if (st.setup.forwarding) r = co_await st.setup.forwarding->cancel(st.client, type, c.spec);
      st.log.info(r ? "Canceled forwarding." : "Unknown port forwarding.");
      break;
    }
  }
  enter_raw_mode(st.setup.force_pty);
}

asio::awaitable<bool> perform(Shared& st, std::vector<EscapeStep>& steps) {
  for (auto& s : steps) {
    if (st.done) co_return false;
    switch (s.kind) {
      case EscapeStep::Kind::data: {
        // Results of co_await are kept in variables: g++ 12 may destroy a temporary of
        // a full-expression with co_await twice (see pump_out).
        std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(s.text.data()), s.text.size());
        Result<void> written = co_await st.ch.write(bytes);
        if (!written) co_return false;
        break;
      }
      case EscapeStep::Kind::message:
        write_all(STDERR_FILENO, s.text);
        break;
      case EscapeStep::Kind::disconnect:
        st.quit = true;
        st.client.disconnect();
        co_return false;
      case EscapeStep::Kind::suspend:
        suspend_self(st.setup.force_pty);
        (void)st.ch.window_change(channel_size(STDIN_FILENO));
        break;
      case EscapeStep::Kind::background:
        background_session(st);
        break;
      case EscapeStep::Kind::list_forwards:
        write_all(STDERR_FILENO, "The following connections are open:\r\n  #" + std::to_string(st.ch.id()) +
                                     " client-session\r\n");
        break;
      case EscapeStep::Kind::send_break:
        (void)st.ch.send_break(1000);
        break;
      case EscapeStep::Kind::rekey:
        st.client.rekey();
        break;
      case EscapeStep::Kind::log_level:
        st.log.set_level(level_from_name(s.text));
        break;
      case EscapeStep::Kind::command_line:
        co_await command_line(st);
        break;
    }
  }
  co_return true;
}

asio::awaitable<void> pump_in(std::shared_ptr<Shared> shared) {
  Shared& st = *shared;
  StdStream& in = *st.in;
  std::optional<EscapeFilter> escapes;
  if (auto e = active_escape_char(st.setup.escape_char, st.have_pty)) {
    escapes.emplace(*e, level_name(st.log.level()), st.setup.command_line);
  }
  std::vector<std::uint8_t> buf(kBufferSize);
  for (;;) {
    std::error_code ec;
    std::size_t n = co_await in.desc().async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
    if (st.done) co_return;
    if (ec || n == 0) break;
    if (escapes) {
      auto steps = escapes->feed(std::span<const std::uint8_t>(buf.data(), n));
      if (!co_await perform(st, steps) || st.done) co_return;
    } else {
      std::span<const std::uint8_t> bytes(buf.data(), n);
      Result<void> written = co_await st.ch.write(bytes);
      if (!written || st.done) co_return;
    }
  }
  (void)st.ch.send_eof();
}

// Channel data to a local stream. When stderr fails, what comes for it is dropped, so
// the channel still ends and the window keeps moving.
asio::awaitable<void> pump_out(ClientSession& ch, StdStream& out, bool ext) {
  std::vector<std::uint8_t> buf(kBufferSize);
  bool writable = out.ok();
  for (;;) {
    // Not a conditional expression around the two co_awaits: g++ 12 destroys its
    // temporary twice.
    Result<std::size_t> n;
    if (ext) {
      n = co_await ch.read_stderr(buf);
    } else {
      n = co_await ch.read(buf);
    }
    if (!n || *n == 0) co_return;
    if (!writable) continue;
    std::error_code ec;
    co_await asio::async_write(out.desc(), asio::buffer(buf.data(), *n), asio::redirect_error(use_awaitable, ec));
    if (ec && !ext) {
      // Nobody reads our stdout any more (`skiff host yes | head`): as ssh, eow@openssh.com
      // tells the server to stop reading the command's output (which then sees a broken
      // pipe and ends with its own status); what still comes is read and dropped.
      (void)ch.send_end_of_write();
    }
    if (ec) writable = false;
  }
}

// Signals arrive through terminal.hpp's self-pipe: SIGWINCH becomes a window-change,
// the terminating ones end the connection.
asio::awaitable<void> watch_signals(std::shared_ptr<Shared> shared) {
  Shared& st = *shared;
  auto last = window_size(STDIN_FILENO);
  for (;;) {
    std::error_code ec;
    co_await st.sigpipe.async_wait(asio::posix::stream_descriptor::wait_read, asio::redirect_error(use_awaitable, ec));
    if (ec || st.done) co_return;
    for (int sig : st.signals.take()) {
      if (sig == SIGWINCH) {
        auto now = window_size(STDIN_FILENO);
        if (st.have_pty && now != last) (void)st.ch.window_change(channel_size(STDIN_FILENO));
        last = now;
      } else if (!st.received_signal) {
        st.received_signal = sig;
        st.client.disconnect();
      }
    }
  }
}

bool env_wanted(std::string_view name, const std::vector<std::string>& patterns) {
  std::string n(name);
  for (const auto& p : patterns) {
    if (fnmatch(p.c_str(), n.c_str(), 0) == 0) return true;
  }
  return false;
}

void send_environment(Shared& st) {
  const auto& s = st.setup;
  const std::string chan = "channel " + std::to_string(st.ch.id()) + ": setting env ";
  if (!s.send_env.empty()) {
    for (char** e = environ; e && *e; ++e) {
      std::string_view var(*e);
      auto eq = var.find('=');
      if (eq == std::string_view::npos) continue;
      auto name = var.substr(0, eq), value = var.substr(eq + 1);
      if (!env_wanted(name, s.send_env)) {
        st.log.debug3("Ignored env " + std::string(name));
        continue;
      }
      st.log.debug1(chan + std::string(name) + " = \"" + std::string(value) + "\"");
      (void)st.ch.set_env(std::string(name), std::string(value));
    }
  }
  for (const auto& nv : s.set_env) {
    auto eq = nv.find('=');
    if (eq == std::string::npos) continue;
    st.log.debug1(chan + nv.substr(0, eq) + " = \"" + nv.substr(eq + 1) + "\"");
    (void)st.ch.set_env(nv.substr(0, eq), nv.substr(eq + 1));
  }
}

// The channel's requests; false (with ssh's message logged) when the session cannot start.
asio::awaitable<bool> start_session(Shared& st) {
  // As ssh_session2_setup: X11 first, then the pty, the environment and the command.
  if (st.setup.x11) co_await st.setup.x11->request(st.ch);
  if (st.setup.agent) st.setup.agent->request(st.ch);
  if (st.setup.request_pty) {
    st.log.debug2("channel " + std::to_string(st.ch.id()) + ": request pty-req confirm 1");
    PtyRequest pty = pty_request();
    if (auto r = co_await st.ch.request_pty(pty); r) {
      st.have_pty = true;
    } else {
      st.log.error(r.error().message);
    }
  }
  send_environment(st);
  Result<void> started;
  if (st.setup.command && st.setup.subsystem) {
    st.log.debug1("Sending subsystem: " + *st.setup.command);
    started = co_await st.ch.subsystem(*st.setup.command);
  } else if (st.setup.command) {
    st.log.debug1("Sending command: " + *st.setup.command);
    started = co_await st.ch.exec(*st.setup.command);
  } else {
    st.log.debug2("channel " + std::to_string(st.ch.id()) + ": request shell confirm 1");
    started = co_await st.ch.shell();
  }
  if (!started) st.log.error(started.error().message);
  co_return started.has_value();
}

}  // namespace

asio::awaitable<int> run_session(asio::io_context& io, Client& client, const SessionSetup& s, Log& log) {
  auto signals = TerminalSignals::install();
  if (!signals) {
    log.fatal(signals.error().message);
    co_return 255;
  }
  auto shared = std::make_shared<Shared>(io, client, s, log, std::move(*signals));
  Shared& st = *shared;
  // Whatever way run_session() ends, the spawned coroutines stop there.
  struct Done {
    Shared& st;
    ~Done() {
      st.done = true;
      std::error_code ec;
      st.sigpipe.cancel(ec);
      if (st.in) st.in->desc().cancel(ec);
    }
  } done{st};

  if (s.session_none) {
    asio::co_spawn(io, watch_signals(shared), asio::detached);
    if (s.no_more_sessions) (void)client.no_more_sessions();
    if (s.fork_after_auth) fork_to_background(io, log);
    Error why = co_await client.wait_closed();
    if (!st.received_signal && why.code != Errc::disconnected) log.error(why.message);
    co_return exit_status_for({.session_none = true, .local_signal = st.received_signal});
  }

  auto input = session_input_fd(s.stdin_null);
  if (!input) {
    log.fatal(input.error().message);
    co_return 255;
  }
  st.in.emplace(io, STDIN_FILENO, *input);
  StdStream out(io, STDOUT_FILENO), err(io, STDERR_FILENO);
  auto opened = co_await client.open_session();
  if (!opened) {
    log.error(opened.error().message);
    co_return 255;
  }
  st.ch = std::move(*opened);
  if (s.no_more_sessions) (void)client.no_more_sessions();
  log.debug1("channel " + std::to_string(st.ch.id()) + ": new session");
  asio::co_spawn(io, watch_signals(shared), asio::detached);
  if (!co_await start_session(st)) co_return 255;
  if (s.fork_after_auth) fork_to_background(io, log);
  // As ssh: raw mode whenever a pty was asked for, quietly when forced (-tt).
  if (s.request_pty) enter_raw_mode(s.force_pty);
  asio::co_spawn(io, pump_in(shared), asio::detached);

  co_await (pump_out(st.ch, out, false) && pump_out(st.ch, err, true));
  ExitStatus exit = co_await st.ch.wait_exit();
  if (s.request_pty) leave_raw_mode(s.force_pty);

  if (exit.code) {
    log.debug1("client_input_channel_req: channel " + std::to_string(st.ch.id()) + " rtype exit-status reply 0");
  } else if (exit.signal) {
    log.debug1("client_input_channel_req: channel " + std::to_string(st.ch.id()) + " rtype exit-signal reply 0");
  }
  if (!exit.code && !exit.signal && !st.received_signal && !st.quit && !client.is_open()) {
    // The connection ended under the session, not by us (~. and signals disconnect
    // first): ssh says so on stderr whatever the LogLevel.
    Error why = co_await client.wait_closed();
    // A stream that just ended comes as "connection closed" or, from the transport, as
    // "connection closed by peer" (no DISCONNECT, disconnect_reason 0).
    if (why.code == Errc::disconnected &&
        (why.message == "connection closed" || why.message.ends_with("connection closed by peer"))) {
      write_all(STDERR_FILENO, "Connection to " + s.host + " closed by remote host.\r\n");
    } else {
      write_all(STDERR_FILENO, why.message + "\r\n");
    }
  }
  if (st.received_signal) log.verbose("Killed by signal " + std::to_string(st.received_signal) + ".");
  if (s.request_pty && log.enabled(Level::info) && !st.received_signal) {
    write_all(STDERR_FILENO, connection_closed_message(s.host) + "\r\n");
  }
  log.debug1("Exit status " + std::to_string(exit.code ? static_cast<int>(*exit.code) : -1));
  co_return exit_status_for({.exit_status = exit.code, .exit_signal = exit.signal.has_value(),
                             .local_signal = st.received_signal});
}

}  // namespace skiff::cli
