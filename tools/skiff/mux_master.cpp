#include "mux_master.hpp"

#include <fcntl.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "mux_client.hpp"
#include "readpass.hpp"
#include "common/channel_splice.hpp"
#include "terminal.hpp"

namespace skiff::cli {

namespace {

using asio::use_awaitable;
using tools::splice_in;
using namespace asio::experimental::awaitable_operators;
using unix_socket = asio::local::stream_protocol::socket;
constexpr std::size_t kBufferSize = 64 * 1024;

// A received descriptor, closed unless taken.
struct OwnedFd {
  int fd = -1;
  OwnedFd() = default;
  explicit OwnedFd(int f) : fd(f) {}
  OwnedFd(OwnedFd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  OwnedFd& operator=(OwnedFd&&) = delete;
  ~OwnedFd() {
    if (fd >= 0) close(fd);
  }
  int release() { return std::exchange(fd, -1); }
};

// ssh's ask_permission(): an empty answer or "yes" allows (ssh-askpass's confirm mode).
bool ask_permission(const std::string& prompt, const Log& log) {
  auto answer = read_passphrase(prompt, {.echo = true, .allow_eof = true}, log);
  if (!answer) return false;
  return answer->empty() || strcasecmp(answer->c_str(), "yes") == 0;
}

}  // namespace

struct MuxMaster::Listener {
  explicit Listener(asio::io_context& io)
      : acceptor(io), change(io, asio::steady_timer::time_point::max()), winch(io, SIGWINCH) {}
  asio::local::stream_protocol::acceptor acceptor;
  asio::steady_timer change;  // cancelled to wake wait_change()
  asio::signal_set winch;
  std::string path;
};

struct MuxMaster::Control {
  explicit Control(unix_socket s) : socket(std::move(s)) {}
  unix_socket socket;
  bool session = false;  // one session or stdio forward per control connection, as mux.c
};

// A shared session with a pty: the passenger's terminal, to follow its size.
struct MuxMaster::Shared {
  int tty_fd = -1;  // the passenger's stdin (a terminal), owned by the session
  WindowSize size;
  ClientSession channel;
};

MuxMaster::MuxMaster(asio::io_context& io, Client& client, MuxMasterOptions options, const Log& log)
    : io_(io), client_(client), options_(std::move(options)), log_(log), listener_(std::make_unique<Listener>(io)) {}

MuxMaster::~MuxMaster() { stop_listening(); }

void MuxMaster::shutdown() {
  stop_listening();
  stopped_ = true;
  std::error_code ec;
  listener_->winch.cancel(ec);
  for (auto& w : controls_) {
    if (auto c = w.lock()) c->socket.close(ec);
  }
  controls_.clear();
  changed();
}

Result<std::shared_ptr<MuxMaster>> MuxMaster::listen(asio::io_context& io, Client& client, MuxMasterOptions options,
                                                     const Log& log) {
  const std::string path = options.control_path;
  // A random temporary name beside the final one (ssh: "path.XXXXXXXXXXXXXXXX").
  std::random_device rd;
  static constexpr char kAlnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string temp = path + ".";
  for (int i = 0; i < 16; ++i) temp += kAlnum[rd() % (sizeof kAlnum - 1)];
  sockaddr_un probe{};
  if (temp.size() >= sizeof probe.sun_path) {
    return fail(Errc::invalid_argument, "ControlPath \"" + path + "\" too long for Unix domain socket");
  }
  std::shared_ptr<MuxMaster> m(new MuxMaster(io, client, std::move(options), log));
  const mode_t old_mask = umask(0177);
  std::error_code ec;
  auto& acc = m->listener_->acceptor;
  acc.open(asio::local::stream_protocol(), ec);
  if (!ec) acc.bind(asio::local::stream_protocol::endpoint(temp), ec);
  umask(old_mask);
  if (ec) {
    return fail(Errc::io_error, "ControlSocket " + temp + ": " + ec.message());
  }
  acc.listen(64, ec);
  if (ec) {
    unlink(temp.c_str());
    return fail(Errc::io_error, "listen: " + ec.message());
  }
  // Atomically in place, never over an existing socket.
  if (link(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    unlink(temp.c_str());
    if (err == EEXIST) {
      return fail(Errc::invalid_argument, "ControlSocket " + path + " already exists, disabling multiplexing");
    }
    return fail(Errc::io_error, "link mux listener " + temp + " => " + path + ": " + std::strerror(err));
  }
  unlink(temp.c_str());
  m->listener_->path = path;
  log.debug1("setting up multiplex master socket");
  return m;
}

void MuxMaster::start() {
  asio::co_spawn(io_, accept_loop(), asio::detached);
  asio::co_spawn(io_, watch_winch(), asio::detached);
}

void MuxMaster::stop_listening() {
  if (!listener_ || listener_->path.empty()) return;
  std::error_code ec;
  listener_->acceptor.close(ec);
  unlink(listener_->path.c_str());
  listener_->path.clear();
}

void MuxMaster::changed() { listener_->change.cancel(); }

asio::awaitable<void> MuxMaster::wait_change() {
  if (stopped_) co_return;
  std::error_code ec;
  co_await listener_->change.async_wait(asio::redirect_error(use_awaitable, ec));
}

asio::awaitable<void> MuxMaster::accept_loop() {
  auto self = shared_from_this();
  while (!listener_->path.empty()) {
    std::error_code ec;
    unix_socket s = co_await listener_->acceptor.async_accept(asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (listener_->path.empty() || ec == asio::error::operation_aborted) break;
      log_.error("accept: " + ec.message());
      continue;
    }
    // As mux.c's control_client_check: only our own user (or root) may use the connection.
    ucred cred{};
    socklen_t len = sizeof cred;
    if (getsockopt(s.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
      log_.error(std::string("getpeereid failed: ") + std::strerror(errno));
      continue;
    }
    if (cred.uid != 0 && cred.uid != geteuid()) {
      log_.error("mux_master_read_cb: multiplex uid mismatch: peer euid " + std::to_string(cred.uid) +
                 " != uid " + std::to_string(geteuid()));
      continue;
    }
    auto control = std::make_shared<Control>(std::move(s));
    std::erase_if(controls_, [](const std::weak_ptr<Control>& w) { return w.expired(); });
    controls_.push_back(control);
    asio::co_spawn(io_, serve(std::move(control)), asio::detached);
  }
}

asio::awaitable<void> MuxMaster::watch_winch() {
  auto self = shared_from_this();
  while (!stopped_) {
    std::error_code ec;
    co_await listener_->winch.async_wait(asio::redirect_error(use_awaitable, ec));
    if (ec || stopped_) co_return;
    // Passengers relay their SIGWINCH here: each shared terminal's size is read again.
    std::erase_if(tty_sessions_, [](const std::weak_ptr<Shared>& w) { return w.expired(); });
    for (auto& w : tty_sessions_) {
      auto s = w.lock();
      if (!s || s->tty_fd < 0 || s->channel.closed()) continue;
      auto now = window_size(s->tty_fd);
      if (now == s->size) continue;
      s->size = now;
      (void)s->channel.window_change({now.columns, now.rows, now.width_px, now.height_px});
    }
  }
}

namespace {

// Reads one packet exactly: never a byte beyond it, since the descriptors of NEW_SESSION
// ride on the bytes that follow (a plain read would take and drop them).
asio::awaitable<Result<mux::Message>> read_packet(unix_socket& s) {
  std::uint8_t head[4];
  std::error_code ec;
  co_await asio::async_read(s, asio::buffer(head), asio::redirect_error(use_awaitable, ec));
  if (ec) co_return fail(Errc::disconnected, ec.message());
  const std::size_t len = (std::size_t{head[0]} << 24) | (std::size_t{head[1]} << 16) | (std::size_t{head[2]} << 8) |
                          std::size_t{head[3]};
  if (len > mux::kMaxPacket) co_return fail(Errc::too_large, "mux packet too long");
  std::vector<std::uint8_t> body(len);
  co_await asio::async_read(s, asio::buffer(body), asio::redirect_error(use_awaitable, ec));
  if (ec) co_return fail(Errc::disconnected, ec.message());
  co_return mux::decode(body);
}

asio::awaitable<bool> send(unix_socket& s, const mux::Message& m) {
  auto bytes = mux::encode(m);
  std::error_code ec;
  co_await asio::async_write(s, asio::buffer(bytes), asio::redirect_error(use_awaitable, ec));
  co_return !ec;
}

// The descriptors that follow a request, one per byte (mm_receive_fd).
asio::awaitable<bool> receive_fds(unix_socket& s, std::span<int> out) {
  for (auto& fd : out) fd = -1;
  for (auto& fd : out) {
    while (true) {
      fd = receive_fd(s.native_handle());
      if (fd >= 0) break;
      if (errno != EAGAIN && errno != EWOULDBLOCK) co_return false;
      std::error_code ec;
      co_await s.async_wait(unix_socket::wait_read, asio::redirect_error(use_awaitable, ec));
      if (ec) co_return false;
    }
  }
  co_return true;
}

using Stream = std::shared_ptr<asio::posix::stream_descriptor>;

// One passed descriptor as an Asio stream (regular files work too: Asio treats them as
// never blocking). Shared: a detached reader may resume once more after the session ended.
Stream stream_of(asio::io_context& io, int fd) {
  auto d = std::make_shared<asio::posix::stream_descriptor>(io);
  std::error_code ec;
  if (fd >= 0) d->assign(fd, ec);
  return d;
}

// The passenger's input into the channel: channel_splice.hpp's half (EOF passed on), holding the
// stream for as long as the detached coroutine runs.
asio::awaitable<void> descriptor_to_channel(Stream in, Channel ch) {
  std::vector<std::uint8_t> none;
  co_await splice_in(ch, *in, none);
}

asio::awaitable<void> channel_to_descriptor(Channel ch, Stream out, bool ext) {
  bool writable = out->is_open();
  for (;;) {
    Result<std::vector<std::uint8_t>> chunk;
    if (ext) {
      chunk = co_await ch.read_stderr_chunk();
    } else {
      chunk = co_await ch.read_chunk();
    }
    if (!chunk || chunk->empty()) co_return;
    if (!writable) continue;
    std::error_code ec;
    co_await asio::async_write(*out, asio::buffer(*chunk), asio::redirect_error(use_awaitable, ec));
    if (ec) writable = false;
  }
}

// The control socket's end (the passenger went away) ends its session, as mux.c's
// control cleanup closes the session channel.
template <class Control>
asio::awaitable<void> close_when_control_ends(std::shared_ptr<Control> control, Channel ch) {
  std::uint8_t byte;
  std::error_code ec;
  (void)co_await control->socket.async_read_some(asio::buffer(&byte, 1), asio::redirect_error(use_awaitable, ec));
  if (!ch.closed()) co_await ch.close();
}

}  // namespace

asio::awaitable<void> MuxMaster::serve(std::shared_ptr<Control> control) {
  auto self = shared_from_this();
  ++active_;
  changed();
  struct Gone {
    MuxMaster& m;
    ~Gone() {
      --m.active_;
      m.changed();
    }
  } gone{*this};
  auto& s = control->socket;
  const mux::Message hello = mux::Hello{};
  if (!co_await send(s, hello)) co_return;
  auto first = co_await read_packet(s);
  if (!first || !std::holds_alternative<mux::Hello>(*first) || std::get<mux::Hello>(*first).version != mux::kVersion) {
    log_.error("mux_master_process_hello: unsupported multiplexing protocol version or malformed hello");
    co_return;
  }
  while (true) {
    auto m = co_await read_packet(s);
    if (!m) {
      if (m.error().code != Errc::disconnected) log_.error("mux_master_read_cb: " + m.error().message);
      co_return;
    }
    bool ok = true;
    if (auto* a = std::get_if<mux::AliveCheck>(&*m)) {
      ok = co_await send(s, mux::Message(mux::Alive{a->request_id, static_cast<std::uint32_t>(getpid())}));
    } else if (auto* t = std::get_if<mux::Terminate>(&*m)) {
      if (options_.ask && !ask_permission("Terminate shared connection to " + options_.host + "? ", log_)) {
        ok = co_await send(s, mux::Message(mux::PermissionDenied{t->request_id, "Permission denied"}));
        continue;
      }
      (void)co_await send(s, mux::Message(mux::Ok{t->request_id}));
      terminate_ = true;
      changed();
      co_return;
    } else if (auto* st = std::get_if<mux::StopListening>(&*m)) {
      if (options_.ask && !ask_permission("Disable further multiplexing on shared connection to " + options_.host + "? ", log_)) {
        ok = co_await send(s, mux::Message(mux::PermissionDenied{st->request_id, "Permission denied"}));
        continue;
      }
      stop_listening();
      ok = co_await send(s, mux::Message(mux::Ok{st->request_id}));
    } else if (auto* of = std::get_if<mux::OpenForward>(&*m)) {
      mux::Message reply = mux::Failure{of->request_id, "port forwarding is not available on this master"};
      if (options_.forward) {
        auto r = co_await options_.forward(of->forward, false);
        if (!r) {
          reply = mux::Failure{of->request_id, r.error().message};
        } else if (of->forward.kind == mux::ForwardKind::remote && of->forward.listen_port == 0) {
          reply = mux::RemotePort{of->request_id, *r};
        } else {
          reply = mux::Ok{of->request_id};
        }
      }
      ok = co_await send(s, reply);
    } else if (auto* cf = std::get_if<mux::CloseForward>(&*m)) {
      mux::Message reply = mux::Failure{cf->request_id, "port forwarding is not available on this master"};
      if (options_.forward) {
        auto r = co_await options_.forward(cf->forward, true);
        reply = r ? mux::Message(mux::Ok{cf->request_id}) : mux::Message(mux::Failure{cf->request_id, r.error().message});
      }
      ok = co_await send(s, reply);
    } else if (auto* ns = std::get_if<mux::NewSession>(&*m)) {
      std::array<int, 3> fds{-1, -1, -1};
      if (!co_await receive_fds(s, fds)) {
        for (int fd : fds) {
          if (fd >= 0) close(fd);
        }
        (void)co_await send(s, mux::Message(mux::Failure{ns->request_id, "did not receive file descriptors"}));
        co_return;
      }
      if (control->session) {
        for (int fd : fds) close(fd);
        ok = co_await send(s, mux::Message(mux::Failure{ns->request_id, "Multiple sessions not supported"}));
        continue;
      }
      if (options_.ask && !ask_permission("Allow shared connection to " + options_.host + "? ", log_)) {
        for (int fd : fds) close(fd);
        ok = co_await send(s, mux::Message(mux::PermissionDenied{ns->request_id, "Permission denied"}));
        continue;
      }
      control->session = true;
      mux::NewSession request = std::move(*ns);
      co_await run_session(control, std::move(request), fds);
      co_return;
    } else if (auto* sf = std::get_if<mux::NewStdioForward>(&*m)) {
      std::array<int, 2> fds{-1, -1};
      if (!co_await receive_fds(s, fds)) {
        for (int fd : fds) {
          if (fd >= 0) close(fd);
        }
        (void)co_await send(s, mux::Message(mux::Failure{sf->request_id, "did not receive file descriptors"}));
        co_return;
      }
      if (control->session) {
        for (int fd : fds) close(fd);
        ok = co_await send(s, mux::Message(mux::Failure{sf->request_id, "Multiple sessions not supported"}));
        continue;
      }
      if (options_.ask && !ask_permission("Allow forward to " + sf->host + ":" + std::to_string(sf->port) + "? ", log_)) {
        for (int fd : fds) close(fd);
        ok = co_await send(s, mux::Message(mux::PermissionDenied{sf->request_id, "Permission denied"}));
        continue;
      }
      control->session = true;
      mux::NewStdioForward request = std::move(*sf);
      co_await run_stdio_forward(control, std::move(request), fds);
      co_return;
    } else if (auto* p = std::get_if<mux::ProxyRequest>(&*m)) {
      ok = co_await send(s, mux::Message(mux::Failure{p->request_id, "proxy mode is not supported"}));
    } else {
      log_.error("mux_master_read_cb: unexpected or unsupported mux message");
      co_return;
    }
    if (!ok) co_return;
  }
}

asio::awaitable<void> MuxMaster::run_session(std::shared_ptr<Control> control, mux::NewSession request,
                                             std::array<int, 3> fds) {
  auto self = shared_from_this();
  OwnedFd in_fd(fds[0]), out_fd(fds[1]), err_fd(fds[2]);
  auto& s = control->socket;
  auto opened = co_await client_.open_session();
  if (!opened) {
    log_.error(opened.error().message);
    (void)co_await send(s, mux::Message(mux::Failure{request.request_id, "session open failed"}));
    co_return;
  }
  ClientSession ch = std::move(*opened);
  auto shared = std::make_shared<Shared>();
  shared->channel = ch;
  bool tty_failed = false;
  if (request.want_tty) {
    PtyRequest pty;
    pty.term = request.term;
    shared->size = window_size(in_fd.fd);
    pty.size = {shared->size.columns, shared->size.rows, shared->size.width_px, shared->size.height_px};
    for (const auto& mode : terminal_modes(in_fd.fd)) pty.modes.push_back({mode.opcode, mode.value});
    if (auto r = co_await ch.request_pty(pty); !r) {
      log_.error(r.error().message);
      tty_failed = true;
    } else {
      shared->tty_fd = in_fd.fd;
      tty_sessions_.push_back(shared);
    }
  }
  for (const auto& nv : request.env) {
    auto eq = nv.find('=');
    if (eq == std::string::npos) continue;
    (void)ch.set_env(nv.substr(0, eq), nv.substr(eq + 1));
  }
  if (request.want_x11) log_.verbose("X11 forwarding for a shared session is not available; the session runs without");
  if (request.want_agent) (void)ch.request_agent_forwarding();
  Result<void> started;
  if (request.subsystem) {
    started = co_await ch.subsystem(request.command);
  } else if (!request.command.empty()) {
    started = co_await ch.exec(request.command);
  } else {
    started = co_await ch.shell();
  }
  const std::uint32_t sid = ch.id();
  if (!co_await send(s, mux::Message(mux::SessionOpened{request.request_id, sid}))) {
    co_await ch.close();
    co_return;
  }
  if (tty_failed) (void)co_await send(s, mux::Message(mux::TtyAllocFail{sid}));
  if (!started) {
    // As ssh's master: the reason on the passenger's stderr, then status 255.
    const std::string line = started.error().message + "\r\n";
    (void)!write(err_fd.fd, line.data(), line.size());
    co_await ch.close();
    (void)co_await send(s, mux::Message(mux::ExitMessage{sid, 255}));
    co_return;
  }
  // The passenger's descriptors are ours now; the streams own duplicates so that the
  // originals close once, here.
  auto in = stream_of(io_, fcntl(in_fd.fd, F_DUPFD_CLOEXEC, 3));
  auto out = stream_of(io_, fcntl(out_fd.fd, F_DUPFD_CLOEXEC, 3));
  auto err = stream_of(io_, fcntl(err_fd.fd, F_DUPFD_CLOEXEC, 3));
  asio::co_spawn(io_, descriptor_to_channel(in, ch), asio::detached);
  asio::co_spawn(io_, close_when_control_ends(control, ch), asio::detached);
  co_await (channel_to_descriptor(ch, out, false) && channel_to_descriptor(ch, err, true));
  ExitStatus exit = co_await ch.wait_exit();
  std::error_code ec;
  in->cancel(ec);
  out->close(ec);
  err->close(ec);
  shared->tty_fd = -1;
  const std::uint32_t value = exit.code ? *exit.code : 255;
  (void)co_await send(s, mux::Message(mux::ExitMessage{sid, value}));
  s.close(ec);
}

asio::awaitable<void> MuxMaster::run_stdio_forward(std::shared_ptr<Control> control, mux::NewStdioForward request,
                                                   std::array<int, 2> fds) {
  auto self = shared_from_this();
  OwnedFd in_fd(fds[0]), out_fd(fds[1]);
  auto& s = control->socket;
  const ChannelOpenBody body = request.port == mux::kStreamlocalPort
                                   ? ChannelOpenBody{DirectStreamlocal{request.host}}
                                   : ChannelOpenBody{DirectTcpip{request.host, request.port, "127.0.0.1", 65535}};
  auto opened = co_await client_.open_channel(body);
  if (!opened) {
    log_.error(opened.error().message);
    (void)co_await send(s, mux::Message(mux::Failure{request.request_id, opened.error().message}));
    co_return;
  }
  Channel ch = std::move(*opened);
  if (!co_await send(s, mux::Message(mux::SessionOpened{request.request_id, ch.id()}))) {
    co_await ch.close();
    co_return;
  }
  auto in = stream_of(io_, in_fd.release());
  auto out = stream_of(io_, out_fd.release());
  asio::co_spawn(io_, descriptor_to_channel(in, ch), asio::detached);
  asio::co_spawn(io_, close_when_control_ends(control, ch), asio::detached);
  // The remote side's end is the forward's end; input still unread is dropped.
  co_await channel_to_descriptor(ch, out, false);
  std::error_code ec;
  in->cancel(ec);
  out->close(ec);
  co_await ch.close();
  s.close(ec);
}

}  // namespace skiff::cli
