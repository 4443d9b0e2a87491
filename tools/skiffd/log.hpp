// skiffd's log, kept minimal: sshd's levels and destinations (stderr with -e/-d, a
// file with -E, else syslog with the configured facility). The typed log lines of
// authentication and sessions live with the privileged-action code.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace skiffd {

enum class LogLevel : int { quiet, fatal, error, info, verbose, debug1, debug2, debug3 };

// "INFO", "DEBUG" (= DEBUG1), ... as LogLevel reads them; nullopt for an unknown name.
std::optional<LogLevel> log_level_from_name(std::string_view name);
// "AUTH", "DAEMON", "LOCAL0".."LOCAL7", "USER", "AUTHPRIV": the syslog facility; -1 if unknown.
int syslog_facility_from_name(std::string_view name);

struct LogSettings {
  LogLevel level = LogLevel::info;
  bool to_stderr = false;
  std::string file;        // with to_stderr: append here instead of stderr
  int facility = -1;       // syslog facility (syslog used when !to_stderr)
};

// May be called again (the configuration is read after the first messages).
void log_init(const LogSettings& settings);
const LogSettings& log_settings();
bool log_enabled(LogLevel level);

// A connection process logs through the privileged side's ServerLog (sshd's typed lines
// and its [preauth] marks); once set, every message here goes there too, so that one
// logger writes each destination. An empty function goes back to the direct output.
void log_set_sink(std::function<void(LogLevel, std::string_view)> sink);

void log_message(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace skiffd

#define SKIFFD_LOG(level, ...) ::skiffd::log_message(::skiffd::LogLevel::level, __VA_ARGS__)
