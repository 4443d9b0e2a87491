// Channels other than sessions, as the public API offers them: IncomingChannel (an open from
// the peer, answered by the application), ConnectionLink (opening channels from code that
// outlives a request), and the forwarding requests of a client session.
#include <asio/co_spawn.hpp>

#include "io/convert.hpp"
#include "io/core.hpp"

namespace skiff {

std::string_view channel_type_name(const ChannelOpenBody& body) {
  return connection::open_type_name(io::to_core(body));
}

// ---- IncomingChannel ----

IncomingChannel::Impl::Impl(std::shared_ptr<io::CoreBase> c, connection::ChannelId i, ChannelOpenBody b,
                             std::shared_ptr<const AuthenticatedUser> u)
    : core(std::move(c)), id(i), body(std::move(b)), user(std::move(u)) {}

IncomingChannel::Impl::~Impl() {
  // The application dropped the request without an answer: refuse it, or the reserved
  // channel id and the peer's open would wait forever.
  if (answered || !core || core->closing()) return;
  (void)core->conn().reject(id, connection::open_failure::kAdministrativelyProhibited, "open failed");
  core->kick();
}

const ChannelOpenBody& IncomingChannel::body() const noexcept { return impl_->body; }
const AuthenticatedUser* IncomingChannel::user() const noexcept { return impl_->user.get(); }
ConnectionLink IncomingChannel::link() const { return impl_->core->link(); }
bool IncomingChannel::answered() const noexcept { return impl_->answered; }

Result<Channel> IncomingChannel::accept() {
  auto& impl = *impl_;
  if (impl.answered) return fail(Errc::invalid_argument, "the channel open was answered already");
  if (impl.core->closing()) return std::unexpected(impl.core->end_error());
  impl.answered = true;
  if (auto r = impl.core->conn().accept(impl.id); !r) return std::unexpected(r.error());
  auto ch = impl.core->adopt_channel(impl.id);
  ch->open_result = Result<void>{};
  impl.core->kick();
  return Channel(std::move(ch));
}

void IncomingChannel::reject(OpenFailure reason, std::string description) {
  auto& impl = *impl_;
  if (impl.answered) return;
  impl.answered = true;
  if (impl.core->closing()) return;
  (void)impl.core->conn().reject(impl.id, static_cast<std::uint32_t>(reason), std::move(description));
  impl.core->kick();
}

// ---- ConnectionLink ----

asio::awaitable<Result<Channel>> ConnectionLink::open_channel(const ChannelOpenBody& body) {
  auto impl = impl_;
  auto core = impl ? impl->core.lock() : nullptr;
  if (!core) co_return fail(Errc::disconnected, "the connection has ended");
  connection::OpenBody core_body = io::to_core(body);
  auto ch = co_await core->open_and_wait(std::move(core_body));
  if (!ch) co_return std::unexpected(ch.error());
  co_return Channel(std::move(*ch));
}

bool ConnectionLink::is_open() const noexcept {
  auto core = impl_ ? impl_->core.lock() : nullptr;
  return core && !core->closing();
}

asio::awaitable<void> ConnectionLink::wait_closed() {
  auto impl = impl_;
  while (true) {
    auto core = impl ? impl->core.lock() : nullptr;
    if (!core || core->closing()) co_return;
    co_await core->state_changed().wait();
  }
}

// ---- ClientSession: forwarding requests ----

asio::awaitable<Result<void>> ClientSession::request_x11(const X11Request& request) {
  auto impl = impl_;
  connection::RequestBody body =
      connection::X11Req{request.single_connection, request.auth_protocol, request.auth_cookie, request.screen};
  co_return co_await impl->request_with_reply(std::move(body), "X11 forwarding");
}

Result<void> ClientSession::request_agent_forwarding() {
  auto& ch = *impl_;
  if (ch.closed) return fail(Errc::disconnected, "channel " + std::to_string(ch.id) + " closed");
  auto r = ch.core->conn().request(ch.id, connection::AuthAgentReq{}, false);
  ch.core->kick();
  return r;
}

Result<void> ClientSession::send_end_of_write() {
  auto& ch = *impl_;
  if (ch.closed) return fail(Errc::disconnected, "channel " + std::to_string(ch.id) + " closed");
  auto r = ch.core->conn().request(ch.id, connection::EowReq{}, false);
  ch.core->kick();
  return r;
}

ConnectionLink Session::link() const { return impl_->core->link(); }

}  // namespace skiff
