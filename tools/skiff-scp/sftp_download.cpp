// scp's SFTP mode, the remote-source side: downloads (sink_sftp) and -3 copies between
// two servers (sftp_crossload), with sftp-client.c's messages.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "file-transfer/progress.hpp"
#include "skiff-scp/sftp_copy.hpp"
#include "skiff-scp/sftp_copy_internal.hpp"
#include "skiff-sftp/remote_glob.hpp"

namespace skiff::scp_cli {
namespace {

using namespace detail;
using sftp_cli::base_name;
using sftp_cli::path_append;

void set_local_times(const std::string& path, const sftp::FileAttributes& a) {
  if (!a.atime_mtime) return;
  struct timeval tv[2] = {{static_cast<time_t>(a.atime_mtime->first), 0},
                          {static_cast<time_t>(a.atime_mtime->second), 0}};
  if (::utimes(path.c_str(), tv) != 0) log_error("local set times \"" + path + "\": " + std::strerror(errno));
}

class GlobLookup : public sftp_cli::RemoteLookup {
 public:
  explicit GlobLookup(SftpCopier& c) : copier_(c) {}
  std::optional<std::vector<sftp::NameEntry>> list(const std::string& dir) override { return copier_.list(dir); }
  std::optional<sftp::FileAttributes> stat(const std::string& path, bool follow) override {
    return copier_.stat(path, follow, true);
  }

 private:
  SftpCopier& copier_;
};

bool skip_entry(const sftp::NameEntry& e) { return e.name == "." || e.name == ".."; }

}  // namespace

bool SftpCopier::download(const std::string& remote_pattern, const std::string& local_target) {
  GlobLookup lookup(*this);
  auto g = sftp_cli::remote_glob(lookup, remote_pattern, false, true);
  if (g.status == sftp_cli::GlobResult::Status::too_many) {
    log_error(remote_pattern + ": too many glob matches");
    return false;
  }
  if (g.status != sftp_cli::GlobResult::Status::ok || g.paths.empty()) {
    log_error(remote_pattern + ": " + std::strerror(ENOENT));
    return false;
  }
  const bool target_is_dir = local_is_dir(local_target);
  if (!target_is_dir && g.paths.size() > 1) {
    log_error("Multiple files match pattern, but destination \"" + local_target + "\" is not a directory");
    return false;
  }
  bool ok = true;
  for (const auto& m : g.paths) {
    const bool marked_dir = !m.path.empty() && m.path.back() == '/';
    const std::string name = base_name(m.path);
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
      log_error("download \"" + m.path + "\": bad name");
      ok = false;
      continue;
    }
    const std::string dest = target_is_dir ? path_append(local_target, name) : local_target;
    std::string src = m.path;
    while (src.size() > 1 && src.back() == '/') src.pop_back();
    if (marked_dir && settings_.recursive) {
      auto a = stat(src, true, false);
      if (!a || !download_dir(src, dest, *a, 0)) ok = false;
    } else if (!download_file(marked_dir ? m.path : src, dest, std::nullopt)) {
      ok = false;
    }
  }
  return ok;
}

bool SftpCopier::download_file(const std::string& remote, const std::string& local,
                               std::optional<sftp::FileAttributes> attrs) {
  if (!attrs) attrs = stat(remote, true, false);
  if (!attrs) return false;
  if (!is_reg_attrs(*attrs)) {
    log_error("download " + remote + ": not a regular file");
    return false;
  }
  const std::uint32_t mode = attrs->permissions ? (*attrs->permissions & 0777) : 0666;
  const std::uint64_t size = attrs->size.value_or(0);
  auto handle = open(remote, sftp::kOpenRead, {}, "remote open \"" + remote + "\"");
  if (!handle) return false;
  Fd local_fd(::open(local.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode | S_IWUSR));
  if (local_fd.fd < 0) {
    log_error("open local \"" + local + "\": " + std::strerror(errno));
    close(*handle);
    return false;
  }
  auto transfer = client_.start_download(*handle, 0, attrs->size ? std::optional(size) : std::nullopt);
  if (!transfer) {
    log_error(transfer.error().message);
    return false;
  }
  std::uint64_t counter = 0;
  int write_errno = 0;
  std::optional<sftp::TransferDone> done;
  {
    sftp_cli::ProgressMeter meter(settings_.show_progress && size != 0, base_name(remote), size, 0);
    while (!done) {
      while (auto e = session_.next_event()) {
        if (auto* chunk = std::get_if<sftp::DownloadChunk>(&*e)) {
          if (write_errno == 0) {
            ssize_t w = ::pwrite(local_fd.fd, chunk->data.data(), chunk->data.size(), static_cast<off_t>(chunk->offset));
            if (w < 0 || static_cast<std::size_t>(w) != chunk->data.size()) {
              write_errno = w < 0 ? errno : ENOSPC;
              client_.cancel_transfer(*transfer);
            }
          }
          counter += chunk->data.size();
          limit_.account(chunk->data.size());
        } else if (auto* d = std::get_if<sftp::TransferDone>(&*e)) {
          done = *d;
        }
      }
      meter.update(counter);
      if (done) break;
      if (auto r = session_.step(1000); !r) {
        log_error(r.error().message);
        return false;
      }
    }
    meter.finish(counter);
  }
  const bool read_error = done->status != sftp::StatusCode::ok && write_errno == 0;
  if (read_error || write_errno) {
    // Keep only what is known good: no holes in the local file.
    if (::ftruncate(local_fd.fd, static_cast<off_t>(done->contiguous_end)) != 0)
      log_error("local ftruncate \"" + local + "\": " + std::strerror(errno));
  }
  if (read_error) {
    log_error("read remote \"" + remote + "\" : " + fx(done->status));
    close(*handle);
    return false;
  }
  if (write_errno) {
    log_error("write local \"" + local + "\": " + std::strerror(write_errno));
    close(*handle);
    return false;
  }
  bool ok = close(*handle);
  if (settings_.preserve) {
    if (::fchmod(local_fd.fd, mode) != 0) log_error("local chmod \"" + local + "\": " + std::strerror(errno));
    set_local_times(local, *attrs);
  }
  return ok;
}

