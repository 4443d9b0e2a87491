#include "config/config_text.hpp"

#include <algorithm>
#include <cctype>
#include <climits>
#include <limits>

#include "wire/limits.hpp"

namespace skiff::config {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Position just after the keyword and its separator (whitespace, or one '=' with
// whitespace around it).
std::size_t skip_separator(std::string_view line, std::size_t pos) {
  while (pos < line.size() && is_blank(line[pos])) ++pos;
  if (pos < line.size() && line[pos] == '=') ++pos;
  while (pos < line.size() && is_blank(line[pos])) ++pos;
  return pos;
}

struct KeywordSpan {
  std::size_t begin = 0, end = 0;
  bool bad_quote = false;
};

// The keyword may itself be in double quotes (OpenSSH's strdelim allows it).
KeywordSpan find_keyword(std::string_view line) {
  std::size_t b = 0;
  while (b < line.size() && is_blank(line[b])) ++b;
  if (b < line.size() && line[b] == '"') {
    const auto close = line.find('"', b + 1);
    if (close == std::string_view::npos) return {b, line.size(), true};
    return {b + 1, close, false};
  }
  std::size_t e = b;
  while (e < line.size() && !is_blank(line[e]) && line[e] != '=') ++e;
  return {b, e};
}

}  // namespace

Result<std::optional<SplitLine>> split_line(std::string_view line) {
  const auto kw = find_keyword(line);
  if (kw.bad_quote) return fail(Errc::bad_format, "invalid quotes");
  if (kw.begin == kw.end || line[kw.begin] == '#') return std::optional<SplitLine>{};
  SplitLine out;
  out.keyword = std::string(line.substr(kw.begin, kw.end - kw.begin));
  out.lower = lower(out.keyword);
  std::size_t pos = skip_separator(line, kw.end + (kw.end < line.size() && line[kw.end] == '"' ? 1 : 0));
  while (pos < line.size()) {
    while (pos < line.size() && is_blank(line[pos])) ++pos;
    if (pos >= line.size() || line[pos] == '#') break;
    std::string arg;
    char quote = 0;
    for (; pos < line.size(); ++pos) {
      const char c = line[pos];
      if (quote == 0 && is_blank(c)) break;
      if (c == '\\' && pos + 1 < line.size()) {
        const char n = line[pos + 1];
        if (n == '"' || n == '\'' || n == '\\' || (quote == 0 && is_blank(n))) {
          arg += n;
          ++pos;
          continue;
        }
      }
      if (quote == 0 && (c == '"' || c == '\'')) {
        quote = c;
      } else if (quote != 0 && c == quote) {
        quote = 0;
      } else {
        arg += c;
      }
    }
    if (quote != 0) return fail(Errc::bad_format, "invalid quotes");
    if (out.args.size() >= limits::kMaxConfigArgs) return fail(Errc::too_large, "too many arguments");
    out.args.push_back(std::move(arg));
  }
  return std::optional<SplitLine>(std::move(out));
}

std::string rest_of_line(std::string_view line) {
  const auto kw = find_keyword(line);
  std::string_view rest = line.substr(
      std::min(line.size(), skip_separator(line, kw.end + (kw.end < line.size() && line[kw.end] == '"' ? 1 : 0))));
  while (!rest.empty() && is_blank(rest.back())) rest.remove_suffix(1);
  return std::string(rest);
}

std::optional<long long> parse_int(std::string_view text, long long lo, long long hi) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  long long v = 0;
  std::size_t i = 0;
  bool neg = false;
  if (text[0] == '-') {
    neg = true;
    i = 1;
    if (text.size() == 1) return std::nullopt;
  }
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    v = v * 10 + (text[i] - '0');
  }
  if (neg) v = -v;
  if (v < lo || v > hi) return std::nullopt;
  return v;
}

std::optional<long long> parse_time(std::string_view text) {
  if (text.empty()) return std::nullopt;
  long long total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t j = i;
    long long v = 0;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') {
      v = v * 10 + (text[j] - '0');
      if (v > INT_MAX) return std::nullopt;
      ++j;
    }
    if (j == i) return std::nullopt;
    long long mult = 1;
    if (j < text.size()) {
      switch (std::tolower(static_cast<unsigned char>(text[j]))) {
        case 's': mult = 1; break;
        case 'm': mult = 60; break;
        case 'h': mult = 3600; break;
        case 'd': mult = 86400; break;
        case 'w': mult = 604800; break;
        default: return std::nullopt;
      }
      ++j;
    }
    if (v > INT_MAX / mult) return std::nullopt;
    total += v * mult;
    if (total > INT_MAX) return std::nullopt;
    i = j;
  }
  return total;
}

std::optional<unsigned long long> parse_size(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::size_t j = 0;
  unsigned long long v = 0;
  while (j < text.size() && text[j] >= '0' && text[j] <= '9') {
    if (v > (std::numeric_limits<unsigned long long>::max() - 9) / 10) return std::nullopt;
    v = v * 10 + static_cast<unsigned>(text[j] - '0');
    ++j;
  }
  if (j == 0) return std::nullopt;
  if (j == text.size()) return v;
  if (j + 1 != text.size()) return std::nullopt;
  int shift = 0;
  switch (std::toupper(static_cast<unsigned char>(text[j]))) {
    case 'K': shift = 10; break;
    case 'M': shift = 20; break;
    case 'G': shift = 30; break;
    case 'T': shift = 40; break;
    default: return std::nullopt;
  }
  if (v > (std::numeric_limits<unsigned long long>::max() >> shift)) return std::nullopt;
  return v << shift;
}

void Diagnostics::add(std::string_view file, int line, std::string_view message, bool colon_after_file) {
  ++bad;
  if (lines.size() >= limits::kMaxConfigDiagnostics) return;
  lines.push_back(std::string(file) + (colon_after_file ? ": line " : " line ") + std::to_string(line) + ": " +
                  std::string(message));
}

void Diagnostics::note(std::string_view message) {
  if (lines.size() < limits::kMaxConfigDiagnostics) lines.emplace_back(message);
}

Error Diagnostics::to_error(std::string_view top_file) const {
  std::string msg;
  for (const auto& l : lines) msg += l + "\n";
  msg += std::string(top_file) + ": terminating, " + std::to_string(bad) + " bad configuration options";
  return Error{Errc::bad_format, std::move(msg)};
}

void for_each_config_line(std::string_view file, std::string_view text, std::size_t& files_read, Diagnostics& diag,
                          const std::function<void(int, std::string_view)>& fn) {
  if (++files_read > limits::kMaxConfigFiles) {
    diag.add(file, 0, "too many configuration files");
    return;
  }
  if (text.size() > limits::kMaxConfigFileBytes) {
    diag.add(file, 0, "file too large");
    return;
  }
  int lineno = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    fn(++lineno, line);
  }
}

}  // namespace skiff::config
