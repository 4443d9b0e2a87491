// Line-oriented key files (authorized_keys, known_hosts): splitting into numbered lines
// with the per-line cap, and the problem reports that name file and line.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace skiff::keys {

struct KeyFileProblem {
  std::size_t line_number;
  std::string message;  // "<file>:<line>: <what is wrong>"
};

// Calls fn(line_number, line) for every line, numbered from 1, without its '\n' and
// a '\r' before it. A last line without '\n' counts. Lines longer than
// limits::kMaxKeyFileLine are not passed to fn but to too_long(line_number).
void for_each_line(std::string_view text, const std::function<void(std::size_t, std::string_view)>& fn,
                   const std::function<void(std::size_t)>& too_long);

// "<file>:<line>: <message>".
KeyFileProblem make_problem(std::string_view file_name, std::size_t line_number, std::string_view message);

}  // namespace skiff::keys
