#include "x11_forward.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/redirect_error.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "common/channel_splice.hpp"
#include "config/config_text.hpp"
#include "crypto/secure.hpp"

namespace skiff::cli {
namespace {

using asio::redirect_error;
using asio::use_awaitable;

// ssh adds this much to the untrusted cookie's lifetime, so that the X server never
// accepts it after ssh stopped forwarding (no fail-open).
constexpr unsigned kTimeoutSlack = 60;
// `xauth list` prints one line per entry; ssh reads the first 511 bytes of the first.
constexpr std::size_t kMaxXauthOutput = 4096;

std::string join(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args) s += (s.empty() ? "" : " ") + a;
  return s;
}

// Runs argv without a shell (the display was checked for safe characters anyway), stderr
// and stdin on /dev/null as ssh's "2>/dev/null"; with out, the first kMaxXauthOutput
// bytes of its stdout. True when it exited 0.
bool run_xauth(const std::vector<std::string>& args, std::string* out) {
  int pipe_fds[2] = {-1, -1};
  if (out && ::pipe2(pipe_fds, O_CLOEXEC) != 0) return false;
  std::vector<char*> argv;
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    if (out) {
      ::close(pipe_fds[0]);
      ::close(pipe_fds[1]);
    }
    return false;
  }
  if (pid == 0) {
    int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 2);
      if (!out) ::dup2(null, 1);
    }
    if (out) ::dup2(pipe_fds[1], 1);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  if (out) {
    ::close(pipe_fds[1]);
    char buf[512];
    for (;;) {
      ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      if (out->size() < kMaxXauthOutput) out->append(buf, static_cast<std::size_t>(n));
    }
    ::close(pipe_fds[0]);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return false;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Connects to the display ($DISPLAY) as x11_connect_display; the error has ssh's text.
template <class Socket>
asio::awaitable<void> carry(Channel ch, Socket& sock, const X11Spoofer& spoofer, const Log& log,
                            std::optional<std::chrono::steady_clock::time_point> refuse_after) {
  // x11_open_helper: the X client's first bytes, until its setup packet is whole. Each
  // block comes from the channel's window, and the packet is at most kMaxX11SetupBytes.
  std::vector<std::uint8_t> setup;
  for (;;) {
    auto chunk = co_await ch.read_chunk();
    if (!chunk || chunk->empty()) {
      std::error_code ec;
      sock.close(ec);
      co_await ch.close();
      co_return;
    }
    setup.insert(setup.end(), chunk->begin(), chunk->end());
    if (refuse_after && std::chrono::steady_clock::now() >= *refuse_after) {
      log.verbose("Rejected X11 connection after ForwardX11Timeout expired");
      log.info("X11 connection rejected because of wrong authentication.");
      std::error_code ec;
      sock.close(ec);
      co_await ch.close();
      co_return;
    }
    std::string why;
    X11Spoofer::Verdict v = spoofer.check(setup, &why);
    if (v == X11Spoofer::Verdict::need_more) continue;
    if (v == X11Spoofer::Verdict::rejected) {
      log.debug2(why);
      log.info("X11 connection rejected because of wrong authentication.");
      log.debug2("X11 rejected " + std::to_string(ch.id()));
      std::error_code ec;
      sock.close(ec);
      co_await ch.close();
      co_return;
    }
    break;
  }
  std::error_code ec;
  co_await asio::async_write(sock, asio::buffer(setup), redirect_error(use_awaitable, ec));
  if (ec) {
    sock.close(ec);
    co_await ch.close();
    co_return;
  }
  setup = {};
  co_await tools::splice(ch, sock);
}

}  // namespace

X11Settings x11_settings(const config::ClientConfig& cfg) {
  X11Settings s;
  s.forward = cfg.get("forwardx11") == "yes";
  // Debian's ssh defaults ForwardX11Trusted to yes (ssh -G says so): -X is trusted there
  // unless the configuration says no.
  s.trusted = cfg.get("forwardx11trusted").value_or("yes") == "yes";
  if (auto t = cfg.get("forwardx11timeout")) {
    if (*t == "none") {
      s.timeout_seconds = 0;
    } else if (auto secs = config::parse_time(*t)) {
      s.timeout_seconds = static_cast<unsigned>(*secs);
    }
  }
  if (auto x = cfg.get("xauthlocation")) s.xauth_location = *x;
  return s;
}

