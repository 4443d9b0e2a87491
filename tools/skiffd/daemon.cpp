#include "daemon.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "connection.hpp"
#include "listener.hpp"
#include "startups.hpp"

namespace skiffd {
namespace {

volatile sig_atomic_t g_terminate = 0;  // the signal number
volatile sig_atomic_t g_hangup = 0;
volatile sig_atomic_t g_child = 0;

void on_signal(int sig) {
  if (sig == SIGHUP) g_hangup = 1;
  else if (sig == SIGCHLD) g_child = 1;
  else g_terminate = sig;
}

constexpr int kHandled[] = {SIGHUP, SIGTERM, SIGINT, SIGQUIT, SIGCHLD};

sigset_t handled_set() {
  sigset_t s;
  sigemptyset(&s);
  for (int sig : kHandled) sigaddset(&s, sig);
  return s;
}

// Handlers are installed with the signals blocked; they are delivered only inside
// ppoll(), so a flag can never be set between its check and the wait.
void install_handlers() {
  sigset_t s = handled_set();
  sigprocmask(SIG_BLOCK, &s, nullptr);
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : kHandled) sigaction(sig, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

// What a new program image (child or restarted daemon) starts with.
void reset_signals() {
  struct sigaction sa{};
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  for (int sig : kHandled) sigaction(sig, &sa, nullptr);
  signal(SIGPIPE, SIG_DFL);
  sigset_t s = handled_set();
  sigprocmask(SIG_UNBLOCK, &s, nullptr);
}

bool daemonize() {
  const pid_t pid = fork();
  if (pid < 0) return false;
  if (pid > 0) _exit(0);
  setsid();
  if (chdir("/") != 0) return false;
  const int null = open("/dev/null", O_RDWR);
  if (null < 0) return false;
  dup2(null, STDIN_FILENO);
  dup2(null, STDOUT_FILENO);
  dup2(null, STDERR_FILENO);
  if (null > STDERR_FILENO) close(null);
  return true;
}

void write_pid_file(const std::string& path) {
  if (path.empty() || path == "none") return;
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    SKIFFD_LOG(error, "Couldn't create pid file \"%s\": %s", path.c_str(), std::strerror(errno));
    return;
  }
  const std::string text = std::to_string(getpid()) + "\n";
  (void)!write(fd, text.data(), text.size());
  close(fd);
}

// argv for a new image: args[0], the internal marker (if any), then the user's
// arguments without a marker they already had.
std::vector<char*> exec_args(std::span<const char* const> args, const char* marker) {
  std::vector<char*> out;
  out.push_back(const_cast<char*>(args[0]));
  if (marker != nullptr) out.push_back(const_cast<char*>(marker));
  std::size_t first = 1;
  if (args.size() > 1 && (std::strcmp(args[1], kConnectionChildFlag) == 0 || std::strcmp(args[1], kRestartedFlag) == 0)) {
    first = 2;
  }
  for (std::size_t i = first; i < args.size(); ++i) out.push_back(const_cast<char*>(args[i]));
  out.push_back(nullptr);
  return out;
}

// Puts fd on target, whatever other descriptor sat there.
void move_fd(int fd, int target) {
  if (fd == target) {
    fcntl(fd, F_SETFD, 0);
    return;
  }
  dup2(fd, target);
  close(fd);
}

// sshd's fmt_timeframe for durations under a day: "hh:mm:ss".
std::string timeframe(std::chrono::steady_clock::duration d) {
  const long t = static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(d).count());
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  return buf;
}

struct Child {
  int startup_fd = -1;  // read end; -1 once the child reported (or was never counted)
};

class Daemon {
 public:
  Daemon(Setup& setup, std::span<const char* const> args) : setup_(setup), args_(args) {}

  int run();

 private:
  void accept_one(int listen_fd);
  void drop(int sock, int count);
  void start_child(int sock);
  void reap();
  void startup_done(pid_t pid);
  [[noreturn]] void restart();
  int startups() const;

