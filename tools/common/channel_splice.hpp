// A channel joined to a local byte stream (a TCP or Unix socket, a forwarded X11 or agent
// connection, stdin/stdout), both directions at once, as ssh's and sshd's channel loops
// do: what the local side sends goes into the channel until its EOF (then the channel's
// EOF), what the channel carries goes to the local side until the channel's EOF (then a
// shutdown for writing). Flow control is the channel's: one block in flight each way, so
// a side that stops reading stops the other and memory stays bounded.
//
// Header-only: the streams are any Asio stream (socket, posix::stream_descriptor). One
// implementation for skiff's forwards, X11 and agent channels and skiffd's forwards.
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

namespace skiff::tools {

// Reads from the local side: one read fills at most this, and is written to the channel
// (which waits for window) before the next.
inline constexpr std::size_t kSpliceInBuffer = 64 * 1024;
// Channel data is gathered into blocks of up to this before one write to the local side:
// a write per packet (32 KiB) costs a system call and a wake-up of the local reader each,
// measurable on a fast forward.
inline constexpr std::size_t kSpliceOutBuffer = 256 * 1024;

// Local input into the channel; `first` (bytes read before, e.g. after a SOCKS request)
// goes first. True when the input ended (the channel's EOF was sent); false when reading
// the local side failed or the channel can take no more (nothing more is sent then).
template <class Reader>
asio::awaitable<bool> splice_in(Channel& ch, Reader& in, std::vector<std::uint8_t>& first) {
  if (!first.empty()) {
    Result<void> w = co_await ch.write(first);
    if (!w) co_return false;
  }
  std::vector<std::uint8_t> buf(kSpliceInBuffer);
  for (;;) {
    std::error_code ec;
    std::size_t n = co_await in.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::eof || (!ec && n == 0)) break;
    if (ec) co_return false;
    std::span<const std::uint8_t> bytes(buf.data(), n);
    Result<void> w = co_await ch.write(bytes);
    if (!w) co_return false;
  }
  (void)ch.send_eof();
  co_return true;
}

// Channel data to the local side; `on_eof` runs at the channel's EOF (shut the local side
// for writing), `on_error` when the channel or the local side failed, or the channel was
// closed without an EOF (close the local stream, so that the other direction stops too:
// ssh drops the connection then).
template <class Writer, class OnEof, class OnError>
asio::awaitable<void> splice_out(Channel& ch, Writer& out, OnEof on_eof, OnError on_error) {
  // read() gathers what has arrived into one buffer: fewer, larger writes to the local
  // side than one per packet, at the cost of one copy.
  std::vector<std::uint8_t> buf(kSpliceOutBuffer);
  for (;;) {
    Result<std::size_t> n = co_await ch.read(buf);
    if (!n) {
      on_error();
      co_return;
    }
    if (*n == 0) {
      if (ch.eof_received()) {
        on_eof();
      } else {
        on_error();
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

// Both directions of a socket (held by the caller), then our CLOSE (waiting for the
// peer's); the socket is closed before returning. A failed local read closes the channel
// at once (the peer learns the connection broke, and our reading side wakes up).
template <class Socket>
asio::awaitable<void> splice(Channel& ch, Socket& sock, std::vector<std::uint8_t>& first) {
  using namespace asio::experimental::awaitable_operators;
  auto shut = [&sock] {
    std::error_code ec;
    sock.shutdown(Socket::shutdown_send, ec);
  };
  auto drop = [&sock] {
    std::error_code ec;
    sock.close(ec);
  };
  auto input = [&]() -> asio::awaitable<void> {
    if (!co_await splice_in(ch, sock, first)) co_await ch.close();
  };
  co_await (input() && splice_out(ch, sock, shut, drop));
  drop();
  co_await ch.close();
}

template <class Socket>
asio::awaitable<void> splice(Channel& ch, Socket& sock) {
  std::vector<std::uint8_t> none;  // a named object: g++ 12 mishandles temporaries passed to coroutines
  co_await splice(ch, sock, none);
}

// The same, owning the socket.
template <class Socket>
asio::awaitable<void> splice_socket(Channel ch, Socket sock, std::vector<std::uint8_t> first) {
  co_await splice(ch, sock, first);
}

}  // namespace skiff::tools
