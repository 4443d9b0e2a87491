// The client engine's frame: INIT/VERSION, request ids, reply matching and the plain
// requests. Transfers (many READs or WRITEs on one handle) are in client_transfer.cpp.
#include "sftp/client.hpp"

#include <algorithm>
#include <string>

namespace skiff::sftp {

namespace {
// A request's message without its id: send_request fills the id in.
template <class M>
M with_id(M m, RequestId id) {
  m.id = id;
  return m;
}
}  // namespace

std::string_view status_text(StatusCode code) noexcept {
  switch (code) {
    case StatusCode::ok: return "No error";
    case StatusCode::eof: return "End of file";
    case StatusCode::no_such_file: return "No such file or directory";
    case StatusCode::permission_denied: return "Permission denied";
    case StatusCode::failure: return "Failure";
    case StatusCode::bad_message: return "Bad message";
    case StatusCode::no_connection: return "No connection";
    case StatusCode::connection_lost: return "Connection lost";
    case StatusCode::op_unsupported: return "Operation unsupported";
  }
  return "Unknown status";
}

Client::Client(ClientOptions options) : options_(options) {
  if (options_.request_size != 0) {
    read_size_ = write_size_ = std::clamp<std::size_t>(options_.request_size, 1, limits::kMaxSftpReadLength);
  }
  if (options_.max_in_flight != 0) {
    max_in_flight_ = std::min(options_.max_in_flight, limits::kMaxSftpClientOutstanding);
  }
}

void Client::start() {
  if (started_) return;
  started_ = true;
  append_message(out_, Request{Init{}});
}

Result<void> Client::fail_stream(Errc code, std::string message) {
  if (!failed_) failed_ = Error{code, std::move(message)};
  return std::unexpected(*failed_);
}

Result<void> Client::feed(wire::ByteView bytes) {
  if (failed_) return std::unexpected(*failed_);
  framer_.append(bytes);
  return process();
}

void Client::feed_eof() {
  if (!failed_) failed_ = Error{Errc::disconnected, "Connection closed"};
}

wire::ByteView Client::pending_output() const noexcept {
  return wire::ByteView(out_.data() + out_pos_, out_.size() - out_pos_);
}

void Client::consume_output(std::size_t n) noexcept {
  out_pos_ += std::min(n, out_.size() - out_pos_);
  const std::size_t left = out_.size() - out_pos_;
  if (left == 0) {
    out_.clear();
    out_pos_ = 0;
  } else if (left <= limits::kSftpOutputCheapMove || out_pos_ >= limits::kSftpOutputCompactAt) {
    // What was taken leaves the front when the move is cheap (as the server's buffer).
    out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(out_pos_));
    out_pos_ = 0;
  }
}

std::optional<Event> Client::poll_event() {
  if (events_.empty()) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  if (auto* chunk = std::get_if<DownloadChunk>(&e)) {
    // A polled chunk frees its slot in the transfer's window.
    if (auto it = transfers_.find(chunk->transfer); it != transfers_.end()) {
      --it->second.queued_chunks;
      pump_download(chunk->transfer);
      finish_if_done(chunk->transfer);
    }
  }
  return e;
}

bool Client::supports(std::string_view name, std::string_view revision) const {
  return std::any_of(extensions_.begin(), extensions_.end(),
                     [&](const auto& p) { return p.first == name && p.second == revision; });
}

Result<void> Client::process() {
  for (;;) {
    auto next = framer_.next();
    if (!next) return fail_stream(next.error().code, next.error().message);
    if (!*next) return {};
    if (auto r = on_message(**next); !r) return r;
  }
}

Result<void> Client::on_message(wire::ByteView payload) {
  auto decoded = decode_response(payload);
  if (!decoded) return fail_stream(decoded.error().code, "bad reply from server: " + decoded.error().message);
  if (auto* v = std::get_if<Version>(&*decoded)) return on_version(*v);
  if (!version_seen_) return fail_stream(Errc::protocol_error, "server replied before VERSION");
  const std::uint32_t id = std::visit(
      [](const auto& m) -> std::uint32_t {
        if constexpr (requires { m.id; }) return m.id;
        return 0;
      },
      *decoded);
  return on_reply(id, std::move(*decoded));
}

