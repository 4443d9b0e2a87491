// OpenSSH's '*' / '?' wildcard matching, without its exponential worst case.
#include "wire/glob.hpp"

namespace skiff::wire {

bool match_glob(std::string_view text, std::string_view pattern) {
  // Greedy matching with backtracking to the most recent '*' only: when a later '*'
  // is reached, earlier ones never need to be revisited, so this is O(n*m) at worst,
  // unlike OpenSSH's recursive match_pattern() which is exponential on "*a*a*a...b".
  std::size_t t = 0;
  std::size_t p = 0;
  std::size_t star_p = std::string_view::npos;  // position after the last '*' seen
  std::size_t star_t = 0;                       // text position that '*' is tried up to
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = ++p;
      star_t = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (star_p != std::string_view::npos) {
      p = star_p;
      t = ++star_t;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace skiff::wire
