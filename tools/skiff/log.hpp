// skiff's log, as ssh's log.c writes it on stderr (or the -E file, which main() puts in
// stderr's place): one line per message ended by "\r\n", debug levels prefixed with
// "debug1: " and so on, filtered by LogLevel.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace skiff::cli {

enum class Level : std::uint8_t { quiet, fatal, error, info, verbose, debug1, debug2, debug3 };

// LogLevel's names as ssh_config(5) spells them ("DEBUG" is DEBUG1); unknown: INFO.
Level level_from_name(std::string_view name);

class Log {
 public:
  explicit Log(Level level) : level_(level) {}
  Level level() const noexcept { return level_; }
  bool enabled(Level l) const noexcept { return l != Level::quiet && l <= level_; }

  // A multi-line message is written one line at a time, each with "\r\n".
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
};

}  // namespace skiff::cli
