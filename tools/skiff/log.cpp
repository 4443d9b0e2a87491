#include "log.hpp"

#include <strings.h>

#include <unistd.h>

#include <cerrno>

namespace skiff::cli {

Level level_from_name(std::string_view name) {
  static constexpr struct {
    const char* name;
    Level level;
  } kNames[] = {{"QUIET", Level::quiet},     {"FATAL", Level::fatal},   {"ERROR", Level::error},
                {"INFO", Level::info},       {"VERBOSE", Level::verbose}, {"DEBUG", Level::debug1},
                {"DEBUG1", Level::debug1},   {"DEBUG2", Level::debug2}, {"DEBUG3", Level::debug3}};
  std::string n(name);
  for (const auto& e : kNames) {
    if (strcasecmp(e.name, n.c_str()) == 0) return e.level;
  }
  return Level::info;
}

std::string_view level_name(Level level) {
  static constexpr std::string_view kNames[] = {"QUIET", "FATAL", "ERROR", "INFO", "VERBOSE", "DEBUG1", "DEBUG2", "DEBUG3"};
  return kNames[static_cast<int>(level)];
}

void Log::write(Level l, std::string_view text) const {
  if (!enabled(l)) return;
  // As log.c: the message as it is (a multi-line one keeps its bare '\n's), one "\r\n".
  const char* prefix = l == Level::debug1 ? "debug1: " : l == Level::debug2 ? "debug2: " : l == Level::debug3 ? "debug3: " : "";
  std::string out = prefix;
  out.append(text);
  out += "\r\n";
  for (std::string_view rest = out; !rest.empty();) {
    ssize_t n = ::write(fd_, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace skiff::cli
