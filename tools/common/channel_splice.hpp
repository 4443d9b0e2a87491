// Bytes both ways between a channel and a socket (a forwarded X11 or TCP connection), with
// the channel's window as the only buffer: one block read from the channel is written to
// the socket before the next is taken, one read from the socket is written to the channel
// (which waits for window) before the next. EOF is passed on each way (the socket's
// write side is shut down at the channel's EOF, EOF is sent at the socket's); when either
// side fails or the channel closes, both are closed. Returns once both are done.
//
// Header-only: Socket is any Asio stream socket (TCP, Unix).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <skiff/channel.hpp>

namespace skiff::tools {

namespace splice_detail {

inline constexpr std::size_t kReadSize = 32 * 1024;

template <class Socket>
void close_socket(Socket& sock) {
  std::error_code ec;
  sock.close(ec);
}

template <class Socket>
asio::awaitable<void> channel_to_socket(Channel ch, Socket& sock) {
  for (;;) {
    auto chunk = co_await ch.read_chunk();
    if (!chunk || chunk->empty()) break;
    std::error_code ec;
    co_await asio::async_write(sock, asio::buffer(*chunk), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      // The socket's reader went away: nothing more can be delivered.
      close_socket(sock);
      co_return;
    }
  }
  if (ch.closed() || !ch.eof_received()) {
    close_socket(sock);  // the channel is gone (or the connection): stop the other way too
  } else {
    std::error_code ec;
    sock.shutdown(Socket::shutdown_send, ec);
  }
}

template <class Socket>
asio::awaitable<void> socket_to_channel(Channel ch, Socket& sock) {
  std::vector<std::uint8_t> buf(kReadSize);
  for (;;) {
    std::error_code ec;
    std::size_t n = co_await sock.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::eof || (!ec && n == 0)) break;
    if (ec) {
      co_await ch.close();
      co_return;
    }
    const std::span<const std::uint8_t> data(buf.data(), n);
    Result<void> w = co_await ch.write(data);
    if (!w) {
      close_socket(sock);
      co_return;
    }
  }
  (void)ch.send_eof();
}

}  // namespace splice_detail

// ch must be open; sock connected. Closes the channel (waiting for the peer's CLOSE) and
// the socket before returning.
template <class Socket>
asio::awaitable<void> splice(Channel ch, Socket& sock) {
  using namespace asio::experimental::awaitable_operators;
  co_await (splice_detail::channel_to_socket(ch, sock) && splice_detail::socket_to_channel(ch, sock));
  splice_detail::close_socket(sock);
  co_await ch.close();
}

}  // namespace skiff::tools
