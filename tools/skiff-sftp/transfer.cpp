// get, put, reget, reput (files and -r trees) and copy, as sftp's process_get/put and
// sftp-client.c's do_download/do_upload/download_dir/upload_dir, with their messages.
// The engine keeps the requests in flight; this file moves bytes between it and disk.
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <dirent.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "file-transfer/progress.hpp"
#include "skiff-sftp/shell.hpp"

namespace skiff::sftp_cli {
namespace {

constexpr int kMaxDirDepth = 64;  // sftp-client.c's MAX_DIR_DEPTH

bool local_is_dir(const std::string& path) {
  struct stat sb{};
  return ::stat(path.c_str(), &sb) == 0 && S_ISDIR(sb.st_mode);
}

bool glob_path_is_dir(const std::string& p) { return !p.empty() && p.back() == '/'; }

std::string meter_name(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos || slash + 1 == path.size()) return path;
  return path.substr(slash + 1);
}

std::uint32_t type_of(const sftp::FileAttributes& a) { return a.permissions.value_or(0) & sftp::kModeTypeMask; }

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

bool Shell::download(const std::string& remote, const std::string& local, std::optional<sftp::FileAttributes> attrs,
                     bool preserve, bool resume, bool fsync) {
  if (!attrs) attrs = do_stat(remote, true, false);
  if (!attrs) return false;
  const std::uint32_t mode = attrs->permissions ? (*attrs->permissions & 0777) : 0666;
  if (attrs->permissions && type_of(*attrs) != sftp::kModeRegular) {
    error("download " + remote + ": not a regular file");
    return false;
  }
  const std::uint64_t size = attrs->size.value_or(0);
  auto handle = open_handle(remote, sftp::kOpenRead, {}, "remote open \"" + remote + "\"");
  if (!handle) return false;
  Fd local_fd{::open(local.c_str(), O_WRONLY | O_CREAT | (resume ? 0 : O_TRUNC), mode | S_IWUSR)};
  if (local_fd.fd < 0) {
    error("open local \"" + local + "\": " + std::strerror(errno));
    close_handle(*handle);
    return false;
  }
  std::uint64_t offset = 0;
  if (resume) {
    struct stat st{};
    if (::fstat(local_fd.fd, &st) != 0) {
      error("stat local \"" + local + "\": " + std::strerror(errno));
      close_handle(*handle);
      return false;
    }
    if (static_cast<std::uint64_t>(st.st_size) > size) {
      error("Unable to resume download of \"" + local + "\": local file is larger than remote");
      close_handle(*handle);
      return false;
    }
    offset = static_cast<std::uint64_t>(st.st_size);
  }
  auto transfer = client_.start_download(*handle, offset, attrs->size ? std::optional(size) : std::nullopt);
  if (!transfer) {
    error(transfer.error().message);
    return false;
  }
  std::uint64_t counter = offset;
  bool modified = false, cancelled = false;
  int write_errno = 0;
  std::optional<sftp::TransferDone> done;
  {
    ProgressMeter meter(settings_.show_progress && size != 0, meter_name(remote), size, offset);
    while (!done) {
      if (interrupted && !cancelled) {
        client_.cancel_transfer(*transfer);
        cancelled = true;
      }
      while (auto e = session_.next_event()) {
        if (auto* chunk = std::get_if<sftp::DownloadChunk>(&*e)) {
          if (write_errno == 0) {
            ssize_t w = ::pwrite(local_fd.fd, chunk->data.data(), chunk->data.size(), static_cast<off_t>(chunk->offset));
            if (w < 0 || static_cast<std::size_t>(w) != chunk->data.size()) {
              write_errno = w < 0 ? errno : ENOSPC;
              client_.cancel_transfer(*transfer);
              cancelled = true;
            }
          }
          modified = true;
          counter += chunk->data.size();
          limit_.account(chunk->data.size());  // -l: sleeps while ahead of the rate
        } else if (auto* d = std::get_if<sftp::TransferDone>(&*e)) {
          done = *d;
        }
      }
      meter.update(counter);
      if (done) break;
      if (auto r = session_.step(1000); !r) {
        error(r.error().message);
        return false;
      }
    }
    meter.finish(counter);
  }
  const bool read_error = done->status != sftp::StatusCode::ok && !cancelled;
  if (read_error || write_errno || interrupted) {
    // Keep only the contiguous prefix: a later reget continues from there, no holes.
    if (::ftruncate(local_fd.fd, static_cast<off_t>(done->contiguous_end)) != 0) {
      error("local ftruncate \"" + local + "\": " + std::strerror(errno));
    }
  }
  if (read_error) {
    error("read remote \"" + remote + "\" : " + std::string(sftp::status_text(done->status)));
    close_handle(*handle);
    return false;
  }
  if (write_errno) {
    error("write local \"" + local + "\": " + std::strerror(write_errno));
    close_handle(*handle);
    return false;
  }
  bool ok = close_handle(*handle) && !interrupted;
  if (preserve && ::fchmod(local_fd.fd, mode) != 0) error("local chmod \"" + local + "\": " + std::strerror(errno));
  if (preserve && attrs->atime_mtime) {
    struct timeval tv[2] = {{static_cast<time_t>(attrs->atime_mtime->first), 0},
                            {static_cast<time_t>(attrs->atime_mtime->second), 0}};
    if (::utimes(local.c_str(), tv) != 0) error("local set times \"" + local + "\": " + std::strerror(errno));
  }
  if (resume && !modified) {
    info("File \"" + local + "\" was not modified");
  } else if (fsync && ::fsync(local_fd.fd) != 0) {
    error("local sync \"" + local + "\": " + std::strerror(errno));
  }
  return ok;
}

bool Shell::upload(const std::string& local, const std::string& remote, bool preserve, bool resume, bool fsync) {
  Fd fd{::open(local.c_str(), O_RDONLY)};
  if (fd.fd < 0) {
    error("open local \"" + local + "\": " + std::strerror(errno));
    return false;
  }
  struct stat sb{};
  if (::fstat(fd.fd, &sb) != 0) {
    error("fstat local \"" + local + "\": " + std::strerror(errno));
    return false;
  }
  if (!S_ISREG(sb.st_mode)) {
    error("local \"" + local + "\" is not a regular file");
    return false;
  }
  sftp::FileAttributes a;
  a.permissions = sb.st_mode & 0777;
  if (preserve) {
    a.atime_mtime = std::pair<std::uint32_t, std::uint32_t>(static_cast<std::uint32_t>(sb.st_atime),
                                                             static_cast<std::uint32_t>(sb.st_mtime));
  }
  std::uint64_t offset = 0;
  if (resume) {
    auto c = do_stat(remote, true, false);
    if (!c) return false;
    if (c->size.value_or(0) >= static_cast<std::uint64_t>(sb.st_size)) {
      error("resume \"" + local + "\": destination file same size or larger");
      return false;
    }
    offset = c->size.value_or(0);
  }
  const std::uint32_t openmode =
      sftp::kOpenWrite | sftp::kOpenCreate | (resume ? sftp::kOpenAppend : sftp::kOpenTruncate);
  auto handle = open_handle(remote, openmode, a, "dest open \"" + remote + "\"");
  if (!handle) return false;
  auto transfer = client_.start_upload(*handle, offset);
  if (!transfer) {
    error(transfer.error().message);
    return false;
  }
  std::vector<std::uint8_t> buf(client_.write_size());
  std::uint64_t read_pos = offset;
  bool eof = false, cancelled = false;
  std::optional<sftp::TransferDone> done;
  {
    ProgressMeter meter(settings_.show_progress, meter_name(local), static_cast<std::uint64_t>(sb.st_size), offset);
    while (!done) {
      if (interrupted && !cancelled && !eof) {
        client_.cancel_transfer(*transfer);
        cancelled = true;
      }
      while (!eof && !cancelled && client_.upload_ready(*transfer)) {
        ssize_t n = ::pread(fd.fd, buf.data(), buf.size(), static_cast<off_t>(read_pos));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          error("read local \"" + local + "\": " + std::strerror(errno));
          client_.cancel_transfer(*transfer);
          cancelled = true;
          break;
        }
        if (n == 0) {
          eof = true;
          (void)client_.upload_finish(*transfer);
          break;
        }
        if (auto w = client_.upload_write(*transfer, wire::ByteView(buf.data(), static_cast<std::size_t>(n))); !w) {
          error(w.error().message);
          return false;
        }
        read_pos += static_cast<std::uint64_t>(n);
        limit_.account(static_cast<std::size_t>(n));
      }
      while (auto e = session_.next_event()) {
        if (auto* d = std::get_if<sftp::TransferDone>(&*e)) done = *d;
      }
      meter.update(read_pos);
      if (done) break;
      if (auto r = session_.step(1000); !r) {
        error(r.error().message);
        return false;
      }
    }
    meter.finish(read_pos);
  }
  bool ok = true;
  if (done->status != sftp::StatusCode::ok && !cancelled) {
    error("write remote \"" + remote + "\": " + std::string(sftp::status_text(done->status)));
    ok = false;
  }
  if (resume && (!ok || interrupted)) {
    sftp::FileAttributes t;
    t.size = done->contiguous_end;
    do_status(client_.fsetstat(*handle, t), "remote fsetstat");
  }
  if (preserve) do_status(client_.fsetstat(*handle, a), "remote fsetstat");
  if (fsync && client_.supports(sftp::kExtFsync)) do_status(client_.fsync(*handle), "remote fsync");
  if (!close_handle(*handle)) ok = false;
  return ok && !interrupted;
}

