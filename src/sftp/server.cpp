// The engine's frame: input, dispatch, handles, replies and logs. The requests
// themselves are in server_requests.cpp.
#include "sftp/server.hpp"

#include <string>

namespace skiff::sftp {

Server::Server(FileSystem& fs, ServerOptions options) : fs_(fs), options_(std::move(options)) {}

Server::~Server() {
  for (auto& [id, h] : handles_) {
    std::visit([](auto& x) {
      if constexpr (std::is_same_v<std::remove_cvref_t<decltype(x)>, FileHandle>) {
        (void)x.file->close();
      } else {
        (void)x.dir->close();
      }
    }, h);
  }
}

Result<void> Server::feed(wire::ByteView bytes) {
  if (failed_) return std::unexpected(*failed_);
  if (framer_.buffered() + bytes.size() > limits::kMaxSftpUnprocessedInput) {
    failed_ = Error{Errc::too_large, "SFTP input fed while the server asked for none"};
    return std::unexpected(*failed_);
  }
  framer_.append(bytes);
  return process();
}

Result<void> Server::resume() {
  if (failed_) return std::unexpected(*failed_);
  return process();
}

bool Server::wants_input() const noexcept {
  // One whole message buffered is enough to make progress; more would only wait.
  return !failed_ && out_.size() - out_pos_ < limits::kMaxSftpPendingOutput &&
         framer_.buffered() < limits::kMaxSftpMessage + 4;
}

wire::ByteView Server::pending_output() const noexcept { return {out_.data() + out_pos_, out_.size() - out_pos_}; }

void Server::consume_output(std::size_t n) noexcept {
  out_pos_ += std::min(n, out_.size() - out_pos_);
  if (out_pos_ == out_.size()) {
    out_.clear();
    out_pos_ = 0;
  }
}

Result<void> Server::process() {
  while (out_.size() - out_pos_ < limits::kMaxSftpPendingOutput) {
    auto msg = framer_.next();
    if (!msg) {
      log(LogLevel::error, "bad message: " + msg.error().message);
      failed_ = msg.error();
      return std::unexpected(*failed_);
    }
    if (!*msg) break;
    // Make room at the front before replies are appended, so out_ does not keep
    // growing while the runtime drains it slowly; only when the move is cheap or the
    // taken part is large (limits.hpp).
    const std::size_t left = out_.size() - out_pos_;
    if (out_pos_ > 0 && (left <= limits::kSftpOutputCheapMove || out_pos_ >= limits::kSftpOutputCompactAt)) {
      out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(out_pos_));
      out_pos_ = 0;
    }
    if (auto r = handle_message(**msg); !r) {
      log(LogLevel::error, r.error().message);
      failed_ = r.error();
      return std::unexpected(*failed_);
    }
  }
  return {};
}

Result<void> Server::handle_message(wire::ByteView payload) {
  const auto type = static_cast<PacketType>(payload[0]);
  if (!initialised_ && type != PacketType::init) {
    return fail(Errc::protocol_error, "Received " + std::to_string(payload[0]) + " request before init");
  }
  if (initialised_ && type == PacketType::init) return fail(Errc::protocol_error, "Received a second init");
  auto request = decode_request(payload);
  if (!request) {
    const auto id = peek_request_id(payload);
    if (!id) return fail(Errc::protocol_error, "malformed SFTP message: " + request.error().message);
    if (request.error().code == Errc::unsupported) {
      log(LogLevel::error, "Unknown message " + std::to_string(payload[0]));
      send_status(*id, StatusCode::op_unsupported);
    } else {
      // The framing is intact, so the session can go on: only this request fails.
      log(LogLevel::error, "request " + std::to_string(*id) + ": malformed: " + request.error().message);
      send_status(*id, StatusCode::bad_message, "Malformed request: " + request.error().message);
    }
    return {};
  }
  if (const auto* init = std::get_if<Init>(&*request)) {
    if (logs(LogLevel::verbose)) log(LogLevel::verbose, "received client version " + std::to_string(init->version));
    initialised_ = true;
    send_version();
    return {};
  }
  dispatch(*request);
  return {};
}

