#include "skiff-scp/legacy_protocol.hpp"

#include <fnmatch.h>

#include <cstdio>
#include <limits>

namespace skiff::scp_cli {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Decimal digits at `pos` into `out`; false on none or on overflow of `max`.
bool take_number(std::string_view s, std::size_t& pos, std::uint64_t max, std::uint64_t& out) {
  if (pos >= s.size() || !is_digit(s[pos])) return false;
  out = 0;
  while (pos < s.size() && is_digit(s[pos])) {
    const std::uint64_t d = static_cast<std::uint64_t>(s[pos] - '0');
    if (out > (max - d) / 10) return false;
    out = out * 10 + d;
    ++pos;
  }
  return true;
}

std::variant<ControlRecord, ProtocolError> parse_time(std::string_view s) {
  // "T<mtime> <mtime usec> <atime> <atime usec>", as scp.c checks it piece by piece.
  constexpr std::uint64_t kMaxTime = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::size_t pos = 1;
  std::uint64_t mtime = 0, usec = 0, atime = 0;
  if (!take_number(s, pos, kMaxTime, mtime) || pos >= s.size() || s[pos++] != ' ')
    return ProtocolError{"mtime.sec not delimited"};
  if (!take_number(s, pos, 999999, usec) || pos >= s.size() || s[pos++] != ' ')
    return ProtocolError{"mtime.usec not delimited"};
  if (!take_number(s, pos, kMaxTime, atime) || pos >= s.size() || s[pos++] != ' ')
    return ProtocolError{"atime.sec not delimited"};
  if (!take_number(s, pos, 999999, usec) || pos != s.size()) return ProtocolError{"atime.usec not delimited"};
  return TimeRecord{static_cast<std::int64_t>(mtime), static_cast<std::int64_t>(atime)};
}

}  // namespace

std::variant<ControlRecord, ProtocolError> parse_control_line(std::string_view line) {
  if (line.empty()) return ProtocolError{"unexpected <newline>"};
  if (line.size() >= kMaxControlLine) return ProtocolError{"control record too long"};
  switch (line[0]) {
    case '\1':
    case '\2':
      return PeerError{line[0] == '\2', std::string(line.substr(1))};
    case 'E':
      if (line.size() != 1) return ProtocolError{"expected control record"};
      return EndDir{};
    case 'T':
      return parse_time(line);
    case 'C':
    case 'D':
      break;
    default:
      return ProtocolError{"expected control record"};
  }
  // "C0644 1234 name": four octal digits, a space, a decimal size, a space, the name.
  std::uint32_t mode = 0;
  std::size_t pos = 1;
  for (; pos < 5; ++pos) {
    if (pos >= line.size() || line[pos] < '0' || line[pos] > '7') return ProtocolError{"bad mode"};
    mode = (mode << 3) | static_cast<std::uint32_t>(line[pos] - '0');
  }
  if (pos >= line.size() || line[pos++] != ' ') return ProtocolError{"mode not delimited"};
  if (pos >= line.size() || !is_digit(line[pos])) return ProtocolError{"size not present"};
  std::uint64_t size = 0;
  // off_t's range, as scp's TYPE_OVERFLOW(off_t, ull) check.
  if (!take_number(line, pos, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()), size))
    return ProtocolError{"size out of range"};
  if (pos >= line.size() || line[pos++] != ' ') return ProtocolError{"size not delimited"};
  std::string name(line.substr(pos));
  if (line[0] == 'D') return DirRecord{mode, std::move(name)};
  return FileRecord{mode, size, std::move(name)};
}

std::optional<std::string> sink_refusal(const SinkRules& rules, bool is_dir, std::string_view name) {
  if (name.empty() || name.find('/') != std::string_view::npos || name == "." || name == "..")
    return "error: unexpected filename: " + std::string(name);
  if (is_dir && !rules.recursive) return std::string("protocol error: received directory without -r");
  if (!rules.patterns.empty()) {
    const std::string n(name);
    bool matched = false;
    for (const auto& p : rules.patterns) {
      if (p == n || ::fnmatch(p.c_str(), n.c_str(), 0) == 0) {
        matched = true;
        break;
      }
    }
    if (!matched) return std::string("protocol error: filename does not match request");
  }
  return std::nullopt;
}

namespace {

// One level of "{a,b}" expansion at the first top-level brace pair; recursion handles
// the rest. Depth and count are capped: a hostile pattern must not explode.
void expand(const std::string& s, std::vector<std::string>& out, int depth) {
  if (out.size() >= 1024 || depth > 16) {
    out.push_back(s);
    return;
  }
  auto open = s.find('{');
  if (open == std::string::npos) {
    out.push_back(s);
    return;
  }
  int level = 0;
  std::size_t close = std::string::npos;
  std::vector<std::size_t> commas;
  for (std::size_t k = open; k < s.size(); ++k) {
    if (s[k] == '{') ++level;
    else if (s[k] == '}' && --level == 0) {
      close = k;
      break;
    } else if (s[k] == ',' && level == 1) commas.push_back(k);
  }
  if (close == std::string::npos || commas.empty()) {
    out.push_back(s);  // unbalanced or "{x}": literal, as far as we are concerned
    return;
  }
  std::size_t start = open + 1;
  commas.push_back(close);
  for (auto c : commas) {
    expand(s.substr(0, open) + s.substr(start, c - start) + s.substr(close + 1), out, depth + 1);
    start = c + 1;
  }
}

}  // namespace

std::vector<std::string> requested_patterns(std::string_view remote_path) {
  std::string p(remote_path);
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  auto slash = p.rfind('/');
  std::string base = slash == std::string::npos ? p : p.substr(slash + 1);
  std::vector<std::string> out;
  if (base.empty() || base == "." || base == "..") return out;  // a directory: anything in it
  expand(base, out, 0);
  return out;
}

std::string file_line(std::uint32_t mode, std::uint64_t size, std::string_view name) {
  char head[64];
  std::snprintf(head, sizeof head, "C%04o %llu ", mode & 07777u, static_cast<unsigned long long>(size));
  return std::string(head) + std::string(name) + "\n";
}

std::string dir_line(std::uint32_t mode, std::string_view name) {
  char head[32];
  std::snprintf(head, sizeof head, "D%04o 0 ", mode & 07777u);
  return std::string(head) + std::string(name) + "\n";
}

std::string time_line(std::int64_t mtime, std::int64_t atime) {
  char buf[80];
  std::snprintf(buf, sizeof buf, "T%lld 0 %lld 0\n", static_cast<long long>(mtime), static_cast<long long>(atime));
  return buf;
}

}  // namespace skiff::scp_cli
