// Tab completion at skiff-sftp's prompt, as sftp's complete() (sftp.c): the first word
// completes to a command name, later words to local or remote file names according to
// the command and the argument's position (get: remote, then local; put: local, then
// remote; ...; flags are not counted). One candidate is inserted whole, with '/' after
// a directory and ' ' after anything else; several insert their common prefix and are
// listed. Special characters in inserted names are escaped with '\', as the command
// parser reads them. Pure: directory listings come from the caller.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace skiff::sftp_cli {

struct DirEntry {
  std::string name;
  bool is_dir = false;
};
// The names in a directory ("" is the working directory), remote or local.
using DirLister = std::function<std::vector<DirEntry>(const std::string& dir, bool remote)>;

struct Completion {
  std::string insert;              // text to insert at the cursor
  std::vector<std::string> shown;  // the candidates to list when there are several
};

// `line` is the text before the cursor.
Completion complete_line(std::string_view line, const DirLister& list);

}  // namespace skiff::sftp_cli
