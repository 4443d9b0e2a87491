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
  const char* prefix = l == Level::debug1 ? "debug1: " : l == Level::debug2 ? "debug2: " : l == Level::debug3 ? "debug3: " : "";
  while (true) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (line.ends_with('\r')) line.remove_suffix(1);
    std::string out = prefix;
    out.append(line);
    out += "\r\n";
    for (std::string_view rest = out; !rest.empty();) {
      ssize_t n = ::write(fd_, rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
    if (text.empty()) break;
  }
}

}  // namespace skiff::cli
