// skiff-sftp-server's command line, as sftp-server(8)'s:
//   [-ehR] [-d start_directory] [-f log_facility] [-l log_level]
//   [-P denied_requests] [-p allowed_requests] [-u umask]  |  -Q protocol_feature
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sftp/server.hpp"

namespace skiff_sftp_server {

struct Options {
  skiff::sftp::ServerOptions server;
  bool log_to_stderr = false;
  int syslog_facility = -1;                 // -1: LOG_AUTH, sftp-server's default
  std::optional<std::string> start_directory;  // -d, before %d/%u/~ expansion
  std::optional<unsigned> umask;              // -u
  std::optional<std::string> query;           // -Q
  bool usage = false;                          // -h or a bad option: print usage, exit 1
  // Fatal problems (sftp-server exits 1 with these); warnings are logged and ignored.
  std::string fatal;
  std::vector<std::string> warnings;
};

Options parse_options(const std::vector<std::string>& args);

std::optional<skiff::sftp::LogLevel> log_level_from_name(std::string_view name);
int syslog_facility_from_name(std::string_view name);

// -d's expansion: a leading "~" or "~user", then %d (home), %u (user name), %U (uid), %%.
// Unknown tokens are an error, as in sftp-server's percent_expand.
// home_of_user answers "~other" (nullopt: no such user).
std::optional<std::string> expand_start_directory(
    std::string_view spec, const std::string& home, const std::string& user, unsigned uid,
    const std::function<std::optional<std::string>(const std::string&)>& home_of_user);

}  // namespace skiff_sftp_server
