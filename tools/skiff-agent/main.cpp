// skiff-agent: ssh-agent's command line (OpenSSH 9.2). Sets up the socket in a private
// directory (or at -a's path), forks as ssh-agent does (the parent prints the shell
// commands or runs the command; the child serves), and runs serve.hpp's loop.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <fcntl.h>
#include <getopt.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "agent/key_store.hpp"
#include "config/config_text.hpp"
#include "serve.hpp"

namespace {

const char* g_progname = "skiff-agent";
std::string g_socket_name;
std::string g_socket_dir;

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: %s [-c | -s] [-Dd] [-a bind_address] [-t life]\n"
               "       %s [-a bind_address] [-t life] command [arg ...]\n"
               "       %s [-c | -s] -k\n",
               g_progname, g_progname, g_progname);
  std::exit(1);
}

void cleanup_socket() {
  if (!g_socket_name.empty()) unlink(g_socket_name.c_str());
  if (!g_socket_dir.empty()) rmdir(g_socket_dir.c_str());
}

[[noreturn]] void cleanup_exit(int status) {
  cleanup_socket();
  std::exit(status);
}

// A listening Unix socket at path, created with umask 0177 (mode 0600) as ssh-agent's
// unix_listener; an existing file is not replaced.
int listen_at(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    std::fprintf(stderr, "unix_listener: path \"%s\" too long for Unix domain socket\n", path.c_str());
    return -1;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    std::fprintf(stderr, "socket: %s\n", std::strerror(errno));
    return -1;
  }
  const mode_t old = umask(0177);
  const int b = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  const int e = errno;
  umask(old);
  if (b != 0) {
    std::fprintf(stderr, "bind: %s\nunix_listener: cannot bind to path %s: %s\n", std::strerror(e), path.c_str(),
                 std::strerror(e));
    close(fd);
    return -1;
  }
  if (listen(fd, SOMAXCONN) != 0) {
    std::fprintf(stderr, "listen: %s\n", std::strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

void print_env(bool csh, const std::string& name, const std::string& value) {
  if (csh) {
    std::printf("setenv %s %s;\n", name.c_str(), value.c_str());
  } else {
    std::printf("%s=%s; export %s;\n", name.c_str(), value.c_str(), name.c_str());
  }
}

void detach() {
  if (setsid() == -1) std::fprintf(stderr, "setsid: %s\n", std::strerror(errno));
  (void)!chdir("/");
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    if (null > STDERR_FILENO) close(null);
  }
  // The agent holds private keys in the clear: no core dumps.
  rlimit rl{0, 0};
  setrlimit(RLIMIT_CORE, &rl);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace skiff;
  bool c_flag = false, s_flag = false, d_flag = false, D_flag = false, k_flag = false;
  std::string agentsocket;
  agent::KeyStoreConfig store_config;
  int ch;
  while ((ch = getopt(argc, argv, "+cDdksa:t:")) != -1) {
    switch (ch) {
      case 'c':
        if (s_flag) usage();
        c_flag = true;
        break;
      case 's':
        if (c_flag) usage();
        s_flag = true;
        break;
      case 'k':
        k_flag = true;
        break;
      case 'd':
        if (d_flag || D_flag) usage();
        d_flag = true;
        break;
      case 'D':
        if (d_flag || D_flag) usage();
        D_flag = true;
        break;
      case 'a':
        agentsocket = optarg;
        break;
      case 't': {
        auto t = config::parse_time(optarg);
        if (!t) {
          std::fprintf(stderr, "Invalid lifetime\n");
          usage();
        }
        if (*t > 0) store_config.default_lifetime = std::chrono::seconds(*t);
        break;
      }
      default:
        usage();
    }
  }
  char** command = argv + optind;
  const int ncommand = argc - optind;
  if (ncommand > 0 && (c_flag || k_flag || s_flag || d_flag || D_flag)) usage();
  if (ncommand == 0 && !c_flag && !s_flag) {
    const char* shell = std::getenv("SHELL");
    if (shell != nullptr) {
      std::string_view sv(shell);
      if (sv.size() > 2 && sv.ends_with("csh")) c_flag = true;
    }
  }
  prctl(PR_SET_DUMPABLE, 0);  // no ptrace or core of a process holding keys

  if (k_flag) {
    const char* pidstr = std::getenv("SSH_AGENT_PID");
    if (pidstr == nullptr) {
      std::fprintf(stderr, "SSH_AGENT_PID not set, cannot kill agent\n");
      return 1;
    }
    char* end = nullptr;
    errno = 0;
    long pid = std::strtol(pidstr, &end, 10);
    if (errno != 0 || end == pidstr || *end != '\0' || pid < 2 || pid > INT_MAX) {
      std::fprintf(stderr, "SSH_AGENT_PID=\"%s\", which is not a good PID: %s\n", pidstr,
                   pid < 2 ? "too small" : "invalid");
      return 1;
    }
    if (kill(static_cast<pid_t>(pid), SIGTERM) == -1) {
      std::perror("kill");
      return 1;
    }
    const char* format = c_flag ? "unsetenv %s;\n" : "unset %s;\n";
    std::printf(format, "SSH_AUTH_SOCK");
    std::printf(format, "SSH_AGENT_PID");
    std::printf("echo Agent pid %ld killed;\n", pid);
    return 0;
  }

  // SIGTERM and SIGHUP wait from here until the loop's ppoll takes them, so that an agent
  // stopped early still removes its socket.
  sigset_t block, original;
  sigemptyset(&block);
  for (int s : {SIGTERM, SIGHUP, SIGINT}) sigaddset(&block, s);
  sigprocmask(SIG_BLOCK, &block, &original);

  const pid_t parent_pid = getpid();
  if (agentsocket.empty()) {
    const char* tmpdir = std::getenv("TMPDIR");
    // OpenBSD's mkdtemp fills every trailing X of ssh-agent's "ssh-XXXXXXXXXX", glibc's
    // only the last six: the first four are drawn here.
    static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    unsigned char rnd[4] = {};
    (void)!getentropy(rnd, sizeof rnd);
    std::string name = "/skiff-";
    for (unsigned char b : rnd) name.push_back(kChars[b % (sizeof kChars - 1)]);
    std::string dir = std::string(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp") + name + "XXXXXX";
    if (mkdtemp(dir.data()) == nullptr) {
      std::perror("mkdtemp: private socket dir");
      return 1;
    }
    g_socket_dir = dir;
    g_socket_name = dir + "/agent." + std::to_string(parent_pid);
  } else {
    g_socket_name = agentsocket;
  }
  const int sock = listen_at(g_socket_name);
  if (sock < 0) {
    g_socket_name.clear();  // never unlink a file that was there before
    cleanup_exit(1);
  }

  agent_cli::ServeOptions opts;
  opts.listen_fd = sock;
  opts.debug = d_flag;
  if (d_flag || D_flag) {
    print_env(c_flag, "SSH_AUTH_SOCK", g_socket_name);
    std::printf("echo Agent pid %ld;\n", static_cast<long>(parent_pid));
    std::fflush(stdout);
  } else {
    std::fflush(stdout);
    pid_t pid = fork();
    if (pid == -1) {
      std::perror("fork");
      cleanup_exit(1);
    }
    if (pid != 0) {
      sigprocmask(SIG_SETMASK, &original, nullptr);  // the command gets the mask we were given
      close(sock);
      const std::string pidstr = std::to_string(pid);
      if (ncommand == 0) {
        print_env(c_flag, "SSH_AUTH_SOCK", g_socket_name);
        print_env(c_flag, "SSH_AGENT_PID", pidstr);
        std::printf("echo Agent pid %ld;\n", static_cast<long>(pid));
        return 0;
      }
      if (setenv("SSH_AUTH_SOCK", g_socket_name.c_str(), 1) == -1 ||
          setenv("SSH_AGENT_PID", pidstr.c_str(), 1) == -1) {
        std::perror("setenv");
        return 1;
      }
      execvp(command[0], command);
      std::perror(command[0]);
      return 1;
    }
    detach();
    if (ncommand > 0) opts.watch_parent = parent_pid;
  }
  // SIGINT from the terminal the agent was started on must not end it (ssh-agent ignores it).
  if (!d_flag && !D_flag) opts.ignore_sigint = true;
  agent::KeyStore store(store_config);
  const int status = agent_cli::serve(store, opts);
  close(sock);
  cleanup_exit(status);
}
