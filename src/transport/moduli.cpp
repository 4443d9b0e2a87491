// OpenSSH moduli(5) files: "time type tests trials size generator modulus" per line.
#include <charconv>
#include <map>
#include <optional>
#include <span>
#include <string>

#include <skiff/transport.hpp>

#include "crypto/secure.hpp"
#include "wire/limits.hpp"

namespace skiff {

namespace {

constexpr int kModuliTypeSafe = 2;
constexpr unsigned kModuliTestsComposite = 0x01;

bool parse_hex(std::string_view hex, Bytes& out) {
  out.clear();
  if (hex.empty() || hex.size() > 2 * limits::kMaxMpintBytes) return false;
  std::size_t i = 0;
  if (hex.size() % 2) {
    std::uint8_t v = 0;
    if (std::from_chars(hex.data(), hex.data() + 1, v, 16).ec != std::errc()) return false;
    out.push_back(v);
    i = 1;
  }
  for (; i < hex.size(); i += 2) {
    std::uint8_t v = 0;
    auto r = std::from_chars(hex.data() + i, hex.data() + i + 2, v, 16);
    if (r.ec != std::errc() || r.ptr != hex.data() + i + 2) return false;
    out.push_back(v);
  }
  std::size_t lead = 0;
  while (lead < out.size() && out[lead] == 0) ++lead;
  out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(lead));
  return !out.empty();
}

std::size_t bit_length(const Bytes& b) {
  if (b.empty()) return 0;
  std::size_t bits = (b.size() - 1) * 8;
  for (std::uint8_t top = b[0]; top; top >>= 1) ++bits;
  return bits;
}

}  // namespace

namespace {

// One line's fields, checked except for the two numbers in hex (the expensive part).
struct ModuliLine {
  unsigned size = 0;  // bits - 1, as the file gives it
  std::string_view generator, modulus;
};

std::optional<ModuliLine> scan_line(std::string_view line) {
  std::string_view fields[7];
  int n = 0;
  std::size_t pos = 0;
  while (n < 7) {
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t' || line[pos] == '\r')) ++pos;
    if (pos >= line.size() || line[pos] == '#') break;
    std::size_t end = line.find_first_of(" \t\r", pos);
    fields[n++] = line.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? line.size() : end;
  }
  if (n != 7) return std::nullopt;
  int type = 0;
  unsigned tests = 0, trials = 0, size = 0;
  auto num = [](std::string_view f, auto& v) {
    auto r = std::from_chars(f.data(), f.data() + f.size(), v);
    return r.ec == std::errc() && r.ptr == f.data() + f.size();
  };
  if (!num(fields[1], type) || !num(fields[2], tests) || !num(fields[3], trials) || !num(fields[4], size))
    return std::nullopt;
  if (type != kModuliTypeSafe || (tests & kModuliTestsComposite) || !(tests & ~kModuliTestsComposite) || trials == 0)
    return std::nullopt;
  return ModuliLine{size, fields[5], fields[6]};
}

std::optional<DhGexGroup> decode(const ModuliLine& l) {
  DhGexGroup g;
  if (!parse_hex(l.generator, g.g) || !parse_hex(l.modulus, g.p)) return std::nullopt;
  g.bits = bit_length(g.p);
  if (g.bits != std::size_t{l.size} + 1 || g.bits < 1024) return std::nullopt;
  return g;
}

}  // namespace

std::vector<DhGexGroup> parse_moduli(std::string_view text, std::size_t max_per_size) {
  if (text.size() > limits::kMaxModuliFileBytes) text = text.substr(0, limits::kMaxModuliFileBytes);
  std::map<unsigned, std::vector<ModuliLine>> by_size;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (auto l = scan_line(line)) by_size[l->size].push_back(*l);
  }
  std::vector<DhGexGroup> groups;
  for (auto& [size, lines] : by_size) {
    // A random sample of each size (the server picks among those of the best size, as
    // sshd picks a random line): lines are drawn in a random order (a lazy Fisher-Yates
    // shuffle) until enough of them decode; a line that does not decode is replaced by
    // the next draw.
    std::size_t want = max_per_size == 0 ? lines.size() : max_per_size;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < lines.size() && kept < want; ++i) {
      if (max_per_size != 0) {
        std::uint64_t r = 0;
        crypto::random_bytes(std::span(reinterpret_cast<std::uint8_t*>(&r), sizeof r));
        std::swap(lines[i], lines[i + r % (lines.size() - i)]);
      }
      if (auto g = decode(lines[i])) {
        groups.push_back(std::move(*g));
        ++kept;
      }
    }
  }
  return groups;
}

}  // namespace skiff
