#include "io/sftp_posix_fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>
#include <map>
#include <vector>

namespace skiff::io {

using sftp::FileAttributes;
using sftp::fs_error;
using sftp::FsResult;

namespace {

FileAttributes attributes_of(const struct stat& st) {
  FileAttributes a;
  a.size = static_cast<std::uint64_t>(st.st_size);
  a.uid_gid = {st.st_uid, st.st_gid};
  a.permissions = st.st_mode;
  a.atime_mtime = {static_cast<std::uint32_t>(st.st_atime), static_cast<std::uint32_t>(st.st_mtime)};
  return a;
}

sftp::StatvfsReply statvfs_reply(const struct statvfs& st) {
  sftp::StatvfsReply r;
  r.bsize = st.f_bsize;
  r.frsize = st.f_frsize;
  r.blocks = st.f_blocks;
  r.bfree = st.f_bfree;
  r.bavail = st.f_bavail;
  r.files = st.f_files;
  r.ffree = st.f_ffree;
  r.favail = st.f_favail;
  r.fsid = st.f_fsid;
  r.flag = ((st.f_flag & ST_RDONLY) ? sftp::kStatvfsReadOnly : 0) | ((st.f_flag & ST_NOSUID) ? sftp::kStatvfsNoSuid : 0);
  r.namemax = st.f_namemax;
  return r;
}

std::unexpected<sftp::FsError> last_error() { return fs_error(errno); }

FsResult<void> check(int rc) {
  if (rc == -1) return last_error();
  return {};
}

// sftp-server's flags_from_portable.
int open_flags(std::uint32_t pflags) {
  int flags = 0;
  if ((pflags & sftp::kOpenRead) && (pflags & sftp::kOpenWrite)) {
    flags = O_RDWR;
  } else if (pflags & sftp::kOpenWrite) {
    flags = O_WRONLY;
  } else {
    flags = O_RDONLY;
  }
  if (pflags & sftp::kOpenAppend) flags |= O_APPEND;
  if (pflags & sftp::kOpenCreate) flags |= O_CREAT;
  if (pflags & sftp::kOpenTruncate) flags |= O_TRUNC;
  if (pflags & sftp::kOpenExclusive) flags |= O_EXCL;
  return flags | O_CLOEXEC | O_NOCTTY;
}

timespec to_timespec(std::uint32_t seconds) {
  timespec t{};
  t.tv_sec = static_cast<time_t>(seconds);
  return t;
}

// Applies attributes in sftp-server's order, going on after a failure and reporting
// the last one. `fns` does each change one way (by descriptor, path, or link).
template <class Truncate, class Chmod, class Utimes, class Chown>
FsResult<void> apply_attributes(const FileAttributes& a, Truncate truncate_to, Chmod chmod_to, Utimes set_times,
                                Chown chown_to) {
  FsResult<void> result;
  auto note = [&](int rc) {
    if (rc == -1) result = last_error();
  };
  if (a.size) note(truncate_to(static_cast<off_t>(*a.size)));
  if (a.permissions) note(chmod_to(static_cast<mode_t>(*a.permissions & 07777)));
  if (a.atime_mtime) {
    const timespec times[2] = {to_timespec(a.atime_mtime->first), to_timespec(a.atime_mtime->second)};
    note(set_times(times));
  }
  if (a.uid_gid) note(chown_to(static_cast<uid_t>(a.uid_gid->first), static_cast<gid_t>(a.uid_gid->second)));
  return result;
}

class PosixFile final : public sftp::OpenFile {
 public:
  explicit PosixFile(int fd) : fd_(fd) {}
  ~PosixFile() override {
    if (fd_ != -1) ::close(fd_);
  }
  FsResult<std::size_t> read(std::uint64_t offset, std::span<std::uint8_t> into) override {
    if (offset > static_cast<std::uint64_t>(INT64_MAX)) return fs_error(EINVAL);
    for (;;) {
      const ssize_t n = ::pread(fd_, into.data(), into.size(), static_cast<off_t>(offset));
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) return last_error();
    }
  }
  FsResult<void> write(std::uint64_t offset, wire::ByteView data) override {
    // With O_APPEND, Linux's pwrite appends whatever the offset: sftp-server ignores
    // the offset of an appending handle too.
    std::size_t done = 0;
    while (done < data.size()) {
      if (offset + done > static_cast<std::uint64_t>(INT64_MAX)) return fs_error(EFBIG);
      const ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return last_error();
      if (n == 0) return fs_error(EIO);
      done += static_cast<std::size_t>(n);
    }
    return {};
  }
  FsResult<FileAttributes> stat() override {
    struct stat st{};
    if (::fstat(fd_, &st) == -1) return last_error();
    return attributes_of(st);
  }
  FsResult<void> set_attributes(const FileAttributes& a) override {
    return apply_attributes(
        a, [&](off_t size) { return ::ftruncate(fd_, size); }, [&](mode_t mode) { return ::fchmod(fd_, mode); },
        [&](const timespec* t) { return ::futimens(fd_, t); },
        [&](uid_t uid, gid_t gid) { return ::fchown(fd_, uid, gid); });
  }
  FsResult<sftp::StatvfsReply> statvfs() override {
    struct statvfs st{};
    if (::fstatvfs(fd_, &st) == -1) return last_error();
    return statvfs_reply(st);
  }
  FsResult<void> sync() override { return check(::fsync(fd_)); }
  FsResult<void> close() override {
    const int fd = fd_;
    fd_ = -1;
    return check(::close(fd));
  }

