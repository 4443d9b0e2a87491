// skiff-scp's command line, as OpenSSH 9.2's scp parses it: getopt without
// permutation, the flags handed to the SSH program, and the operands split into local
// paths and remote [user@]host:path or scp://[user@]host[:port][/path] locations.
// Also the server-side modes -t (sink) and -f (source) that a remote scp runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace skiff::scp_cli {

enum class Mode { sftp, legacy };

struct Options {
  Mode mode = Mode::sftp;
  bool recursive = false;       // -r
  bool preserve = false;        // -p
  bool quiet = false;           // -q: no progress meter
  bool through_local = false;   // -3
  bool no_strict_names = false; // -T
  bool target_must_be_dir = false;  // -d (server side)
  bool sink_mode = false;       // -t (server side)
  bool source_mode = false;     // -f (server side)
  int verbosity = 0;            // -v
  std::uint64_t limit_kbps = 0; // -l, in Kbit/s; 0 = none
  std::string ssh_program;      // -S, or skiff beside us
  std::optional<std::string> sftp_direct;  // -D
  int port = -1;                // -P
  // Flags for the SSH program given by the user (-4 -6 -A -C -v -c -F -i -J -o -B).
  std::vector<std::string> ssh_args;
  std::vector<std::string> operands;  // sources then the target
};

struct Exit {
  int status = 1;
  std::string message;  // usage text or a fatal message, ends with '\n'
};

std::variant<Options, Exit> parse_options(const std::vector<std::string>& args, const std::string& ssh_program_default);
std::string usage_text();

// A remote operand. Local operands are std::nullopt from parse_location.
struct Remote {
  std::optional<std::string> user;
  std::string host;
  int port = -1;     // from scp:// only
  std::string path;  // may be empty: the remote home directory
};

// scp's colon() and parse_uri(): "host:path", "user@host:path", "[v6]:path",
// "scp://user@host:port/path". A ':' after a '/' (or none) means a local path; so
// does a leading ':'. Returns an error text for a malformed scp:// URI.
struct BadLocation {
  std::string message;
};
std::variant<std::monostate, Remote, BadLocation> parse_location(const std::string& operand);

// The SSH program's argv to reach `remote` and run `command` there (legacy mode), or
// the "sftp" subsystem when `command` is empty (SFTP mode), as scp's do_cmd builds it.
std::vector<std::string> ssh_argv(const Options& o, const Remote& remote, const std::string& command,
                                  bool subsystem);

// The remote scp command of legacy mode: "scp -v -r -p -d -t -- target" (verbose,
// recursive, preserve and directory flags as given).
std::string remote_scp_command(const Options& o, bool to_sink, bool target_dir, const std::string& path);

// scp's shell quoting for paths sent in a remote command line (single quotes).
std::string shell_quote(const std::string& s);

}  // namespace skiff::scp_cli
