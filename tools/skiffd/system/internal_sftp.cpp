#include "system/internal_sftp.hpp"

#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "serve_loop.hpp"

namespace skiff::skiffd {

namespace {

using skiff::sftp::LogLevel;

// Longest text of one log line on the pipe: well under PIPE_BUF, so each write is atomic
// and the parent's line reader has a bound.
constexpr std::size_t kMaxLogText = 1000;

void write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    const ssize_t n = ::write(fd, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    s.remove_prefix(static_cast<std::size_t>(n));
  }
}

// One record as "<level digit><text>\n" for skiffd (newlines in names become '?': the
// reader splits on them), or, with -e, as sftp-server writes to stderr.
void send_log(int log_fd, bool to_stderr, LogLevel level, std::string_view text) {
  std::string line;
  if (to_stderr) {
    if (level == LogLevel::debug1) line = "debug1: ";
    if (level == LogLevel::debug2) line = "debug2: ";
    if (level == LogLevel::debug3) line = "debug3: ";
  } else {
    line.push_back(static_cast<char>('0' + static_cast<int>(level)));
  }
  for (char c : text.substr(0, kMaxLogText)) line.push_back(c == '\n' || c == '\r' ? '?' : c);
  line.push_back('\n');
  if (to_stderr) return write_all(STDERR_FILENO, line);
  if (log_fd >= 0) write_all(log_fd, line);
}

std::vector<std::string> split_words(std::string_view command) {
  // sshd splits internal-sftp's line on spaces only (strtok " "), without quoting.
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < command.size()) {
    while (i < command.size() && (command[i] == ' ' || command[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < command.size() && command[j] != ' ' && command[j] != '\t') ++j;
    if (j > i) words.emplace_back(command.substr(i, j - i));
    i = j;
  }
  return words;
}

}  // namespace

bool is_internal_sftp(std::string_view command) {
  constexpr std::string_view kName = "internal-sftp";
  if (!command.starts_with(kName)) return false;
  return command.size() == kName.size() || command[kName.size()] == ' ' || command[kName.size()] == '\t';
}

std::function<int(int)> internal_sftp_child(std::string_view command, const UserAccount& user, const Peer& peer) {
  std::vector<std::string> words = split_words(command);
  std::vector<std::string> args(words.begin() + (words.empty() ? 0 : 1), words.end());
  skiff_sftp_server::Options options = skiff_sftp_server::parse_options(args);
  skiff_sftp_server::SessionIdentity who{user.name, user.home, static_cast<unsigned>(user.uid), peer.address};
  return [options = std::move(options), who = std::move(who)](int log_fd) -> int {
    const LogLevel level = options.server.log_level;
    const bool to_stderr = options.log_to_stderr;
    // The -l level is the whole filter, as sftp-server's own log_init in sshd's child.
    auto log = [&](LogLevel l, const std::string& text) {
      if ((l > level || l == LogLevel::quiet) && l != LogLevel::fatal) return;
      send_log(log_fd, to_stderr, l, text);
    };
    if (options.usage) {
      write_all(STDERR_FILENO,
                "usage: internal-sftp [-ehR] [-d start_directory] [-f log_facility] [-l log_level]\n"
                "\t[-P denied_requests] [-p allowed_requests] [-u umask]\n");
      return 1;
    }
    if (options.query) {
      log(LogLevel::error, "internal-sftp: -Q is not available in a session");
      return 1;
    }
    for (const auto& w : options.warnings) log(LogLevel::error, w);
    if (!options.fatal.empty()) {
      log(LogLevel::fatal, options.fatal);
      return 1;
    }
    return skiff_sftp_server::run_session(options, who, STDIN_FILENO, STDOUT_FILENO, log);
  };
}

std::function<int(int)> refuse_non_sftp_child(const Peer& peer) {
  std::string remote = peer.address + " port " + std::to_string(peer.port);
  return [remote = std::move(remote)](int log_fd) -> int {
    send_log(log_fd, false, LogLevel::error, "Connection from " + remote + ": refusing non-sftp session");
    write_all(STDOUT_FILENO, "This service allows sftp connections only.\n");
    return 1;
  };
}

}  // namespace skiff::skiffd