 private:
  int fd_;
};

// Names of users and groups for long names, looked up once per directory listing.
class NameCache {
 public:
  std::string user(uid_t uid) {
    auto [it, added] = users_.try_emplace(uid);
    if (added) {
      struct passwd pw{}, *res = nullptr;
      std::vector<char> buf(16384);
      it->second = (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &res) == 0 && res) ? pw.pw_name : std::to_string(uid);
    }
    return it->second;
  }
  std::string group(gid_t gid) {
    auto [it, added] = groups_.try_emplace(gid);
    if (added) {
      struct group gr{}, *res = nullptr;
      std::vector<char> buf(16384);
      it->second = (::getgrgid_r(gid, &gr, buf.data(), buf.size(), &res) == 0 && res) ? gr.gr_name : std::to_string(gid);
    }
    return it->second;
  }

 private:
  std::map<uid_t, std::string> users_;
  std::map<gid_t, std::string> groups_;
};

// ls -l's date: month, day and time within the last six months, else the year.
std::string long_name_date(time_t mtime, time_t now) {
  struct tm tm{};
  if (!::localtime_r(&mtime, &tm)) return {};
  char buf[32];
  const bool recent = now - (365 * 24 * 60 * 60) / 2 < mtime && now >= mtime;
  const std::size_t n = std::strftime(buf, sizeof buf, recent ? "%b %e %H:%M" : "%b %e  %Y", &tm);
  return std::string(buf, n);
}

class PosixDirectory final : public sftp::OpenDirectory {
 public:
  explicit PosixDirectory(DIR* dir) : dir_(dir) {}
  ~PosixDirectory() override {
    if (dir_) ::closedir(dir_);
  }
  FsResult<std::vector<sftp::DirEntry>> read(std::size_t max_entries) override {
    std::vector<sftp::DirEntry> out;
    const time_t now = ::time(nullptr);
    while (out.size() < max_entries) {
      errno = 0;
      const dirent* d = ::readdir(dir_);
      if (!d) {
        if (errno != 0 && out.empty()) return last_error();
        break;
      }
      struct stat st{};
      // An entry removed since the listing was read is skipped, as sftp-server does.
      if (::fstatat(::dirfd(dir_), d->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1) continue;
      sftp::DirEntry e;
      e.name = d->d_name;
      e.attrs = attributes_of(st);
      e.long_name = sftp::format_long_name(e.name, st.st_mode, st.st_nlink, names_.user(st.st_uid),
                                           names_.group(st.st_gid), static_cast<std::uint64_t>(st.st_size),
                                           long_name_date(st.st_mtime, now));
      out.push_back(std::move(e));
    }
    return out;
  }
  FsResult<void> close() override {
    DIR* d = dir_;
    dir_ = nullptr;
    return check(::closedir(d));
  }

 private:
  DIR* dir_;
  NameCache names_;
};

}  // namespace