bool SftpCopier::download_dir(const std::string& remote, const std::string& local, const sftp::FileAttributes& attrs,
                              int depth) {
  if (depth >= kMaxDirDepth) {
    log_error("Maximum directory depth exceeded: " + std::to_string(depth) + " levels");
    return false;
  }
  if (!is_dir_attrs(attrs)) {
    log_error("download_dir \"" + remote + "\": not a directory");
    return false;
  }
  const std::uint32_t mode = attrs.permissions ? (*attrs.permissions & 0777) : 0777;
  if (::mkdir(local.c_str(), mode | S_IRWXU) != 0 && errno != EEXIST) {
    log_error("mkdir " + local + ": " + std::strerror(errno));
    return false;
  }
  auto entries = list(remote);
  if (!entries) {
    log_error("remote readdir \"" + remote + "\" failed");
    return false;
  }
  bool ok = true;
  for (const auto& e : *entries) {
    if (skip_entry(e)) continue;
    const std::string from = path_append(remote, e.name), to = path_append(local, e.name);
    auto a = e.attrs;
    // Links are followed, as scp's download_dir(..., follow_link_flag = 1) does.
    if (a.permissions && (*a.permissions & sftp::kModeTypeMask) == sftp::kModeSymlink) {
      auto followed = stat(from, true, true);
      if (!followed) continue;
      a = *followed;
    }
    if (is_dir_attrs(a)) ok = download_dir(from, to, a, depth + 1) && ok;
    else if (is_reg_attrs(a)) ok = download_file(from, to, a) && ok;
    else log_error("download \"" + from + "\": not a regular file");
  }
  if (settings_.preserve) {
    if (::chmod(local.c_str(), mode) != 0) log_error("local chmod \"" + local + "\": " + std::strerror(errno));
    set_local_times(local, attrs);
  }
  return ok;
}

// ---------------------------------------------------------------- -3

bool SftpCopier::crossload(const std::string& remote_pattern, SftpCopier& to, const std::string& remote_target) {
  GlobLookup lookup(*this);
  auto g = sftp_cli::remote_glob(lookup, remote_pattern, false, true);
  if (g.status != sftp_cli::GlobResult::Status::ok || g.paths.empty()) {
    log_error(remote_pattern + ": " + std::strerror(ENOENT));
    return false;
  }
  const bool target_is_dir = to.is_dir(remote_target);
  if (!target_is_dir && g.paths.size() > 1) {
    log_error("Multiple files match pattern, but destination \"" + remote_target + "\" is not a directory");
    return false;
  }
  bool ok = true;
  for (const auto& m : g.paths) {
    const bool marked_dir = !m.path.empty() && m.path.back() == '/';
    std::string src = m.path;
    while (src.size() > 1 && src.back() == '/') src.pop_back();
    const std::string dest = target_is_dir ? path_append(remote_target, base_name(src)) : remote_target;
    if (marked_dir && settings_.recursive) {
      auto a = stat(src, true, false);
      if (!a || !crossload_dir(src, to, dest, *a, 0)) ok = false;
    } else if (!crossload_file(src, to, dest, std::nullopt)) {
      ok = false;
    }
  }
  return ok;
}