bool Shell::download_dir(const std::string& src, const std::string& dst, std::optional<sftp::FileAttributes> attrs,
                         bool preserve, bool resume, bool fsync, int depth) {
  if (depth >= kMaxDirDepth) {
    error("Maximum directory depth exceeded: " + std::to_string(depth) + " levels");
    return false;
  }
  if (!attrs) attrs = do_stat(src, true, true);
  if (!attrs) {
    error("stat remote \"" + src + "\" directory failed");
    return false;
  }
  if (type_of(*attrs) != sftp::kModeDirectory) {
    error("\"" + src + "\" is not a directory");
    return false;
  }
  if (!settings_.quiet) out("Retrieving " + src + "\n");
  mode_t mode = 0777, tmpmode = 0777;
  if (attrs->permissions) {
    mode = *attrs->permissions & 01777;
    tmpmode = mode | S_IWUSR | S_IXUSR;
  }
  if (::mkdir(dst.c_str(), tmpmode) != 0 && errno != EEXIST) {
    error("mkdir " + dst + ": " + std::strerror(errno));
    return false;
  }
  auto entries = read_directory(src, false);
  if (!entries) {
    error("remote readdir \"" + src + "\" failed");
    return false;
  }
  bool ok = true;
  for (const auto& e : *entries) {
    if (interrupted) break;
    const std::string new_dst = path_append(dst, e.name), new_src = path_append(src, e.name);
    const std::uint32_t type = type_of(e.attrs);
    if (type == sftp::kModeDirectory) {
      if (e.name == "." || e.name == "..") continue;
      if (!download_dir(new_src, new_dst, e.attrs, preserve, resume, fsync, depth + 1)) ok = false;
    } else if (type == sftp::kModeRegular) {
      if (!download(new_src, new_dst, e.attrs, preserve, resume, fsync)) {
        error("Download of file " + new_src + " to " + new_dst + " failed");
        ok = false;
      }
    } else {
      info("download \"" + new_src + "\": not a regular file");
    }
  }
  if (preserve && attrs->atime_mtime) {
    struct timeval tv[2] = {{static_cast<time_t>(attrs->atime_mtime->first), 0},
                            {static_cast<time_t>(attrs->atime_mtime->second), 0}};
    if (::utimes(dst.c_str(), tv) != 0) error("local set times on \"" + dst + "\": " + std::strerror(errno));
  }
  if (mode != tmpmode && ::chmod(dst.c_str(), mode) != 0) {
    error("local chmod directory \"" + dst + "\": " + std::strerror(errno));
  }
  return ok;
}

