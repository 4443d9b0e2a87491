// The SFTP server's file system on a real POSIX one: what sftp-server does, with the
// calls made relative to a start directory held open (openat, fstatat, unlinkat, ...)
// instead of a chdir, so that several servers with different start directories can
// share one process (skiffd's internal-sftp, an embedder's server).
//
// Permissions are the process's: run it as the session's user. The umask of -u is the
// process's umask too (the tool sets it), applied by the kernel to every file created.
#pragma once

#include <memory>
#include <string>

#include <skiff/error.hpp>

#include "sftp/file_system.hpp"

namespace skiff::io {

class PosixFileSystem final : public sftp::FileSystem {
 public:
  // Opens `start_directory` (empty: the working directory) as the base of relative paths.
  static Result<std::unique_ptr<PosixFileSystem>> create(const std::string& start_directory);
  ~PosixFileSystem() override;

  sftp::FsResult<std::unique_ptr<sftp::OpenFile>> open(const std::string& path, std::uint32_t pflags,
                                                       std::uint32_t mode) override;
  sftp::FsResult<std::unique_ptr<sftp::OpenDirectory>> open_directory(const std::string& path) override;
  sftp::FsResult<sftp::FileAttributes> stat(const std::string& path) override;
  sftp::FsResult<sftp::FileAttributes> lstat(const std::string& path) override;
  sftp::FsResult<void> set_attributes(const std::string& path, const sftp::FileAttributes& attrs,
                                      bool follow_symlinks) override;
  sftp::FsResult<void> remove(const std::string& path) override;
  sftp::FsResult<void> make_directory(const std::string& path, std::uint32_t mode) override;
  sftp::FsResult<void> remove_directory(const std::string& path) override;
  sftp::FsResult<void> rename(const std::string& old_path, const std::string& new_path) override;
  sftp::FsResult<void> posix_rename(const std::string& old_path, const std::string& new_path) override;
  sftp::FsResult<std::string> read_link(const std::string& path) override;
  sftp::FsResult<void> symlink(const std::string& target_path, const std::string& link_path) override;
  sftp::FsResult<void> hard_link(const std::string& old_path, const std::string& new_path) override;
  sftp::FsResult<sftp::StatvfsReply> statvfs(const std::string& path) override;
  sftp::FsResult<std::string> current_directory() override { return dir_path_; }
  sftp::FsResult<std::string> home_directory(const std::string& user_name) override;
  std::optional<std::string> user_name(std::uint32_t uid) override;
  std::optional<std::string> group_name(std::uint32_t gid) override;

 private:
  PosixFileSystem(int dir_fd, std::string dir_path) : dir_fd_(dir_fd), dir_path_(std::move(dir_path)) {}
  // For the calls that have no *at form (truncate, statvfs).
  std::string absolute(const std::string& path) const;

  int dir_fd_;
  std::string dir_path_;
};

}  // namespace skiff::io
