// A FileSystem for the client tests: plain POSIX calls on the paths as given, with a
// fresh temporary directory as the working directory. Small on purpose: the server
// branch has the real one (src/io/sftp_posix_fs); this only has to be correct enough
// for the client engine's tests to run against the real server engine.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "sftp/file_system.hpp"

namespace skiff::sftp::test {

inline FileAttributes attrs_from(const struct stat& st) {
  FileAttributes a;
  a.size = static_cast<std::uint64_t>(st.st_size);
  a.uid_gid = std::pair<std::uint32_t, std::uint32_t>(st.st_uid, st.st_gid);
  a.permissions = st.st_mode;
  a.atime_mtime = std::pair<std::uint32_t, std::uint32_t>(static_cast<std::uint32_t>(st.st_atime),
                                                           static_cast<std::uint32_t>(st.st_mtime));
  return a;
}

inline FsResult<void> apply_attrs(int fd, const std::string& path, const FileAttributes& a) {
  int err = 0;
  if (a.size && (fd >= 0 ? ::ftruncate(fd, static_cast<off_t>(*a.size)) : ::truncate(path.c_str(), static_cast<off_t>(*a.size))) != 0) err = errno;
  if (a.permissions && (fd >= 0 ? ::fchmod(fd, *a.permissions & 07777) : ::chmod(path.c_str(), *a.permissions & 07777)) != 0) err = errno;
  if (a.atime_mtime) {
    struct timeval tv[2] = {{static_cast<time_t>(a.atime_mtime->first), 0}, {static_cast<time_t>(a.atime_mtime->second), 0}};
    if ((fd >= 0 ? ::futimes(fd, tv) : ::utimes(path.c_str(), tv)) != 0) err = errno;
  }
  if (err) return fs_error(err);
  return {};
}

class TempOpenFile : public OpenFile {
 public:
  explicit TempOpenFile(int fd) : fd_(fd) {}
  ~TempOpenFile() override {
    if (fd_ >= 0) ::close(fd_);
  }
  FsResult<std::size_t> read(std::uint64_t offset, std::span<std::uint8_t> into) override {
    ssize_t n = ::pread(fd_, into.data(), into.size(), static_cast<off_t>(offset));
    if (n < 0) return fs_error(errno);
    return static_cast<std::size_t>(n);
  }
  FsResult<void> write(std::uint64_t offset, wire::ByteView data) override {
    ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0 || static_cast<std::size_t>(n) != data.size()) return fs_error(n < 0 ? errno : EIO);
    return {};
  }
  FsResult<FileAttributes> stat() override {
    struct stat st{};
    if (::fstat(fd_, &st) != 0) return fs_error(errno);
    return attrs_from(st);
  }
  FsResult<void> set_attributes(const FileAttributes& a) override { return apply_attrs(fd_, {}, a); }
  FsResult<StatvfsReply> statvfs() override { return StatvfsReply{4096, 4096, 100, 50, 40, 10, 5, 5, 1, 0, 255}; }
  FsResult<void> sync() override { return {}; }
  FsResult<void> close() override {
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return fs_error(errno);
    return {};
  }

 private:
  int fd_;
};

class TempOpenDirectory : public OpenDirectory {
 public:
  TempOpenDirectory(DIR* d, std::string path) : dir_(d), path_(std::move(path)) {}
  ~TempOpenDirectory() override {
    if (dir_) ::closedir(dir_);
  }
  FsResult<std::vector<DirEntry>> read(std::size_t max_entries) override {
    std::vector<DirEntry> out;
    while (out.size() < max_entries) {
      errno = 0;
      struct dirent* e = ::readdir(dir_);
      if (!e) break;
      struct stat st{};
      std::string full = path_ + "/" + e->d_name;
      if (::lstat(full.c_str(), &st) != 0) continue;
      DirEntry d;
      d.name = e->d_name;
      d.long_name = format_long_name(d.name, st.st_mode, st.st_nlink, "u", "g", static_cast<std::uint64_t>(st.st_size),
                                     "Jan  1 00:00");
      d.attrs = attrs_from(st);
      out.push_back(std::move(d));
    }
    return out;
  }
  FsResult<void> close() override {
    DIR* d = dir_;
    dir_ = nullptr;
    ::closedir(d);
    return {};
  }

