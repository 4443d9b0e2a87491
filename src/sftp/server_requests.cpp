// The engine's requests, one function each, answering as OpenSSH's sftp-server does:
// same statuses for the same failures, same log lines at the same levels. Where
// sftp-server answers a bad handle with FAILURE (and CLOSE and fsync with
// NO_SUCH_FILE), so does this.
#include <cerrno>
#include <string>

#include "sftp/server.hpp"

namespace skiff::sftp {

namespace {
std::string quoted(std::string_view s) {
  std::string out = "\"";
  out += s;
  out += '"';
  return out;
}
std::string octal(std::uint32_t v, int width) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*o", width, v);
  return buf;
}
// A path with a NUL byte cannot name a file: the POSIX calls would see a shorter one.
bool has_nul(const std::string& s) { return s.find('\0') != std::string::npos; }
}  // namespace

void Server::on(const Open& r) {
  const std::uint32_t mode = r.attrs.permissions ? *r.attrs.permissions : 0666;
  if (logs(LogLevel::info)) {
    log(LogLevel::info, "open " + quoted(r.path) + " flags " + open_flags_text(r.pflags) + " mode 0" + octal(mode, 0));
  }
  const bool writes = (r.pflags & (kOpenWrite | kOpenAppend | kOpenCreate | kOpenTruncate)) != 0;
  if (options_.policy.read_only && writes) {
    log(LogLevel::verbose, "Refusing open request in read-only mode");
    send_status(r.id, StatusCode::permission_denied);
    return;
  }
  if (has_nul(r.path)) return send_status(r.id, StatusCode::bad_message);
  if (handles_.size() >= options_.max_open_handles) return send_status(r.id, StatusCode::failure, "Too many open handles");
  auto file = fs_.open(r.path, r.pflags, mode);
  if (!file) return send_error(r.id, file.error());
  auto handle = add_handle(FileHandle{std::move(*file), r.path, r.pflags, 0, 0});
  send(HandleReply{r.id, std::move(*handle)});
}

void Server::on(const Read& r) {
  FileHandle* f = file_handle(r.handle);
  if (logs(LogLevel::debug1)) {
    log(LogLevel::debug1, "request " + std::to_string(r.id) + ": read " + quoted(f ? f->path : "") + " off " +
                              std::to_string(r.offset) + " len " + std::to_string(r.length));
  }
  if (!f) return send_status(r.id, StatusCode::failure);
  const std::size_t len = std::min<std::size_t>(r.length, limits::kMaxSftpReadLength);
  // The data goes straight into the output buffer behind a DATA header that is filled
  // in once the length is known: no copy of the file's bytes.
  constexpr std::size_t kHeader = 4 + 1 + 4 + 4;
  const std::size_t start = out_.size();
  out_.resize(start + kHeader + len);
  auto got = f->file->read(r.offset, std::span(out_.data() + start + kHeader, len));
  if (!got) {
    out_.resize(start);
    return send_error(r.id, got.error());
  }
  if (*got == 0 && len > 0) {
    out_.resize(start);
    return send_status(r.id, StatusCode::eof);
  }
  const std::size_t n = std::min(*got, len);
  out_.resize(start + kHeader + n);
  std::uint8_t* p = out_.data() + start;
  wire::put_u32(p, static_cast<std::uint32_t>(1 + 4 + 4 + n));
  p[4] = static_cast<std::uint8_t>(PacketType::data);
  wire::put_u32(p + 5, r.id);
  wire::put_u32(p + 9, static_cast<std::uint32_t>(n));
  f->bytes_read += n;
}

