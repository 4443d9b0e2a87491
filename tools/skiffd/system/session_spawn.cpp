#include "system/session_spawn.hpp"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace skiff::skiffd {

namespace {

void write_text(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(fd, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    s.remove_prefix(static_cast<std::size_t>(n));
  }
}

[[noreturn]] void child_fail(std::string_view what, std::string_view detail = {}) {
  const char* reason = std::strerror(errno);
  write_text(2, what);
  write_text(2, detail);
  write_text(2, ": ");
  write_text(2, reason);
  write_text(2, "\n");
  ::_exit(1);
}

// An rc candidate with its argv ready before the fork (the child must not allocate).
struct PreparedRc {
  const RcCandidate* candidate;
  std::vector<char*> argv;
};

// do_rc_files in the child: the first candidate whose file exists, its input on a pipe,
// waited for. Only system calls; SIGPIPE is ignored while writing (a program that does
// not read its input must not kill the session).
void run_rc(const std::vector<PreparedRc>& rc, char* const envp[]) {
  for (const auto& p : rc) {
    const RcCandidate& c = *p.candidate;
    struct stat st {};
    if (!c.requires_path.empty() && ::stat(c.requires_path.c_str(), &st) != 0) continue;
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_t pid = ::fork();
    if (pid < 0) {
      ::close(fds[0]);
      ::close(fds[1]);
      return;
    }
    if (pid == 0) {
      ::close(fds[1]);
      if (fds[0] != 0) {
        ::dup2(fds[0], 0);
        ::close(fds[0]);
      }
      ::execve(p.argv[0], p.argv.data(), envp);
      write_text(2, "Could not run ");
      write_text(2, c.argv.back());
      write_text(2, "\n");
      ::_exit(127);
    }
    ::close(fds[0]);
    struct sigaction ignore {}, old {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &old);
    write_text(fds[1], c.input);
    ::close(fds[1]);
    ::sigaction(SIGPIPE, &old, nullptr);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return;
  }
}

// Everything after fork() in the child: system calls on what was prepared before the
// fork (argv, envp, groups), nothing that allocates or takes a lock another thread of
// the parent may have held. The one exception is plan.run_in_child (internal-sftp): it
// runs the SFTP engine, which allocates, reads NSS and formats log lines. Preparing all
// of that before the fork is not possible (the engine works for as long as the session
// lasts), so instead spawn_process lets such a plan fork only when the connection
// process has a single thread (no PAM conversation thread is alive after
// authentication): then no lock can be held by a thread that does not exist in the
// child, and glibc's fork leaves malloc and stdio usable.
[[noreturn]] void run_child(const SpawnPlan& plan, int in, int out, int err, bool with_pty, int started,
                            int log_fd, char* const argv[], char* const envp[], const char* shell,
                            const std::vector<PreparedRc>& rc_files) {
  sigset_t all;
  sigemptyset(&all);
  ::sigprocmask(SIG_SETMASK, &all, nullptr);
  for (int s = 1; s < NSIG; ++s) ::signal(s, SIG_DFL);
  if (::setsid() < 0) child_fail("setsid");
  if (with_pty && ::ioctl(in, TIOCSCTTY, 0) < 0) child_fail("TIOCSCTTY");
  ::close(started);  // the parent may signal the process group from now on
  if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) child_fail("dup2");
  // The log pipe (internal-sftp) becomes descriptor 3, the only one kept past stdio:
  // the user's process must not hold the connection's socket or skiffd's files.
  if (log_fd >= 0) {
    if (log_fd != 3 && ::dup2(log_fd, 3) < 0) child_fail("dup2");
    ::fcntl(3, F_SETFD, 0);
    log_fd = 3;
  }
  ::closefrom(log_fd >= 0 ? 4 : 3);
  const UserAccount& u = *plan.user;
  // A function run here (internal-sftp) keeps skiffd's memory (host keys among it):
  // the user must never be able to ptrace it or read /proc/PID/mem, even where
  // fs.suid_dumpable would leave it dumpable after setuid. An exec'd program resets this.
  if (plan.run_in_child && ::prctl(PR_SET_DUMPABLE, 0) != 0) child_fail("prctl(PR_SET_DUMPABLE)");
  if (plan.change_identity) {
    if (::setgid(u.gid) < 0) child_fail("setgid");
    if (::setgroups(u.groups.size(), u.groups.data()) < 0) child_fail("setgroups");
  }
  if (!plan.chroot.empty()) {
    if (::chdir(plan.chroot.c_str()) < 0 || ::chroot(plan.chroot.c_str()) < 0 || ::chdir("/") < 0)
      child_fail("chroot ", plan.chroot);
  }
  if (plan.change_identity) {
    if (::setuid(u.uid) < 0) child_fail("setuid");
    // Must not be able to regain root.
    if (u.uid != 0 && ::setuid(0) == 0) {
      write_text(2, "Failed to drop privileges\n");
      ::_exit(1);
    }
  }
  if (::chdir(u.home.c_str()) < 0) {
    // Like sshd, a home missing inside a chroot is normal (it starts at its "/").
    if (plan.chroot.empty()) {
      const char* reason = std::strerror(errno);
      write_text(2, "Could not chdir to home directory ");
      write_text(2, u.home);
      write_text(2, ": ");
      write_text(2, reason);
      write_text(2, "\n");
    }
    if (::chdir("/") < 0) ::_exit(1);
  }
  write_text(1, plan.banner);
  if (plan.run_in_child) {
    const int rc = plan.run_in_child(log_fd);
    std::fflush(nullptr);
    ::_exit(rc);
  }
  run_rc(rc_files, envp);
  ::execve(shell, argv, envp);
  child_fail(shell);
}

