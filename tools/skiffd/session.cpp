#include "session.hpp"

#include <signal.h>

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "io/convert.hpp"
#include "system/environment.hpp"
#include "system/pty.hpp"
#include "x11_session.hpp"

namespace skiffd {
namespace {

// One read from the child, written to the channel before the next: the channel's window
// is the only buffer, so a client that stops reading stops the child.
constexpr std::size_t kChunk = 32 * 1024;
// sshd's cap on env requests per session.
constexpr std::size_t kMaxEnv = 128;
// internal-sftp's log lines are at most this long (the child caps them lower).
constexpr std::size_t kMaxLogLine = 2048;
// How long a session whose channel closed may take to end after SIGHUP and SIGTERM.
constexpr std::chrono::seconds kTerminateWait{5};

using asio::posix::stream_descriptor;
using asio::redirect_error;
using asio::use_awaitable;

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// The request's name on the wire, for the debug log.
std::string_view request_name(const skiff::SessionRequestBody& body) {
  static constexpr std::array<std::string_view, 11> kNames{
      "pty-req", "env", "shell", "exec", "subsystem", "window-change", "signal", "break", "x11-req",
      "auth-agent-req@openssh.com", "eow@openssh.com"};
  static_assert(std::variant_size_v<skiff::SessionRequestBody> == kNames.size());
  return kNames[body.index()];
}

// A started session: the child's descriptors and what each side has finished.
struct Running {
  Running(const asio::any_io_executor& ex, skiff::Session s, Login& l, sys::SessionProcess p)
      : session(std::move(s)), login(l), proc(std::move(p)), changed(ex), sigchld(ex, SIGCHLD) {}

  skiff::Session session;
  Login& login;
  sys::SessionProcess proc;
  // pty: one descriptor both ways (the master); else stdin, stdout, stderr pipes.
  std::optional<stream_descriptor> pty, in, out, err;
  // internal-sftp: its log lines for skiffd's log.
  std::optional<stream_descriptor> log_lines;
  // Woken (cancelled) whenever one of the flags below changes; only serve_session waits.
  asio::steady_timer changed;
  asio::signal_set sigchld;
  bool out_done = false, err_done = false, log_done = true, exited = false, channel_gone = false;
  sys::SessionExit exit;