void Server::on(const Write& r) {
  FileHandle* f = file_handle(r.handle);
  if (logs(LogLevel::debug1)) {
    log(LogLevel::debug1, "request " + std::to_string(r.id) + ": write " + quoted(f ? f->path : "") + " off " +
                              std::to_string(r.offset) + " len " + std::to_string(r.data.bytes.size()));
  }
  if (!f) return send_status(r.id, StatusCode::failure);
  if (auto w = f->file->write(r.offset, r.data.bytes); !w) return send_error(r.id, w.error());
  f->bytes_written += r.data.bytes.size();
  send_status(r.id, StatusCode::ok);
}

void Server::stat_path(std::uint32_t id, const std::string& path, bool follow) {
  if (logs(LogLevel::verbose)) log(LogLevel::verbose, std::string(follow ? "" : "l") + "stat name " + quoted(path));
  if (has_nul(path)) return send_status(id, StatusCode::bad_message);
  auto a = follow ? fs_.stat(path) : fs_.lstat(path);
  if (!a) return send_error(id, a.error());
  send(Attrs{id, std::move(*a)});
}

void Server::on(const Lstat& r) { stat_path(r.id, r.path, false); }
void Server::on(const Stat& r) { stat_path(r.id, r.path, true); }

void Server::on(const Fstat& r) {
  FileHandle* f = file_handle(r.handle);
  if (!f) return send_status(r.id, StatusCode::failure);
  auto a = f->file->stat();
  if (!a) return send_error(r.id, a.error());
  send(Attrs{r.id, std::move(*a)});
}

void Server::log_set_attributes(const std::string& path, const FileAttributes& a) {
  if (!logs(LogLevel::info)) return;
  if (a.size) log(LogLevel::info, "set " + quoted(path) + " size " + std::to_string(*a.size));
  if (a.permissions) log(LogLevel::info, "set " + quoted(path) + " mode " + octal(*a.permissions, 4));
  if (a.atime_mtime) log(LogLevel::info, "set " + quoted(path) + " modtime " + std::to_string(a.atime_mtime->second));
  if (a.uid_gid) {
    log(LogLevel::info, "set " + quoted(path) + " owner " + std::to_string(a.uid_gid->first) + " group " +
                            std::to_string(a.uid_gid->second));
  }
}

void Server::on(const Setstat& r) {
  log_set_attributes(r.path, r.attrs);
  if (has_nul(r.path)) return send_status(r.id, StatusCode::bad_message);
  auto s = fs_.set_attributes(r.path, r.attrs, true);
  if (!s) return send_error(r.id, s.error());
  send_status(r.id, StatusCode::ok);
}

void Server::on(const Lsetstat& r) {
  // A size makes no sense for a link: sftp-server refuses it before touching anything.
  if (r.attrs.size) return send_status(r.id, StatusCode::bad_message);
  log_set_attributes(r.path, r.attrs);
  if (has_nul(r.path)) return send_status(r.id, StatusCode::bad_message);
  auto s = fs_.set_attributes(r.path, r.attrs, false);
  if (!s) return send_error(r.id, s.error());
  send_status(r.id, StatusCode::ok);
}

void Server::on(const Fsetstat& r) {
  FileHandle* f = file_handle(r.handle);
  if (!f) return send_status(r.id, StatusCode::failure);
  log_set_attributes(f->path, r.attrs);
  auto s = f->file->set_attributes(r.attrs);
  if (!s) return send_error(r.id, s.error());
  send_status(r.id, StatusCode::ok);
}

void Server::on(const Opendir& r) {
  if (logs(LogLevel::info)) log(LogLevel::info, "opendir " + quoted(r.path));
  if (has_nul(r.path)) return send_status(r.id, StatusCode::bad_message);
  if (handles_.size() >= options_.max_open_handles) return send_status(r.id, StatusCode::failure, "Too many open handles");
  auto dir = fs_.open_directory(r.path);
  if (!dir) return send_error(r.id, dir.error());
  auto handle = add_handle(DirHandle{std::move(*dir), r.path, {}});
  send(HandleReply{r.id, std::move(*handle)});
}