Result<std::unique_ptr<PosixFileSystem>> PosixFileSystem::create(const std::string& start_directory) {
  const std::string dir = start_directory.empty() ? "." : start_directory;
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd == -1) return fail(Errc::io_error, "chdir to \"" + dir + "\" failed: " + std::strerror(errno));
  // The start directory's absolute, resolved name: what REALPATH answers for ".".
  char resolved[PATH_MAX];
  if (!::realpath(dir.c_str(), resolved)) {
    const int e = errno;
    ::close(fd);
    return fail(Errc::io_error, "cannot resolve \"" + dir + "\": " + std::strerror(e));
  }
  return std::unique_ptr<PosixFileSystem>(new PosixFileSystem(fd, resolved));
}

PosixFileSystem::~PosixFileSystem() { ::close(dir_fd_); }

std::string PosixFileSystem::absolute(const std::string& path) const {
  if (!path.empty() && path[0] == '/') return path;
  std::string out = dir_path_;
  if (out != "/") out.push_back('/');
  out.append(path);
  return out;
}

FsResult<std::unique_ptr<sftp::OpenFile>> PosixFileSystem::open(const std::string& path, std::uint32_t pflags,
                                                                std::uint32_t mode) {
  const int fd = ::openat(dir_fd_, path.c_str(), open_flags(pflags), static_cast<mode_t>(mode & 07777));
  if (fd == -1) return last_error();
  return std::make_unique<PosixFile>(fd);
}

FsResult<std::unique_ptr<sftp::OpenDirectory>> PosixFileSystem::open_directory(const std::string& path) {
  const int fd = ::openat(dir_fd_, path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd == -1) return last_error();
  DIR* d = ::fdopendir(fd);
  if (!d) {
    const int e = errno;
    ::close(fd);
    return fs_error(e);
  }
  return std::make_unique<PosixDirectory>(d);
}

FsResult<FileAttributes> PosixFileSystem::stat(const std::string& path) {
  struct stat st{};
  if (::fstatat(dir_fd_, path.c_str(), &st, 0) == -1) return last_error();
  return attributes_of(st);
}

FsResult<FileAttributes> PosixFileSystem::lstat(const std::string& path) {
  struct stat st{};
  if (::fstatat(dir_fd_, path.c_str(), &st, AT_SYMLINK_NOFOLLOW) == -1) return last_error();
  return attributes_of(st);
}

FsResult<void> PosixFileSystem::set_attributes(const std::string& path, const FileAttributes& a,
                                               bool follow_symlinks) {
  const char* p = path.c_str();
  const int at_flags = follow_symlinks ? 0 : AT_SYMLINK_NOFOLLOW;
  const std::string abs = absolute(path);
  return apply_attributes(
      a, [&](off_t size) { return ::truncate(abs.c_str(), size); },
      [&](mode_t mode) { return ::fchmodat(dir_fd_, p, mode, at_flags); },
      [&](const timespec* t) { return ::utimensat(dir_fd_, p, t, at_flags); },
      [&](uid_t uid, gid_t gid) { return ::fchownat(dir_fd_, p, uid, gid, at_flags); });
}

FsResult<void> PosixFileSystem::remove(const std::string& path) { return check(::unlinkat(dir_fd_, path.c_str(), 0)); }

FsResult<void> PosixFileSystem::make_directory(const std::string& path, std::uint32_t mode) {
  return check(::mkdirat(dir_fd_, path.c_str(), static_cast<mode_t>(mode & 07777)));
}

