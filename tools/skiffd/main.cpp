// skiffd: the SSH server, with sshd's command line and configuration. See README.md for
// the processes and the files it uses.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include <skiff/version.hpp>

#include "config/sshd_config.hpp"
#include "connection.hpp"
#include "crypto/library_version.hpp"
#include "daemon.hpp"
#include "options.hpp"
#include "setup.hpp"

using namespace skiffd;

namespace {

int fail_setup(const SetupFailure& f) {
  std::fprintf(stderr, "%s\n", f.message.c_str());
  return f.exit_code;
}

// -T: the effective configuration, for a connection when -C gives one.
int dump_configuration(const Setup& setup) {
  auto config = skiff::Result<skiff::config::ServerConfig>(setup.config);
  if (setup.options.connection_spec) {
    const ConnectionSpec& spec = *setup.options.connection_spec;
    skiff::config::ConnectionInfo info{spec.user, spec.host, spec.addr, spec.laddr, spec.lport};
    // Match Group needs the user's groups; that look-up belongs to the privileged side
    // (tools/skiffd/system), so Group criteria do not match here.
    config = setup.file.for_connection(info, [](std::string_view) { return std::vector<std::string>{}; });
    if (!config) {
      std::fprintf(stderr, "%s\n", config.error().message.c_str());
      return 255;
    }
  }
  const std::string text = skiff::config::dump_server_config(*config);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

// sshd makes sure 0, 1 and 2 are open, so that no socket or key file lands on them.
void sanitise_stdfd() {
  const int null = open("/dev/null", O_RDWR);
  if (null < 0) return;
  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) == -1) dup2(null, fd);
  }
  if (null > 2) close(null);
}

}  // namespace

int main(int argc, char** argv) {
  skiff::crypto::skip_cleanup_at_exit();  // a connection process's exit is its last act
  std::span<const char* const> args(const_cast<const char* const*>(argv), static_cast<std::size_t>(argc));
  auto parsed = parse_options(args);
  if (!parsed) {
    std::fprintf(stderr, "%s\n", parsed.error().message.c_str());
    if (parsed.error().code == skiff::Errc::invalid_argument) std::fputs(usage_text().c_str(), stderr);
    return 1;
  }
  Options& o = *parsed;
  sanitise_stdfd();
  // Nothing inherited beyond what skiffd passes itself: later sessions must not get it.
  if (o.internal == Internal::connection_child) {
    closefrom(kStartupFd + 1);
    fcntl(kConnectionFd, F_SETFD, FD_CLOEXEC);
    fcntl(kStartupFd, F_SETFD, FD_CLOEXEC);
  } else {
    closefrom(STDERR_FILENO + 1);
  }
  if (o.version) {
    std::fprintf(stderr, "skiffd %s\n", SKIFF_VERSION);
    return 0;
  }
  if (o.test < 2 && o.connection_spec) {
    std::fprintf(stderr, "Config test connection parameter (-C) provided without test mode (-T)\n");
    return 255;
  }
  // Until the configuration is read, messages go to stderr (or the -E file), as sshd's.
  LogSettings early;
  early.level = o.debug > 0 ? static_cast<LogLevel>(static_cast<int>(LogLevel::info) + 1 + o.debug) : LogLevel::info;
  early.to_stderr = o.internal != Internal::connection_child || o.log_stderr;
  early.file = o.log_file;
  log_init(early);

  auto setup = load_configuration(o);
  if (!setup) return fail_setup(setup.error());
  // The configured level from here on. The listening daemon keeps stderr until it has
  // bound its sockets and detached (run_daemon switches), so that start-up failures are
  // seen by whoever started it; connection processes and inetd mode use the
  // configured destination at once (stdout may be the connection).
  if (o.test == 0) {
    LogSettings now = setup->log;
    if (o.internal != Internal::connection_child && !o.inetd) now.to_stderr = true;
    log_init(now);
  }
  for (const auto& w : setup->file.warnings()) SKIFFD_LOG(info, "%s", w.c_str());
  for (const auto& ign : o.ignored) SKIFFD_LOG(verbose, "ignoring %s: not supported by skiffd", ign.c_str());

  if (o.test == 0 && o.internal == Internal::none) {
    if (auto g = prepare_user_files(*setup); !g) return fail_setup(g.error());
  }
  if (auto k = load_host_keys(*setup); !k) {
    SKIFFD_LOG(info, "%s", k.error().message.c_str());
    return k.error().exit_code;
  }
  if (o.test == 1) return 0;
  if (o.test == 2) return dump_configuration(*setup);

  if (o.internal == Internal::connection_child) {
    ConnectionEndpoints ep = endpoints_of_socket(kConnectionFd);
    ep.startup_fd = kStartupFd;
    return serve_connection(ep, *setup);
  }
  if (o.inetd) {
    ConnectionEndpoints ep = endpoints_of_socket(STDIN_FILENO);
    ep.read_fd = STDIN_FILENO;
    ep.write_fd = STDOUT_FILENO;
    return serve_connection(ep, *setup);
  }
  SKIFFD_LOG(debug1, "skiffd version %s", SKIFF_VERSION);
  return run_daemon(*setup, args);
}
