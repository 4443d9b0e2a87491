// The server side of SOCKS 4, 4A (RFC-less, the NEC documents) and 5 (RFC 1928) as
// ssh's dynamic forwarding speaks it: no authentication, CONNECT only, IPv4, IPv6 and
// domain names. Sans-I/O: bytes from the SOCKS client go in with feed(), the bytes to
// answer come out of take_output(); once a request is complete the caller opens the
// connection it names and sends reply(). Input is bounded (kMaxRequest): a client that
// sends more before its request is complete is refused, never buffered.
// Fuzzed by fuzz/fuzz_socks.cpp; tests in tests/unit/skiff/socks_test.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace skiff::cli::socks {

// The longest exchange before a request is complete: a SOCKS 5 greeting (2 + 255) and a
// request with a 255-byte name (7 + 255), or a SOCKS 4A request with user and host names.
inline constexpr std::size_t kMaxRequest = 1024;

struct Request {
  int version = 5;  // 4 (4A included) or 5
  std::string host;  // a name, or an address in text ("192.0.2.1", "2001:db8::1")
  std::uint16_t port = 0;
};

// SOCKS 5 reply codes (RFC 1928 6); a SOCKS 4 reply says only granted (90) or not (91).
enum class Reply : std::uint8_t {
  succeeded = 0,
  general_failure = 1,
  not_allowed = 2,
  network_unreachable = 3,
  host_unreachable = 4,
  connection_refused = 5,
  ttl_expired = 6,
  command_not_supported = 7,
  address_type_not_supported = 8,
};

class ServerParser {
 public:
  enum class State { need_more, request, failed };

  // Takes bytes from the client. Past `request` or `failed` nothing more is read (bytes
  // after a request are the client's first data: take_rest()).
  State feed(std::span<const std::uint8_t> bytes);
  State state() const noexcept { return state_; }
  // The request, once state() is `request`.
  const Request& request() const noexcept { return request_; }
  // Why it failed, for the log ("unsupported SOCKS version 7", ...).
  const std::string& error() const noexcept { return error_; }
  // Bytes to send to the client now (the method choice, or the refusal that goes with
  // a failure); empty when none.
  std::vector<std::uint8_t> take_output();
  // What the client sent after its request.
  std::vector<std::uint8_t> take_rest();
  // The final answer to the request, in its version's format.
  std::vector<std::uint8_t> reply(Reply code) const;

 private:
  State parse();
  State fail(std::string why, std::vector<std::uint8_t> answer = {});

  enum class Stage { version, v4, v5_greeting, v5_request } stage_ = Stage::version;
  State state_ = State::need_more;
  std::vector<std::uint8_t> in_;  // not yet parsed (at most kMaxRequest)
  std::vector<std::uint8_t> out_;
  std::vector<std::uint8_t> rest_;
  Request request_;
  std::string error_;
};

}  // namespace skiff::cli::socks