void Server::on(const Readdir& r) {
  DirHandle* d = dir_handle(r.handle);
  if (!d) return send_status(r.id, StatusCode::failure);
  if (d->held_back.empty()) {
    auto entries = d->dir->read(limits::kMaxSftpNamesPerReply);
    if (!entries) return send_error(r.id, entries.error());
    for (auto& e : *entries) d->held_back.push_back(std::move(e));
  }
  if (d->held_back.empty()) return send_status(r.id, StatusCode::eof);
  // As many entries as fit one message; the rest wait for the next READDIR.
  Name n;
  n.id = r.id;
  std::size_t size = 1 + 4 + 4;
  while (!d->held_back.empty() && n.entries.size() < limits::kMaxSftpNamesPerReply) {
    const DirEntry& e = d->held_back.front();
    const std::size_t entry_size = 8 + e.name.size() + e.long_name.size() + 64 + [&] {
      std::size_t x = 0;
      for (const auto& [k, v] : e.attrs.extended) x += 8 + k.size() + v.size();
      return x;
    }();
    if (size + entry_size > limits::kMaxSftpMessage) {
      if (n.entries.empty()) {
        // One entry alone would not fit a message: skip it rather than stall the listing.
        d->held_back.pop_front();
        continue;
      }
      break;
    }
    size += entry_size;
    n.entries.push_back(NameEntry{e.name, e.long_name, e.attrs});
    d->held_back.pop_front();
  }
  if (n.entries.empty()) return send_status(r.id, StatusCode::eof);
  send(n);
}

void Server::on(const Remove& r) {
  if (logs(LogLevel::info)) log(LogLevel::info, "remove name " + quoted(r.path));
  if (has_nul(r.path)) return send_status(r.id, StatusCode::bad_message);
  auto s = fs_.remove(r.path);
  if (!s) return send_error(r.id, s.error());
  send_status(r.id, StatusCode::ok);
}

void Server::on(const Mkdir& r) {
  const std::uint32_t mode = r.attrs.permissions ? (*r.attrs.permissions & 07777) : 0777;
  if (logs(LogLevel::info)) log(LogLevel::info, "mkdir name " + quoted(r.path) + " mode 0" + octal(mode, 0));
  if (has_nul(r.path)) return send_status(r.id, StatusCode::bad_message);
  auto s = fs_.make_directory(r.path, mode);
  if (!s) return send_error(r.id, s.error());
  send_status(r.id, StatusCode::ok);
}

void Server::on(const Rmdir& r) {
  if (logs(LogLevel::info)) log(LogLevel::info, "rmdir name " + quoted(r.path));
  if (has_nul(r.path)) return send_status(r.id, StatusCode::bad_message);
  auto s = fs_.remove_directory(r.path);
  if (!s) return send_error(r.id, s.error());
  send_status(r.id, StatusCode::ok);
}

void Server::on(const Realpath& r) {
  const std::string path = r.path.empty() ? "." : r.path;
  if (logs(LogLevel::verbose)) log(LogLevel::verbose, "realpath " + quoted(path));
  if (has_nul(path)) return send_status(r.id, StatusCode::bad_message);
  auto resolved = fs_.real_path(path);
  if (!resolved) return send_error(r.id, resolved.error());
  send_single_name(r.id, *resolved);
}

void Server::on(const Rename& r) {
  if (logs(LogLevel::info)) log(LogLevel::info, "rename old " + quoted(r.old_path) + " new " + quoted(r.new_path));
  if (has_nul(r.old_path) || has_nul(r.new_path)) return send_status(r.id, StatusCode::bad_message);
  auto s = fs_.rename(r.old_path, r.new_path);
  if (!s) return send_error(r.id, s.error());
  send_status(r.id, StatusCode::ok);
}

