#include "escape.hpp"

#include <array>
#include <cstdio>
#include <string_view>

namespace skiff::cli {
namespace {

// ssh's levels in order, each by the name ssh prints for it (the first name of its
// table: QUIET shows as SILENT, DEBUG1 as DEBUG in Debian's build).
constexpr std::array<std::string_view, 8> kLevels = {"QUIET", "FATAL", "ERROR", "INFO",
                                                     "VERBOSE", "DEBUG1", "DEBUG2", "DEBUG3"};
constexpr std::array<std::string_view, 8> kLevelShown = {"SILENT", "FATAL", "ERROR", "INFO",
                                                         "VERBOSE", "DEBUG", "DEBUG2", "DEBUG3"};

int level_index(std::string_view name) {
  if (name == "DEBUG") return 5;
  for (std::size_t i = 0; i < kLevels.size(); ++i) {
    if (kLevels[i] == name) return static_cast<int>(i);
  }
  return 3;
}

struct HelpLine {
  std::string_view cmd, text;
  bool needs_command_line;
};
// The lines of ssh's esc_txt a non-multiplexed session shows.
constexpr HelpLine kHelp[] = {
    {".", "terminate connection (and any multiplexed sessions)", false},
    {"B", "send a BREAK to the remote system", false},
    {"C", "open a command line", true},
    {"R", "request rekey", false},
    {"V/v", "decrease/increase verbosity (LogLevel)", false},
    {"^Z", "suspend ssh", false},
    {"#", "list forwarded connections", false},
    {"&", "background ssh (when waiting for connections to terminate)", false},
    {"?", "this message", false},
};

}  // namespace

EscapeFilter::EscapeFilter(unsigned char escape_char, std::string_view log_level, bool command_line)
    : escape_(escape_char), level_(level_index(log_level)), command_line_(command_line) {}

std::string EscapeFilter::help_text() const {
  const char e = static_cast<char>(escape_);
  std::string out = std::string(1, e) + "?\r\nSupported escape sequences:\r\n";
  for (const auto& h : kHelp) {
    if (h.needs_command_line && !command_line_) continue;
    char line[128];
    std::snprintf(line, sizeof line, " %c%-3.*s - %.*s\r\n", e, static_cast<int>(h.cmd.size()), h.cmd.data(),
                  static_cast<int>(h.text.size()), h.text.data());
    out += line;
  }
  out += std::string(" ") + e + e + "   - send the escape character by typing it twice\r\n";
  out += "(Note that escapes are only recognized immediately after newline.)\r\n";
  return out;
}

std::vector<EscapeStep> EscapeFilter::feed(wire::ByteView input) {
  using Kind = EscapeStep::Kind;
  std::vector<EscapeStep> steps;
  const std::string esc(1, static_cast<char>(escape_));
  auto data = [&](char c) {
    if (steps.empty() || steps.back().kind != Kind::data) steps.push_back({Kind::data, {}});
    steps.back().text.push_back(c);
  };
  auto step = [&](Kind k, std::string text = {}) { steps.push_back({k, std::move(text)}); };

  for (std::uint8_t ch : input) {
    if (pending_) {
      pending_ = false;
      switch (ch) {
        case '.':
          step(Kind::message, esc + ".\r\n");
          step(Kind::disconnect);
          return steps;
        case 'Z' - 64: {
          // ssh throws away what it had not sent yet when it suspends.
          std::vector<EscapeStep> kept;
          for (auto& s : steps) {
            if (s.kind != Kind::data) kept.push_back(std::move(s));
          }
          steps = std::move(kept);
          step(Kind::message, esc + "^Z [suspend ssh]\r\n");
          step(Kind::suspend);
          continue;
        }
        case 'B':
          step(Kind::message, esc + "B\r\n");
          step(Kind::send_break);
          continue;
        case 'R':
          step(Kind::rekey);
          continue;
        case 'V':
        case 'v': {
          if (ch == 'V' && level_ > 0) --level_;
          if (ch == 'v' && level_ < static_cast<int>(kLevels.size()) - 1) ++level_;
          const auto idx = static_cast<std::size_t>(level_);
          step(Kind::message, esc + static_cast<char>(ch) + " [LogLevel " + std::string(kLevelShown[idx]) + "]\r\n");
          step(Kind::log_level, std::string(kLevels[idx]));
          continue;
        }
        case '&':
          step(Kind::message, esc + "& [backgrounded]\n");
          step(Kind::background);
          data('\x04');
          return steps;
        case '?':
          step(Kind::message, help_text());
          continue;
        case '#':
          step(Kind::message, esc + "#\r\n");
          step(Kind::list_forwards);
          continue;
        case 'C':
          if (command_line_) {
            step(Kind::command_line);
          } else {
            step(Kind::message, "commandline disabled\r\n");
          }
          continue;
        default:
          // Not an escape after all: the escape character goes through (once, for "~~").
          if (ch != escape_) data(static_cast<char>(escape_));
          break;
      }
    } else if (after_newline_ && ch == escape_) {
      pending_ = true;
      continue;
    }
    after_newline_ = ch == '\r' || ch == '\n';
    data(static_cast<char>(ch));
  }
  return steps;
}

}  // namespace skiff::cli