std::optional<std::pair<std::string, std::string>> X11Forwarder::get_proto(const char* display_env) {
  if (display_env == nullptr) return std::nullopt;
  std::string display = display_env;
  if (!x11_display_valid(display)) {
    log_.info("DISPLAY \"" + display + "\" invalid; disabling X11 forwarding");
    return std::nullopt;
  }
  std::optional<std::string> xauth = settings_.xauth_location;
  struct stat st {};
  if (xauth->empty() || ::stat(xauth->c_str(), &st) != 0) {
    log_.debug1("No xauth program.");
    xauth.reset();
  }
  std::optional<std::pair<std::string, std::string>> got;
  if (xauth) {
    const std::string name = xauth_display_name(display);
    std::string dir, file;
    bool generated = false;
    if (!settings_.trusted) {
      const char* tmp = std::getenv("TMPDIR");
      std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/skiff-XXXXXX";
      if (::mkdtemp(templ.data()) == nullptr) {
        log_.error(std::string("client_x11_get_proto: mkdtemp: ") + std::strerror(errno));
        return std::nullopt;
      }
      dir = templ;
      file = dir + "/xauthfile";
      std::vector<std::string> cmd{*xauth, "-f", file, "generate", name, std::string(kX11AuthProtocol), "untrusted"};
      if (settings_.timeout_seconds != 0) {
        const unsigned real = settings_.timeout_seconds < UINT32_MAX - kTimeoutSlack
                                  ? settings_.timeout_seconds + kTimeoutSlack
                                  : UINT32_MAX;
        cmd.push_back("timeout");
        cmd.push_back(std::to_string(real));
      }
      log_.debug2("client_x11_get_proto: xauth command: " + join(cmd) + " 2>/dev/null");
      if (settings_.timeout_seconds != 0 && !refuse_after_) {
        refuse_after_ = std::chrono::steady_clock::now() + std::chrono::seconds(1 + settings_.timeout_seconds);
      }
      generated = run_xauth(cmd, nullptr);
    }
    if (settings_.trusted || generated) {
      std::vector<std::string> cmd{*xauth};
      if (generated) {
        cmd.push_back("-f");
        cmd.push_back(file);
      }
      cmd.push_back("list");
      cmd.push_back(name);
      log_.debug2("x11_get_proto: " + join(cmd) + " 2>/dev/null");
      std::string out;
      run_xauth(cmd, &out);
      got = parse_xauth_list_line(out.substr(0, out.find('\n')));
    }
    if (!dir.empty()) {
      ::unlink(file.c_str());
      ::rmdir(dir.c_str());
    }
  }
  if (!settings_.trusted && !got) {
    log_.error("Warning: untrusted X11 forwarding setup failed: xauth key data not generated");
    return std::nullopt;
  }
  if (!got) {
    log_.info("Warning: No xauth data; using fake authentication data for X11 forwarding.");
    auto rnd = crypto::random_bytes(16);
    got = std::make_pair(std::string(kX11AuthProtocol), to_hex(rnd));
  }
  return got;
}

asio::awaitable<void> X11Forwarder::request(ClientSession& session) {
  if (!settings_.forward) co_return;
  const char* display = std::getenv("DISPLAY");
  if (display == nullptr) log_.debug1("X11 forwarding requested but DISPLAY not set");
  auto proto = get_proto(display);
  if (!proto) co_return;
  log_.debug1("Requesting X11 forwarding with authentication spoofing.");
  if (!spoofer_) {
    auto real = from_hex(proto->second);
    if (!real || real->empty()) {
      log_.fatal("x11_request_forwarding: bad authentication data: " + proto->second.substr(0, 100));
      co_return;
    }
    display_ = display;
    spoofer_ = X11Spoofer::with_random_fake(proto->first, std::move(*real));
  } else if (display_ != display) {
    log_.error("x11_request_forwarding_with_spoofing: different $DISPLAY already forwarded");
    co_return;
  }
  const X11Request req{false, spoofer_->protocol(), spoofer_->fake_hex(), x11_screen_number(display_)};
  Result<void> r = co_await session.request_x11(req);
  if (r) {
    log_.debug2("X11 forwarding request accepted on channel " + std::to_string(session.id()));
  } else {
    log_.error(r.error().message);
  }
}

asio::awaitable<void> X11Forwarder::handle(std::shared_ptr<X11Forwarder> self, IncomingChannel in) {
  X11Forwarder& f = *self;
  const Log& log_ = f.log_;
  const auto& spoofer_ = f.spoofer_;
  const auto& refuse_after_ = f.refuse_after_;
  const auto& display_ = f.display_;
  const auto* x = std::get_if<X11Channel>(&in.body());
  if (x == nullptr) co_return;
  if (!spoofer_) {
    log_.error("Warning: ssh server tried X11 forwarding.");
    log_.error("Warning: this is probably a break-in attempt by a malicious server.");
    in.reject();
    co_return;
  }
  if (refuse_after_ && std::chrono::steady_clock::now() >= *refuse_after_) {
    log_.verbose("Rejected X11 connection after ForwardX11Timeout expired");
    in.reject();
    co_return;
  }
  log_.debug1("client_request_x11: request from " + x->originator + " " + std::to_string(x->originator_port));
  auto target = parse_x11_display(display_);
  if (!target) {
    log_.error(target.error().message);
    in.reject();
    co_return;
  }
  auto ex = co_await asio::this_coro::executor;
  std::error_code ec;
  if (target->unix_socket) {
    asio::local::stream_protocol::socket sock(ex);
    const std::string path = x11_socket_path(target->number);
    asio::local::stream_protocol::endpoint ep(path);
    co_await sock.async_connect(ep, redirect_error(use_awaitable, ec));
    if (ec) {
      log_.error("connect " + path + ": " + ec.message());
      in.reject();
      co_return;
    }
    auto ch = in.accept();
    if (!ch) co_return;
    co_await carry(*ch, sock, *spoofer_, log_, refuse_after_);
    co_return;
  }
  const std::string port = std::to_string(kX11BasePort + target->number);
  asio::ip::tcp::resolver resolver(ex);
  auto addrs = co_await resolver.async_resolve(target->host, port, redirect_error(use_awaitable, ec));
  if (ec) {
    log_.error(target->host + ": unknown host. (" + ec.message() + ")");
    in.reject();
    co_return;
  }
  asio::ip::tcp::socket sock(ex);
  co_await asio::async_connect(sock, addrs, redirect_error(use_awaitable, ec));
  if (ec) {
    log_.error("connect " + target->host + " port " + port + ": " + ec.message());
    in.reject();
    co_return;
  }
  sock.set_option(asio::ip::tcp::no_delay(true), ec);
  auto ch = in.accept();
  if (!ch) co_return;
  co_await carry(*ch, sock, *spoofer_, log_, refuse_after_);
}

}  // namespace skiff::cli
