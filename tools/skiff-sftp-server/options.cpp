#include "options.hpp"

#include <strings.h>
#include <syslog.h>

#include <utility>

namespace skiff_sftp_server {

using skiff::sftp::LogLevel;

namespace {
bool equal_nocase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}
}  // namespace

std::optional<LogLevel> log_level_from_name(std::string_view name) {
  static constexpr std::pair<const char*, LogLevel> kLevels[] = {
      {"QUIET", LogLevel::quiet},   {"FATAL", LogLevel::fatal},     {"ERROR", LogLevel::error},
      {"INFO", LogLevel::info},     {"VERBOSE", LogLevel::verbose}, {"DEBUG", LogLevel::debug1},
      {"DEBUG1", LogLevel::debug1}, {"DEBUG2", LogLevel::debug2},   {"DEBUG3", LogLevel::debug3},
  };
  for (const auto& [n, l] : kLevels) {
    if (equal_nocase(name, n)) return l;
  }
  return std::nullopt;
}

int syslog_facility_from_name(std::string_view name) {
  static constexpr std::pair<const char*, int> kFacilities[] = {
      {"DAEMON", LOG_DAEMON}, {"USER", LOG_USER},     {"AUTH", LOG_AUTH},     {"AUTHPRIV", LOG_AUTHPRIV},
      {"LOCAL0", LOG_LOCAL0}, {"LOCAL1", LOG_LOCAL1}, {"LOCAL2", LOG_LOCAL2}, {"LOCAL3", LOG_LOCAL3},
      {"LOCAL4", LOG_LOCAL4}, {"LOCAL5", LOG_LOCAL5}, {"LOCAL6", LOG_LOCAL6}, {"LOCAL7", LOG_LOCAL7},
  };
  for (const auto& [n, f] : kFacilities) {
    if (equal_nocase(name, n)) return f;
  }
  return -1;
}

Options parse_options(const std::vector<std::string>& args) {
  Options o;
  auto& policy = o.server.policy;
  // getopt("d:f:l:P:p:Q:u:cehR") by hand: flags may be grouped ("-eR"), an argument
  // may be attached ("-l3") or the next word; "--" ends the options.
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") break;
    if (a.size() < 2 || a[0] != '-') break;  // sftp-server takes no operands; getopt stops here
    for (std::size_t j = 1; j < a.size(); ++j) {
      const char c = a[j];
      if (c == 'c') return o;  // "sftp-server -c command": invoked as a shell, the rest is ignored
      if (c == 'e') { o.log_to_stderr = true; continue; }
      if (c == 'R') { policy.read_only = true; continue; }
      if (c == 'h') { o.usage = true; return o; }
      if (std::string_view("dflPpQu").find(c) == std::string_view::npos) {
        o.usage = true;
        return o;
      }
      std::string value;
      if (j + 1 < a.size()) {
        value = a.substr(j + 1);
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        o.usage = true;
        return o;
      }
      switch (c) {
        case 'd': o.start_directory = value; break;
        case 'f':
          o.syslog_facility = syslog_facility_from_name(value);
          if (o.syslog_facility < 0) o.warnings.push_back("Invalid log facility \"" + value + "\"");
          break;
        case 'l':
          if (auto l = log_level_from_name(value)) {
            o.server.log_level = *l;
          } else {
            o.warnings.push_back("Invalid log level \"" + value + "\"");
          }
          break;
        case 'p':
          if (policy.allowed) { o.fatal = "Permitted requests already set"; return o; }
          policy.allowed = skiff::sftp::split_request_list(value);
          break;
        case 'P':
          if (policy.denied) { o.fatal = "Refused requests already set"; return o; }
          policy.denied = skiff::sftp::split_request_list(value);
          break;
        case 'Q': o.query = value; break;
        case 'u': {
          unsigned mask = 0;
          bool ok = !value.empty() && value.size() <= 4;
          for (char d : value) {
            if (d < '0' || d > '7') ok = false;
            mask = mask * 8 + static_cast<unsigned>(d - '0');
          }
          if (!ok || mask > 0777) { o.fatal = "Invalid umask \"" + value + "\""; return o; }
          o.umask = mask;
          break;
        }
        default: break;
      }
      break;  // the argument used the rest of this word
    }
  }
  return o;
}

std::optional<std::string> expand_start_directory(
    std::string_view spec, const std::string& home, const std::string& user, unsigned uid,
    const std::function<std::optional<std::string>(const std::string&)>& home_of_user) {
  std::string path(spec);
  if (!path.empty() && path[0] == '~') {
    const std::size_t slash = path.find('/');
    const std::string name = path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
    std::optional<std::string> dir = name.empty() ? std::optional<std::string>(home) : home_of_user(name);
    if (!dir) return std::nullopt;
    path = *dir + (slash == std::string::npos ? std::string() : path.substr(slash));
  }
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') {
      out.push_back(path[i]);
      continue;
    }
    if (++i == path.size()) return std::nullopt;
    switch (path[i]) {
      case '%': out.push_back('%'); break;
      case 'd': out += home; break;
      case 'u': out += user; break;
      case 'U': out += std::to_string(uid); break;
      default: return std::nullopt;
    }
  }
  return out;
}

}  // namespace skiff_sftp_server
