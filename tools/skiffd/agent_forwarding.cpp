#include "agent_forwarding.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include "common/channel_splice.hpp"

namespace skiffd {

namespace sys = skiff::skiffd;
using unix_socket = asio::local::stream_protocol::socket;

struct AgentForwarding::Listener {
  explicit Listener(const asio::any_io_executor& ex) : acceptor(ex) {}
  asio::local::stream_protocol::acceptor acceptor;
};

namespace {

// One program's use of the agent: a channel to the client, carried until either ends.
asio::awaitable<void> carry(skiff::ConnectionLink link, unix_socket sock) {
  const skiff::ChannelOpenBody body = skiff::AgentChannel{};
  auto ch = co_await link.open_channel(body);
  if (!ch) co_return;  // the client refused (or has no agent): the program sees EOF
  co_await skiff::tools::splice(*ch, sock);
}

asio::awaitable<void> accept_loop(std::shared_ptr<AgentForwarding::Listener> l, skiff::ConnectionLink link) {
  for (;;) {
    std::error_code ec;
    unix_socket s = co_await l->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !l->acceptor.is_open()) co_return;
      continue;
    }
    if (!link.is_open()) co_return;
    auto ex = s.get_executor();
    asio::co_spawn(ex, carry(link, std::move(s)), asio::detached);
  }
}

}  // namespace

AgentForwarding::~AgentForwarding() {
  if (listener_) {
    std::error_code ec;
    listener_->acceptor.close(ec);
  }
}

bool AgentForwarding::request(const skiff::ConnectionLink& link, const asio::any_io_executor& ex) {
  auto& privileged = login_.privileged();
  if (auto ok = privileged.agent_forwarding_permitted(); !ok) {
    login_.log().debug(ok.error().message);
    return false;
  }
  if (!path_.empty()) return true;  // the connection's socket serves every session
  if (refused_) return false;
  auto sock = privileged.create_agent_socket();
  if (!sock) {
    refused_ = true;
    return false;
  }
  auto l = std::make_shared<Listener>(ex);
  std::error_code ec;
  l->acceptor.assign(asio::local::stream_protocol(), sock->listener.release(), ec);
  if (ec) {
    login_.log().error("agent socket: " + ec.message());
    privileged.remove_agent_socket(sock->path);
    refused_ = true;
    return false;
  }
  listener_ = l;
  path_ = sock->path;
  asio::co_spawn(ex, accept_loop(l, link), asio::detached);
  // The listener ends with the connection (else the pending accept would keep the
  // connection process's event loop, and the socket, alive).
  asio::co_spawn(
      ex,
      [l, watched = skiff::ConnectionLink(link)]() mutable -> asio::awaitable<void> {
        co_await watched.wait_closed();
        std::error_code close_ec;
        l->acceptor.close(close_ec);
      },
      asio::detached);
  return true;
}

}  // namespace skiffd
