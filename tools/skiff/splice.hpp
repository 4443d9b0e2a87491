// A channel joined to a local byte stream (a TCP or Unix socket, stdin/stdout), both
// directions at once, as ssh's channel loop does for a forwarded connection: what the
// local side sends goes into the channel until its EOF (then the channel's EOF), what
// the channel carries goes to the local side until the channel's EOF (then a shutdown
// for writing). Flow control is the channel's: one chunk in flight each way, so a side
// that stops reading stops the other (memory stays bounded).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <skiff/channel.hpp>

namespace skiff::cli {

inline constexpr std::size_t kSpliceBuffer = 64 * 1024;
inline constexpr std::size_t kSpliceOutBuffer = 256 * 1024;

// Local input into the channel; `first` (bytes read before, e.g. after a SOCKS request)
// goes first. Returns when the input ended or the channel can take no more.
template <class Reader>
asio::awaitable<void> splice_in(Channel& ch, Reader& in, std::vector<std::uint8_t>& first) {
  if (!first.empty()) {
    Result<void> w = co_await ch.write(first);
    if (!w) co_return;
  }
  std::vector<std::uint8_t> buf(kSpliceBuffer);
  for (;;) {
    std::error_code ec;
    std::size_t n = co_await in.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec || n == 0) break;
    std::span<const std::uint8_t> bytes(buf.data(), n);
    Result<void> w = co_await ch.write(bytes);
    if (!w) co_return;
  }
  (void)ch.send_eof();
}

// Channel data to the local side; `on_eof` runs at the channel's end (shutdown for
// writing), `on_error` when the channel or the local side failed (close the stream, so
// that the other direction stops too).
template <class Writer, class OnEof, class OnError>
asio::awaitable<void> splice_out(Channel& ch, Writer& out, OnEof on_eof, OnError on_error) {
  // read() gathers what has arrived into one buffer: fewer, larger writes to the local
  // side than one per packet (its reader wakes less often), at the cost of one copy.
  std::vector<std::uint8_t> buf(kSpliceOutBuffer);
  for (;;) {
    Result<std::size_t> n = co_await ch.read(buf);
    if (!n) {
      on_error();
      co_return;
    }
    if (*n == 0) {
      // A CLOSE without EOF: the peer is gone, drop the local stream too (ssh does).
      if (!ch.eof_received()) {
        on_error();
      } else {
        on_eof();
      }
      co_return;
    }
    std::error_code ec;
    co_await asio::async_write(out, asio::buffer(buf.data(), *n), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      on_error();
      co_return;
    }
  }
}

// Both directions of a socket, then CLOSE.
template <class Socket>
asio::awaitable<void> splice_socket(Channel ch, Socket sock, std::vector<std::uint8_t> first) {
  using namespace asio::experimental::awaitable_operators;
  auto shut = [&sock] {
    std::error_code ec;
    sock.shutdown(Socket::shutdown_send, ec);
  };
  auto drop = [&sock] {
    std::error_code ec;
    sock.close(ec);
  };
  co_await (splice_in(ch, sock, first) && splice_out(ch, sock, shut, drop));
  std::error_code ec;
  sock.close(ec);
  co_await ch.close();
}

}  // namespace skiff::cli