  Setup& setup_;
  std::span<const char* const> args_;
  std::vector<ListenSocket> listeners_;
  std::map<pid_t, Child> children_;
  bool throttling_ = false;  // MaxStartups dropping since first_drop_
  std::chrono::steady_clock::time_point first_drop_;
  unsigned dropped_ = 0;
};

int Daemon::startups() const {
  int n = 0;
  for (const auto& [pid, c] : children_) n += c.startup_fd >= 0 ? 1 : 0;
  return n;
}

void Daemon::startup_done(pid_t pid) {
  auto it = children_.find(pid);
  if (it == children_.end() || it->second.startup_fd < 0) return;
  close(it->second.startup_fd);
  it->second.startup_fd = -1;
}

void Daemon::reap() {
  int status = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    startup_done(pid);
    children_.erase(pid);
  }
}

void Daemon::start_child(int sock) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    SKIFFD_LOG(error, "pipe: %s", std::strerror(errno));
    close(sock);
    return;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    SKIFFD_LOG(error, "fork: %s", std::strerror(errno));
    close(sock);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return;
  }
  if (pid == 0) {
    close_listeners(listeners_);
    for (auto& [p, c] : children_) {
      if (c.startup_fd >= 0) close(c.startup_fd);
    }
    close(pipe_fds[0]);
    setsid();
    reset_signals();
    // Out of the way of the targets first, so that neither dup2 clobbers the other.
    const int s = fcntl(sock, F_DUPFD_CLOEXEC, 10);
    const int w = fcntl(pipe_fds[1], F_DUPFD_CLOEXEC, 10);
    close(sock);
    close(pipe_fds[1]);
    move_fd(s, kConnectionFd);
    move_fd(w, kStartupFd);
    if (setup_.options.no_rexec) {
      // Served here; a later exec (a session) must not inherit them.
      fcntl(kConnectionFd, F_SETFD, FD_CLOEXEC);
      fcntl(kStartupFd, F_SETFD, FD_CLOEXEC);
      ConnectionEndpoints ep = endpoints_of_socket(kConnectionFd);
      ep.startup_fd = kStartupFd;
      _exit(serve_connection(ep, setup_));
    }
    auto argv = exec_args(args_, kConnectionChildFlag);
    execv(argv[0], argv.data());
    SKIFFD_LOG(error, "rexec of %s failed: %s", argv[0], std::strerror(errno));
    _exit(255);
  }
  close(sock);
  close(pipe_fds[1]);
  children_[pid] = Child{pipe_fds[0]};
  SKIFFD_LOG(debug1, "Forked child %ld.", static_cast<long>(pid));
}

void Daemon::accept_one(int listen_fd) {
  const int sock = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (sock < 0) {
    if (errno != EINTR && errno != EWOULDBLOCK && errno != ECONNABORTED) {
      SKIFFD_LOG(error, "accept: %s", std::strerror(errno));
    }
    // Out of descriptors: the pending connection would wake us at once again.
    if (errno == EMFILE || errno == ENFILE) usleep(100 * 1000);
    return;
  }
  const int count = startups();
  if (should_drop_connection(setup_.config.max_startups, count)) {
    drop(sock, count);
    return;
  }
  if (throttling_ && count < setup_.config.max_startups.begin - 1) {
    SKIFFD_LOG(info, "exited MaxStartups throttling after %s, %u connections dropped",
               timeframe(std::chrono::steady_clock::now() - first_drop_).c_str(), dropped_);
    throttling_ = false;
  }
  if (setup_.options.debug > 0) {
    // -d: this one connection, in this process, then exit.
    close_listeners(listeners_);
    reset_signals();
    std::exit(serve_connection(endpoints_of_socket(sock), setup_));
  }
  start_child(sock);
}

