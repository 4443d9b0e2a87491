// sftp's interactive command language: a line is split into words as sftp's makeargv
// does (sh-like quotes and backslashes, '#' comments, glob characters kept escaped
// where the argument will be globbed), then the command and its flags are parsed as
// sftp's parse_args does, with the same error texts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace skiff::sftp_cli {

enum class Cmd {
  blank, chdir, chgrp, chmod, chown, copy, df, get, help, lchdir, link, lls, lmkdir, lpwd, ls, lumask, mkdir,
  put, pwd, quit, reget, rename, reput, rm, rmdir, shell, symlink, version, progress,
};

// ls's flags (sftp.c's LS_*).
inline constexpr int kLsLong = 0x0001, kLsShort = 0x0002, kLsNumeric = 0x0004, kLsNameSort = 0x0008,
                     kLsTimeSort = 0x0010, kLsSizeSort = 0x0020, kLsReverse = 0x0040, kLsAll = 0x0080,
                     kLsSiUnits = 0x0100;
inline constexpr int kLsSortFlags = kLsNameSort | kLsTimeSort | kLsSizeSort;

struct Command {
  Cmd cmd = Cmd::blank;
  std::string name;             // as in the command table ("get", "cd", ...)
  bool ignore_errors = false;   // '-' prefix
  bool no_echo = false;         // '@' prefix
  std::optional<std::string> error;  // the message sftp prints for a bad line
  bool aflag = false, fflag = false, hflag = false, iflag = false, pflag = false, rflag = false, sflag = false;
  bool legacy_rename = false;   // rename -l
  int ls_flags = 0;
  std::uint32_t number = 0;     // chmod's mode, chown's uid, chgrp's gid, lumask's mask
  std::optional<std::string> path1, path2;
  std::string rest;             // lls and ! take the rest of the line
};

// One line (without its newline).
Command parse_command(std::string_view line);

// makeargv: the words of a line, or an error message ("Unterminated quoted argument").
std::variant<std::vector<std::string>, std::string> split_words(std::string_view line);

// Glob helpers: sftp escapes a literal path before globbing it, and undoes the escapes
// of arguments that are not globbed.
std::string escape_glob(std::string_view s);
std::string undo_glob_escape(std::string_view s);
bool has_glob_magic(std::string_view pattern);

// The help text of `help` and `?`.
std::string_view help_text();

}  // namespace skiff::sftp_cli
