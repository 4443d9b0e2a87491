#include "client_session.hpp"

// g++ 12 wrongly reports Asio's coroutine frame allocation as mismatched once a coroutine
// is inlined (GCC bug 109224); the frames are Asio's own.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "pty_modes.hpp"
#include "session_policy.hpp"

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
  StdStream(asio::io_context& io, int fd) : fd_(fd), flags_(fcntl(fd, F_GETFL)), desc_(io) {
    int d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (d >= 0) desc_.assign(d);
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

struct Shared {
  int received_signal = 0;
  bool output_done = false;
};

// Channel data to a local stream. A local stream that fails (a closed pipe) is then
// drained without writing, so the channel still ends and the window keeps moving.
asio::awaitable<void> pump_out(ClientSession& ch, StdStream& out, bool ext) {
  std::vector<std::uint8_t> buf(kBufferSize);
  bool writable = out.ok();
  for (;;) {
    auto n = ext ? co_await ch.read_stderr(buf) : co_await ch.read(buf);
    if (!n || *n == 0) co_return;
    if (!writable) continue;
    std::error_code ec;
    co_await asio::async_write(out.desc(), asio::buffer(buf.data(), *n), asio::redirect_error(use_awaitable, ec));
    if (ec) writable = false;
  }
}

asio::awaitable<void> pump_in(ClientSession& ch, StdStream& in, Shared& st) {
  std::vector<std::uint8_t> buf(kBufferSize);
  for (;;) {
    std::error_code ec;
    std::size_t n = co_await in.desc().async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
    if (st.output_done) co_return;
    if (ec || n == 0) break;
    // INTEGRATION(cli): with a pty and an escape character, the escape-sequence filter
    // (~. ~^Z ~& ~# ~? ~~ ~B ~R ~V ~v) goes here, between the terminal and the channel.
    if (!co_await ch.write(std::span<const std::uint8_t>(buf.data(), n))) co_return;
  }
  (void)ch.send_eof();
}

bool env_wanted(std::string_view name, const std::vector<std::string>& patterns) {
  std::string n(name);
  for (const auto& p : patterns) {
    if (fnmatch(p.c_str(), n.c_str(), 0) == 0) return true;
  }
  return false;
}

void send_environment(ClientSession& ch, const SessionSetup& s, const Log& log) {
  if (!s.send_env.empty()) {
    for (char** e = environ; e && *e; ++e) {
      std::string_view var(*e);
      auto eq = var.find('=');
      if (eq == std::string_view::npos) continue;
      auto name = var.substr(0, eq), value = var.substr(eq + 1);
      if (!env_wanted(name, s.send_env)) {
        log.debug3("Ignored env " + std::string(name));
        continue;
      }
      log.debug1("channel " + std::to_string(ch.id()) + ": setting env " + std::string(name) + " = \"" +
                 std::string(value) + "\"");
      (void)ch.set_env(std::string(name), std::string(value));
    }
  }
  for (const auto& nv : s.set_env) {
    auto eq = nv.find('=');
    if (eq == std::string::npos) continue;
    log.debug1("channel " + std::to_string(ch.id()) + ": setting env " + nv.substr(0, eq) + " = \"" +
               nv.substr(eq + 1) + "\"");
    (void)ch.set_env(nv.substr(0, eq), nv.substr(eq + 1));
  }
}

// ssh's fork_postauth(): daemon(1, 1), then stdin and stdout (and stderr unless the log
// goes there at a debug level) on /dev/null; our duplicates keep the session's streams.
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

// Ends the session when a terminating signal arrives; SIGWINCH becomes window-change.
asio::awaitable<void> watch_signals(asio::signal_set& sigs, Client& client, Shared& st) {
  for (;;) {
    std::error_code ec;
    int sig = co_await sigs.async_wait(asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    st.received_signal = sig;
    client.disconnect();
    co_return;
  }
}

asio::awaitable<void> watch_winch(asio::signal_set& winch, ClientSession& ch) {
  WindowSize last = terminal_size(STDIN_FILENO);
  for (;;) {
    std::error_code ec;
    co_await winch.async_wait(asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    WindowSize now = terminal_size(STDIN_FILENO);
    if (now == last) continue;
    last = now;
    (void)ch.window_change(now);
  }
}

void write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = write(fd, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    s.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

asio::awaitable<int> run_session(asio::io_context& io, Client& client, const SessionSetup& s, const Log& log) {
  Shared st;
  asio::signal_set sigs(io, SIGHUP, SIGINT, SIGTERM);
  sigs.add(SIGQUIT);
  asio::co_spawn(io, watch_signals(sigs, client, st), asio::detached);

  if (s.session_none) {
    if (s.fork_after_auth) fork_to_background(io, log);
    Error why = co_await client.wait_closed();
    sigs.cancel();
    if (!st.received_signal && why.code != Errc::disconnected) log.error(why.message);
    SessionEnd end;
    end.session_none = true;
    end.local_signal = st.received_signal;
    co_return exit_status_for(end);
  }

  StdStream in(io, STDIN_FILENO), out(io, STDOUT_FILENO), err(io, s.stderr_fd);
  auto opened = co_await client.open_session();
  if (!opened) {
    sigs.cancel();
    log.error(opened.error().message);
    co_return 255;
  }
  ClientSession ch = std::move(*opened);
  log.debug1("channel " + std::to_string(ch.id()) + ": new session");

  bool have_pty = false;
  if (s.request_pty) {
    PtyRequest pty = make_pty_request(STDIN_FILENO);
    log.debug2("channel " + std::to_string(ch.id()) + ": request pty-req confirm 1");
    if (auto r = co_await ch.request_pty(pty); r) {
      have_pty = true;
    } else {
      log.error(r.error().message);
    }
  }
  send_environment(ch, s, log);
  Result<void> started;
  if (s.command) {
    log.debug1("Sending command: " + *s.command);
    started = co_await ch.exec(*s.command);
  } else {
    log.debug2("channel " + std::to_string(ch.id()) + ": request shell confirm 1");
    started = co_await ch.shell();
  }
  if (!started) {
    sigs.cancel();
    log.error(started.error().message);
    co_return 255;
  }
  if (s.fork_after_auth) fork_to_background(io, log);

  // INTEGRATION(cli): with have_pty (or force_pty), the local terminal goes into raw mode
  // here and back on every way out (signals included).
  asio::signal_set winch(io);
  if (have_pty) {
    winch.add(SIGWINCH);
    asio::co_spawn(io, watch_winch(winch, ch), asio::detached);
  }
  if (s.stdin_null) {
    (void)ch.send_eof();
  } else {
    asio::co_spawn(io, pump_in(ch, in, st), asio::detached);
  }

  co_await (pump_out(ch, out, false) && pump_out(ch, err, true));
  ExitStatus exit = co_await ch.wait_exit();
  st.output_done = true;
  {
    std::error_code ec;
    in.desc().cancel(ec);
  }
  winch.cancel();
  sigs.cancel();

  if (exit.code) {
    log.debug1("client_input_channel_req: channel " + std::to_string(ch.id()) + " rtype exit-status reply 0");
  } else if (exit.signal) {
    log.debug1("client_input_channel_req: channel " + std::to_string(ch.id()) + " rtype exit-signal reply 0");
  }
  SessionEnd end;
  end.exit_status = exit.code;
  end.exit_signal = exit.signal.has_value();
  end.local_signal = st.received_signal;
  if (st.received_signal) log.verbose("Killed by signal " + std::to_string(st.received_signal) + ".");
  if (have_pty && log.enabled(Level::info) && !st.received_signal) {
    write_all(s.stderr_fd, connection_closed_message(s.host) + "\r\n");
  }
  int status = exit_status_for(end);
  log.debug1("Exit status " + std::to_string(exit.code ? static_cast<int>(*exit.code) : -1));
  co_return status;
}

}  // namespace skiff::cli