namespace {
// The -p/-P name of a request, or nothing for requests the policy does not cover.
template <class T>
constexpr std::string_view policy_name() {
  if constexpr (std::is_same_v<T, Open>) return "open";
  else if constexpr (std::is_same_v<T, Close>) return "close";
  else if constexpr (std::is_same_v<T, Read>) return "read";
  else if constexpr (std::is_same_v<T, Write>) return "write";
  else if constexpr (std::is_same_v<T, Lstat>) return "lstat";
  else if constexpr (std::is_same_v<T, Fstat>) return "fstat";
  else if constexpr (std::is_same_v<T, Setstat>) return "setstat";
  else if constexpr (std::is_same_v<T, Fsetstat>) return "fsetstat";
  else if constexpr (std::is_same_v<T, Opendir>) return "opendir";
  else if constexpr (std::is_same_v<T, Readdir>) return "readdir";
  else if constexpr (std::is_same_v<T, Remove>) return "remove";
  else if constexpr (std::is_same_v<T, Mkdir>) return "mkdir";
  else if constexpr (std::is_same_v<T, Rmdir>) return "rmdir";
  else if constexpr (std::is_same_v<T, Realpath>) return "realpath";
  else if constexpr (std::is_same_v<T, Stat>) return "stat";
  else if constexpr (std::is_same_v<T, Rename>) return "rename";
  else if constexpr (std::is_same_v<T, Readlink>) return "readlink";
  else if constexpr (std::is_same_v<T, Symlink>) return "symlink";
  else if constexpr (std::is_same_v<T, PosixRename>) return "posix-rename";
  else if constexpr (std::is_same_v<T, Statvfs>) return "statvfs";
  else if constexpr (std::is_same_v<T, Fstatvfs>) return "fstatvfs";
  else if constexpr (std::is_same_v<T, Hardlink>) return "hardlink";
  else if constexpr (std::is_same_v<T, Fsync>) return "fsync";
  else if constexpr (std::is_same_v<T, Lsetstat>) return "lsetstat";
  else if constexpr (std::is_same_v<T, LimitsRequest>) return "limits";
  else if constexpr (std::is_same_v<T, ExpandPath>) return "expand-path";
  else if constexpr (std::is_same_v<T, CopyData>) return "copy-data";
  else if constexpr (std::is_same_v<T, HomeDirectory>) return "home-directory";
  else if constexpr (std::is_same_v<T, UsersGroupsById>) return "users-groups-by-id";
  else return {};
}
}  // namespace

void Server::dispatch(const Request& request) {
  std::visit([&](const auto& r) {
    using T = std::remove_cvref_t<decltype(r)>;
    if constexpr (std::is_same_v<T, Init>) {
      return;
    } else {
      constexpr std::string_view name = policy_name<T>();
      if (!name.empty() && !permitted(r.id, name)) return;
      on(r);
    }
  }, request);
}

bool Server::permitted(std::uint32_t id, std::string_view name) {
  const RequestInfo* info = find_request(name);
  if (!info) return true;
  RequestPolicy policy = options_.policy;
  if (name == "open") policy.read_only = false;  // OPEN looks at its flags itself
  auto why = policy.refusal(*info);
  if (!why) {
    if (options_.policy.allowed && logs(LogLevel::debug2)) {
      log(LogLevel::debug2, "Permitting allowlisted " + std::string(name) + " request");
    }
    return true;
  }
  log(LogLevel::verbose, std::move(*why));
  send_status(id, StatusCode::permission_denied);
  return false;
}

// ---- handles: 4 bytes, a counter that is not reused, so a stale handle never
// reaches another file.
std::optional<std::string> Server::add_handle(Handle h) {
  if (handles_.size() >= options_.max_open_handles) return std::nullopt;
  while (handles_.contains(next_handle_)) ++next_handle_;
  const std::uint32_t n = next_handle_++;
  handles_.emplace(n, std::move(h));
  std::string s(4, '\0');
  wire::put_u32(reinterpret_cast<std::uint8_t*>(s.data()), n);
  return s;
}

namespace {
std::optional<std::uint32_t> handle_number(const std::string& handle) {
  if (handle.size() != 4) return std::nullopt;
  return wire::get_u32(reinterpret_cast<const std::uint8_t*>(handle.data()));
}
}  // namespace

Server::FileHandle* Server::file_handle(const std::string& handle) {
  auto n = handle_number(handle);
  if (!n) return nullptr;
  auto it = handles_.find(*n);
  return it == handles_.end() ? nullptr : std::get_if<FileHandle>(&it->second);
}

