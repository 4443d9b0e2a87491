#include "file-transfer/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace skiff::sftp_cli {

Result<ChildPipes> spawn_child(const std::vector<std::string>& argv, int stdin_fd, int stdout_fd) {
  if (argv.empty()) return fail(Errc::invalid_argument, "no program to run");
  int to_child[2] = {-1, -1}, from_child[2] = {-1, -1};
  auto close_all = [&] {
    for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1]})
      if (fd >= 0) ::close(fd);
  };
  if ((stdin_fd < 0 && ::pipe(to_child) != 0) || (stdout_fd < 0 && ::pipe(from_child) != 0)) {
    const int e = errno;
    close_all();
    return fail(Errc::io_error, std::string("pipe: ") + std::strerror(e));
  }
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    close_all();
    return fail(Errc::io_error, std::string("fork: ") + std::strerror(e));
  }
  if (pid == 0) {
    const int in = stdin_fd >= 0 ? stdin_fd : to_child[0];
    const int out = stdout_fd >= 0 ? stdout_fd : from_child[1];
    if (::dup2(in, STDIN_FILENO) < 0 || ::dup2(out, STDOUT_FILENO) < 0) _exit(1);
    for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1], stdin_fd, stdout_fd})
      if (fd > STDERR_FILENO) ::close(fd);
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGPIPE, SIG_DFL);
    ::execvp(cargv[0], cargv.data());
    std::string msg = std::string("exec: ") + cargv[0] + ": " + std::strerror(errno) + "\n";
    (void)!::write(STDERR_FILENO, msg.data(), msg.size());
    _exit(1);
  }
  ChildPipes c;
  c.pid = pid;
  if (stdin_fd < 0) {
    ::close(to_child[0]);
    c.to_child = to_child[1];
    ::fcntl(c.to_child, F_SETFD, FD_CLOEXEC);
  }
  if (stdout_fd < 0) {
    ::close(from_child[1]);
    c.from_child = from_child[0];
    ::fcntl(c.from_child, F_SETFD, FD_CLOEXEC);
  }
  return c;
}

int wait_child(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 255;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

}  // namespace skiff::sftp_cli