bool make_pipe(UniqueFd& read_end, UniqueFd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  return true;
}

void set_nonblock(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

}  // namespace

Result<SessionProcess> spawn_process(const SpawnPlan& plan, std::optional<Pty> pty) {
  std::string shell = plan.shell.empty() ? "/bin/sh" : plan.shell;
  std::string base = shell.substr(shell.find_last_of('/') + 1);
  std::vector<std::string> args;
  if (plan.command) {
    args = {base, "-c", *plan.command};
  } else {
    args = {"-" + base};
  }
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = plan.env;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  std::vector<PreparedRc> rc;
  for (const auto& c : plan.rc) {
    if (c.argv.empty()) continue;
    PreparedRc p{&c, {}};
    for (const auto& a : c.argv) p.argv.push_back(const_cast<char*>(a.c_str()));
    p.argv.push_back(nullptr);
    rc.push_back(std::move(p));
  }

  SessionProcess proc;
  UniqueFd child_in, child_out, child_err;
  if (pty) {
    proc.tty_name = pty->name;
  } else {
    UniqueFd in_r, in_w, out_r, out_w, err_r, err_w;
    if (!make_pipe(in_r, in_w) || !make_pipe(out_r, out_w) || !make_pipe(err_r, err_w))
      return fail(Errc::io_error, std::string("pipe: ") + std::strerror(errno));
    child_in = std::move(in_r);
    child_out = std::move(out_w);
    child_err = std::move(err_w);
    proc.stdin_fd = std::move(in_w);
    proc.stdout_fd = std::move(out_r);
    proc.stderr_fd = std::move(err_r);
  }
  // Closed by the child once it leads its own session, so that a signal request right
  // after the spawn finds the process group.
  UniqueFd started_r, started_w;
  if (!make_pipe(started_r, started_w)) return fail(Errc::io_error, std::string("pipe: ") + std::strerror(errno));
  UniqueFd log_r, log_w;
  if (plan.with_log_pipe && !make_pipe(log_r, log_w))
    return fail(Errc::io_error, std::string("pipe: ") + std::strerror(errno));
  if (plan.run_in_child && !single_threaded())
    return fail(Errc::io_error, "cannot run an in-process session: the connection process has several threads");
  pid_t pid = ::fork();
  if (pid < 0) return fail(Errc::io_error, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    int started = started_w.get();
    if (pty) {
      int s = pty->slave.get();
      run_child(plan, s, s, s, true, started, log_w.get(), argv.data(), envp.data(), shell.c_str(), rc);
    }
    run_child(plan, child_in.get(), child_out.get(), child_err.get(), false, started, log_w.get(), argv.data(),
              envp.data(), shell.c_str(), rc);
  }
  started_w.reset();
  log_w.reset();
  proc.log_fd = std::move(log_r);
  char byte;
  while (::read(started_r.get(), &byte, 1) < 0 && errno == EINTR) {
  }
  proc.pid = pid;
  if (pty) {
    proc.pty_master = std::move(pty->master);
    set_nonblock(proc.pty_master.get());
  } else {
    set_nonblock(proc.stdin_fd.get());
    set_nonblock(proc.stdout_fd.get());
    set_nonblock(proc.stderr_fd.get());
  }
  if (proc.log_fd) set_nonblock(proc.log_fd.get());
  return proc;
}

namespace {

constexpr std::array<std::pair<int, std::string_view>, 13> kSignalNames{{
    {SIGABRT, "ABRT"}, {SIGALRM, "ALRM"}, {SIGFPE, "FPE"}, {SIGHUP, "HUP"}, {SIGILL, "ILL"},
    {SIGINT, "INT"}, {SIGKILL, "KILL"}, {SIGPIPE, "PIPE"}, {SIGQUIT, "QUIT"}, {SIGSEGV, "SEGV"},
    {SIGTERM, "TERM"}, {SIGUSR1, "USR1"}, {SIGUSR2, "USR2"},
}};

}  // namespace

bool single_threaded() {
  DIR* tasks = ::opendir("/proc/self/task");
  if (tasks == nullptr) return false;
  int count = 0;
  while (const dirent* e = ::readdir(tasks)) {
    if (e->d_name[0] != '.') ++count;
  }
  ::closedir(tasks);
  return count == 1;
}

std::string signal_name(int signal) {
  for (const auto& [n, name] : kSignalNames)
    if (n == signal) return std::string(name);
  return "SIG@openssh.com";
}

std::optional<int> signal_number(std::string_view name) {
  for (const auto& [n, known] : kSignalNames)
    if (known == name) return n;
  return std::nullopt;
}

SessionExit decode_wait_status(int status) {
  SessionExit e;
  if (WIFEXITED(status)) {
    e.exit_status = static_cast<std::uint32_t>(WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    e.signal = signal_name(WTERMSIG(status));
    e.core_dumped = WCOREDUMP(status);
  }
  return e;
}

void terminate_process_group(pid_t pid) {
  if (pid <= 0) return;
  ::kill(-pid, SIGHUP);
  ::kill(-pid, SIGTERM);
  ::kill(-pid, SIGCONT);
}

std::optional<int> try_reap(pid_t pid) {
  int status = 0;
  pid_t r;
  while ((r = ::waitpid(pid, &status, WNOHANG)) < 0 && errno == EINTR) {
  }
  if (r != pid) return std::nullopt;
  return status;
}

}  // namespace skiff::skiffd
