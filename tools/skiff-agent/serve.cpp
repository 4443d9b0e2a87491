#include "serve.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <strings.h>
#include <list>
#include <thread>
#include <vector>

#include "agent/framer.hpp"
#include "wire/limits.hpp"

namespace skiff::agent_cli {

namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

constexpr int kParentCheckSeconds = 10;  // ssh-agent's parent_alive_interval
constexpr std::size_t kReadChunk = 64 * 1024;

struct Client {
  int fd = -1;
  agent::Framer framer;
  wire::Bytes out;
  std::size_t out_pos = 0;
  std::size_t pending() const { return out.size() - out_pos; }
};

void debug_line(const ServeOptions& o, const std::string& line) {
  if (o.debug) std::fprintf(stderr, "%s\r\n", line.c_str());
}

void accept_client(int listen_fd, std::list<Client>& clients, const ServeOptions& o) {
  int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) {
    if (errno != EAGAIN && errno != EINTR) std::fprintf(stderr, "accept: %s\r\n", std::strerror(errno));
    return;
  }
  std::string why;
  if (!peer_allowed(fd, why)) {
    std::fprintf(stderr, "%s\r\n", why.c_str());
    close(fd);
    return;
  }
  if (clients.size() >= limits::kMaxAgentConnections) {
    debug_line(o, "too many clients: connection refused");
    close(fd);
    return;
  }
  clients.emplace_back();
  clients.back().fd = fd;
  debug_line(o, "new client on fd " + std::to_string(fd));
}

// Reads what the client sent and answers every whole request; false: drop the client.
bool serve_input(Client& c, agent::KeyStore& store, const ServeOptions& o) {
  std::vector<std::uint8_t> buf(kReadChunk);
  ssize_t n = read(c.fd, buf.data(), buf.size());
  if (n < 0) return errno == EAGAIN || errno == EINTR;
  if (n == 0) return false;
  c.framer.append(wire::ByteView(buf.data(), static_cast<std::size_t>(n)));
  crypto::wipe(buf.data(), static_cast<std::size_t>(n));
  for (;;) {
    auto msg = c.framer.next();
    if (!msg) {
      debug_line(o, "client dropped: " + msg.error().message);
      return false;
    }
    if (!*msg) return true;
    agent::Outcome out = store.handle(**msg, agent::Clock::now());
    debug_line(o, out.log);
    // OpenSSH sleeps in the agent itself after a wrong unlock passphrase: guessing is
    // slowed for every client, not only for this one.
    if (out.delay.count() > 0) std::this_thread::sleep_for(out.delay);
    if (out.confirm) {
      const std::string prompt =
          "Allow use of key " + out.confirm->comment + "?\nKey fingerprint " + out.confirm->fingerprint + ".";
      const bool yes = ask_permission(prompt);
      debug_line(o, std::string("confirmation ") + (yes ? "given" : "refused"));
      out.reply = store.finish_confirm(*out.confirm, yes, agent::Clock::now());
    }
    c.out.insert(c.out.end(), out.reply.begin(), out.reply.end());
  }
}

bool flush_output(Client& c) {
  while (c.pending() > 0) {
    ssize_t n = write(c.fd, c.out.data() + c.out_pos, c.pending());
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    c.out_pos += static_cast<std::size_t>(n);
  }
  c.out.clear();
  c.out_pos = 0;
  return true;
}

}  // namespace

bool peer_allowed(int fd, std::string& why) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    why = std::string("getpeereid: ") + std::strerror(errno);
    return false;
  }
  const uid_t me = getuid();
  if (cred.uid != 0 && cred.uid != me) {
    why = "uid mismatch: peer euid " + std::to_string(cred.uid) + " != uid " + std::to_string(me);
    return false;
  }
  return true;
}

bool askpass_allowed() {
  auto set = [](const char* name) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0';
  };
  bool allowed = set("DISPLAY") || set("WAYLAND_DISPLAY");
  if (const char* req = std::getenv("SSH_ASKPASS_REQUIRE")) {
    if (strcasecmp(req, "force") == 0) allowed = true;
    if (strcasecmp(req, "never") == 0) allowed = false;
  }
  return allowed;
}