bool SftpCopier::crossload_file(const std::string& from, SftpCopier& to, const std::string& dest,
                                std::optional<sftp::FileAttributes> attrs) {
  if (!attrs) attrs = stat(from, true, false);
  if (!attrs) return false;
  if (!is_reg_attrs(*attrs)) {
    log_error("download " + from + ": not a regular file");
    return false;
  }
  const std::uint64_t size = attrs->size.value_or(0);
  auto in = open(from, sftp::kOpenRead, {}, "remote open \"" + from + "\"");
  if (!in) return false;
  sftp::FileAttributes create;
  create.permissions = attrs->permissions ? (*attrs->permissions & 0777) : 0644;
  auto out = to.open(dest, sftp::kOpenWrite | sftp::kOpenCreate | sftp::kOpenTruncate, create,
                     "dest open \"" + dest + "\"");
  if (!out) {
    close(*in);
    return false;
  }
  auto down = client_.start_download(*in, 0, attrs->size ? std::optional(size) : std::nullopt);
  auto up = to.client_.start_upload(*out, 0);
  if (!down || !up) {
    log_error(!down ? down.error().message : up.error().message);
    return false;
  }
  // Chunks may come out of order; the upload writes in order. The reorder buffer is
  // bounded by the download's requests in flight.
  std::map<std::uint64_t, wire::Bytes> pending;
  std::uint64_t next = 0;
  std::optional<sftp::TransferDone> down_done, up_done;
  bool up_finished = false;
  {
    sftp_cli::ProgressMeter meter(settings_.show_progress && size != 0, base_name(from), size, 0);
    while (!up_done) {
      while (!down_done) {
        auto e = session_.next_event();
        if (!e) break;
        if (auto* c = std::get_if<sftp::DownloadChunk>(&*e)) pending.emplace(c->offset, std::move(c->data));
        else if (auto* d = std::get_if<sftp::TransferDone>(&*e)) down_done = *d;
      }
      while (!pending.empty() && pending.begin()->first == next && to.client_.upload_ready(*up)) {
        auto& data = pending.begin()->second;
        const std::size_t n = std::min(data.size(), to.client_.write_size());
        if (auto w = to.client_.upload_write(*up, wire::ByteView(data.data(), n)); !w) {
          log_error(w.error().message);
          return false;
        }
        next += n;
        limit_.account(n);
        if (n == data.size()) {
          pending.erase(pending.begin());
        } else {
          wire::Bytes rest(data.begin() + static_cast<std::ptrdiff_t>(n), data.end());
          pending.erase(pending.begin());
          pending.emplace(next, std::move(rest));
        }
      }
      if (down_done && pending.empty() && !up_finished) {
        (void)to.client_.upload_finish(*up);
        up_finished = true;
      }
      while (auto e = to.session_.next_event()) {
        if (auto* d = std::get_if<sftp::TransferDone>(&*e)) up_done = *d;
      }
      meter.update(next);
      if (up_done) break;
      // Both connections move: the source's replies and the target's acknowledgements.
      for (auto* s : {&session_, &to.session_}) {
        const int wait_ms = (s == &session_) == !down_done ? 20 : 0;
        if (auto r = s->step(wait_ms); !r) {
          log_error(r.error().message);
          return false;
        }
      }
    }
    meter.finish(next);
  }
  bool ok = true;
  if (down_done->status != sftp::StatusCode::ok) {
    log_error("read remote \"" + from + "\" : " + fx(down_done->status));
    ok = false;
  }
  if (up_done->status != sftp::StatusCode::ok) {
    log_error("write remote \"" + dest + "\": " + fx(up_done->status));
    ok = false;
  }
  if (settings_.preserve && attrs->atime_mtime) {
    sftp::FileAttributes t;
    t.permissions = create.permissions;
    t.atime_mtime = attrs->atime_mtime;
    std::string why;
    if (!to.simple_status(to.client_.fsetstat(*out, t), &why) && !why.empty()) log_error("remote fsetstat: " + why);
  }
  close(*in);
  return to.close(*out) && ok;
}

bool SftpCopier::crossload_dir(const std::string& from, SftpCopier& to, const std::string& dest,
                               const sftp::FileAttributes& attrs, int depth) {
  if (depth >= kMaxDirDepth) {
    log_error("Maximum directory depth exceeded: " + std::to_string(depth) + " levels");
    return false;
  }
  sftp::FileAttributes a;
  a.permissions = (attrs.permissions.value_or(0755) & 0777) | 0700;
  std::string why;
  if (!to.simple_status(to.client_.mkdir(dest, a), &why) && !to.is_dir(dest)) {
    log_error("remote mkdir \"" + dest + "\": " + (why.empty() ? "Failure" : why));
    return false;
  }
  auto entries = list(from);
  if (!entries) {
    log_error("remote readdir \"" + from + "\" failed");
    return false;
  }
  bool ok = true;
  for (const auto& e : *entries) {
    if (skip_entry(e)) continue;
    const std::string src = path_append(from, e.name), dst = path_append(dest, e.name);
    auto ea = e.attrs;
    if (ea.permissions && (*ea.permissions & sftp::kModeTypeMask) == sftp::kModeSymlink) {
      auto followed = stat(src, true, true);
      if (!followed) continue;
      ea = *followed;
    }
    if (is_dir_attrs(ea)) ok = crossload_dir(src, to, dst, ea, depth + 1) && ok;
    else if (is_reg_attrs(ea)) ok = crossload_file(src, to, dst, ea) && ok;
  }
  sftp::FileAttributes final_attrs;
  final_attrs.permissions = attrs.permissions.value_or(0755) & 0777;
  if (settings_.preserve) final_attrs.atime_mtime = attrs.atime_mtime;
  if (!to.simple_status(to.client_.setstat(dest, final_attrs), &why) && !why.empty())
    log_error("remote setstat \"" + dest + "\": " + why);
  return ok;
}

}  // namespace skiff::scp_cli
