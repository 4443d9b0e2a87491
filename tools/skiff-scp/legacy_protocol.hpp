// The legacy scp protocol's control lines, as rcp defined them and OpenSSH's scp.c
// reads them in sink(): "C0644 1234 name", "D0755 0 name", "E", "T<mtime> 0 <atime> 0",
// and the '\1'/'\2' error lines. Pure functions: the sink's I/O (legacy_io.cpp), the
// unit tests and fuzz/fuzz_scp_sink.cpp share them.
//
// The sink's refusals follow scp since CVE-2019-6111 / CVE-2020-12062: a name with a
// '/', ".", "..", or empty; a directory when not -r; a name that matches none of the
// requested patterns (unless -T). Each is fatal, with scp's message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace skiff::scp_cli {

// scp's sink reads a line into a 2048-byte buffer; longer lines are a protocol error
// here instead of being split silently.
constexpr std::size_t kMaxControlLine = 2048;

struct FileRecord {  // 'C'
  std::uint32_t mode = 0;
  std::uint64_t size = 0;
  std::string name;
};
struct DirRecord {  // 'D'
  std::uint32_t mode = 0;
  std::string name;
};
struct EndDir {};      // 'E'
struct TimeRecord {    // 'T'
  std::int64_t mtime = 0, atime = 0;
};
struct PeerError {  // '\1' (a warning: go on) or '\2' (fatal)
  bool fatal = false;
  std::string message;
};
using ControlRecord = std::variant<FileRecord, DirRecord, EndDir, TimeRecord, PeerError>;

// `line` without its '\n'. On failure: scp's reason ("bad mode", "size not
// delimited", "expected control record", ...) to print as "protocol error: <reason>".
struct ProtocolError {
  std::string reason;
};
std::variant<ControlRecord, ProtocolError> parse_control_line(std::string_view line);

// What the sink checks about a C or D record before it touches the disk. Nothing
// means accepted; otherwise the complete message scp prints (and the sink ends, 1).
struct SinkRules {
  bool recursive = false;
  // The basenames the user asked for (brace-expanded); empty = no check (-T, or a
  // local source).
  std::vector<std::string> patterns;
};
std::optional<std::string> sink_refusal(const SinkRules& rules, bool is_dir, std::string_view name);

// The last component of a remote source path and its brace expansions ("{a,b}c" ->
// "ac", "bc"), as scp's brace_expand, for the sink's "filename does not match
// request" check. Nested and unbalanced braces are taken literally.
std::vector<std::string> requested_patterns(std::string_view remote_path);

// The lines a source sends.
std::string file_line(std::uint32_t mode, std::uint64_t size, std::string_view name);
std::string dir_line(std::uint32_t mode, std::string_view name);
std::string time_line(std::int64_t mtime, std::int64_t atime);

}  // namespace skiff::scp_cli
