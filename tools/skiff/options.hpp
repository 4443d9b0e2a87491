// skiff's command line, read as OpenSSH 9.2's ssh reads it (ssh.c main()): flags up
// to the destination, the destination ([user@]host or ssh://[user@]host[:port]), more
// flags after it, then the remote command. No permutation: the first word that is not
// a flag after the destination starts the command; "--" ends the flags.
//
// Flags that set a configuration option become ssh_config lines, in the order ssh
// applies them: the flags ssh sets unconditionally (-4 -6 -t -T -N -v -q -e -c -m -C
// -A -a -X -x -Y -M -S -b -B -J -g -k -K -n -f -s -W -I) come first, with their final
// value, so that they beat -o and the files; then -p, -l, the destination's user and
// port, -i, -L, -R, -D and -o in the order given, where the first value wins as usual.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <skiff/error.hpp>

namespace skiff::cli {

struct CommandLine {
  std::string host;                        // the destination's host part (original host)
  std::vector<std::string> config_lines;   // for ClientConfigBuilder::apply_line, in order
  std::string command;                     // the remote command: arguments joined by ' '
  bool has_command = false;                // an empty string counts as a command too
  std::optional<std::string> config_file;  // -F
  std::optional<std::string> log_file;     // -E
  std::optional<std::string> stdio_forward;  // -W host:port
  std::optional<std::string> mux_command;    // -O check|forward|exit|stop|cancel|proxy
  std::optional<std::string> tunnel;         // -w local[:remote]
  bool print_config = false;               // -G
  bool print_version = false;              // -V: print it to stderr and exit 0
  std::optional<std::string> query;        // -Q: print the list and exit 0
  bool use_syslog = false;                 // -y
  int debug_level = 0;                     // number of effective -v (0..3)
  std::string log_level = "INFO";          // as -v/-q left it (before the configuration)
  // Printed on stderr before anything else ("Warning: Identity file ... not accessible").
  std::vector<std::string> warnings;
};

// Whether a -i file can be used: nullopt when it can, else strerror's text.
using FileCheck = std::function<std::optional<std::string>(const std::string& path)>;

// args excludes argv[0]. home expands a leading '~' in -i paths, as ssh does.
// Errors (Errc::invalid_argument) carry the exact text ssh prints on stderr before
// exiting with 255: the usage message (with getopt's complaint before it), or lines
// such as "Bad port 'x'", "Bad escape character 'x'.", "Unknown cipher type 'x'".
Result<CommandLine> parse_command_line(std::span<const std::string> args, std::string_view home,
                                       const FileCheck& check_identity_file);

// ssh's usage text (ends with a newline).
std::string_view usage_text();

}  // namespace skiff::cli
