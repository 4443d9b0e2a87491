// The file system an SFTP server works on, as an interface: the engine (server.hpp)
// decides what to do, an implementation does it. src/io/sftp_posix_fs.hpp is the real
// one (POSIX calls relative to a start directory); tests and the fuzz target use one in
// memory. Failures are errno values, mapped to SFTP status codes as OpenSSH's
// sftp-server maps them.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sftp/messages.hpp"
#include "sftp/protocol.hpp"

namespace skiff::sftp {

struct FsError {
  int error_number = 0;  // a POSIX errno value
  std::string message;   // replaces the status's default text when not empty
};
template <class T>
using FsResult = std::expected<T, FsError>;

inline std::unexpected<FsError> fs_error(int error_number, std::string message = {}) {
  return std::unexpected<FsError>(FsError{error_number, std::move(message)});
}

// sftp-server's errno_to_portable: ENOENT, ENOTDIR, EBADF, ELOOP are NO_SUCH_FILE;
// EPERM, EACCES, EFAULT are PERMISSION_DENIED; ENAMETOOLONG, EINVAL are BAD_MESSAGE;
// ENOSYS is OP_UNSUPPORTED; anything else is FAILURE.
StatusCode status_from_errno(int error_number) noexcept;

struct DirEntry {
  std::string name;       // the entry's name within its directory
  std::string long_name;  // "ls -l" line (format_long_name)
  FileAttributes attrs;   // of the entry itself (lstat), not of a link's target
};

class OpenFile {
 public:
  virtual ~OpenFile() = default;
  // Reads at `offset` into `into` (never more than its size); 0 means end of file.
  virtual FsResult<std::size_t> read(std::uint64_t offset, std::span<std::uint8_t> into) = 0;
  // Writes all of `data` at `offset` (at the end for a file opened to append), or fails.
  virtual FsResult<void> write(std::uint64_t offset, wire::ByteView data) = 0;
  virtual FsResult<FileAttributes> stat() = 0;
  // Applies each attribute present (size, permissions, times, owner) in that order;
  // on failure the rest are still tried and the last error is returned, as sftp-server.
  virtual FsResult<void> set_attributes(const FileAttributes& attrs) = 0;
  virtual FsResult<StatvfsReply> statvfs() = 0;
  virtual FsResult<void> sync() = 0;
  // Called once by the engine; a file destroyed without it is closed silently.
  virtual FsResult<void> close() = 0;
};

class OpenDirectory {
 public:
  virtual ~OpenDirectory() = default;
  // Up to max_entries entries (at least one while any are left); none at the end.
  // Entries that vanish between listing and lstat are skipped, as sftp-server does.
  virtual FsResult<std::vector<DirEntry>> read(std::size_t max_entries) = 0;
  virtual FsResult<void> close() = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // pflags are OPEN's (kOpenRead...); mode applies when the file is created.
  virtual FsResult<std::unique_ptr<OpenFile>> open(const std::string& path, std::uint32_t pflags,
                                                   std::uint32_t mode) = 0;
  virtual FsResult<std::unique_ptr<OpenDirectory>> open_directory(const std::string& path) = 0;
  virtual FsResult<FileAttributes> stat(const std::string& path) = 0;
  virtual FsResult<FileAttributes> lstat(const std::string& path) = 0;
  // follow_symlinks=false is lsetstat@openssh.com (the engine refuses a size there).
  virtual FsResult<void> set_attributes(const std::string& path, const FileAttributes& attrs,
                                        bool follow_symlinks) = 0;
  virtual FsResult<void> remove(const std::string& path) = 0;
  virtual FsResult<void> make_directory(const std::string& path, std::uint32_t mode) = 0;
  virtual FsResult<void> remove_directory(const std::string& path) = 0;
  // SFTP's RENAME: fails when new_path exists. posix_rename replaces it atomically.
  virtual FsResult<void> rename(const std::string& old_path, const std::string& new_path) = 0;
  virtual FsResult<void> posix_rename(const std::string& old_path, const std::string& new_path) = 0;
  virtual FsResult<std::string> read_link(const std::string& path) = 0;
  virtual FsResult<void> symlink(const std::string& target_path, const std::string& link_path) = 0;
  virtual FsResult<void> hard_link(const std::string& old_path, const std::string& new_path) = 0;
  virtual FsResult<StatvfsReply> statvfs(const std::string& path) = 0;

  // The absolute path relative names start from (sftp-server's working directory).
  virtual FsResult<std::string> current_directory() = 0;
  // An absolute path without ".", ".." or symbolic links; the last component need not
  // exist. The default walks the path with lstat and read_link (resolve_real_path).
  virtual FsResult<std::string> real_path(const std::string& path);
  // Copies up to `length` bytes (0: to the end of `from`); returns the bytes copied.
  // The default reads and writes in chunks of limits::kSftpCopyChunk.
  virtual FsResult<std::uint64_t> copy_data(OpenFile& from, std::uint64_t read_offset, std::uint64_t length,
                                            OpenFile& to, std::uint64_t write_offset);

  // The home directory of a user; an empty name is the session's own user.
  virtual FsResult<std::string> home_directory(const std::string& user_name) = 0;
  virtual std::optional<std::string> user_name(std::uint32_t uid) = 0;
  virtual std::optional<std::string> group_name(std::uint32_t gid) = 0;
};

// sftp-server's realpath over any FileSystem: components are taken one by one from
// current_directory() (or "/"), each is lstat'ed and a link is replaced by its target,
// with at most limits::kMaxSftpSymlinkHops links; a missing last component is kept.
FsResult<std::string> resolve_real_path(FileSystem& fs, const std::string& path);

}  // namespace skiff::sftp
