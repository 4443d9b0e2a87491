#include "socks.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace skiff::cli::socks {
namespace {

constexpr std::uint8_t kCmdConnect = 1;
constexpr std::uint8_t kMethodNoAuth = 0, kNoMethod = 0xff;
constexpr std::uint8_t kAtypIpv4 = 1, kAtypDomain = 3, kAtypIpv6 = 4;
constexpr std::uint8_t kV4Granted = 90, kV4Rejected = 91;

std::vector<std::uint8_t> v5_reply(Reply code) {
  // BND.ADDR 0.0.0.0 port 0, as ssh answers: the client learns nothing of our socket.
  return {5, static_cast<std::uint8_t>(code), 0, kAtypIpv4, 0, 0, 0, 0, 0, 0};
}

std::vector<std::uint8_t> v4_reply(bool ok) { return {0, ok ? kV4Granted : kV4Rejected, 0, 0, 0, 0, 0, 0}; }

// A NUL-terminated string at `from`: its end, or npos when the NUL has not come yet.
std::size_t find_nul(const std::vector<std::uint8_t>& b, std::size_t from) {
  auto it = std::find(b.begin() + static_cast<std::ptrdiff_t>(std::min(from, b.size())), b.end(), 0);
  return it == b.end() ? std::string::npos : static_cast<std::size_t>(it - b.begin());
}

}  // namespace

ServerParser::State ServerParser::fail(std::string why, std::vector<std::uint8_t> answer) {
  error_ = std::move(why);
  out_.insert(out_.end(), answer.begin(), answer.end());
  in_.clear();
  state_ = State::failed;
  return state_;
}

ServerParser::State ServerParser::feed(std::span<const std::uint8_t> bytes) {
  if (state_ != State::need_more) return state_;  // the caller stops feeding here
  // Bounded: what a well-formed request can need, and not a byte more.
  const std::size_t room = kMaxRequest - in_.size();
  const std::size_t take = std::min(room, bytes.size());
  in_.insert(in_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
  State s = parse();
  if (s == State::request) {
    rest_.insert(rest_.end(), bytes.begin() + static_cast<std::ptrdiff_t>(take), bytes.end());
  } else if (s == State::need_more && (in_.size() >= kMaxRequest || take < bytes.size())) {
    s = fail("SOCKS request too long", stage_ == Stage::v4 ? v4_reply(false) : std::vector<std::uint8_t>{});
  }
  return s;
}

ServerParser::State ServerParser::parse() {
  for (;;) {
    switch (stage_) {
      case Stage::version:
        if (in_.empty()) return state_;
        if (in_[0] == 4) {
          stage_ = Stage::v4;
        } else if (in_[0] == 5) {
          stage_ = Stage::v5_greeting;
        } else {
          return fail("unsupported SOCKS version " + std::to_string(in_[0]));
        }
        break;
      case Stage::v4: {
        // VN CD DSTPORT(2) DSTIP(4) USERID NUL [HOST NUL when DSTIP is 0.0.0.x, x != 0]
        if (in_.size() < 8) return state_;
        if (in_[1] != kCmdConnect) {
          return fail("SOCKS4 command " + std::to_string(in_[1]) + " not supported", v4_reply(false));
        }
        std::size_t user_end = find_nul(in_, 8);
        if (user_end == std::string::npos) return state_;
        const bool is_4a = in_[4] == 0 && in_[5] == 0 && in_[6] == 0 && in_[7] != 0;
        std::size_t end = user_end;
        request_ = {};
        request_.version = 4;
        request_.port = static_cast<std::uint16_t>(in_[2] << 8 | in_[3]);
        if (is_4a) {
          end = find_nul(in_, user_end + 1);
          if (end == std::string::npos) return state_;
          request_.host.assign(in_.begin() + static_cast<std::ptrdiff_t>(user_end + 1),
                               in_.begin() + static_cast<std::ptrdiff_t>(end));
          if (request_.host.empty()) return fail("SOCKS4A: empty host name", v4_reply(false));
        } else {
          char text[INET_ADDRSTRLEN] = {};
          inet_ntop(AF_INET, in_.data() + 4, text, sizeof text);
          request_.host = text;
        }
        rest_.assign(in_.begin() + static_cast<std::ptrdiff_t>(end + 1), in_.end());
        in_.clear();
        state_ = State::request;
        return state_;
      }
      case Stage::v5_greeting: {
        // VER NMETHODS METHODS...
        if (in_.size() < 2) return state_;
        const std::size_t n = in_[1];
        if (in_.size() < 2 + n) return state_;
        const bool no_auth = std::find(in_.begin() + 2, in_.begin() + 2 + static_cast<std::ptrdiff_t>(n),
                                       kMethodNoAuth) != in_.begin() + 2 + static_cast<std::ptrdiff_t>(n);
        if (!no_auth) return fail("SOCKS5: no acceptable authentication method", {5, kNoMethod});
        out_.insert(out_.end(), {5, kMethodNoAuth});
        in_.erase(in_.begin(), in_.begin() + 2 + static_cast<std::ptrdiff_t>(n));
        stage_ = Stage::v5_request;
        break;
      }
      case Stage::v5_request: {
        // VER CMD RSV ATYP DST.ADDR DST.PORT(2)
        if (in_.size() < 4) return state_;
        if (in_[0] != 5) return fail("SOCKS5: bad request version " + std::to_string(in_[0]), v5_reply(Reply::general_failure));
        std::size_t addr_len = 0, addr_at = 4;
        switch (in_[3]) {
          case kAtypIpv4: addr_len = 4; break;
          case kAtypIpv6: addr_len = 16; break;
          case kAtypDomain:
            if (in_.size() < 5) return state_;
            addr_len = in_[4];
            addr_at = 5;
            if (addr_len == 0) return fail("SOCKS5: empty host name", v5_reply(Reply::general_failure));
            break;
          default:
            return fail("SOCKS5: address type " + std::to_string(in_[3]) + " not supported",
                        v5_reply(Reply::address_type_not_supported));
        }
        if (in_.size() < addr_at + addr_len + 2) return state_;
        if (in_[1] != kCmdConnect) {
          return fail("SOCKS5: command " + std::to_string(in_[1]) + " not supported",
                      v5_reply(Reply::command_not_supported));
        }
        request_ = {};
        request_.version = 5;
        const std::uint8_t* a = in_.data() + addr_at;
        if (in_[3] == kAtypDomain) {
          request_.host.assign(a, a + addr_len);
          if (request_.host.find('\0') != std::string::npos) {
            return fail("SOCKS5: NUL in host name", v5_reply(Reply::general_failure));
          }
        } else {
          char text[INET6_ADDRSTRLEN] = {};
          inet_ntop(in_[3] == kAtypIpv4 ? AF_INET : AF_INET6, a, text, sizeof text);
          request_.host = text;
        }
        request_.port = static_cast<std::uint16_t>(a[addr_len] << 8 | a[addr_len + 1]);
        rest_.assign(in_.begin() + static_cast<std::ptrdiff_t>(addr_at + addr_len + 2), in_.end());
        in_.clear();
        state_ = State::request;
        return state_;
      }
    }
  }
}

std::vector<std::uint8_t> ServerParser::take_output() { return std::exchange(out_, {}); }

std::vector<std::uint8_t> ServerParser::take_rest() { return std::exchange(rest_, {}); }

std::vector<std::uint8_t> ServerParser::reply(Reply code) const {
  return request_.version == 4 ? v4_reply(code == Reply::succeeded) : v5_reply(code);
}

}  // namespace skiff::cli::socks
