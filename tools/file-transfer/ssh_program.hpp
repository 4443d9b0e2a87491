// Where the file transfer programs find their sibling programs: installed beside us
// (bin/skiff next to bin/skiff-sftp), beside us in the build tree
// (build/tools/skiff/skiff next to build/tools/skiff-sftp/skiff-sftp), else in PATH.
#pragma once

#include <string>

namespace skiff::sftp_cli {

// `name` ("skiff") as a path when found beside this executable, else `name` itself
// for execvp to look up in PATH.
std::string sibling_program(const std::string& name);

}  // namespace skiff::sftp_cli
