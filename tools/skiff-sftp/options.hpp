// skiff-sftp's command line, as OpenSSH 9.2's sftp parses it: getopt without
// permutation, flags passed through to the SSH program, the destination forms
// [user@]host[:path] and sftp://[user@]host[:port][/path], and the command the child
// process runs (the SSH program with "-s host sftp", or -D's server directly).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace skiff::sftp_cli {

struct Options {
  // What runs at the other end of the two pipes: argv[0] is the program.
  std::vector<std::string> child_argv;
  bool direct = false;                  // -D: a server with no SSH in between
  std::string target_label;             // "Connected to HOST." / "Attached to CMD."
  std::optional<std::string> batch_file;  // -b ("-" is stdin)
  bool quiet = false;                   // -q, and batch mode unless -N
  bool log_quiet = false;               // -q: informational log lines off too
  bool show_progress = true;            // off with -q, -b, or stderr not a terminal (main decides that)
  bool global_resume = false;           // -a
  bool global_fsync = false;            // -f
  bool global_preserve = false;         // -p
  bool global_recursive = false;        // -r
  std::size_t buffer_size = 0;          // -B, 0: server's choice or 32 KiB
  std::size_t num_requests = 0;         // -R, 0: 64
  unsigned long long limit_bits_per_second = 0;  // -l (in Kbit/s on the command line)
  int verbosity = 0;                    // -v count
  // From the destination: a path to start in (or to fetch, with `file2` as its local name).
  std::optional<std::string> file1;
  std::optional<std::string> file2;
};

// A command line that ends the program before connecting: usage or a fatal message,
// with sftp's exit status (1 for both).
struct Exit {
  int status = 1;
  std::string message;  // to stderr, ends with a newline
};

// `ssh_program_default` is what runs without -S (skiff beside skiff-sftp, or in PATH).
std::variant<Options, Exit> parse_options(const std::vector<std::string>& args, const std::string& ssh_program_default,
                                          const std::string& progname = "skiff-sftp");

std::string usage_text(const std::string& progname);

struct Destination {
  std::optional<std::string> user;
  std::string host;
  int port = -1;
  std::optional<std::string> path;
};
// sftp://[user@]host[:port][/path] (user and path URL-decoded), then [user@]host:path,
// then a plain host name ("[v6addr]" loses its brackets). Nothing for a bad URI.
std::optional<Destination> parse_destination(const std::string& text);

}  // namespace skiff::sftp_cli