 private:
  DIR* dir_;
  std::string path_;
};

class TempFileSystem : public FileSystem {
 public:
  TempFileSystem() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "skiff-sftpc-XXXXXX").string();
    root_ = ::mkdtemp(tmpl.data());
  }
  ~TempFileSystem() override {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  const std::string& root() const { return root_; }

  FsResult<std::unique_ptr<OpenFile>> open(const std::string& path, std::uint32_t pflags, std::uint32_t mode) override {
    int flags = 0;
    if ((pflags & kOpenRead) && (pflags & kOpenWrite)) flags = O_RDWR;
    else if (pflags & kOpenWrite) flags = O_WRONLY;
    else flags = O_RDONLY;
    if (pflags & kOpenAppend) flags |= O_APPEND;
    if (pflags & kOpenCreate) flags |= O_CREAT;
    if (pflags & kOpenTruncate) flags |= O_TRUNC;
    if (pflags & kOpenExclusive) flags |= O_EXCL;
    int fd = ::open(path.c_str(), flags, mode);
    if (fd < 0) return fs_error(errno);
    return std::make_unique<TempOpenFile>(fd);
  }
  FsResult<std::unique_ptr<OpenDirectory>> open_directory(const std::string& path) override {
    DIR* d = ::opendir(path.c_str());
    if (!d) return fs_error(errno);
    return std::make_unique<TempOpenDirectory>(d, path);
  }
  FsResult<FileAttributes> stat(const std::string& path) override {
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) return fs_error(errno);
    return attrs_from(st);
  }
  FsResult<FileAttributes> lstat(const std::string& path) override {
    struct stat st{};
    if (::lstat(path.c_str(), &st) != 0) return fs_error(errno);
    return attrs_from(st);
  }
  FsResult<void> set_attributes(const std::string& path, const FileAttributes& a, bool) override {
    return apply_attrs(-1, path, a);
  }
  FsResult<void> remove(const std::string& path) override { return check(::unlink(path.c_str())); }
  FsResult<void> make_directory(const std::string& path, std::uint32_t mode) override {
    return check(::mkdir(path.c_str(), mode));
  }
  FsResult<void> remove_directory(const std::string& path) override { return check(::rmdir(path.c_str())); }
  FsResult<void> rename(const std::string& o, const std::string& n) override {
    struct stat st{};
    if (::lstat(n.c_str(), &st) == 0) return fs_error(EEXIST);
    return check(::rename(o.c_str(), n.c_str()));
  }
  FsResult<void> posix_rename(const std::string& o, const std::string& n) override {
    return check(::rename(o.c_str(), n.c_str()));
  }
  FsResult<std::string> read_link(const std::string& path) override {
    char buf[4096];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
    if (n < 0) return fs_error(errno);
    return std::string(buf, static_cast<std::size_t>(n));
  }
  FsResult<void> symlink(const std::string& target, const std::string& link) override {
    return check(::symlink(target.c_str(), link.c_str()));
  }
  FsResult<void> hard_link(const std::string& o, const std::string& n) override {
    return check(::link(o.c_str(), n.c_str()));
  }
  FsResult<StatvfsReply> statvfs(const std::string&) override {
    return StatvfsReply{4096, 4096, 1000, 500, 400, 100, 50, 50, 7, 0, 255};
  }
  FsResult<std::string> current_directory() override { return root_; }
  FsResult<std::string> home_directory(const std::string&) override { return root_; }
  std::optional<std::string> user_name(std::uint32_t uid) override { return "user" + std::to_string(uid); }
  std::optional<std::string> group_name(std::uint32_t gid) override { return "group" + std::to_string(gid); }

 private:
  static FsResult<void> check(int rc) {
    if (rc != 0) return fs_error(errno);
    return {};
  }
  std::string root_;
};

}  // namespace skiff::sftp::test