Result<void> Client::on_version(const Version& v) {
  if (!started_ || version_seen_) return fail_stream(Errc::protocol_error, "unexpected VERSION from server");
  version_seen_ = true;
  version_ = v.version;
  extensions_ = v.extensions;
  if (version_ < kProtocolVersion) {
    return fail_stream(Errc::unsupported, "server speaks SFTP version " + std::to_string(version_) + ", not 3");
  }
  if (supports(kExtLimits)) {
    auto id = next_id();
    append_message(out_, Request{LimitsRequest{id}});
    pending_.emplace(id, Pending{Expect::extended, Role::limits});
    return {};
  }
  set_ready();
  return {};
}

void Client::set_ready() {
  ready_ = true;
  events_.emplace_back(Ready{});
}

Result<void> Client::on_limits_reply(Response&& r) {
  auto* ext = std::get_if<ExtendedReply>(&r);
  if (!ext) return fail_stream(Errc::protocol_error, "limits@openssh.com failed");
  auto l = decode_limits_reply(ext->body.bytes);
  if (!l) return fail_stream(l.error().code, "bad limits@openssh.com reply: " + l.error().message);
  limits_ = *l;
  // As OpenSSH: the server's lengths when the user chose none, never above what our
  // messages may carry and never below 64 bytes; the handle limit only scales down.
  if (options_.request_size == 0) {
    auto pick = [](std::uint64_t advertised) {
      if (advertised == 0) return limits::kSftpClientDefaultRequestSize;
      return static_cast<std::size_t>(
          std::clamp<std::uint64_t>(advertised, 64, limits::kMaxSftpReadLength));
    };
    read_size_ = pick(l->max_read_length);
    write_size_ = pick(l->max_write_length);
  }
  if (options_.max_in_flight == 0 && l->max_open_handles != 0) {
    max_in_flight_ = static_cast<std::size_t>(std::min<std::uint64_t>(max_in_flight_, l->max_open_handles));
  }
  set_ready();
  return {};
}

Result<Reply> Client::to_reply(const Pending& p, Response&& r) const {
  const Expect expect = p.expect;
  auto wrong = [&]() -> Result<Reply> {
    return fail(Errc::protocol_error, "reply of unexpected type " +
                                          std::to_string(static_cast<int>(std::visit(
                                              [](const auto& m) { return m.kType; }, r))));
  };
  if (auto* s = std::get_if<Status>(&r)) return StatusResult{s->code, std::move(s->message)};
  switch (expect) {
    case Expect::status: break;
    case Expect::handle:
      if (auto* h = std::get_if<HandleReply>(&r)) {
        if (h->handle.size() > limits::kMaxSftpHandleLength) return fail(Errc::too_large, "handle too long");
        return HandleResult{std::move(h->handle)};
      }
      break;
    case Expect::name:
    case Expect::single_name:
      if (auto* n = std::get_if<Name>(&r)) {
        if (n->entries.size() > limits::kMaxSftpClientNamesPerReply) return fail(Errc::too_large, "too many names");
        if (expect == Expect::single_name && n->entries.size() != 1) {
          return fail(Errc::protocol_error, "Got multiple names (" + std::to_string(n->entries.size()) + ")");
        }
        return NameResult{std::move(n->entries)};
      }
      break;
    case Expect::attrs:
      if (auto* a = std::get_if<Attrs>(&r)) return AttrsResult{std::move(a->attrs)};
      break;
    case Expect::extended:
      if (auto* e = std::get_if<ExtendedReply>(&r)) {
        return ExtendedResult{wire::Bytes(e->body.bytes.begin(), e->body.bytes.end())};
      }
      break;
    case Expect::data:
      if (auto* d = std::get_if<Data>(&r)) {
        if (d->data.bytes.size() > p.length) return fail(Errc::protocol_error, "Received more data than asked for");
        return DataResult{wire::Bytes(d->data.bytes.begin(), d->data.bytes.end())};
      }
      break;
  }
  return wrong();
}