bool Shell::upload_dir(const std::string& src, const std::string& dst, bool preserve, bool resume, bool fsync,
                       int depth) {
  if (depth >= kMaxDirDepth) {
    error("Maximum directory depth exceeded: " + std::to_string(depth) + " levels");
    return false;
  }
  struct stat sb{};
  if (::stat(src.c_str(), &sb) != 0) {
    error("stat local \"" + src + "\": " + std::strerror(errno));
    return false;
  }
  if (!S_ISDIR(sb.st_mode)) {
    error("\"" + src + "\" is not a directory");
    return false;
  }
  if (!settings_.quiet) out("Entering " + src + "\n");
  sftp::FileAttributes a;
  a.permissions = sb.st_mode & 01777;
  if (preserve) {
    a.atime_mtime = std::pair<std::uint32_t, std::uint32_t>(static_cast<std::uint32_t>(sb.st_atime),
                                                             static_cast<std::uint32_t>(sb.st_mtime));
  }
  // Writable while we fill it; the real mode is set at the end. SFTP has no EEXIST, so
  // a failed MKDIR is fine when the directory is already there.
  sftp::FileAttributes creating = a;
  *creating.permissions |= S_IWUSR | S_IXUSR;
  if (!do_status(client_.mkdir(dst, creating), "")) {
    auto existing = do_stat(dst, true, false);
    if (!existing) return false;
    if (type_of(*existing) != sftp::kModeDirectory) {
      error("\"" + dst + "\" exists but is not a directory");
      return false;
    }
  }
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(src.c_str()), ::closedir);
  if (!dir) {
    error("local opendir \"" + src + "\": " + std::strerror(errno));
    return false;
  }
  bool ok = true;
  while (!interrupted) {
    errno = 0;
    dirent* dp = ::readdir(dir.get());
    if (!dp) break;
    const std::string name = dp->d_name;
    const std::string new_dst = path_append(dst, name), new_src = path_append(src, name);
    struct stat st{};
    if (::lstat(new_src.c_str(), &st) != 0) {
      info("local lstat \"" + name + "\": " + std::strerror(errno));
      ok = false;
    } else if (S_ISDIR(st.st_mode)) {
      if (name == "." || name == "..") continue;
      if (!upload_dir(new_src, new_dst, preserve, resume, fsync, depth + 1)) ok = false;
    } else if (S_ISREG(st.st_mode)) {
      if (!upload(new_src, new_dst, preserve, resume, fsync)) {
        error("upload \"" + new_src + "\" to \"" + new_dst + "\" failed");
        ok = false;
      }
    } else {
      info(name + ": not a regular file");
    }
  }
  do_status(client_.setstat(dst, a), "remote setstat \"" + dst + "\"");
  return ok;
}

