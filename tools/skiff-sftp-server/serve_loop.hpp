// One SFTP session over two descriptors, shared by skiff-sftp-server and skiffd's
// internal-sftp: sftp-server's start-up (umask, start directory, "session opened" line),
// the poll loop that feeds the engine, and its end ("forced close", "session closed").
#pragma once

#include <functional>
#include <string>

#include "options.hpp"
#include "sftp/server.hpp"

namespace skiff_sftp_server {

// Receives every record at or below the -l level (the caller adds its own prefix/ident).
using LogSink = std::function<void(skiff::sftp::LogLevel, const std::string&)>;

// Feeds the engine from in_fd and writes its replies to out_fd until the client closes
// its side or the engine fails; the exit status is sftp-server's (0 at a clean end, 255
// after a protocol error, 1 or 2 for an I/O error).
int serve_descriptors(skiff::sftp::Server& server, int in_fd, int out_fd, const LogSink& log);

struct SessionIdentity {
  std::string user;    // for the log lines and %u
  std::string home;    // for -d's %d and ~
  unsigned uid = 0;    // for -d's %U
  std::string client;  // the client's address, "UNKNOWN" when not known
};

// The whole session as sftp-server runs it once its options are parsed and valid:
// umask, SIGPIPE ignored, -d, the engine over in_fd/out_fd, and the log lines around it.
int run_session(const Options& options, const SessionIdentity& who, int in_fd, int out_fd, const LogSink& log);

}  // namespace skiff_sftp_server
