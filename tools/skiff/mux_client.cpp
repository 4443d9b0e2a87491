#include "mux_client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "terminal.hpp"

namespace skiff::cli {

namespace {

volatile sig_atomic_t g_terminate = 0;
volatile sig_atomic_t g_master_pid = 0;

// As ssh's control_client_sighandler / control_client_sigrelay: a terminating signal ends
// the wait (the read returns EINTR); SIGWINCH goes on to the master, which then reads the
// new size of our terminal (it holds our stdin).
void on_terminate(int sig) { g_terminate = sig; }
void on_winch(int sig) {
  if (g_master_pid > 0) kill(static_cast<pid_t>(g_master_pid), sig);
}

void install(int sig, void (*handler)(int)) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: the blocking read must see EINTR
  sigaction(sig, &sa, nullptr);
}

[[noreturn]] void die(const Log& log, const std::string& message) {
  log.fatal(message);
  std::exit(255);
}

bool write_all(int fd, const std::vector<std::uint8_t>& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads one packet; an error (with errno set) on EOF, a signal or a timeout.
class PacketReader {
 public:
  explicit PacketReader(int fd) : fd_(fd) {}
  Result<mux::Message> read(int timeout_ms = -1) {
    while (true) {
      auto body = framer_.next();
      if (!body) return std::unexpected(body.error());
      if (*body) return mux::decode(**body);
      if (timeout_ms >= 0) {
        pollfd p{fd_, POLLIN, 0};
        int r = poll(&p, 1, timeout_ms);
        if (r == 0) return fail(Errc::timeout, "timed out");
        if (r < 0) return fail(Errc::io_error, std::strerror(errno));
      }
      std::uint8_t buf[4096];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n < 0) return fail(errno == EINTR ? Errc::disconnected : Errc::io_error, std::strerror(errno));
      if (n == 0) {
        errno = EPIPE;
        return fail(Errc::disconnected, "Broken pipe");
      }
      framer_.feed(std::span(buf, static_cast<std::size_t>(n)));
    }
  }

 private:
  int fd_;
  mux::Framer framer_;
};

std::uint32_t request_id(const mux::Message& m) {
  return std::visit(
      [](const auto& v) -> std::uint32_t {
        if constexpr (requires { v.request_id; }) {
          return v.request_id;
        } else {
          return 0;
        }
      },
      m);
}

std::string reason_of(const mux::Message& m) {
  if (auto* p = std::get_if<mux::PermissionDenied>(&m)) return p->reason;
  if (auto* f = std::get_if<mux::Failure>(&m)) return f->reason;
  return {};
}

// The message's type number, as ssh prints it ("0x80000003"): the encoding's first field
// after the length.
std::string hex_type(const mux::Message& m) {
  const auto packet = mux::encode(m);
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%02x%02x%02x%02x", packet[4], packet[5], packet[6], packet[7]);
  return buf;
}

struct Conversation {
  int fd;
  const Log& log;
  PacketReader reader;
  std::uint32_t next_id = 0;

