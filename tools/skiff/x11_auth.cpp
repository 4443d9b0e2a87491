#include "x11_auth.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "crypto/secure.hpp"

namespace skiff::cli {
namespace {

// sscanf("%u") as ssh uses it on the display number: digits at the start, at least one.
std::optional<unsigned> leading_number(std::string_view s) {
  unsigned long v = 0;
  std::size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
    if (v > 0xffffffffUL) return std::nullopt;
    ++i;
  }
  if (i == 0) return std::nullopt;
  return static_cast<unsigned>(v);
}

std::size_t padded(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

}  // namespace

bool x11_display_valid(std::string_view display) {
  for (char c : display) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view(":/.-_").find(c) == std::string_view::npos)
      return false;
  }
  return true;
}

Result<X11Target> parse_x11_display(std::string_view display) {
  const std::string shown(display.substr(0, 100));
  X11Target t;
  if (display.starts_with("unix:") || display.starts_with(":")) {
    auto n = leading_number(display.substr(display.rfind(':') + 1));
    if (!n) return fail(Errc::invalid_argument, "Could not parse display number from DISPLAY: " + shown);
    t.unix_socket = true;
    t.number = *n;
    return t;
  }
  auto colon = display.find(':');
  if (colon == std::string_view::npos) return fail(Errc::invalid_argument, "Could not find ':' in DISPLAY: " + shown);
  auto n = leading_number(display.substr(colon + 1));
  if (!n || *n > 65535 - kX11BasePort)
    return fail(Errc::invalid_argument, "Could not parse display number from DISPLAY: " + shown);
  t.host = std::string(display.substr(0, colon));
  t.number = *n;
  return t;
}

std::string x11_socket_path(unsigned number) { return "/tmp/.X11-unix/X" + std::to_string(number); }

std::string xauth_display_name(std::string_view display) {
  if (display.starts_with("localhost:")) return "unix:" + std::string(display.substr(10));
  return std::string(display);
}

std::uint32_t x11_screen_number(std::string_view display) {
  auto colon = display.find(':');
  if (colon == std::string_view::npos) return 0;
  auto dot = display.find('.', colon);
  if (dot == std::string_view::npos) return 0;
  // strtonum(0, 400): the whole rest must be the number.
  std::string_view rest = display.substr(dot + 1);
  auto n = leading_number(rest);
  if (!n || rest.size() > 3 || rest.find_first_not_of("0123456789") != std::string_view::npos || *n > 400) return 0;
  return *n;
}

std::optional<std::pair<std::string, std::string>> parse_xauth_list_line(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (words.size() < 3) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i == line.size()) break;
    std::size_t start = i;
    while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    words.push_back(line.substr(start, i - start));
  }
  if (words.size() < 3) return std::nullopt;
  // ssh reads at most 511 characters of each.
  return std::make_pair(std::string(words[1].substr(0, 511)), std::string(words[2].substr(0, 511)));
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::vector<std::uint8_t> out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return out;
}

X11SetupParse parse_x11_setup(std::span<const std::uint8_t> b) {
  X11SetupParse p;
  if (b.size() < 12) return p;
  auto u16 = [&](std::size_t at, bool msb) {
    return static_cast<std::uint16_t>(msb ? b[at] << 8 | b[at + 1] : b[at + 1] << 8 | b[at]);
  };
  X11SetupHeader& h = p.header;
  if (b[0] == 0x42) {
    h.msb_first = true;
  } else if (b[0] != 0x6c) {
    char text[80];
    std::snprintf(text, sizeof text, "Initial X11 packet contains bad byte order byte: 0x%x", b[0]);
    p.status = X11SetupStatus::invalid;
    p.reason = text;
    return p;
  }
  h.major = u16(2, h.msb_first);
  h.minor = u16(4, h.msb_first);
  h.name_length = u16(6, h.msb_first);
  h.data_length = u16(8, h.msb_first);
  h.name_offset = 12;
  h.data_offset = 12 + padded(h.name_length);
  h.total = h.data_offset + padded(h.data_length);
  if (b.size() < h.total) return p;
  p.status = X11SetupStatus::complete;
  return p;
}

X11Spoofer::X11Spoofer(std::string protocol, std::vector<std::uint8_t> real, std::vector<std::uint8_t> fake)
    : protocol_(std::move(protocol)), real_(std::move(real)), fake_(std::move(fake)) {}

X11Spoofer X11Spoofer::with_random_fake(std::string protocol, std::vector<std::uint8_t> real) {
  auto fake = crypto::random_bytes(real.size());
  return X11Spoofer(std::move(protocol), std::move(real), std::move(fake));
}

X11Spoofer::Verdict X11Spoofer::check(std::vector<std::uint8_t>& buf, std::string* reason) const {
  auto say = [&](std::string text) {
    if (reason) *reason = std::move(text);
    return Verdict::rejected;
  };
  X11SetupParse p = parse_x11_setup(buf);
  if (p.status == X11SetupStatus::incomplete) return Verdict::need_more;
  if (p.status == X11SetupStatus::invalid) return say(p.reason);
  const X11SetupHeader& h = p.header;
  const std::span<const std::uint8_t> all(buf);
  const auto name = all.subspan(h.name_offset, h.name_length);
  if (h.name_length != protocol_.size() || !std::equal(name.begin(), name.end(), protocol_.begin()))
    return say("X11 connection uses different authentication protocol.");
  if (h.data_length != fake_.size() || !crypto::equal_constant_time(all.subspan(h.data_offset, h.data_length), fake_))
    return say("X11 auth data does not match fake data.");
  if (fake_.size() != real_.size()) return say("X11 fake_data_len != saved_data_len");
  std::copy(real_.begin(), real_.end(), buf.begin() + static_cast<std::ptrdiff_t>(h.data_offset));
  return Verdict::accepted;
}

}  // namespace skiff::cli