int Shell::process_get(const Command& c) {
  const bool resume = c.cmd == Cmd::reget || c.aflag || settings_.global_resume;
  const bool preserve = c.pflag || settings_.global_preserve, recursive = c.rflag || settings_.global_recursive;
  const bool fsync = c.fflag || settings_.global_fsync;
  const std::string abs_src = make_absolute(*c.path1, escape_glob(pwd_));
  auto g = remote_glob(*this, abs_src, false, true);
  if (g.status != GlobResult::Status::ok) {
    error(g.status == GlobResult::Status::too_many ? "Too many matches for \"" + abs_src + "\"."
                                                    : "File \"" + abs_src + "\" not found.");
    return -1;
  }
  const auto& dst = c.path2;
  if (g.match_count > 1 && dst && !local_is_dir(*dst)) {
    error("Multiple source paths, but destination \"" + *dst + "\" is not a directory");
    return -1;
  }
  int err = 0;
  for (const auto& m : g.paths) {
    if (interrupted) break;
    const std::string filename = base_name(m.path);
    std::string abs_dst;
    if (g.match_count == 1 && dst) abs_dst = local_is_dir(*dst) ? path_append(*dst, filename) : *dst;
    else if (dst) abs_dst = path_append(*dst, filename);
    else abs_dst = filename;
    if (!settings_.quiet) out((resume ? "Resuming " : "Fetching ") + m.path + " to " + abs_dst + "\n");
    std::fflush(stdout);
    bool ok;
    if (glob_path_is_dir(m.path) && recursive) {
      std::string src = m.path;
      auto canon = do_realpath(src);
      if (!canon) {
        error("download \"" + src + "\": path canonicalization failed");
        ok = false;
      } else {
        ok = download_dir(*canon, abs_dst, std::nullopt, preserve, resume, fsync, 0);
      }
    } else {
      ok = download(m.path, abs_dst, std::nullopt, preserve, resume, fsync);
    }
    if (!ok) err = -1;
  }
  return err;
}

