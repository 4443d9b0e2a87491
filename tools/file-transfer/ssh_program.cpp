#include "file-transfer/ssh_program.hpp"

#include <unistd.h>

#include <filesystem>
#include <system_error>

namespace skiff::sftp_cli {

std::string sibling_program(const std::string& name) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (auto candidate : {self.parent_path() / name, self.parent_path().parent_path() / name / name}) {
      if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
  }
  return name;
}

}  // namespace skiff::sftp_cli
