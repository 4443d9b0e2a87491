// The public Channel, ClientSession and Session handles over Channel::Impl.
#include <algorithm>
#include <cstring>

#include "io/convert.hpp"
#include "io/core.hpp"
#include "wire/limits.hpp"

namespace skiff {

namespace {
Error channel_gone(const Channel::Impl& ch) {
  if (ch.core->closing()) return ch.core->end_error();
  return Error{Errc::disconnected, "channel " + std::to_string(ch.id) + " closed"};
}
}  // namespace

Channel::Impl::Impl(std::shared_ptr<io::CoreBase> c, connection::ChannelId i)
    : core(std::move(c)), id(i), changed(core->executor()) {}

asio::awaitable<Result<std::size_t>> Channel::Impl::read(int stream, std::span<std::uint8_t> buf) {
  auto& in = input[stream];
  while (true) {
    if (!in.chunks.empty()) {
      std::size_t n = 0;
      while (n < buf.size() && !in.chunks.empty()) {
        const Bytes& front = in.chunks.front();
        std::size_t take = std::min(buf.size() - n, front.size() - in.offset);
        std::memcpy(buf.data() + n, front.data() + in.offset, take);
        n += take;
        in.offset += take;
        if (in.offset == front.size()) {
          in.chunks.pop_front();
          in.offset = 0;
        }
      }
      consumed(n);
      co_return n;
    }
    if (eof_received || closed) {
      // A connection that ended before the peer's EOF did not end the stream cleanly.
      if (!eof_received && core->closing() && !close_sent) co_return std::unexpected(core->end_error());
      co_return 0;
    }
    co_await changed.wait();
  }
}

asio::awaitable<Result<Bytes>> Channel::Impl::read_chunk(int stream) {
  auto& in = input[stream];
  while (true) {
    if (!in.chunks.empty()) {
      Bytes chunk = std::move(in.chunks.front());
      in.chunks.pop_front();
      if (in.offset > 0) chunk.erase(chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(in.offset));
      in.offset = 0;
      consumed(chunk.size());
      co_return chunk;
    }
    if (eof_received || closed) {
      if (!eof_received && core->closing() && !close_sent) co_return std::unexpected(core->end_error());
      co_return Bytes{};
    }
    co_await changed.wait();
  }
}

void Channel::Impl::consumed(std::size_t n) {
  // Only now may the peer send more: the window follows the reader.
  if (closed) return;
  (void)core->conn().consume(id, n);
  core->kick();
}

asio::awaitable<Result<void>> Channel::Impl::write(int stream, std::span<const std::uint8_t> data) {
  auto keep = core;  // the caller's handle may be its only owner
  while (!data.empty()) {
    if (closed) co_return std::unexpected(channel_gone(*this));
    if (eof_sent || close_sent) co_return fail(Errc::invalid_argument, "write after EOF or close");
    auto n = core->conn().write(id, data, static_cast<std::uint32_t>(stream));
    if (!n) co_return std::unexpected(n.error());
    data = data.subspan(*n);
    core->kick();
    if (!data.empty()) co_await changed.wait();
  }
  co_return Result<void>{};
}

asio::awaitable<Result<void>> Channel::Impl::request_with_reply(connection::RequestBody body, const char* what) {
  if (closed) co_return std::unexpected(channel_gone(*this));
  if (auto r = core->conn().request(id, std::move(body), true); !r) co_return std::unexpected(r.error());
  core->kick();
  // Replies come in the order of the requests; each waiter takes the one of its ticket.
  const std::uint64_t ticket = replies_expected++;
  ++reply_waiters;
  while (ticket >= replies_base + replies.size()) {
    if (closed) {
      --reply_waiters;
      co_return std::unexpected(channel_gone(*this));
    }
    co_await changed.wait();
  }
  bool ok = replies[ticket - replies_base];
  if (--reply_waiters == 0) {
    replies_base += replies.size();
    replies.clear();
  }
  if (!ok) co_return fail(Errc::unsupported, std::string(what) + " request failed on channel " + std::to_string(id));
  co_return Result<void>{};
}

void Channel::Impl::flush_auto_refused() {
  while (!owe_reply && !requests.empty() && requests.front().auto_refuse) {
    if (requests.front().request.want_reply) (void)core->conn().reply(id, false);
    requests.pop_front();
  }
}

// ---- Channel ----

std::uint32_t Channel::id() const noexcept { return impl_ ? impl_->id : 0; }

asio::awaitable<Result<std::size_t>> Channel::read(std::span<std::uint8_t> buf) {
  auto impl = impl_;
  co_return co_await impl->read(0, buf);
}

asio::awaitable<Result<std::size_t>> Channel::read_stderr(std::span<std::uint8_t> buf) {
  auto impl = impl_;
  co_return co_await impl->read(1, buf);
}

asio::awaitable<Result<std::vector<std::uint8_t>>> Channel::read_chunk() {
  auto impl = impl_;
  co_return co_await impl->read_chunk(0);
}

asio::awaitable<Result<std::vector<std::uint8_t>>> Channel::read_stderr_chunk() {
  auto impl = impl_;
  co_return co_await impl->read_chunk(1);
}

asio::awaitable<Result<void>> Channel::write(std::span<const std::uint8_t> data) {
  auto impl = impl_;
  co_return co_await impl->write(0, data);
}

asio::awaitable<Result<void>> Channel::write_stderr(std::span<const std::uint8_t> data) {
  auto impl = impl_;
  co_return co_await impl->write(connection::kExtendedDataStderr, data);
}

Result<void> Channel::send_eof() {
  if (impl_->closed) return std::unexpected(channel_gone(*impl_));
  if (impl_->eof_sent || impl_->close_sent) return {};
  auto r = impl_->core->conn().send_eof(impl_->id);
  if (r) impl_->eof_sent = true;
  impl_->core->kick();
  return r;
}

asio::awaitable<void> Channel::close() {
  auto impl = impl_;
  if (!impl->closed && !impl->close_sent) {
    impl->close_sent = true;
    (void)impl->core->conn().close(impl->id);
    impl->core->kick();
  }
  // Unread input would hold nothing back any more; free it.
  impl->input[0] = {};
  impl->input[1] = {};
  while (!impl->closed) co_await impl->changed.wait();
}

asio::awaitable<void> Channel::wait_closed() {
  auto impl = impl_;
  while (!impl->closed) co_await impl->changed.wait();
}

bool Channel::eof_received() const noexcept { return impl_ && impl_->eof_received; }
bool Channel::closed() const noexcept { return !impl_ || impl_->closed; }

// ---- ClientSession ----

// Each request body is a named local: a prvalue argument to a coroutine is destroyed twice
// by g++ 12 (GCC bug 99576).
asio::awaitable<Result<void>> ClientSession::request_pty(const PtyRequest& pty) {
  auto impl = impl_;
  connection::RequestBody body = io::to_core(pty);
  co_return co_await impl->request_with_reply(std::move(body), "PTY allocation");
}

asio::awaitable<Result<void>> ClientSession::shell() {
  auto impl = impl_;
  connection::RequestBody body = connection::ShellReq{};
  co_return co_await impl->request_with_reply(std::move(body), "shell");
}

asio::awaitable<Result<void>> ClientSession::exec(std::string_view command) {
  auto impl = impl_;
  connection::RequestBody body = connection::ExecReq{std::string(command)};
  co_return co_await impl->request_with_reply(std::move(body), "exec");
}

asio::awaitable<Result<void>> ClientSession::subsystem(std::string_view name) {
  auto impl = impl_;
  connection::RequestBody body = connection::SubsystemReq{std::string(name)};
  co_return co_await impl->request_with_reply(std::move(body), "subsystem");
}

namespace {
Result<void> send_request(Channel::Impl& ch, connection::RequestBody body) {
  if (ch.closed) return std::unexpected(channel_gone(ch));
  auto r = ch.core->conn().request(ch.id, std::move(body), false);
  ch.core->kick();
  return r;
}
}  // namespace

Result<void> ClientSession::set_env(std::string name, std::string value) {
  return send_request(*impl_, connection::EnvReq{std::move(name), std::move(value)});
}
Result<void> ClientSession::window_change(WindowSize size) { return send_request(*impl_, io::to_core(size)); }
Result<void> ClientSession::signal(std::string name) {
  return send_request(*impl_, connection::SignalReq{std::move(name)});
}
Result<void> ClientSession::send_break(std::uint32_t length_ms) {
  return send_request(*impl_, connection::BreakReq{length_ms});
}

asio::awaitable<ExitStatus> ClientSession::wait_exit() {
  auto impl = impl_;
  while (!impl->closed) co_await impl->changed.wait();
  co_return impl->exit;
}

// ---- Session ----

asio::awaitable<std::optional<SessionRequest>> Session::next_request() {
  auto impl = impl_;
  if (impl->owe_reply) {
    impl->owe_reply = false;
    (void)impl->core->conn().reply(impl->id, false);
    impl->core->kick();
  }
  while (true) {
    impl->flush_auto_refused();
    if (!impl->requests.empty()) {
      SessionRequest r = std::move(impl->requests.front().request);
      impl->requests.pop_front();
      impl->owe_reply = r.want_reply;
      impl->core->kick();
      co_return r;
    }
    impl->core->kick();
    if (impl->closed || impl->close_sent) co_return std::nullopt;
    co_await impl->changed.wait();
  }
}

Result<void> Session::reply(bool success) {
  if (!impl_->owe_reply) return {};
  impl_->owe_reply = false;
  auto r = impl_->closed ? Result<void>{} : impl_->core->conn().reply(impl_->id, success);
  impl_->flush_auto_refused();
  impl_->core->kick();
  return r;
}

Result<void> Session::send_exit_status(std::uint32_t code) {
  return send_request(*impl_, connection::ExitStatusReq{code});
}

Result<void> Session::send_exit_signal(std::string name, bool core_dumped, std::string message) {
  return send_request(*impl_, connection::ExitSignalReq{std::move(name), core_dumped, std::move(message), ""});
}

const AuthenticatedUser& Session::user() const noexcept { return *impl_->user; }

}  // namespace skiff