int Shell::process_put(const Command& c) {
  const bool resume = c.cmd == Cmd::reput || c.aflag || settings_.global_resume;
  const bool preserve = c.pflag || settings_.global_preserve, recursive = c.rflag || settings_.global_recursive;
  const bool fsync = c.fflag || settings_.global_fsync;
  std::optional<std::string> tmp_dst;
  if (c.path2) tmp_dst = make_absolute(*c.path2, pwd_);
  glob_t g{};
  if (::glob(c.path1->c_str(), GLOB_NOCHECK | GLOB_MARK, nullptr, &g) != 0) {
    error("File \"" + *c.path1 + "\" not found.");
    ::globfree(&g);
    return -1;
  }
  std::unique_ptr<glob_t, void (*)(glob_t*)> guard(&g, ::globfree);
  const bool dst_is_dir = tmp_dst ? remote_is_dir(*tmp_dst) : true;
  if (g.gl_pathc > 1 && tmp_dst && !dst_is_dir) {
    error("Multiple paths match, but destination \"" + *tmp_dst + "\" is not a directory");
    return -1;
  }
  int err = 0;
  for (std::size_t i = 0; i < g.gl_pathc && !interrupted; ++i) {
    const std::string path = g.gl_pathv[i];
    struct stat sb{};
    if (::stat(path.c_str(), &sb) != 0) {
      err = -1;
      error("stat " + path + ": " + std::strerror(errno));
      continue;
    }
    const std::string filename = base_name(path);
    std::string abs_dst;
    if (g.gl_pathc == 1 && tmp_dst) abs_dst = dst_is_dir ? path_append(*tmp_dst, filename) : *tmp_dst;
    else if (tmp_dst) abs_dst = path_append(*tmp_dst, filename);
    else abs_dst = make_absolute(filename, pwd_);
    if (!settings_.quiet) out((resume ? "Resuming upload of " : "Uploading ") + path + " to " + abs_dst + "\n");
    std::fflush(stdout);
    bool ok;
    if (glob_path_is_dir(path) && recursive) {
      auto canon = do_realpath(abs_dst);
      if (!canon) {
        error("upload \"" + abs_dst + "\": path canonicalization failed");
        ok = false;
      } else {
        ok = upload_dir(path, *canon, preserve, resume, fsync, 0);
      }
    } else {
      ok = upload(path, abs_dst, preserve, resume, fsync);
    }
    if (!ok) err = -1;
  }
  return err;
}

int Shell::do_copy(const std::string& from, const std::string& to) {
  if (!client_.supports(sftp::kExtCopyData)) {
    error("Server does not support copy-data extension");
    return -1;
  }
  auto a = do_stat(from, true, false);
  if (!a) return -1;
  sftp::FileAttributes create;
  create.permissions = 0666;
  if (a->permissions) {
    create.permissions = *a->permissions & 0777;
    if (type_of(*a) != sftp::kModeRegular) {
      error("Cannot copy non-regular file: " + from);
      return -1;
    }
  }
  auto in = open_handle(from, sftp::kOpenRead, {}, "remote open(\"" + from + "\")");
  if (!in) return -1;
  auto out_h = open_handle(to, sftp::kOpenWrite | sftp::kOpenCreate | sftp::kOpenTruncate, create,
                           "remote open(\"" + to + "\")");
  if (!out_h) {
    close_handle(*in);
    return -1;
  }
  const bool ok = do_status(client_.copy_data(*in, 0, 0, *out_h, 0), "Couldn't copy file \"" + from + "\" to \"" + to + "\"");
  close_handle(*in);
  close_handle(*out_h);
  return ok ? 0 : -1;
}

}  // namespace skiff::sftp_cli