  // The reply; nullopt when the master closed the socket instead (allowed_eof), which
  // is how ssh's master answers MUX_C_TERMINATE: it exits before its reply leaves.
  std::optional<mux::Message> ask(const mux::Message& request, const char* what, bool allow_eof) {
    if (!write_all(fd, mux::encode(request))) die(log, std::string(what) + ": write packet: " + std::strerror(errno));
    auto reply = reader.read();
    if (!reply && allow_eof && errno == EPIPE) return std::nullopt;
    if (!reply) die(log, std::string(what) + ": read from master failed: " + reply.error().message);
    if (request_id(*reply) != next_id && !std::holds_alternative<mux::ExitMessage>(*reply)) {
      die(log, std::string(what) + ": out of sequence reply: my id " + std::to_string(next_id) + " theirs " +
                   std::to_string(request_id(*reply)));
    }
    ++next_id;
    return std::move(*reply);
  }
  mux::Message ask(const mux::Message& request, const char* what) { return *ask(request, what, false); }
};

bool hello(int fd, PacketReader& reader, int timeout_ms, const Log& log) {
  const mux::Message h = mux::Hello{};
  if (!write_all(fd, mux::encode(h))) return false;
  auto reply = reader.read(timeout_ms);
  if (!reply) {
    log.debug1("mux_client_hello_exchange: read packet failed");
    return false;
  }
  auto* theirs = std::get_if<mux::Hello>(&*reply);
  if (!theirs) {
    log.error("mux_client_hello_exchange: expected HELLO (1) got " + hex_type(*reply));
    return false;
  }
  if (theirs->version != mux::kVersion) {
    log.error("Unsupported multiplexing protocol version " + std::to_string(theirs->version) + " (expected 4)");
    return false;
  }
  return true;
}

std::uint32_t alive_check(Conversation& c) {
  auto reply = c.ask(mux::AliveCheck{c.next_id}, "mux_client_request_alive");
  auto* a = std::get_if<mux::Alive>(&reply);
  if (!a) die(c.log, "mux_client_request_alive: master returned error: " + reason_of(reply));
  return a->pid;
}

// OPEN_FWD / CLOSE_FWD for each forward; false when one failed (logged as ssh).
bool forwards(Conversation& c, const MuxClientRequest& r, bool cancel) {
  for (const auto& f : r.forwards) {
    mux::Message m;
    if (cancel) {
      m = mux::CloseForward{c.next_id, f};
    } else {
      m = mux::OpenForward{c.next_id, f};
    }
    auto reply = c.ask(m, "mux_client_forward");
    if (std::holds_alternative<mux::Ok>(reply)) continue;
    if (auto* p = std::get_if<mux::RemotePort>(&reply)) {
      if (cancel) die(c.log, "mux_client_forward: got MUX_S_REMOTE_PORT for cancel");
      c.log.verbose("Allocated port " + std::to_string(p->port) + " for remote forward to " + f.connect_host + ":" +
                    std::to_string(static_cast<int>(f.connect_port)));
      if (r.command == "forward") std::fprintf(stdout, "%u\n", p->port);
      continue;
    }
    if (std::holds_alternative<mux::PermissionDenied>(reply)) {
      c.log.error("Master refused forwarding request: " + reason_of(reply));
      return false;
    }
    if (std::holds_alternative<mux::Failure>(reply)) {
      c.log.error("mux_client_forward: forwarding request failed: " + reason_of(reply));
      return false;
    }
    die(c.log, "mux_client_forward: unexpected response from master " + hex_type(reply));
  }
  std::fflush(stdout);
  return true;
}

int stdin_for_master(bool stdin_null) {
  if (!stdin_null) return STDIN_FILENO;
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  return fd < 0 ? STDIN_FILENO : fd;
}

int session(Conversation& c, const MuxClientRequest& r) {
  const std::uint32_t master_pid = alive_check(c);
  g_master_pid = static_cast<sig_atomic_t>(master_pid);
  mux::NewSession s = r.session;
  s.request_id = c.next_id;
  if (!write_all(c.fd, mux::encode(s))) die(c.log, "mux_client_request_session: write packet: " + std::string(std::strerror(errno)));
  const int in = stdin_for_master(r.stdin_null);
  if (send_fd(c.fd, in) < 0 || send_fd(c.fd, STDOUT_FILENO) < 0 || send_fd(c.fd, STDERR_FILENO) < 0) {
    die(c.log, "mux_client_request_session: send fds failed");
  }
  auto reply = c.reader.read();
  if (!reply) {
    c.log.error("mux_client_request_session: read from master failed: " + reply.error().message);
    return -1;
  }
  if (request_id(*reply) != s.request_id) die(c.log, "mux_client_request_session: out of sequence reply");
  ++c.next_id;
  std::uint32_t sid = 0;
  if (auto* o = std::get_if<mux::SessionOpened>(&*reply)) {
    sid = o->session_id;
  } else if (std::holds_alternative<mux::PermissionDenied>(*reply)) {
    c.log.error("Master refused session request: " + reason_of(*reply));
    return -1;
  } else if (std::holds_alternative<mux::Failure>(*reply)) {
    c.log.error("mux_client_request_session: session request failed: " + reason_of(*reply));
    return -1;
  } else {
    c.log.error("mux_client_request_session: unexpected response from master " + hex_type(*reply));
    return -1;
  }
  install(SIGHUP, on_terminate);
  install(SIGINT, on_terminate);
  install(SIGTERM, on_terminate);
  install(SIGWINCH, on_winch);
  bool raw = false;
  if (r.fork_after_auth) {
    if (daemon(1, 1) == -1) die(c.log, std::string("daemon() failed: ") + std::strerror(errno));
  } else if (s.want_tty) {
    enter_raw_mode(r.force_pty);
    raw = true;
  }
  // Until the master closes the socket; the exit message comes before that.
  std::uint32_t exit_value = 255;
  bool exit_seen = false;
  while (true) {
    auto m = c.reader.read();
    if (!m) break;
    if (auto* t = std::get_if<mux::TtyAllocFail>(&*m)) {
      if (t->session_id != sid) die(c.log, "mux_client_request_session: tty alloc fail on unknown session");
      if (raw) leave_raw_mode(r.force_pty);
      raw = false;
    } else if (auto* e = std::get_if<mux::ExitMessage>(&*m)) {
      if (e->session_id != sid) die(c.log, "mux_client_request_session: exit on unknown session");
      if (exit_seen) die(c.log, "mux_client_request_session: exitval sent twice");
      exit_value = e->exit_value;
      exit_seen = true;
    } else {
      die(c.log, "mux_client_request_session: master returned error: " + reason_of(*m));
    }
  }
  close(c.fd);
  if (raw) leave_raw_mode(r.force_pty);
  int status = static_cast<int>(exit_value);
  if (g_terminate != 0) {
    c.log.debug2(std::string("Exiting on signal: ") + strsignal(g_terminate));
    status = 255;
  } else if (!exit_seen) {
    c.log.debug2("Control master terminated unexpectedly");
    status = 255;
  } else {
    c.log.debug2("Received exit status from master " + std::to_string(exit_value));
  }
  if (s.want_tty && c.log.enabled(Level::info)) {
    const std::string line = "Shared connection to " + r.host + " closed.\r\n";
    (void)!write(STDERR_FILENO, line.data(), line.size());
  }
  return status;
}

int stdio_forward(Conversation& c, const MuxClientRequest& r) {
  const std::uint32_t master_pid = alive_check(c);
  g_master_pid = static_cast<sig_atomic_t>(master_pid);
  const mux::Message m = mux::NewStdioForward{c.next_id, r.stdio_forward->first, r.stdio_forward->second};
  if (!write_all(c.fd, mux::encode(m))) die(c.log, "mux_client_request_stdio_fwd: write packet failed");
  const int in = stdin_for_master(r.stdin_null);
  if (send_fd(c.fd, in) < 0 || send_fd(c.fd, STDOUT_FILENO) < 0) die(c.log, "mux_client_request_stdio_fwd: send fds failed");
  auto reply = c.reader.read();
  if (!reply) {
    c.log.error("mux_client_request_stdio_fwd: read from master failed: " + reply.error().message);
    return 255;
  }
  if (std::holds_alternative<mux::PermissionDenied>(*reply)) {
    die(c.log, "Master refused stdio forwarding request: " + reason_of(*reply));
  }
  if (std::holds_alternative<mux::Failure>(*reply)) die(c.log, "Stdio forwarding request failed: " + reason_of(*reply));
  if (!std::holds_alternative<mux::SessionOpened>(*reply)) {
    c.log.error("mux_client_request_stdio_fwd: unexpected response from master " + hex_type(*reply));
    return 255;
  }
  install(SIGHUP, on_terminate);
  install(SIGINT, on_terminate);
  install(SIGTERM, on_terminate);
  // The master carries the bytes; its closing the socket is the end.
  auto end = c.reader.read();
  if (!end && (errno == EPIPE || g_terminate != 0)) return 0;
  if (!end) die(c.log, "mux_client_read_packet: " + end.error().message);
  die(c.log, "mux_client_request_stdio_fwd: master returned unexpected message " + hex_type(*end));
}

}  // namespace

