// skiffd's command line, as OpenSSH 9.2's sshd reads it (getopt string
// "C:E:b:c:f:g:h:k:o:p:u:46DQRTdeiqrtV"), plus one internal first argument that marks a
// process skiffd started itself.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <skiff/error.hpp>

namespace skiffd {

// Set only by skiffd itself, as argv[1], before the user's arguments (which stay as
// they were, so that every process reads the same configuration). Long names cannot
// clash with sshd's one-letter flags.
enum class Internal : std::uint8_t {
  none,
  connection_child,  // "--skiffd-connection": serve the connection on kConnectionFd
  restarted,         // "--skiffd-restarted": re-executed on SIGHUP, already a daemon
};
inline constexpr const char* kConnectionChildFlag = "--skiffd-connection";
inline constexpr const char* kRestartedFlag = "--skiffd-restarted";

// -C's fields, checked as sshd's parse_server_match_testspec: Errc::bad_format with
// sshd's message for an unknown field or a bad port.
struct ConnectionSpec {
  std::string user, host, addr, laddr;
  int lport = -1;
};
skiff::Result<ConnectionSpec> parse_connection_spec(std::string_view spec);

struct Options {
  Internal internal = Internal::none;
  std::optional<std::string> config_file;        // -f
  std::vector<std::uint16_t> ports;              // -p (replace the files' Port lines)
  std::vector<std::string> host_keys;            // -h (before the files' HostKey lines)
  std::vector<std::string> settings;             // -o, in order
  std::optional<std::string> address_family;     // -4 / -6: "inet" / "inet6"
  std::optional<ConnectionSpec> connection_spec;  // -C user=,host=,addr=,laddr=,lport=
  std::optional<int> login_grace_time;           // -g, seconds
  std::string log_file;                          // -E
  int debug = 0;                                 // -d count (1..3)
  int test = 0;                                  // 1: -t, 2: -T
  bool no_daemon = false;                        // -D
  bool log_stderr = false;                       // -e (and -E)
  bool inetd = false;                            // -i
  bool quiet = false;                            // -q
  bool no_rexec = false;                         // -r: children serve without re-executing
  bool version = false;                          // -V
  std::vector<std::string> ignored;              // -c host certificates, -u: accepted, unused
};

// Errc::invalid_argument: print message, then usage_text(), exit 1 (sshd's getopt
// failure); Errc::bad_format: print message alone, exit 1 ("Bad port number." ...).
skiff::Result<Options> parse_options(std::span<const char* const> args);

std::string usage_text();


}  // namespace skiffd
