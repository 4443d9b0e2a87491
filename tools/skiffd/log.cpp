#include "log.hpp"

#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <utility>

namespace skiffd {
namespace {

LogSettings g_settings;
bool g_syslog_open = false;
int g_file_fd = -1;
std::function<void(LogLevel, std::string_view)> g_sink;

struct Named {
  const char* name;
  int value;
};

constexpr Named kFacilities[] = {
    {"DAEMON", LOG_DAEMON}, {"USER", LOG_USER},     {"AUTH", LOG_AUTH},     {"AUTHPRIV", LOG_AUTHPRIV},
    {"LOCAL0", LOG_LOCAL0}, {"LOCAL1", LOG_LOCAL1}, {"LOCAL2", LOG_LOCAL2}, {"LOCAL3", LOG_LOCAL3},
    {"LOCAL4", LOG_LOCAL4}, {"LOCAL5", LOG_LOCAL5}, {"LOCAL6", LOG_LOCAL6}, {"LOCAL7", LOG_LOCAL7},
};

bool equal_nocase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

int syslog_priority(LogLevel level) {
  switch (level) {
    case LogLevel::fatal: return LOG_CRIT;
    case LogLevel::error: return LOG_ERR;
    case LogLevel::info:
    case LogLevel::verbose: return LOG_INFO;
    default: return LOG_DEBUG;
  }
}

const char* prefix(LogLevel level) {
  switch (level) {
    case LogLevel::debug1: return "debug1: ";
    case LogLevel::debug2: return "debug2: ";
    case LogLevel::debug3: return "debug3: ";
    default: return "";
  }
}

}  // namespace

std::optional<LogLevel> log_level_from_name(std::string_view name) {
  static constexpr std::pair<const char*, LogLevel> kLevels[] = {
      {"QUIET", LogLevel::quiet},   {"FATAL", LogLevel::fatal},   {"ERROR", LogLevel::error},
      {"INFO", LogLevel::info},     {"VERBOSE", LogLevel::verbose}, {"DEBUG", LogLevel::debug1},
      {"DEBUG1", LogLevel::debug1}, {"DEBUG2", LogLevel::debug2}, {"DEBUG3", LogLevel::debug3},
  };
  for (const auto& [n, l] : kLevels) {
    if (equal_nocase(name, n)) return l;
  }
  return std::nullopt;
}

int syslog_facility_from_name(std::string_view name) {
  for (const auto& f : kFacilities) {
    if (equal_nocase(name, f.name)) return f.value;
  }
  return -1;
}

void log_init(const LogSettings& settings) {
  g_settings = settings;
  if (g_file_fd >= 0) {
    close(g_file_fd);
    g_file_fd = -1;
  }
  if (settings.to_stderr && !settings.file.empty()) {
    g_file_fd = open(settings.file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (g_file_fd < 0) {
      std::fprintf(stderr, "Couldn't open logfile %s: %s\n", settings.file.c_str(), std::strerror(errno));
    }
  }
  if (!settings.to_stderr) {
    if (g_syslog_open) closelog();
    openlog("skiffd", LOG_PID, settings.facility >= 0 ? settings.facility : LOG_AUTH);
    g_syslog_open = true;
  }
}

const LogSettings& log_settings() { return g_settings; }

bool log_enabled(LogLevel level) { return level != LogLevel::quiet && level <= g_settings.level; }

void log_set_sink(std::function<void(LogLevel, std::string_view)> sink) { g_sink = std::move(sink); }

void log_message(LogLevel level, const char* fmt, ...) {
  // Fatal messages are shown even at QUIET, as sshd does.
  if (!log_enabled(level) && level != LogLevel::fatal) return;
  char text[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  if (g_sink) {
    g_sink(level, text);
    return;
  }
  if (g_settings.to_stderr) {
    char line[1100];
    const int n = std::snprintf(line, sizeof line, "%s%s\n", prefix(level), text);
    const int fd = g_file_fd >= 0 ? g_file_fd : STDERR_FILENO;
    if (n > 0) (void)!write(fd, line, std::min(static_cast<std::size_t>(n), sizeof line - 1));
  } else {
    syslog(syslog_priority(level), "%s%s", prefix(level), text);
  }
}

}  // namespace skiffd