int send_fd(int socket, int fd) {
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  while (true) {
    ssize_t n = sendmsg(socket, &msg, MSG_NOSIGNAL);
    if (n == 1) return 0;
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
      if (errno == EAGAIN) {
        pollfd p{socket, POLLOUT, 0};
        (void)poll(&p, 1, -1);
      }
      continue;
    }
    return -1;
  }
}

int receive_fd(int socket) {
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  while ((n = recvmsg(socket, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  if (n != 1) {
    if (n == 0) errno = EPIPE;
    return -1;
  }
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (c == nullptr || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
      c->cmsg_len != CMSG_LEN(sizeof(int)) || (msg.msg_flags & MSG_CTRUNC) != 0) {
    errno = EBADMSG;
    return -1;
  }
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
  return fd;
}

std::optional<int> run_mux_client(const MuxClientRequest& r, const Log& log) {
  const bool control_command = !r.command.empty();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (r.control_path.size() >= sizeof addr.sun_path) {
    die(log, "ControlPath too long ('" + r.control_path + "' >= " + std::to_string(sizeof addr.sun_path) + " bytes)");
  }
  std::memcpy(addr.sun_path, r.control_path.c_str(), r.control_path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die(log, std::string("mux_client: socket(): ") + std::strerror(errno));
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    close(fd);
    if (control_command) die(log, "Control socket connect(" + r.control_path.substr(0, 100) + "): " + std::strerror(err));
    if (err == ECONNREFUSED && !r.control_master_no) {
      log.debug1("Stale control socket " + r.control_path.substr(0, 100) + ", unlinking");
      unlink(r.control_path.c_str());
    } else if (err == ENOENT) {
      log.debug1("Control socket \"" + r.control_path.substr(0, 100) + "\" does not exist");
    } else {
      log.error("Control socket connect(" + r.control_path.substr(0, 100) + "): " + std::strerror(err));
    }
    return std::nullopt;
  }
  PacketReader reader(fd);
  const int timeout_ms = r.connect_timeout > 0 ? r.connect_timeout * 1000 : -1;
  if (!hello(fd, reader, timeout_ms, log)) {
    log.error("mux_client: master hello exchange failed");
    close(fd);
    return std::nullopt;
  }
  Conversation c{fd, log, std::move(reader)};
  if (r.command == "check") {
    const std::uint32_t pid = alive_check(c);
    std::fprintf(stderr, "Master running (pid=%u)\r\n", pid);
    return 0;
  }
  if (r.command == "exit") {
    auto reply = c.ask(mux::Terminate{c.next_id}, "mux_client_request_terminate", true);
    if (reply && std::holds_alternative<mux::PermissionDenied>(*reply)) {
      die(log, "Master refused termination request: " + reason_of(*reply));
    }
    if (reply && std::holds_alternative<mux::Failure>(*reply)) {
      die(log, "mux_client_request_terminate: termination request failed: " + reason_of(*reply));
    }
    if (reply && !std::holds_alternative<mux::Ok>(*reply)) {
      die(log, "mux_client_request_terminate: unexpected response from master " + hex_type(*reply));
    }
    if (log.level() != Level::quiet) std::fprintf(stderr, "Exit request sent.\r\n");
    return 0;
  }
  if (r.command == "stop") {
    auto reply = c.ask(mux::StopListening{c.next_id}, "mux_client_request_stop_listening");
    if (std::holds_alternative<mux::PermissionDenied>(reply)) die(log, "Master refused stop listening request: " + reason_of(reply));
    if (std::holds_alternative<mux::Failure>(reply)) die(log, "mux_client_request_stop_listening: stop listening request failed: " + reason_of(reply));
    if (log.level() != Level::quiet) std::fprintf(stderr, "Stop listening request sent.\r\n");
    return 0;
  }
  if (r.command == "forward" || r.command == "cancel") {
    if (!forwards(c, r, r.command == "cancel")) die(log, "mux_client: master " + std::string(r.command == "cancel" ? "cancel forward" : "forward") + " request failed");
    return 0;
  }
  if (r.command == "proxy") die(log, "skiff does not offer -O proxy (OpenSSH's mux proxy mode)");
  if (!control_command && !r.command.empty()) die(log, "Unsupported control command " + r.command);
  if (r.stdio_forward) return stdio_forward(c, r);
  if (!forwards(c, r, false)) {
    log.error("mux_client: master forward request failed");
    close(fd);
    return std::nullopt;
  }
  int status = session(c, r);
  if (status < 0) {
    // As ssh: a refused session falls back to a connection of our own.
    return std::nullopt;
  }
  return status;
}

}  // namespace skiff::cli
