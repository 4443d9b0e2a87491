// What ssh_config(5) and sshd_config(5) share: splitting a line into a keyword and its
// arguments as OpenSSH does, the Include hook, time and size values, and the
// collection of "file line N: ..." diagnostics that ends in OpenSSH's "terminating"
// line. Pure: no file system, no environment; the callers supply Include's files.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <skiff/error.hpp>

namespace skiff::config {

// One file an Include pattern expanded to, with its contents.
struct IncludedFile {
  std::string name;
  std::string text;
};
// Expands an Include pattern (already made absolute and tilde-expanded by the parser)
// with glob(3) and reads the files, in glob's (sorted) order. No match is not an error:
// return an empty vector. An error is reported as the Include line's failure.
using IncludeResolver = std::function<Result<std::vector<IncludedFile>>(std::string_view pattern)>;

// A line split the way OpenSSH 9.2 splits it: the keyword ends at whitespace or at one
// '=' (with whitespace around it allowed); the rest is split into arguments on
// whitespace, with "double" or 'single' quotes grouping (the quotes removed), a
// backslash escaping a quote, backslash or blank, and a '#' starting a token ending
// the line.
struct SplitLine {
  std::string keyword;  // as written (sshd quotes it so in errors)
  std::string lower;    // lowercased, for lookup
  std::vector<std::string> args;
};

// nullopt for a blank or comment line; Errc::bad_format "invalid quotes" for an
// unterminated quote.
Result<std::optional<SplitLine>> split_line(std::string_view line);

// The remainder of the line after the keyword, as written (for ProxyCommand,
// LocalCommand, RemoteCommand, which OpenSSH keeps verbatim).
std::string rest_of_line(std::string_view line);

// "90", "1m30s", "2h", "1w": seconds, as OpenSSH's convtime(); nullopt when malformed or
// beyond INT_MAX.
std::optional<long long> parse_time(std::string_view text);
// "1G", "500M", "64K", "1024": bytes, as scan_scaled(); nullopt when malformed.
std::optional<unsigned long long> parse_size(std::string_view text);
// An integer in [lo, hi] written in decimal; nullopt otherwise.
std::optional<long long> parse_int(std::string_view text, long long lo, long long hi);

// Collected errors: each "file line N: message"; to_error() joins them with '\n' and
// appends "file: terminating, N bad configuration options".
struct Diagnostics {
  std::vector<std::string> lines;
  int bad = 0;
  void add(std::string_view file, int line, std::string_view message, bool colon_after_file = false);
  // A line without the file prefix, not counted (OpenSSH's error() before the counted
  // "Bad Match condition").
  void note(std::string_view message);
  Error to_error(std::string_view top_file) const;
};

// The shared part of reading one configuration file (main or included): counts it
// against limits::kMaxConfigFiles and refuses texts over kMaxConfigFileBytes (both
// reported in diag), then calls fn(line_number, line) for every line, numbered from 1.
void for_each_config_line(std::string_view file, std::string_view text, std::size_t& files_read, Diagnostics& diag,
                          const std::function<void(int, std::string_view)>& fn);

}  // namespace skiff::config
