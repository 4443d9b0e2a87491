// skiff's log during the connection, as ssh's log.c writes it on stderr or the -E file:
// each message ended by "\r\n", debug levels prefixed with "debug1: " and so
// on, filtered by LogLevel (which ~V and ~v change while the session runs).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace skiff::cli {

enum class Level : std::uint8_t { quiet, fatal, error, info, verbose, debug1, debug2, debug3 };

// LogLevel's names as ssh_config(5) spells them ("DEBUG" is DEBUG1); unknown: INFO.
Level level_from_name(std::string_view name);
// ssh's name of a level ("DEBUG3", ...), as the escape filter's ~V and ~v take it.
std::string_view level_name(Level level);

class Log {
 public:
  Log(Level level, int fd) : level_(level), fd_(fd) {}
  Level level() const noexcept { return level_; }
  void set_level(Level l) noexcept { level_ = l; }
  bool enabled(Level l) const noexcept { return l != Level::quiet && l <= level_; }

  void write(Level l, std::string_view text) const;
  void fatal(std::string_view t) const { write(Level::fatal, t); }
  void error(std::string_view t) const { write(Level::error, t); }
  void info(std::string_view t) const { write(Level::info, t); }
  void verbose(std::string_view t) const { write(Level::verbose, t); }
  void debug1(std::string_view t) const { write(Level::debug1, t); }
  void debug2(std::string_view t) const { write(Level::debug2, t); }
  void debug3(std::string_view t) const { write(Level::debug3, t); }

 private:
  Level level_;
  int fd_;
};

}  // namespace skiff::cli
