#include "keys/text_lines.hpp"

#include "wire/limits.hpp"

namespace skiff::keys {

void for_each_line(std::string_view text, const std::function<void(std::size_t, std::string_view)>& fn,
                   const std::function<void(std::size_t)>& too_long) {
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > limits::kMaxKeyFileLine) {
      too_long(number);
    } else {
      fn(number, line);
    }
  }
}

KeyFileProblem make_problem(std::string_view file_name, std::size_t line_number, std::string_view message) {
  std::string text(file_name);
  text += ':';
  text += std::to_string(line_number);
  text += ": ";
  text += message;
  return {line_number, std::move(text)};
}

}  // namespace skiff::keys
