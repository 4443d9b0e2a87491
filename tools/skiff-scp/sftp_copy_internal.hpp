// Helpers shared by sftp_copy.cpp (uploads) and sftp_download.cpp (downloads, -3).
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "sftp/client.hpp"

namespace skiff::scp_cli::detail {

constexpr int kMaxDirDepth = 64;  // sftp-client.c's MAX_DIR_DEPTH

inline bool is_dir_attrs(const sftp::FileAttributes& a) {
  return a.permissions && (*a.permissions & sftp::kModeTypeMask) == sftp::kModeDirectory;
}
inline bool is_reg_attrs(const sftp::FileAttributes& a) {
  return !a.permissions || (*a.permissions & sftp::kModeTypeMask) == sftp::kModeRegular;
}
inline bool local_is_dir(const std::string& p) {
  struct stat st{};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
inline std::string fx(sftp::StatusCode c) { return std::string(sftp::status_text(c)); }

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace skiff::scp_cli::detail
