// The pure parts of ssh's X11 forwarding (clientloop.c client_x11_get_proto, channels.c
// x11_open_helper / x11_connect_display / x11_request_forwarding_with_spoofing): which
// DISPLAY values are accepted and where they lead, the xauth output we read, and the
// check of an X client's connection setup packet against the fake cookie we gave the
// server, with the real cookie put in its place. No I/O: x11_forward.hpp does that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <skiff/error.hpp>

namespace skiff::cli {

inline constexpr std::string_view kX11AuthProtocol = "MIT-MAGIC-COOKIE-1";
// X11 TCP displays listen on 6000 + the display number.
inline constexpr unsigned kX11BasePort = 6000;
// The setup packet: 12 fixed bytes, then the protocol name and the data, each padded to
// 4 bytes; both lengths are 16 bits, so it never exceeds this.
inline constexpr std::size_t kMaxX11SetupBytes = 12 + 65536 + 65536;

// ssh's client_x11_display_valid: letters, digits and ":/.-_" only (the value goes into
// xauth's command line).
bool x11_display_valid(std::string_view display);

// Where a DISPLAY leads, as x11_connect_display decodes it: ":N[.S]", "unix:N[.S]" (and
// "::N") are the Unix socket /tmp/.X11-unix/XN; "host:N[.S]" is TCP port 6000 + N.
struct X11Target {
  bool unix_socket = false;
  std::string host;     // TCP only
  unsigned number = 0;  // the display number
};
// Errc::invalid_argument with ssh's text ("Could not parse display number from DISPLAY:
// ...", "Could not find ':' in DISPLAY: ...").
Result<X11Target> parse_x11_display(std::string_view display);
std::string x11_socket_path(unsigned number);  // "/tmp/.X11-unix/X<n>"

// The display name xauth knows the entry under: "localhost:N" is looked up as "unix:N"
// (ssh's FamilyLocal case).
std::string xauth_display_name(std::string_view display);
// The screen of x11-req: the number after the '.' that follows the ':' (0..400, else 0).
std::uint32_t x11_screen_number(std::string_view display);

// The first line of `xauth list DISPLAY`: "name proto hexdata" -> {proto, hexdata}.
std::optional<std::pair<std::string, std::string>> parse_xauth_list_line(std::string_view line);

std::string to_hex(std::span<const std::uint8_t> bytes);
// Pairs of hex digits (either case); nullopt on anything else or an odd length.
std::optional<std::vector<std::uint8_t>> from_hex(std::string_view hex);

// The fixed part of an X11 connection setup packet (the X protocol's "Connection Setup"):
// byte order ('B' MSB first, 'l' LSB first), pad, major and minor version, the lengths of
// the authorization protocol name and data, pad; then name and data, each padded to 4.
struct X11SetupHeader {
  bool msb_first = false;
  std::uint16_t major = 0, minor = 0;
  std::size_t name_offset = 12, name_length = 0;
  std::size_t data_offset = 0, data_length = 0;
  std::size_t total = 0;  // the whole packet with its padding
};
enum class X11SetupStatus { incomplete, invalid, complete };
struct X11SetupParse {
  X11SetupStatus status = X11SetupStatus::incomplete;
  X11SetupHeader header;  // complete only
  std::string reason;     // invalid only (ssh's debug2 line)
};
// Reads what an X client has sent so far (nothing is consumed). incomplete: send more
// (never more than kMaxX11SetupBytes are needed); invalid: a bad byte-order byte.
X11SetupParse parse_x11_setup(std::span<const std::uint8_t> bytes);

// The spoofing of one forwarding: the server got fake data of the real cookie's length;
// an X client's setup must carry exactly the protocol name and the fake data, which are
// then replaced by the real cookie before the bytes go to the display.
class X11Spoofer {
 public:
  X11Spoofer(std::string protocol, std::vector<std::uint8_t> real, std::vector<std::uint8_t> fake);
  // Fake data of real's length from the system's random source.
  static X11Spoofer with_random_fake(std::string protocol, std::vector<std::uint8_t> real);

  enum class Verdict { need_more, rejected, accepted };
  // buf: everything the X client has sent so far. accepted: buf now holds the real
  // cookie (the bytes past the setup packet are untouched); rejected: reason says why.
  Verdict check(std::vector<std::uint8_t>& buf, std::string* reason = nullptr) const;

  const std::string& protocol() const { return protocol_; }
  std::string fake_hex() const { return to_hex(fake_); }

 private:
  std::string protocol_;
  std::vector<std::uint8_t> real_, fake_;
};

}  // namespace skiff::cli