void Daemon::drop(int sock, int count) {
  // Loud when throttling begins, quiet while it lasts, as sshd.
  LogLevel level = LogLevel::verbose;
  if (!throttling_) {
    SKIFFD_LOG(error, "beginning MaxStartups throttling");
    throttling_ = true;
    first_drop_ = std::chrono::steady_clock::now();
    dropped_ = 0;
    level = LogLevel::info;
  }
  ++dropped_;
  ConnectionEndpoints ep = endpoints_of_socket(sock);
  log_message(level, "drop connection #%d from [%s]:%d on [%s]:%d past MaxStartups", count, ep.peer_address.c_str(),
              ep.peer_port, ep.local_address.c_str(), ep.local_port);
  // Best effort: the client may show why it was turned away.
  static constexpr char kMsg[] = "Exceeded MaxStartups\r\n";
  (void)!write(sock, kMsg, sizeof kMsg - 1);
  close(sock);
}

void Daemon::restart() {
  SKIFFD_LOG(info, "Received SIGHUP; restarting.");
  close_listeners(listeners_);
  for (auto& [pid, c] : children_) {
    if (c.startup_fd >= 0) close(c.startup_fd);
  }
  reset_signals();
  auto argv = exec_args(args_, setup_.options.no_daemon || setup_.options.debug > 0 ? nullptr : kRestartedFlag);
  execv(argv[0], argv.data());
  SKIFFD_LOG(error, "RESTART FAILED: av[0]='%s', error: %s.", argv[0], std::strerror(errno));
  std::exit(1);
}

int Daemon::run() {
  install_handlers();
  listeners_ = open_listeners(setup_.config);
  if (listeners_.empty()) {
    SKIFFD_LOG(fatal, "Cannot bind any address.");
    return 255;
  }
  const bool detach =
      setup_.options.debug == 0 && !setup_.options.no_daemon && setup_.options.internal != Internal::restarted;
  if (detach && !daemonize()) {
    SKIFFD_LOG(fatal, "daemon() failed: %s", std::strerror(errno));
    return 255;
  }
  log_init(setup_.log);
  if (setup_.options.debug == 0) write_pid_file(setup_.config.pid_file);

  sigset_t none;
  sigemptyset(&none);
  std::vector<pollfd> fds;
  std::vector<pid_t> owners;  // for each startup pipe in fds, its child
  for (;;) {
    if (g_terminate != 0) {
      SKIFFD_LOG(info, "Received signal %d; terminating.", static_cast<int>(g_terminate));
      close_listeners(listeners_);
      if (setup_.config.pid_file != "none") unlink(setup_.config.pid_file.c_str());
      return g_terminate == SIGTERM ? 0 : 255;
    }
    if (g_child != 0) {
      g_child = 0;
      reap();
    }
    if (g_hangup != 0) restart();

    fds.clear();
    owners.clear();
    for (const auto& l : listeners_) fds.push_back({l.fd, POLLIN, 0});
    for (const auto& [pid, c] : children_) {
      if (c.startup_fd < 0) continue;
      fds.push_back({c.startup_fd, POLLIN, 0});
      owners.push_back(pid);
    }
    if (ppoll(fds.data(), fds.size(), nullptr, &none) < 0) {
      if (errno != EINTR) SKIFFD_LOG(error, "poll: %s", std::strerror(errno));
      continue;
    }
    for (std::size_t i = listeners_.size(); i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      // The child closed its end (it authenticated or ended): no longer a startup.
      char buf[16];
      if (read(fds[i].fd, buf, sizeof buf) <= 0) startup_done(owners[i - listeners_.size()]);
    }
    for (std::size_t i = 0; i < listeners_.size() && i < fds.size(); ++i) {
      if (fds[i].revents & POLLIN) accept_one(fds[i].fd);
    }
  }
}

}  // namespace

int run_daemon(Setup& setup, std::span<const char* const> args) {
  if (setup.options.debug == 0 && !setup.options.no_rexec && (args.empty() || args[0][0] != '/')) {
    SKIFFD_LOG(fatal, "skiffd re-exec requires execution with an absolute path");
    return 255;
  }
  Daemon d(setup, args);
  return d.run();
}

}  // namespace skiffd
