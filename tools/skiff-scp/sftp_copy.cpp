#include "skiff-scp/sftp_copy.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "file-transfer/progress.hpp"
#include "skiff-scp/sftp_copy_internal.hpp"
#include "skiff-sftp/remote_glob.hpp"

namespace skiff::scp_cli {
namespace {

using sftp_cli::base_name;
using sftp_cli::path_append;

using namespace detail;
constexpr std::size_t kMaxDirEntries = 1000000;   // a listing a server may send us

}  // namespace

void log_error(const std::string& message) {
  std::string line = "scp: " + message + "\n";
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

SftpCopier::SftpCopier(sftp_cli::Session& session, SftpCopySettings settings)
    : session_(session), client_(session.client()), settings_(settings), limit_(settings.limit_kbps) {}

std::string SftpCopier::resolve(const std::string& remote_path) {
  if (remote_path.empty()) return ".";
  if (remote_path[0] == '~' && (remote_path.size() == 1 || remote_path[1] == '/') &&
      client_.supports("expand-path@openssh.com")) {
    auto r = session_.call(client_.expand_path(remote_path));
    if (r) {
      if (auto* n = std::get_if<sftp::NameResult>(&*r); n && n->entries.size() == 1) return n->entries[0].name;
    }
  }
  // Without the extension, "~/x" is x in the server's starting directory, the home.
  if (remote_path == "~") return ".";
  if (remote_path.rfind("~/", 0) == 0) return remote_path.size() == 2 ? "." : remote_path.substr(2);
  return remote_path;
}

std::optional<sftp::FileAttributes> SftpCopier::stat(const std::string& path, bool follow, bool quiet) {
  auto r = session_.call(follow ? client_.stat(path) : client_.lstat(path));
  if (!r) {
    log_error(r.error().message);
    return std::nullopt;
  }
  if (auto* a = std::get_if<sftp::AttrsResult>(&*r)) return a->attrs;
  if (!quiet) {
    auto* s = std::get_if<sftp::StatusResult>(&*r);
    log_error(std::string(follow ? "stat" : "lstat") + " remote: " + fx(s ? s->code : sftp::StatusCode::failure));
  }
  return std::nullopt;
}

bool SftpCopier::is_dir(const std::string& p) {
  auto a = stat(p, true, true);
  return a && is_dir_attrs(*a);
}

bool SftpCopier::simple_status(Result<sftp::RequestId> request, std::string* message) {
  auto r = session_.call(std::move(request));
  if (!r) {
    log_error(r.error().message);
    return false;
  }
  auto* s = std::get_if<sftp::StatusResult>(&*r);
  if (s && s->code == sftp::StatusCode::ok) return true;
  if (message) *message = fx(s ? s->code : sftp::StatusCode::failure);
  return false;
}

std::optional<std::string> SftpCopier::open(const std::string& path, std::uint32_t flags,
                                            const sftp::FileAttributes& a, const std::string& what) {
  auto r = session_.call(client_.open(path, flags, a));
  if (!r) {
    log_error(r.error().message);
    return std::nullopt;
  }
  if (auto* h = std::get_if<sftp::HandleResult>(&*r)) return h->handle;
  auto* s = std::get_if<sftp::StatusResult>(&*r);
  log_error(what + ": " + fx(s ? s->code : sftp::StatusCode::failure));
  return std::nullopt;
}

bool SftpCopier::close(const std::string& handle) {
  std::string why;
  if (simple_status(client_.close(handle), &why)) return true;
  if (!why.empty()) log_error("close remote: " + why);
  return false;
}

std::optional<std::vector<sftp::NameEntry>> SftpCopier::list(const std::string& dir) {
  auto r = session_.call(client_.opendir(dir));
  if (!r) {
    log_error(r.error().message);
    return std::nullopt;
  }
  auto* h = std::get_if<sftp::HandleResult>(&*r);
  if (!h) return std::nullopt;
  const std::string handle = h->handle;
  std::vector<sftp::NameEntry> entries;
  bool ok = true;
  for (;;) {
    auto rr = session_.call(client_.readdir(handle));
    if (!rr) {
      log_error(rr.error().message);
      return std::nullopt;
    }
    if (auto* s = std::get_if<sftp::StatusResult>(&*rr)) {
      if (s->code != sftp::StatusCode::eof) {
        log_error("Couldn't read directory: " + fx(s->code));
        ok = false;
      }
      break;
    }
    for (auto& e : std::get<sftp::NameResult>(*rr).entries) {
      // A name with '/' would walk a recursive copy out of its directory.
      if (e.name.find('/') != std::string::npos) {
        log_error("Server sent suspect path \"" + e.name + "\" during readdir of \"" + dir + "\"");
        continue;
      }
      if (entries.size() >= kMaxDirEntries) {
        log_error("Too many entries in \"" + dir + "\"");
        ok = false;
        break;
      }
      entries.push_back(std::move(e));
    }
    if (!ok) break;
  }
  close(handle);
  if (!ok) return std::nullopt;
  return entries;
}

// ---------------------------------------------------------------- upload

bool SftpCopier::upload(const std::string& local, const std::string& remote_target, const std::string& target_label) {
  std::string src = local;
  while (src.size() > 1 && src.back() == '/') src.pop_back();
  const std::string dest = is_dir(remote_target) ? path_append(remote_target, base_name(src)) : remote_target;
  if (local_is_dir(src) && settings_.recursive) {
    if (!upload_dir(src, dest, 0)) {
      log_error("failed to upload directory " + src + " to " + target_label);
      return false;
    }
    return true;
  }
  if (!upload_file(src, dest)) {
    log_error("failed to upload file " + src + " to " + target_label);
    return false;
  }
  return true;
}

bool SftpCopier::upload_file(const std::string& local, const std::string& remote) {
  Fd fd(::open(local.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.fd < 0) {
    log_error("open local \"" + local + "\": " + std::strerror(errno));
    return false;
  }
  struct stat sb{};
  if (::fstat(fd.fd, &sb) != 0) {
    log_error("fstat local \"" + local + "\": " + std::strerror(errno));
    return false;
  }
  if (!S_ISREG(sb.st_mode)) {
    log_error("local \"" + local + "\" is not a regular file");
    return false;
  }
  sftp::FileAttributes a;
  a.permissions = sb.st_mode & 0777;
  auto handle = open(remote, sftp::kOpenWrite | sftp::kOpenCreate | sftp::kOpenTruncate, a, "dest open \"" + remote + "\"");
  if (!handle) return false;
  auto transfer = client_.start_upload(*handle, 0);
  if (!transfer) {
    log_error(transfer.error().message);
    return false;
  }
  std::vector<std::uint8_t> buf(client_.write_size());
  std::uint64_t read_pos = 0, acked = 0;
  bool eof = false;
  int read_errno = 0;
  std::optional<sftp::TransferDone> done;
  {
    sftp_cli::ProgressMeter meter(settings_.show_progress, base_name(local), static_cast<std::uint64_t>(sb.st_size), 0);
    while (!done) {
      while (!eof && client_.upload_ready(*transfer)) {
        ssize_t r = ::read(fd.fd, buf.data(), buf.size());
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
          if (r < 0) read_errno = errno;
          eof = true;
          (void)client_.upload_finish(*transfer);
          break;
        }
        if (auto w = client_.upload_write(*transfer, wire::ByteView(buf.data(), static_cast<std::size_t>(r))); !w) {
          log_error(w.error().message);
          return false;
        }
        read_pos += static_cast<std::uint64_t>(r);
        limit_.account(static_cast<std::size_t>(r));
      }
      while (auto e = session_.next_event()) {
        if (auto* d = std::get_if<sftp::TransferDone>(&*e)) done = *d;
      }
      acked = done ? done->contiguous_end : read_pos;
      meter.update(acked);
      if (done) break;
      if (auto r = session_.step(1000); !r) {
        log_error(r.error().message);
        return false;
      }
    }
    meter.finish(acked);
  }
  bool ok = true;
  if (read_errno != 0) {
    log_error("read local \"" + local + "\": " + std::strerror(read_errno));
    ok = false;
  }
  if (done->status != sftp::StatusCode::ok) {
    log_error("write remote \"" + remote + "\": " + fx(done->status));
    ok = false;
  }
  if (settings_.preserve) {
    sftp::FileAttributes t;
    t.permissions = sb.st_mode & 0777;
    t.atime_mtime = std::pair<std::uint32_t, std::uint32_t>(static_cast<std::uint32_t>(sb.st_atime),
                                                             static_cast<std::uint32_t>(sb.st_mtime));
    std::string why;
    if (!simple_status(client_.fsetstat(*handle, t), &why) && !why.empty())
      log_error("remote fsetstat: " + why);
  }
  return close(*handle) && ok;
}

bool SftpCopier::upload_dir(const std::string& local, const std::string& remote, int depth) {
  if (depth >= kMaxDirDepth) {
    log_error("Maximum directory depth exceeded: " + std::to_string(depth) + " levels");
    return false;
  }
  struct stat sb{};
  if (::stat(local.c_str(), &sb) != 0) {
    log_error("stat local \"" + local + "\": " + std::strerror(errno));
    return false;
  }
  sftp::FileAttributes a;
  a.permissions = (sb.st_mode & 0777) | 0700;
  std::string why;
  if (!simple_status(client_.mkdir(remote, a), &why)) {
    // It may exist already, which is fine when it is a directory.
    if (!is_dir(remote)) {
      log_error("remote mkdir \"" + remote + "\": " + (why.empty() ? "Failure" : why));
      return false;
    }
  }
  DIR* d = ::opendir(local.c_str());
  if (!d) {
    log_error("local opendir \"" + local + "\": " + std::strerror(errno));
    return false;
  }
  bool ok = true;
  while (auto* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const std::string from = path_append(local, name), to = path_append(remote, name);
    struct stat es{};
    if (::lstat(from.c_str(), &es) != 0) {
      log_error("stat local \"" + from + "\": " + std::strerror(errno));
      ok = false;
      continue;
    }
    if (S_ISLNK(es.st_mode) && ::stat(from.c_str(), &es) != 0) continue;  // dangling link
    if (S_ISDIR(es.st_mode)) ok = upload_dir(from, to, depth + 1) && ok;
    else if (S_ISREG(es.st_mode)) ok = upload_file(from, to) && ok;
    else log_error("skipping non-regular file " + from);
  }
  ::closedir(d);
  sftp::FileAttributes final_attrs;
  final_attrs.permissions = sb.st_mode & 0777;
  if (settings_.preserve)
    final_attrs.atime_mtime = std::pair<std::uint32_t, std::uint32_t>(static_cast<std::uint32_t>(sb.st_atime),
                                                                       static_cast<std::uint32_t>(sb.st_mtime));
  if (!simple_status(client_.setstat(remote, final_attrs), &why) && !why.empty())
    log_error("remote setstat \"" + remote + "\": " + why);
  return ok;
}

}  // namespace skiff::scp_cli