FsResult<void> PosixFileSystem::remove_directory(const std::string& path) {
  return check(::unlinkat(dir_fd_, path.c_str(), AT_REMOVEDIR));
}

FsResult<void> PosixFileSystem::rename(const std::string& old_path, const std::string& new_path) {
  // SFTP's RENAME must not replace new_path. For a regular file sftp-server links the
  // new name and unlinks the old (atomic: link fails if the name exists); on a file
  // system without hard links, and for other file types, it checks and renames.
  const char* from = old_path.c_str();
  const char* to = new_path.c_str();
  struct stat st{};
  if (::fstatat(dir_fd_, from, &st, AT_SYMLINK_NOFOLLOW) == -1) return last_error();
  if (S_ISREG(st.st_mode)) {
    if (::linkat(dir_fd_, from, dir_fd_, to, 0) == 0) {
      if (::unlinkat(dir_fd_, from, 0) == -1) {
        const int e = errno;
        ::unlinkat(dir_fd_, to, 0);
        return fs_error(e);
      }
      return {};
    }
    if (errno != EOPNOTSUPP && errno != ENOSYS && errno != EXDEV && errno != EPERM) return last_error();
  }
  struct stat existing{};
  if (::fstatat(dir_fd_, to, &existing, 0) == 0) return fs_error(EEXIST);
  return check(::renameat(dir_fd_, from, dir_fd_, to));
}

FsResult<void> PosixFileSystem::posix_rename(const std::string& old_path, const std::string& new_path) {
  return check(::renameat(dir_fd_, old_path.c_str(), dir_fd_, new_path.c_str()));
}

FsResult<std::string> PosixFileSystem::read_link(const std::string& path) {
  char buf[PATH_MAX];
  const ssize_t n = ::readlinkat(dir_fd_, path.c_str(), buf, sizeof buf - 1);
  if (n == -1) return last_error();
  return std::string(buf, static_cast<std::size_t>(n));
}

FsResult<void> PosixFileSystem::symlink(const std::string& target_path, const std::string& link_path) {
  return check(::symlinkat(target_path.c_str(), dir_fd_, link_path.c_str()));
}

FsResult<void> PosixFileSystem::hard_link(const std::string& old_path, const std::string& new_path) {
  return check(::linkat(dir_fd_, old_path.c_str(), dir_fd_, new_path.c_str(), 0));
}

FsResult<sftp::StatvfsReply> PosixFileSystem::statvfs(const std::string& path) {
  struct statvfs st{};
  if (::statvfs(absolute(path).c_str(), &st) == -1) return last_error();
  return statvfs_reply(st);
}

FsResult<std::string> PosixFileSystem::home_directory(const std::string& user_name) {
  struct passwd pw{}, *res = nullptr;
  std::vector<char> buf(16384);
  const int rc = user_name.empty() ? ::getpwuid_r(::getuid(), &pw, buf.data(), buf.size(), &res)
                                   : ::getpwnam_r(user_name.c_str(), &pw, buf.data(), buf.size(), &res);
  if (rc != 0 || !res) return fs_error(ENOENT, "no such user");
  return std::string(pw.pw_dir);
}

std::optional<std::string> PosixFileSystem::user_name(std::uint32_t uid) {
  struct passwd pw{}, *res = nullptr;
  std::vector<char> buf(16384);
  if (::getpwuid_r(static_cast<uid_t>(uid), &pw, buf.data(), buf.size(), &res) != 0 || !res) return std::nullopt;
  return std::string(pw.pw_name);
}

std::optional<std::string> PosixFileSystem::group_name(std::uint32_t gid) {
  struct group gr{}, *res = nullptr;
  std::vector<char> buf(16384);
  if (::getgrgid_r(static_cast<gid_t>(gid), &gr, buf.data(), buf.size(), &res) != 0 || !res) return std::nullopt;
  return std::string(gr.gr_name);
}

}  // namespace skiff::io
