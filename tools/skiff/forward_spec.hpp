// What ssh decides about forwarding from its options alone (readconf.c parse_forward,
// channels.c channel_fwd_bind_addr / channel_rfwd_bind_host / open_match, ssh.c's
// ProxyJump into a ProxyCommand): pure functions, unit-tested in
// tests/unit/skiff/forward_spec_test.cpp; forwarding.hpp puts them on sockets.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <skiff/error.hpp>

#include "config/ssh_config.hpp"

namespace skiff::cli {

// One -L / -R / -D / -W / LocalForward / RemoteForward / DynamicForward, as ssh's struct
// Forward. A listen or connect end is a Unix socket when its path is set.
struct ForwardSpec {
  std::optional<std::string> listen_host;  // nullopt: none given (ssh's NULL)
  int listen_port = 0;                     // 0 with a path; 0 for "-R 0:..." (allocate)
  std::string listen_path;
  std::string connect_host;  // "socks" for a dynamic forward (connect_port 0)
  int connect_port = 0;
  std::string connect_path;

  bool listens_on_path() const { return !listen_path.empty(); }
  bool connects_to_path() const { return !connect_path.empty(); }
  // -D, or -R [bind:]port without a destination: the peer of each connection says
  // where to go, in SOCKS.
  bool dynamic() const { return connect_path.empty() && connect_port == 0; }
  bool operator==(const ForwardSpec&) const = default;
};

// parse_forward(): "[listen_host:]port|path:host:port|path" (dynamic: "[host:]port" or a
// path), fields split on ':' outside "[...]", a field with '/' is a path, '\' escapes.
// nullopt where ssh returns 0 (its callers then print "Bad ... specification").
// Ports are numbers 0..65535; 0 is allowed to listen on only for a remote forward.
std::optional<ForwardSpec> parse_forward(std::string_view spec, bool dynamic, bool remote);
// A LocalForward / RemoteForward value as src/config keeps it ("listen connect", the two
// arguments joined by a space) into the spec parse_forward() reads ("listen:connect").
std::string forward_from_config(std::string_view kept);

// ssh's text for one end in its debug lines: path, or host (nullopt: `none_text`).
std::string listen_text(const ForwardSpec& f, std::string_view none_text);
std::string connect_text(const ForwardSpec& f);

// channel_fwd_bind_addr() for a client's local listener: the address to give
// getaddrinfo (nullopt: NULL) and whether it is passive (the wildcard). No address and
// no wildcard means the loopback addresses (127.0.0.1 and ::1).
struct BindChoice {
  std::optional<std::string> address;
  bool wildcard = false;
  bool operator==(const BindChoice&) const = default;
};
BindChoice local_bind_address(const std::optional<std::string>& listen_host, bool gateway_ports);
// channel_rfwd_bind_host(): the address a tcpip-forward request carries: "localhost"
// when none was given, "" for "*" or "", else as written.
std::string remote_bind_host(const std::optional<std::string>& listen_host);

// PermitRemoteOpen: where a remote dynamic forward may connect. "any" (or nothing set):
// anywhere; "none": nowhere; else host:port entries, "*" for any host or any port.
// Host names compare exactly, as ssh's open_match() does.
class PermitRemoteOpen {
 public:
  // Errc::invalid_argument with ssh's words ("missing host in permitremoteopen", "bad
  // port number in permitremoteopen") for a bad entry.
  static Result<PermitRemoteOpen> parse(const std::vector<std::string>& entries);
  bool allows(std::string_view host, std::uint32_t port) const;

 private:
  struct Entry {
    std::string host;  // "*": any
    int port = -1;     // -1: any
  };
  bool any_ = true;
  std::vector<Entry> entries_;
};

// The ProxyCommand ssh builds from ProxyJump: this program with -l/-p of the last hop,
// -J with the hops before it, -F when one was given, -v per debug level, then
// -W '[%h]:%p' and the last hop. nullopt for "none". Errors: Errc::invalid_argument
// "jumphost loop via HOST" when the last hop is the destination itself, and for a hop
// that does not parse.
struct JumpInput {
  std::string proxy_jump;  // the ProxyJump value
  std::string program;     // the path of skiff itself
  std::optional<std::string> config_file;  // -F
  int debug_level = 0;                     // the number of -v (at most 3 count)
  std::string host;                        // the destination's HostName
  int port = 22;
  std::string user;  // the destination's user
};
Result<std::optional<std::string>> jump_proxy_command(const JumpInput& in);

}  // namespace skiff::cli

namespace skiff::cli {

// The forwards of a configuration, parsed as ssh's readconf does (after
// ClearAllForwardings was applied by session_policy.hpp's adjust_config).
struct ForwardingConfig {
  std::vector<ForwardSpec> local, remote, dynamic;  // -L, -R, -D in the order given
  bool gateway_ports = false;
  bool exit_on_failure = false;
  config::AddressFamily family = config::AddressFamily::any;  // of the local listeners
  unsigned bind_mask = 0177;   // StreamLocalBindMask: the umask of local Unix listeners
  bool bind_unlink = false;    // StreamLocalBindUnlink: remove a stale socket first
  PermitRemoteOpen permit;
  bool empty() const { return local.empty() && remote.empty() && dynamic.empty(); }
};
// Errc::invalid_argument with ssh's wording ("Bad local forwarding specification 'x'").
// Unix socket paths go through `expand` (ssh expands %d, %u, %h, ... in them), when given.
using PathExpander = std::function<Result<std::string>(std::string_view path)>;
Result<ForwardingConfig> forwarding_from_config(const config::ClientConfig& cfg, const PathExpander& expand = {});

// One line of the ~C command line (clientloop.c process_cmdline): "-L spec", "-R spec",
// "-D spec" add a forward, "-KL", "-KR", "-KD" with "[bind_address:]port" cancel one,
// "-h"/"?" lists the commands. The leading '-' is optional.
struct EscapeCommand {
  enum class Action : std::uint8_t { none, help, invalid, bad_spec, add, cancel } action = Action::none;
  char type = 0;  // 'L', 'R' or 'D'
  ForwardSpec spec;
  std::string message;  // what ssh logs for help, invalid and bad_spec
};
EscapeCommand parse_escape_command(std::string_view line);
// ssh's help for it, one "\r\n"-free line each.
std::vector<std::string> escape_command_help();

}  // namespace skiff::cli