Server::DirHandle* Server::dir_handle(const std::string& handle) {
  auto n = handle_number(handle);
  if (!n) return nullptr;
  auto it = handles_.find(*n);
  return it == handles_.end() ? nullptr : std::get_if<DirHandle>(&it->second);
}

void Server::log_close(const Handle& h, std::string_view prefix) {
  if (!logs(LogLevel::info)) return;
  std::string text(prefix);
  if (const auto* f = std::get_if<FileHandle>(&h)) {
    text += "close \"" + f->path + "\" bytes read " + std::to_string(f->bytes_read) + " written " +
            std::to_string(f->bytes_written);
  } else {
    text += "closedir \"" + std::get<DirHandle>(h).path + "\"";
  }
  log(LogLevel::info, std::move(text));
}

void Server::on(const Close& r) {
  auto n = handle_number(r.handle);
  auto it = n ? handles_.find(*n) : handles_.end();
  if (it == handles_.end()) {
    send_status(r.id, StatusCode::no_such_file);  // sftp-server: ENOENT for a bad handle
    return;
  }
  log_close(it->second, "");
  FsResult<void> closed = std::visit([](auto& x) {
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(x)>, FileHandle>) {
      return x.file->close();
    } else {
      return x.dir->close();
    }
  }, it->second);
  handles_.erase(it);
  if (!closed) {
    send_error(r.id, closed.error());
  } else {
    send_status(r.id, StatusCode::ok);
  }
}

void Server::close_all() {
  for (auto& [n, h] : handles_) {
    log_close(h, "forced ");
    std::visit([](auto& x) {
      if constexpr (std::is_same_v<std::remove_cvref_t<decltype(x)>, FileHandle>) {
        (void)x.file->close();
      } else {
        (void)x.dir->close();
      }
    }, h);
  }
  handles_.clear();
}

// ---- replies
void Server::send(const Response& r) { append_message(out_, r); }

void Server::send_status(std::uint32_t id, StatusCode code, std::string_view message) {
  if (logs(LogLevel::debug3)) {
    log(LogLevel::debug3, "request " + std::to_string(id) + ": sent status " +
                              std::to_string(static_cast<std::uint32_t>(code)));
  }
  if (logs(LogLevel::info) &&
      (options_.log_level > LogLevel::verbose || (code != StatusCode::ok && code != StatusCode::eof))) {
    log(LogLevel::info, "sent status " + std::string(status_message(code)));
  }
  Status s;
  s.id = id;
  s.code = code;
  s.message = message.empty() ? std::string(status_message(code)) : std::string(message);
  send(s);
}

void Server::send_error(std::uint32_t id, const FsError& e) {
  send_status(id, status_from_errno(e.error_number), e.message);
}

void Server::send_single_name(std::uint32_t id, const std::string& path) {
  // REALPATH, READLINK, expand-path and home-directory answer one name whose long name
  // is the name itself and whose attributes are empty, as sftp-server does.
  Name n;
  n.id = id;
  n.entries.push_back(NameEntry{path, path, {}});
  send(n);
}

void Server::send_version() {
  Version v;
  for (const RequestInfo& info : request_table()) {
    if (info.extension_name.empty()) continue;
    if (auto why = options_.policy.refusal(info)) {
      if (logs(LogLevel::debug2)) log(LogLevel::debug2, "refusing to advertise disallowed extension " + std::string(info.extension_name));
      continue;
    }
    const bool statvfs_family = info.extension_name == kExtStatvfs || info.extension_name == kExtFstatvfs;
    v.extensions.emplace_back(std::string(info.extension_name), statvfs_family ? "2" : "1");
  }
  send(v);
}

// ---- logs
void Server::log(LogLevel level, std::string text) {
  if (!logs(level)) return;
  if (logs_.size() >= limits::kMaxSftpQueuedLogRecords) {
    logs_.pop_front();
    ++dropped_logs_;
  }
  logs_.push_back(LogRecord{level, std::move(text)});
}

std::optional<LogRecord> Server::poll_log() {
  if (logs_.empty()) return std::nullopt;
  LogRecord r = std::move(logs_.front());
  logs_.pop_front();
  return r;
}

}  // namespace skiff::sftp
