#include "readpass.hpp"

#include <fcntl.h>
#include <signal.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <skiff/secret.hpp>

#include "common/tty.hpp"

namespace skiff::cli {
namespace {

// Debian's default askpass program, as ssh's _PATH_SSH_ASKPASS_DEFAULT.
constexpr const char* kDefaultAskpass = "/usr/bin/ssh-askpass";

// ssh_askpass(): the program's first line of output, or nullopt when it failed.
std::optional<std::string> run_askpass(const char* program, std::string_view prompt, const Log& log) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) == -1) {
    log.error(std::string("ssh_askpass: pipe: ") + std::strerror(errno));
    return std::nullopt;
  }
  std::string msg(prompt);
  pid_t pid = fork();
  if (pid == -1) {
    log.error(std::string("ssh_askpass: fork: ") + std::strerror(errno));
    close(p[0]);
    close(p[1]);
    return std::nullopt;
  }
  if (pid == 0) {
    dup2(p[1], STDOUT_FILENO);
    execlp(program, program, msg.c_str(), static_cast<char*>(nullptr));
    std::fprintf(stderr, "ssh_askpass: exec(%s): %s\r\n", program, std::strerror(errno));
    _exit(1);
  }
  close(p[1]);
  Secret buf;
  char chunk[256];
  while (buf.size() < 1023) {
    ssize_t r = read(p[0], chunk, sizeof chunk);
    if (r == -1 && errno == EINTR) continue;
    if (r <= 0) break;
    buf.append(chunk, static_cast<std::size_t>(r));
  }
  detail::wipe_memory(chunk, sizeof chunk);
  close(p[0]);
  int status = 0;
  pid_t ret;
  while ((ret = waitpid(pid, &status, 0)) == -1 && errno == EINTR) {
  }
  if (ret == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  std::string answer(buf.substr(0, buf.find_first_of("\r\n")));
  return answer;
}

}  // namespace

std::optional<std::string> read_passphrase(std::string_view prompt, ReadPassFlags flags, const Log& log) {
  bool use_askpass = false, allow_askpass = false;
  if (const char* s = std::getenv("DISPLAY")) allow_askpass = *s != '\0';
  if (const char* s = std::getenv("SSH_ASKPASS_REQUIRE")) {
    if (strcasecmp(s, "force") == 0) {
      use_askpass = allow_askpass = true;
    } else if (strcasecmp(s, "prefer") == 0) {
      use_askpass = allow_askpass;
    } else if (strcasecmp(s, "never") == 0) {
      allow_askpass = false;
    }
  }
  if (use_askpass) {
    log.debug1("read_passphrase: requested to askpass");
  } else {
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
      // The prompt starts at the beginning of the line, over anything typed ahead.
      (void)!write(fd, "\r", 1);
      close(fd);
    } else {
      log.debug1(std::string("read_passphrase: can't open /dev/tty: ") + std::strerror(errno));
      use_askpass = true;
    }
  }
  std::optional<std::string> answer;
  if (use_askpass && allow_askpass) {
    const char* program = std::getenv("SSH_ASKPASS");
    answer = run_askpass(program ? program : kDefaultAskpass, prompt, log);
  } else {
    answer = tools::read_passphrase(prompt, {.echo = flags.echo, .require_tty = true});
  }
  if (!answer && !flags.allow_eof) return std::string();
  return answer;
}

}  // namespace skiff::cli