bool ask_permission(const std::string& prompt) {
  // As read_passphrase(RP_USE_ASKPASS): only with a display (or SSH_ASKPASS_REQUIRE=force).
  if (!askpass_allowed()) return false;
  std::string askpass = "/usr/bin/ssh-askpass";
  if (const char* a = std::getenv("SSH_ASKPASS"); a != nullptr) askpass = a;
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return false;
  pid_t pid = fork();
  if (pid < 0) {
    close(p[0]);
    close(p[1]);
    return false;
  }
  if (pid == 0) {
    dup2(p[1], STDOUT_FILENO);
    setenv("SSH_ASKPASS_PROMPT", "confirm", 1);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execlp(askpass.c_str(), askpass.c_str(), prompt.c_str(), static_cast<char*>(nullptr));
    _exit(1);
  }
  close(p[1]);
  std::string answer;
  char buf[1024];
  for (;;) {
    ssize_t n = read(p[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (answer.size() < 1024) answer.append(buf, static_cast<std::size_t>(n));
  }
  close(p[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return false;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return false;
  while (!answer.empty() && (answer.back() == '\n' || answer.back() == '\r')) answer.pop_back();
  return answer.empty() || strcasecmp(answer.c_str(), "yes") == 0;
}

int serve(agent::KeyStore& store, const ServeOptions& o) {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int s : {SIGTERM, SIGHUP, SIGINT}) sigaction(s, &sa, nullptr);
  if (o.ignore_sigint) signal(SIGINT, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  sigset_t during_poll;
  sigprocmask(SIG_SETMASK, nullptr, &during_poll);
  for (int s : {SIGTERM, SIGHUP, SIGINT}) sigdelset(&during_poll, s);

  std::list<Client> clients;
  std::vector<pollfd> fds;
  auto next_parent_check = agent::Clock::now() + std::chrono::seconds(kParentCheckSeconds);
  while (!g_stop) {
    const auto now = agent::Clock::now();
    store.expire(now);
    if (o.watch_parent > 0 && now >= next_parent_check) {
      if (kill(o.watch_parent, 0) != 0 && errno == ESRCH) break;
      next_parent_check = now + std::chrono::seconds(kParentCheckSeconds);
    }
    std::optional<agent::Clock::time_point> wake = store.next_deadline();
    if (o.watch_parent > 0 && (!wake || next_parent_check < *wake)) wake = next_parent_check;

    fds.clear();
    fds.push_back({o.listen_fd, POLLIN, 0});
    for (const auto& c : clients) {
      short ev = 0;
      if (c.pending() < limits::kMaxAgentPendingOutput) ev |= POLLIN;
      if (c.pending() > 0) ev |= POLLOUT;
      fds.push_back({c.fd, ev, 0});
    }
    timespec ts{}, *tsp = nullptr;
    if (wake) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*wake - now).count() + 1;
      if (left < 0) left = 0;
      ts.tv_sec = static_cast<time_t>(left / 1000);
      ts.tv_nsec = static_cast<long>((left % 1000) * 1000000);
      tsp = &ts;
    }
    int r = ppoll(fds.data(), fds.size(), tsp, &during_poll);
    if (r < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "poll: %s\r\n", std::strerror(errno));
      return 1;
    }
    std::size_t i = 1;
    for (auto it = clients.begin(); it != clients.end(); ++i) {
      const short re = fds[i].revents;
      bool keep = true;
      if (re & (POLLIN | POLLHUP | POLLERR)) keep = serve_input(*it, store, o);
      if (keep && it->pending() > 0) keep = flush_output(*it);
      if (!keep) {
        close(it->fd);
        it = clients.erase(it);
      } else {
        ++it;
      }
    }
    if (fds[0].revents & POLLIN) accept_client(o.listen_fd, clients, o);
  }
  for (auto& c : clients) close(c.fd);
  return 0;
}

}  // namespace skiff::agent_cli