  void notify() { changed.cancel(); }
  stream_descriptor& input() { return pty ? *pty : *in; }
  void close_descriptors() {
    std::error_code ec;
    for (auto* d : {&pty, &in, &out, &err, &log_lines})
      if (*d) (*d)->close(ec);
  }
};

// Child output -> channel (stdout as data, stderr as extended data), until EOF (EIO on a
// pty whose slave side is all closed) or the channel is gone.
asio::awaitable<void> pump_out(std::shared_ptr<Running> r, stream_descriptor& from, bool is_stderr) {
  std::vector<std::uint8_t> buf(kChunk);
  for (;;) {
    std::error_code ec;
    const std::size_t n = co_await from.async_read_some(asio::buffer(buf), redirect_error(use_awaitable, ec));
    if (ec || n == 0) break;
    const std::span<const std::uint8_t> data(buf.data(), n);
    skiff::Result<void> w = is_stderr ? co_await r->session.write_stderr(data) : co_await r->session.write(data);
    if (!w) {
      r->channel_gone = true;
      break;
    }
  }
  (is_stderr ? r->err_done : r->out_done) = true;
  r->notify();
}

// internal-sftp's log pipe -> skiffd's log, one "<level digit><text>" line at a time,
// until the child ends (EOF). The child applied its -l level already.
asio::awaitable<void> pump_log(std::shared_ptr<Running> r) {
  std::vector<char> buf(4096);
  std::string line;
  bool overlong = false;
  auto emit = [&] {
    int level = line.empty() ? 2 : line[0] - '0';
    if (level < 1 || level > 7) level = 2;  // not a level: logged as an error
    r->login.log().log_forced(static_cast<sys::LogLevel>(level), std::string_view(line).substr(line.empty() ? 0 : 1));
    line.clear();
  };
  for (;;) {
    std::error_code ec;
    const std::size_t n = co_await r->log_lines->async_read_some(asio::buffer(buf), redirect_error(use_awaitable, ec));
    // Closed by serve_session on its way out: nothing may be touched any more.
    if (ec == asio::error::operation_aborted) co_return;
    if (ec || n == 0) break;
    for (std::size_t i = 0; i < n; ++i) {
      if (buf[i] == '\n') {
        if (!overlong) emit();
        overlong = false;
        line.clear();
      } else if (line.size() < kMaxLogLine) {
        line.push_back(buf[i]);
      } else if (!overlong) {
        emit();  // the first kMaxLogLine bytes; the rest of this line is dropped
        overlong = true;
      }
    }
  }
  if (!line.empty() && !overlong) emit();
  r->log_done = true;
  r->notify();
}

// Channel -> child's stdin (or the pty). The channel's EOF closes stdin (a pty has no
// half-close: its input just stops). A child that closed its stdin gets nothing more, but
// the channel is still read so that its window keeps moving.
asio::awaitable<void> pump_in(std::shared_ptr<Running> r) {
  bool discard = false;
  for (;;) {
    // Blocks as they arrived (no copy): each is written out before the next is taken, so
    // the channel's window still bounds what waits here.
    auto chunk = co_await r->session.read_chunk();
    if (!chunk || chunk->empty()) break;
    if (discard) continue;
    std::error_code ec;
    co_await asio::async_write(r->input(), asio::buffer(*chunk), redirect_error(use_awaitable, ec));
    if (ec) discard = true;
  }
  if (r->in) {
    std::error_code ec;
    r->in->close(ec);
  }
}

// SIGCHLD -> reap_session, until this session's process has ended.
asio::awaitable<void> watch_exit(std::shared_ptr<Running> r) {
  for (;;) {
    auto e = r->login.privileged().reap_session(r->proc.pid);
    if (!e) {
      r->login.log().error("session " + std::to_string(r->proc.pid) + ": " + e.error().message);
      break;
    }
    if (*e) {
      r->exit = **e;
      break;
    }
    std::error_code ec;
    co_await r->sigchld.async_wait(redirect_error(use_awaitable, ec));
    if (ec) co_return;  // cancelled: the session was left running
  }
  r->exited = true;
  r->notify();
}

// Requests once the command runs: window-change, signal, break; anything else refused.
asio::awaitable<void> later_requests(std::shared_ptr<Running> r) {
  while (auto req = co_await r->session.next_request()) {
    r->login.log().debug("session_input_channel_req: session " + std::to_string(r->session.id()) + " req " +
                         std::string(request_name(req->body)));
    bool ok = false;
    if (auto* w = std::get_if<skiff::WindowSize>(&req->body)) {
      ok = r->pty && sys::set_window_size(r->pty->native_handle(), w->columns, w->rows, w->width_px, w->height_px);
    } else if (auto* s = std::get_if<skiff::SignalRequest>(&req->body)) {
      // Privileged checks the name and refuses forced commands and subsystems (logged).
      ok = r->login.privileged().signal_session(r->proc.pid, s->name).has_value();
    } else if (std::holds_alternative<skiff::BreakRequest>(req->body)) {
      ok = r->pty && sys::send_break(r->pty->native_handle());
    } else if (std::holds_alternative<skiff::EndOfWrite>(req->body)) {
      // As sshd's chan_rcvd_eow: stop reading the command's output, so that its next
      // write fails (EPIPE / SIGPIPE) instead of filling a channel nobody reads.
      if (r->out) {
        std::error_code ec;
        r->out->close(ec);
      }
    }
    (void)r->session.reply(ok);
  }
  r->channel_gone = true;
  r->notify();
}

// Handles one request before the command starts: true when it asks to start one, else
// ok tells the answer.
bool before_start(const skiff::SessionRequest& req, sys::SessionRequest& spawn, Login& login, bool& ok) {
  const auto& config = login.config();
  ok = false;
  bool start = false;
  std::visit(Overloaded{
                 [&](const skiff::PtyRequest& p) {
                   ok = !spawn.pty && login.privileged().pty_permitted();
                   if (ok) spawn.pty = skiff::io::to_core(p);
                 },
                 [&](const skiff::EnvRequest& e) {
                   ok = spawn.env.size() < kMaxEnv && sys::accept_client_env(e.name, config.accept_env);
                   if (ok) spawn.env.push_back({e.name, e.value});
                 },
                 [&](const skiff::ShellRequest&) { start = true; },
                 [&](const skiff::ExecRequest& e) {
                   spawn.command = e.command;
                   start = true;
                 },
                 [&](const skiff::SubsystemRequest& s) {
                   const std::string name = s.name.substr(0, 100);
                   login.log().info("subsystem request for " + name + " by user " + login.user());
                   for (const auto& [n, cmd] : config.subsystems) {
                     if (n != s.name) continue;
                     // "internal-sftp [flags]" is recognised by Privileged, which runs the
                     // engine in the session child instead of a program.
                     spawn.command = cmd;
                     spawn.subsystem = s.name;
                     start = true;
                     return;
                   }
                   login.log().error("subsystem request for " + name + " by user " + login.user() +
                                     " failed, subsystem not found");
                 },
                 [&](const skiff::WindowSize& w) {
                   ok = spawn.pty.has_value();
                   if (ok) {
                     spawn.pty->columns = w.columns;
                     spawn.pty->rows = w.rows;
                     spawn.pty->width_px = w.width_px;
                     spawn.pty->height_px = w.height_px;
                   }
                 },
                 [&](const auto&) {},
             },
             req.body);
  if (std::holds_alternative<skiff::PtyRequest>(req.body) && !ok) login.log().info("Pty allocation disabled.");
  return start;
}

}  // namespace

asio::awaitable<void> serve_session(skiff::Session& session, Login& login, AgentForwarding& agent) {
  auto ex = co_await asio::this_coro::executor;
  sys::SessionRequest spawn;
  spawn.channel_id = session.id();
  std::shared_ptr<Running> r;
  // X11 forwarding's listeners live as long as the session does.
  std::shared_ptr<X11Display> x11;
  struct CloseX11 {
    std::shared_ptr<X11Display>& d;
    ~CloseX11() {
      if (d) d->close();
    }
  } close_x11{x11};
  while (!r) {
    auto req = co_await session.next_request();
    if (!req) co_return;
    login.log().debug("session_input_channel_req: session " + std::to_string(session.id()) + " req " +
                      std::string(request_name(req->body)));
    if (const auto* x = std::get_if<skiff::X11Request>(&req->body)) {
      (void)session.reply(setup_x11_forwarding(*x, spawn, x11, session, login, ex));
      continue;
    }
    if (std::holds_alternative<skiff::AgentForwardRequest>(req->body)) {
      (void)session.reply(agent.request(session.link(), ex));
      continue;
    }
    bool ok = false;
    if (!before_start(*req, spawn, login, ok)) {
      (void)session.reply(ok);
      continue;
    }
    spawn.auth_sock = agent.path();  // the connection's forwarded agent, for every session
    auto proc = login.privileged().spawn_session(spawn);
    if (!proc) {
      (void)session.reply(false);
      spawn.command.reset();
      spawn.subsystem.reset();
      continue;
    }
    // watch_exit reaps once before it waits for SIGCHLD: an exit before the signal_set
    // existed is not missed.
    r = std::make_shared<Running>(ex, session, login, std::move(*proc));
    (void)session.reply(true);
  }
  if (r->proc.pty_master) {
    r->pty.emplace(ex, r->proc.pty_master.release());
    r->err_done = true;
    asio::co_spawn(ex, pump_out(r, *r->pty, false), asio::detached);
  } else {
    r->in.emplace(ex, r->proc.stdin_fd.release());
    r->out.emplace(ex, r->proc.stdout_fd.release());
    r->err.emplace(ex, r->proc.stderr_fd.release());
    asio::co_spawn(ex, pump_out(r, *r->out, false), asio::detached);
    asio::co_spawn(ex, pump_out(r, *r->err, true), asio::detached);
  }
  if (r->proc.log_fd) {
    r->log_lines.emplace(ex, r->proc.log_fd.release());
    r->log_done = false;
    asio::co_spawn(ex, pump_log(r), asio::detached);
  }
  asio::co_spawn(ex, pump_in(r), asio::detached);
  asio::co_spawn(ex, watch_exit(r), asio::detached);
  asio::co_spawn(ex, later_requests(r), asio::detached);

  std::optional<asio::steady_timer::time_point> give_up;
  for (;;) {
    if (r->exited && ((r->out_done && r->err_done && r->log_done) || r->channel_gone)) break;
    if (r->channel_gone && !give_up) {
      // The client closed first: end the session's process group, as sshd does.
      login.privileged().terminate_session(r->proc.pid);
      give_up = asio::steady_timer::clock_type::now() + kTerminateWait;
    }
    std::error_code ec;
    r->changed.expires_at(give_up.value_or(asio::steady_timer::time_point::max()));
    co_await r->changed.async_wait(redirect_error(use_awaitable, ec));
    if (!ec && give_up && !r->exited) {
      // It ignores SIGHUP and SIGTERM: the connection does not wait for it (neither does
      // sshd's); Privileged's destructor signals it once more and closes its records.
      login.log().verbose("session " + std::to_string(r->proc.pid) + " did not end; leaving it");
      r->sigchld.cancel();
      break;
    }
  }
  r->close_descriptors();
  if (!r->channel_gone && !session.closed()) {
    if (r->exit.exit_status) {
      (void)session.send_exit_status(*r->exit.exit_status);
    } else if (!r->exit.signal.empty()) {
      (void)session.send_exit_signal(r->exit.signal, r->exit.core_dumped);
    }
    (void)session.send_eof();
    co_await session.close();
  }
}

}  // namespace skiffd