Result<void> Client::on_reply(std::uint32_t id, Response&& r) {
  auto it = pending_.find(id);
  if (it == pending_.end()) {
    return fail_stream(Errc::protocol_error, "reply to unknown request id " + std::to_string(id));
  }
  const Pending p = it->second;
  pending_.erase(it);
  switch (p.role) {
    case Role::limits: return on_limits_reply(std::move(r));
    case Role::download_read: return on_download_reply(p, std::move(r));
    case Role::upload_write: return on_upload_reply(p, std::move(r));
    case Role::plain: break;
  }
  auto reply = to_reply(p, std::move(r));
  if (!reply) return fail_stream(reply.error().code, reply.error().message);
  events_.emplace_back(Completion{id, std::move(*reply)});
  return {};
}

RequestId Client::next_id() {
  // Ids wrap; one still outstanding is skipped (there are far fewer than 2^32).
  while (pending_.contains(next_id_)) ++next_id_;
  return next_id_++;
}

Result<void> Client::can_request(std::size_t extra) const {
  if (failed_) return std::unexpected(*failed_);
  if (!ready_) return fail(Errc::protocol_error, "SFTP session not initialised");
  if (pending_.size() + extra > limits::kMaxSftpClientOutstanding) {
    return fail(Errc::too_large, "too many SFTP requests outstanding");
  }
  return {};
}

Result<void> Client::need_extension(std::string_view name, std::string_view revision) const {
  if (supports(name, revision)) return {};
  return fail(Errc::unsupported, "Server does not support " + std::string(name) + " extension");
}

template <class Message>
Result<RequestId> Client::send_request(Message m, Expect expect, Role role, TransferId t, std::uint64_t offset,
                                       std::uint32_t length) {
  if (auto ok = can_request(); !ok) return std::unexpected(ok.error());
  const RequestId id = next_id();
  append_message(out_, Request{with_id(std::move(m), id)});
  pending_.emplace(id, Pending{expect, role, t, offset, length});
  return id;
}