void Server::on(const PosixRename& r) {
  if (logs(LogLevel::info)) log(LogLevel::info, "posix-rename old " + quoted(r.old_path) + " new " + quoted(r.new_path));
  if (has_nul(r.old_path) || has_nul(r.new_path)) return send_status(r.id, StatusCode::bad_message);
  auto s = fs_.posix_rename(r.old_path, r.new_path);
  if (!s) return send_error(r.id, s.error());
  send_status(r.id, StatusCode::ok);
}

void Server::on(const Readlink& r) {
  if (logs(LogLevel::verbose)) log(LogLevel::verbose, "readlink " + quoted(r.path));
  if (has_nul(r.path)) return send_status(r.id, StatusCode::bad_message);
  auto target = fs_.read_link(r.path);
  if (!target) return send_error(r.id, target.error());
  send_single_name(r.id, *target);
}

void Server::on(const Symlink& r) {
  if (logs(LogLevel::info)) log(LogLevel::info, "symlink old " + quoted(r.target_path) + " new " + quoted(r.link_path));
  if (has_nul(r.target_path) || has_nul(r.link_path)) return send_status(r.id, StatusCode::bad_message);
  auto s = fs_.symlink(r.target_path, r.link_path);
  if (!s) return send_error(r.id, s.error());
  send_status(r.id, StatusCode::ok);
}

void Server::on(const Hardlink& r) {
  if (logs(LogLevel::info)) log(LogLevel::info, "hardlink old " + quoted(r.old_path) + " new " + quoted(r.new_path));
  if (has_nul(r.old_path) || has_nul(r.new_path)) return send_status(r.id, StatusCode::bad_message);
  auto s = fs_.hard_link(r.old_path, r.new_path);
  if (!s) return send_error(r.id, s.error());
  send_status(r.id, StatusCode::ok);
}

void Server::on(const Statvfs& r) {
  if (logs(LogLevel::info)) log(LogLevel::info, "statvfs " + quoted(r.path));
  if (has_nul(r.path)) return send_status(r.id, StatusCode::bad_message);
  auto st = fs_.statvfs(r.path);
  if (!st) return send_error(r.id, st.error());
  const wire::Bytes body = encode_reply_body(*st);
  send(ExtendedReply{r.id, RawTail{body}});
}

void Server::on(const Fstatvfs& r) {
  FileHandle* f = file_handle(r.handle);
  if (!f) return send_status(r.id, StatusCode::failure);
  auto st = f->file->statvfs();
  if (!st) return send_error(r.id, st.error());
  const wire::Bytes body = encode_reply_body(*st);
  send(ExtendedReply{r.id, RawTail{body}});
}

void Server::on(const Fsync& r) {
  FileHandle* f = file_handle(r.handle);
  if (logs(LogLevel::verbose)) log(LogLevel::verbose, "fsync " + quoted(f ? f->path : ""));
  if (!f) return send_status(r.id, StatusCode::no_such_file);
  auto s = f->file->sync();
  if (!s) return send_error(r.id, s.error());
  send_status(r.id, StatusCode::ok);
}

void Server::on(const LimitsRequest& r) {
  LimitsReply l;
  l.max_packet_length = limits::kMaxSftpMessage;
  l.max_read_length = limits::kMaxSftpReadLength;
  l.max_write_length = limits::kMaxSftpWriteLength;
  l.max_open_handles = options_.max_open_handles;
  const wire::Bytes body = encode_reply_body(l);
  send(ExtendedReply{r.id, RawTail{body}});
}

