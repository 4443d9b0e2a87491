#include "options.hpp"

#include <charconv>
#include <string_view>

#include <skiff/version.hpp>

namespace skiffd {
namespace {

using skiff::Errc;
using skiff::fail;

constexpr std::string_view kWithArgument = "CEbcfghkopu";
constexpr std::string_view kWithout = "46DQRTdeiqrtV";

// sshd's a2port: 0..65535, -1 for anything else.
int to_port(std::string_view s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v < 0 || v > 65535) return -1;
  return v;
}

// sshd's convtime: a number with optional s/m/h/d/w units, concatenated ("1m30s").
std::optional<int> to_seconds(std::string_view s) {
  if (s.empty()) return std::nullopt;
  long total = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    long v = 0;
    auto [end, ec] = std::from_chars(s.data() + i, s.data() + s.size(), v);
    if (ec != std::errc{} || v < 0) return std::nullopt;
    i = static_cast<std::size_t>(end - s.data());
    long mult = 1;
    if (i < s.size()) {
      switch (s[i]) {
        case 's': case 'S': mult = 1; break;
        case 'm': case 'M': mult = 60; break;
        case 'h': case 'H': mult = 3600; break;
        case 'd': case 'D': mult = 86400; break;
        case 'w': case 'W': mult = 604800; break;
        default: return std::nullopt;
      }
      ++i;
    }
    if (v > (2147483647L - total) / mult) return std::nullopt;
    total += v * mult;
  }
  return static_cast<int>(total);
}

}  // namespace

std::string usage_text() {
  return std::string("skiffd ") + SKIFF_VERSION +
         "\n"
         "usage: skiffd [-46DdeiqTtV] [-C connection_spec] [-c host_cert_file]\n"
         "            [-E log_file] [-f config_file] [-g login_grace_time]\n"
         "            [-h host_key_file] [-o option] [-p port] [-u len]\n";
}

skiff::Result<ConnectionSpec> parse_connection_spec(std::string_view spec) {
  ConnectionSpec c;
  // As sshd's strsep loop: an empty field ends the list.
  while (!spec.empty()) {
    const auto comma = spec.find(',');
    const std::string_view p = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
    if (p.empty()) break;
    if (p.starts_with("addr=")) c.addr = p.substr(5);
    else if (p.starts_with("host=")) c.host = p.substr(5);
    else if (p.starts_with("user=")) c.user = p.substr(5);
    else if (p.starts_with("laddr=")) c.laddr = p.substr(6);
    else if (p.starts_with("rdomain=")) continue;  // skiff has no routing domains
    else if (p.starts_with("lport=")) {
      c.lport = to_port(p.substr(6));
      if (c.lport == -1) {
        return fail(Errc::bad_format, "Invalid port '" + std::string(p.substr(6)) + "' in test mode specification " +
                                          std::string(p));
      }
    } else {
      return fail(Errc::bad_format, "Invalid test mode specification " + std::string(p));
    }
  }
  return c;
}

skiff::Result<Options> parse_options(std::span<const char* const> args) {
  Options o;
  std::size_t i = 1;
  if (args.size() > 1 && std::string_view(args[1]) == kConnectionChildFlag) {
    o.internal = Internal::connection_child;
    i = 2;
  } else if (args.size() > 1 && std::string_view(args[1]) == kRestartedFlag) {
    o.internal = Internal::restarted;
    i = 2;
  }
  for (; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.size() < 2 || a[0] != '-') break;  // getopt stops at the first operand
    for (std::size_t j = 1; j < a.size(); ++j) {
      const char c = a[j];
      if (kWithout.find(c) != std::string_view::npos) {
        switch (c) {
          case '4': o.address_family = "inet"; break;
          case '6': o.address_family = "inet6"; break;
          case 'D': o.no_daemon = true; break;
          case 'd': o.debug = std::min(o.debug + 1, 3); break;
          case 'e': o.log_stderr = true; break;
          case 'i': o.inetd = true; break;
          case 'q': o.quiet = true; break;
          case 'r': o.no_rexec = true; break;
          case 't': o.test = 1; break;
          case 'T': o.test = 2; break;
          case 'V': o.version = true; break;
          default: break;  // -Q, -R (sshd's own re-exec marker): accepted, nothing to do
        }
        continue;
      }
      if (kWithArgument.find(c) == std::string_view::npos) {
        return fail(Errc::invalid_argument, std::string("unknown option -- ") + c);
      }
      std::string value;
      if (j + 1 < a.size()) {
        value = std::string(a.substr(j + 1));
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return fail(Errc::invalid_argument, std::string("option requires an argument -- ") + c);
      }
      j = a.size();
      switch (c) {
        case 'f': o.config_file = value; break;
        case 'h': o.host_keys.push_back(value); break;
        case 'o': o.settings.push_back(value); break;
        case 'C': {
          auto spec = parse_connection_spec(value);
          if (!spec) return std::unexpected(spec.error());
          o.connection_spec = std::move(*spec);
          break;
        }
        case 'E': o.log_file = value; o.log_stderr = true; break;
        case 'p': {
          const int p = to_port(value);
          if (p <= 0) return fail(Errc::bad_format, "Bad port number.");
          if (o.ports.size() >= 256) return fail(Errc::bad_format, "too many ports.");
          o.ports.push_back(static_cast<std::uint16_t>(p));
          break;
        }
        case 'g': {
          auto t = to_seconds(value);
          if (!t) return fail(Errc::bad_format, "Invalid login grace time.");
          o.login_grace_time = *t;
          break;
        }
        case 'u': {
          const int n = to_port(value);
          if (n < 0 || n > 257) return fail(Errc::bad_format, "Invalid utmp length.");
          o.ignored.push_back("-u " + value);
          break;
        }
        case 'c': o.ignored.push_back("-c " + value); break;
        default: break;  // -b, -k: protocol 1 leftovers, ignored as sshd does
      }
    }
  }
  if (i < args.size()) return fail(Errc::bad_format, "Extra argument " + std::string(args[i]) + ".");
  return o;
}

}  // namespace skiffd