Result<RequestId> Client::open(std::string path, std::uint32_t pflags, FileAttributes attrs) {
  return send_request(Open{0, std::move(path), pflags, std::move(attrs)}, Expect::handle);
}
Result<RequestId> Client::close(std::string handle) { return send_request(Close{0, std::move(handle)}, Expect::status); }
Result<RequestId> Client::read(std::string handle, std::uint64_t offset, std::uint32_t length) {
  if (length > limits::kMaxSftpReadLength) return fail(Errc::too_large, "READ larger than the limit");
  return send_request(Read{0, std::move(handle), offset, length}, Expect::data, Role::plain, 0, offset, length);
}
Result<RequestId> Client::write(std::string handle, std::uint64_t offset, wire::ByteView data) {
  if (data.size() > limits::kMaxSftpWriteLength) return fail(Errc::too_large, "WRITE larger than the limit");
  return send_request(Write{0, std::move(handle), offset, BinaryString{data}}, Expect::status);
}
Result<RequestId> Client::stat(std::string path) { return send_request(Stat{0, std::move(path)}, Expect::attrs); }
Result<RequestId> Client::lstat(std::string path) { return send_request(Lstat{0, std::move(path)}, Expect::attrs); }
Result<RequestId> Client::fstat(std::string handle) {
  return send_request(Fstat{0, std::move(handle)}, Expect::attrs);
}
Result<RequestId> Client::setstat(std::string path, FileAttributes attrs) {
  return send_request(Setstat{0, std::move(path), std::move(attrs)}, Expect::status);
}
Result<RequestId> Client::fsetstat(std::string handle, FileAttributes attrs) {
  return send_request(Fsetstat{0, std::move(handle), std::move(attrs)}, Expect::status);
}
Result<RequestId> Client::opendir(std::string path) {
  return send_request(Opendir{0, std::move(path)}, Expect::handle);
}
Result<RequestId> Client::readdir(std::string handle) {
  return send_request(Readdir{0, std::move(handle)}, Expect::name);
}
Result<RequestId> Client::remove(std::string path) { return send_request(Remove{0, std::move(path)}, Expect::status); }
Result<RequestId> Client::mkdir(std::string path, FileAttributes attrs) {
  return send_request(Mkdir{0, std::move(path), std::move(attrs)}, Expect::status);
}
Result<RequestId> Client::rmdir(std::string path) { return send_request(Rmdir{0, std::move(path)}, Expect::status); }
Result<RequestId> Client::realpath(std::string path) {
  return send_request(Realpath{0, std::move(path)}, Expect::single_name);
}
Result<RequestId> Client::rename(std::string old_path, std::string new_path, bool legacy) {
  if (!legacy && supports(kExtPosixRename)) {
    return send_request(PosixRename{0, std::move(old_path), std::move(new_path)}, Expect::status);
  }
  return send_request(Rename{0, std::move(old_path), std::move(new_path)}, Expect::status);
}
Result<RequestId> Client::readlink(std::string path) {
  return send_request(Readlink{0, std::move(path)}, Expect::single_name);
}
Result<RequestId> Client::symlink(std::string target_path, std::string link_path) {
  return send_request(Symlink{0, std::move(target_path), std::move(link_path)}, Expect::status);
}
Result<RequestId> Client::hardlink(std::string old_path, std::string new_path) {
  if (auto ok = need_extension(kExtHardlink); !ok) return std::unexpected(ok.error());
  return send_request(Hardlink{0, std::move(old_path), std::move(new_path)}, Expect::status);
}
Result<RequestId> Client::statvfs(std::string path) {
  if (auto ok = need_extension(kExtStatvfs, "2"); !ok) return std::unexpected(ok.error());
  return send_request(Statvfs{0, std::move(path)}, Expect::extended);
}
Result<RequestId> Client::fstatvfs(std::string handle) {
  if (auto ok = need_extension(kExtFstatvfs, "2"); !ok) return std::unexpected(ok.error());
  return send_request(Fstatvfs{0, std::move(handle)}, Expect::extended);
}
Result<RequestId> Client::fsync(std::string handle) {
  if (auto ok = need_extension(kExtFsync); !ok) return std::unexpected(ok.error());
  return send_request(Fsync{0, std::move(handle)}, Expect::status);
}
Result<RequestId> Client::lsetstat(std::string path, FileAttributes attrs) {
  if (auto ok = need_extension(kExtLsetstat); !ok) return std::unexpected(ok.error());
  return send_request(Lsetstat{0, std::move(path), std::move(attrs)}, Expect::status);
}
Result<RequestId> Client::copy_data(std::string read_handle, std::uint64_t read_offset, std::uint64_t read_length,
                                    std::string write_handle, std::uint64_t write_offset) {
  if (auto ok = need_extension(kExtCopyData); !ok) return std::unexpected(ok.error());
  return send_request(
      CopyData{0, std::move(read_handle), read_offset, read_length, std::move(write_handle), write_offset},
      Expect::status);
}
Result<RequestId> Client::expand_path(std::string path) {
  if (auto ok = need_extension(kExtExpandPath); !ok) return std::unexpected(ok.error());
  return send_request(ExpandPath{0, std::move(path)}, Expect::single_name);
}
Result<RequestId> Client::home_directory(std::string user_name) {
  if (auto ok = need_extension(kExtHomeDirectory); !ok) return std::unexpected(ok.error());
  return send_request(HomeDirectory{0, std::move(user_name)}, Expect::single_name);
}
Result<RequestId> Client::users_groups_by_id(std::vector<std::uint32_t> uids, std::vector<std::uint32_t> gids) {
  if (auto ok = need_extension(kExtUsersGroupsById); !ok) return std::unexpected(ok.error());
  return send_request(UsersGroupsById{0, IdList{std::move(uids)}, IdList{std::move(gids)}}, Expect::extended);
}

}  // namespace skiff::sftp
