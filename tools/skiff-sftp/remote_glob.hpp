// glob(3) over the remote file system, as sftp's remote_glob: wildcards are matched
// component by component against READDIR listings (a leading '.' only by a pattern
// that starts with one), escapes ("\*") stand for the character itself, GLOB_MARK
// adds '/' to directories and GLOB_NOCHECK returns the pattern when nothing matched.
// The listing and stat calls go through an interface so that tests can fake them.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sftp/messages.hpp"

namespace skiff::sftp_cli {

class RemoteLookup {
 public:
  virtual ~RemoteLookup() = default;
  // A directory's entries (names without '/'), or nothing when it cannot be read.
  virtual std::optional<std::vector<sftp::NameEntry>> list(const std::string& dir) = 0;
  virtual std::optional<sftp::FileAttributes> stat(const std::string& path, bool follow) = 0;
};

struct GlobMatch {
  std::string path;
  std::optional<sftp::FileAttributes> attrs;  // lstat's, when known
};

struct GlobResult {
  enum class Status { ok, no_match, too_many } status = Status::ok;
  std::vector<GlobMatch> paths;  // sorted by name; the pattern itself under nocheck
  std::size_t match_count = 0;   // real matches (0 when only the nocheck pattern is there)
};

// Most paths one glob may produce (sftp's glob would run out of memory instead).
inline constexpr std::size_t kMaxGlobMatches = 100000;

GlobResult remote_glob(RemoteLookup& fs, const std::string& pattern, bool nocheck, bool mark);

// path_append: "a" + "b" -> "a/b", "/" + "b" -> "/b".
std::string path_append(const std::string& dir, const std::string& name);
// make_absolute: relative paths are taken from `pwd`.
std::string make_absolute(const std::string& path, const std::string& pwd);
// The last component ("a/b/" -> "b", as basename(3)).
std::string base_name(const std::string& path);

}  // namespace skiff::sftp_cli
