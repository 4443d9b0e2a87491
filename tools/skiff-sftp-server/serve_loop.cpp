#include "serve_loop.hpp"

#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "io/sftp_posix_fs.hpp"

namespace skiff_sftp_server {

using skiff::sftp::LogLevel;

namespace {

void drain_logs(skiff::sftp::Server& server, const LogSink& log) {
  while (auto r = server.poll_log()) log(r->level, r->text);
}

// Writes everything pending, blocking; false when the client is gone.
bool flush(skiff::sftp::Server& server, int out_fd) {
  while (!server.pending_output().empty()) {
    const auto out = server.pending_output();
    const ssize_t n = ::write(out_fd, out.data(), out.size());
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return false;
    server.consume_output(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

int serve_descriptors(skiff::sftp::Server& server, int in_fd, int out_fd, const LogSink& log) {
  std::vector<std::uint8_t> buf(256 * 1024);
  for (;;) {
    drain_logs(server, log);
    pollfd fds[2] = {{-1, POLLIN, 0}, {-1, POLLOUT, 0}};
    if (server.wants_input()) fds[0].fd = in_fd;
    if (!server.pending_output().empty()) fds[1].fd = out_fd;
    if (fds[0].fd < 0 && fds[1].fd < 0) {
      log(LogLevel::error, "server neither reads nor writes");
      return 255;
    }
    if (::poll(fds, 2, -1) == -1) {
      if (errno == EINTR) continue;
      log(LogLevel::error, std::string("poll: ") + std::strerror(errno));
      return 2;
    }
    if (fds[1].revents & (POLLOUT | POLLHUP | POLLERR)) {
      const auto out = server.pending_output();
      const ssize_t n = ::write(out_fd, out.data(), out.size());
      if (n == 0 || (n < 0 && errno == EPIPE)) {
        log(LogLevel::debug1, "write eof");
        return 0;
      }
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        log(LogLevel::error, std::string("write: ") + std::strerror(errno));
        return 1;
      }
      if (n > 0) {
        server.consume_output(static_cast<std::size_t>(n));
        if (auto r = server.resume(); !r) {
          drain_logs(server, log);
          flush(server, out_fd);
          return 255;
        }
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::read(in_fd, buf.data(), buf.size());
      if (n == 0) {
        log(LogLevel::debug1, "read eof");
        // Replies still queued are delivered if the client still reads them.
        flush(server, out_fd);
        return 0;
      }
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        log(LogLevel::error, std::string("read: ") + std::strerror(errno));
        return 1;
      }
      if (auto r = server.feed(std::span(buf.data(), static_cast<std::size_t>(n))); !r) {
        drain_logs(server, log);
        flush(server, out_fd);
        return 255;
      }
    }
  }
}

int run_session(const Options& o, const SessionIdentity& who, int in_fd, int out_fd, const LogSink& log) {
  if (o.umask) ::umask(static_cast<mode_t>(*o.umask));
  // A client that goes away must end the session through write() errors, not a signal.
  ::signal(SIGPIPE, SIG_IGN);
  log(LogLevel::info, "session opened for local user " + who.user + " from [" + who.client + "]");

  std::string start;
  if (o.start_directory) {
    auto expanded = expand_start_directory(*o.start_directory, who.home, who.user, who.uid,
                                           [](const std::string& name) -> std::optional<std::string> {
                                             const passwd* p = ::getpwnam(name.c_str());
                                             if (!p) return std::nullopt;
                                             return std::string(p->pw_dir);
                                           });
    if (!expanded) {
      log(LogLevel::fatal, "Invalid start directory \"" + *o.start_directory + "\"");
      return 1;
    }
    start = *expanded;
  }
  auto fs = skiff::io::PosixFileSystem::create(start);
  if (!fs && !start.empty()) {
    // sftp-server logs a failed chdir and serves from where it is.
    log(LogLevel::error, fs.error().message);
    fs = skiff::io::PosixFileSystem::create("");
  }
  if (!fs) {
    log(LogLevel::fatal, fs.error().message);
    return 1;
  }
  skiff::sftp::Server server(**fs, o.server);
  const int rc = serve_descriptors(server, in_fd, out_fd, log);
  server.close_all();
  drain_logs(server, log);
  log(LogLevel::info, "session closed for local user " + who.user + " from [" + who.client + "]");
  return rc;
}

}  // namespace skiff_sftp_server