void Server::on(const ExpandPath& r) {
  if (logs(LogLevel::debug3)) log(LogLevel::debug3, "request " + std::to_string(r.id) + ": expand, original " + quoted(r.path));
  if (has_nul(r.path)) return send_status(r.id, StatusCode::bad_message);
  // "~" and "~/..." are the start directory (sftp-server uses its working directory,
  // which -d set); "~user/..." is that user's home; relative paths start at the
  // working directory, which real_path does by itself.
  std::string path = r.path;
  if (path.empty() || path == "~") {
    path = ".";
  } else if (path.starts_with("~/")) {
    path = path.substr(2);
    if (path.empty()) path = ".";
  } else if (path[0] == '~') {
    const std::size_t slash = path.find('/');
    const std::string user = path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
    auto home = fs_.home_directory(user);
    if (!home) return send_status(r.id, StatusCode::no_such_file, "no such user");
    path = slash == std::string::npos ? *home : *home + path.substr(slash);
  }
  if (logs(LogLevel::verbose)) log(LogLevel::verbose, "expand " + quoted(path));
  auto resolved = fs_.real_path(path);
  if (!resolved) return send_error(r.id, resolved.error());
  send_single_name(r.id, *resolved);
}

void Server::on(const CopyData& r) {
  FileHandle* from = file_handle(r.read_handle);
  FileHandle* to = file_handle(r.write_handle);
  if (logs(LogLevel::debug1)) {
    log(LogLevel::debug1, "request " + std::to_string(r.id) + ": copy-data from " + quoted(from ? from->path : "") +
                              " off " + std::to_string(r.read_offset) + " len " + std::to_string(r.read_length) +
                              " to " + quoted(to ? to->path : "") + " off " + std::to_string(r.write_offset));
  }
  // Not within one handle or one file (they would overlap), and only between files.
  if (!from || !to || from == to || from->path == to->path) return send_status(r.id, StatusCode::failure);
  auto copied = fs_.copy_data(*from->file, r.read_offset, r.read_length, *to->file, r.write_offset);
  if (!copied) return send_error(r.id, copied.error());
  from->bytes_read += *copied;
  to->bytes_written += *copied;
  // A length that the source could not fill is reported as EOF, as sftp-server.
  if (r.read_length != 0 && *copied < r.read_length) return send_status(r.id, StatusCode::eof);
  send_status(r.id, StatusCode::ok);
}

void Server::on(const HomeDirectory& r) {
  if (logs(LogLevel::debug3)) log(LogLevel::debug3, "request " + std::to_string(r.id) + ": home-directory " + quoted(r.user_name));
  if (has_nul(r.user_name)) return send_status(r.id, StatusCode::bad_message);
  auto home = fs_.home_directory(r.user_name);
  if (!home) return send_status(r.id, StatusCode::failure);
  if (logs(LogLevel::verbose)) log(LogLevel::verbose, "home-directory " + quoted(*home));
  send_single_name(r.id, *home);
}

void Server::on(const UsersGroupsById& r) {
  UsersGroupsReply reply;
  // The reply must fit one message: a request for more names than that is refused.
  std::size_t size = 1 + 4 + 4 + 4 + 4;
  auto add = [&](std::vector<std::string>& into, std::optional<std::string> name) {
    into.push_back(name ? std::move(*name) : std::string());
    size += 4 + into.back().size();
  };
  for (std::uint32_t uid : r.uids.ids) {
    add(reply.user_names.names, fs_.user_name(uid));
    if (size > limits::kMaxSftpMessage) return send_status(r.id, StatusCode::failure, "Reply too long");
  }
  for (std::uint32_t gid : r.gids.ids) {
    add(reply.group_names.names, fs_.group_name(gid));
    if (size > limits::kMaxSftpMessage) return send_status(r.id, StatusCode::failure, "Reply too long");
  }
  if (logs(LogLevel::verbose)) {
    log(LogLevel::verbose, "users-groups-by-id: " + std::to_string(r.uids.ids.size()) + " users, " +
                               std::to_string(r.gids.ids.size()) + " groups");
  }
  const wire::Bytes body = encode_reply_body(reply);
  send(ExtendedReply{r.id, RawTail{body}});
}

void Server::on(const UnknownExtended& r) {
  log(LogLevel::error, "Unknown extended request " + quoted(r.name.substr(0, 100)));
  send_status(r.id, StatusCode::op_unsupported);
}

}  // namespace skiff::sftp
