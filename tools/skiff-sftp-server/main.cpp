// skiff-sftp-server: the SFTP subsystem as a program, sftp-server(8)'s command line.
// It serves one session on stdin/stdout with a poll loop: read while the engine wants
// input, write while it has output, until the client closes its side.
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "io/sftp_posix_fs.hpp"
#include "options.hpp"
#include "sftp/server.hpp"

namespace {

using skiff::sftp::LogLevel;
using namespace skiff_sftp_server;

constexpr const char* kProgram = "sftp-server";

struct Logger {
  bool to_stderr = false;
  LogLevel level = LogLevel::error;

  void write(LogLevel l, const std::string& text) const {
    if ((l > level || l == LogLevel::quiet) && l != LogLevel::fatal) return;
    const char* prefix = l == LogLevel::debug1 ? "debug1: " : l == LogLevel::debug2 ? "debug2: "
                         : l == LogLevel::debug3 ? "debug3: " : "";
    if (to_stderr) {
      std::fprintf(stderr, "%s%s\n", prefix, text.c_str());
    } else {
      const int priority = l == LogLevel::fatal ? LOG_CRIT : l == LogLevel::error ? LOG_ERR
                           : l <= LogLevel::verbose ? LOG_INFO : LOG_DEBUG;
      syslog(priority, "%s%s", prefix, text.c_str());
    }
  }
};

void usage() {
  std::fprintf(stderr,
               "usage: %s [-ehR] [-d start_directory] [-f log_facility] [-l log_level]\n"
               "\t[-P denied_requests] [-p allowed_requests] [-u umask]\n"
               "       %s -Q protocol_feature\n",
               "skiff-sftp-server", "skiff-sftp-server");
}

void drain_logs(skiff::sftp::Server& server, const Logger& log) {
  while (auto r = server.poll_log()) log.write(r->level, r->text);
}

// Writes everything pending, blocking; false when the client is gone.
bool flush(skiff::sftp::Server& server) {
  while (!server.pending_output().empty()) {
    const auto out = server.pending_output();
    const ssize_t n = ::write(STDOUT_FILENO, out.data(), out.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    server.consume_output(static_cast<std::size_t>(n));
  }
  return true;
}

// Serves until the client closes stdin; the exit status is sftp-server's.
int serve(skiff::sftp::Server& server, const Logger& log) {
  std::vector<std::uint8_t> buf(256 * 1024);
  for (;;) {
    drain_logs(server, log);
    pollfd fds[2] = {{-1, POLLIN, 0}, {-1, POLLOUT, 0}};
    if (server.wants_input()) fds[0].fd = STDIN_FILENO;
    if (!server.pending_output().empty()) fds[1].fd = STDOUT_FILENO;
    if (fds[0].fd < 0 && fds[1].fd < 0) {
      log.write(LogLevel::error, "server neither reads nor writes");
      return 255;
    }
    if (::poll(fds, 2, -1) == -1) {
      if (errno == EINTR) continue;
      log.write(LogLevel::error, std::string("poll: ") + std::strerror(errno));
      return 2;
    }
    if (fds[1].revents & (POLLOUT | POLLHUP | POLLERR)) {
      const auto out = server.pending_output();
      const ssize_t n = ::write(STDOUT_FILENO, out.data(), out.size());
      if (n == 0 || (n < 0 && errno == EPIPE)) {
        log.write(LogLevel::debug1, "write eof");
        return 0;
      }
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        log.write(LogLevel::error, std::string("write: ") + std::strerror(errno));
        return 1;
      }
      if (n > 0) {
        server.consume_output(static_cast<std::size_t>(n));
        if (auto r = server.resume(); !r) {
          flush(server);
          return 255;
        }
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::read(STDIN_FILENO, buf.data(), buf.size());
      if (n == 0) {
        log.write(LogLevel::debug1, "read eof");
        return flush(server) ? 0 : 0;
      }
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        log.write(LogLevel::error, std::string("read: ") + std::strerror(errno));
        return 1;
      }
      if (auto r = server.feed(std::span(buf.data(), static_cast<std::size_t>(n))); !r) {
        drain_logs(server, log);
        flush(server);
        return 255;
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  Options o = parse_options(args);
  if (o.usage) {
    usage();
    return 1;
  }
  if (o.query) {
    if (strcasecmp(o.query->c_str(), "requests") != 0) {
      std::fprintf(stderr, "Invalid query type\n");
      return 1;
    }
    for (const auto& r : skiff::sftp::request_table()) std::printf("%.*s\n", static_cast<int>(r.name.size()), r.name.data());
    return 0;
  }
  Logger log{o.log_to_stderr, o.server.log_level};
  if (!o.log_to_stderr) openlog(kProgram, LOG_PID, o.syslog_facility >= 0 ? o.syslog_facility : LOG_AUTH);
  for (const auto& w : o.warnings) log.write(LogLevel::error, w);
  if (!o.fatal.empty()) {
    log.write(LogLevel::fatal, o.fatal);
    return 1;
  }
  if (o.umask) ::umask(static_cast<mode_t>(*o.umask));
  // A client that goes away must end the session through write() errors, not a signal.
  ::signal(SIGPIPE, SIG_IGN);

  const passwd* pw = ::getpwuid(::getuid());
  const std::string user = pw ? pw->pw_name : std::to_string(::getuid());
  const std::string home = pw ? pw->pw_dir : "/";

  std::string client = "UNKNOWN";
  if (const char* conn = std::getenv("SSH_CONNECTION")) {
    std::string c = conn;
    const std::size_t space = c.find(' ');
    if (space == std::string::npos) {
      log.write(LogLevel::error, "Malformed SSH_CONNECTION variable: \"" + c + "\"");
      return 255;
    }
    client = c.substr(0, space);
  }
  log.write(LogLevel::info, "session opened for local user " + user + " from [" + client + "]");

  std::string start;
  if (o.start_directory) {
    auto expanded = expand_start_directory(*o.start_directory, home, user, ::getuid(),
                                           [](const std::string& name) -> std::optional<std::string> {
                                             const passwd* p = ::getpwnam(name.c_str());
                                             if (!p) return std::nullopt;
                                             return std::string(p->pw_dir);
                                           });
    if (!expanded) {
      log.write(LogLevel::fatal, "Invalid start directory \"" + *o.start_directory + "\"");
      return 1;
    }
    start = *expanded;
  }
  auto fs = skiff::io::PosixFileSystem::create(start);
  if (!fs && !start.empty()) {
    // sftp-server logs a failed chdir and serves from where it is.
    log.write(LogLevel::error, fs.error().message);
    fs = skiff::io::PosixFileSystem::create("");
  }
  if (!fs) {
    log.write(LogLevel::fatal, fs.error().message);
    return 1;
  }
  skiff::sftp::Server server(**fs, o.server);
  const int rc = serve(server, log);
  server.close_all();
  drain_logs(server, log);
  log.write(LogLevel::info, "session closed for local user " + user + " from [" + client + "]");
  return rc;
}
