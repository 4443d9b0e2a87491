// skiff-sftp-server: the SFTP subsystem as a program, sftp-server(8)'s command line.
// It serves one session on stdin/stdout with serve_loop's run_session (shared with
// skiffd's internal-sftp).
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

#include "options.hpp"
#include "serve_loop.hpp"
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
  const passwd* pw = ::getpwuid(::getuid());
  SessionIdentity who;
  who.user = pw ? pw->pw_name : std::to_string(::getuid());
  who.home = pw ? pw->pw_dir : "/";
  who.uid = ::getuid();
  who.client = "UNKNOWN";
  if (const char* conn = std::getenv("SSH_CONNECTION")) {
    std::string c = conn;
    const std::size_t space = c.find(' ');
    if (space == std::string::npos) {
      log.write(LogLevel::error, "Malformed SSH_CONNECTION variable: \"" + c + "\"");
      return 255;
    }
    who.client = c.substr(0, space);
  }
  const int rc = run_session(o, who, STDIN_FILENO, STDOUT_FILENO,
                             [&log](LogLevel l, const std::string& text) { log.write(l, text); });
  return rc;
}
