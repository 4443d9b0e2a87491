// The byte streams a connection runs over: a TCP socket (TCP_NODELAY set before the first
// byte), a Unix stream socket, or a pair of file descriptors (inetd mode on stdin/stdout,
// a ProxyCommand's pipes). Any other transport fits by implementing Stream.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>

#include <skiff/error.hpp>

namespace skiff {

class Stream {
 public:
  virtual ~Stream() = default;
  // Both return 0 and set ec at the end of the stream or on error.
  virtual asio::awaitable<std::size_t> read_some(std::span<std::uint8_t> buf, std::error_code& ec) = 0;
  virtual asio::awaitable<std::size_t> write_some(std::span<const std::uint8_t> buf, std::error_code& ec) = 0;
  // Half-close: no more writes (shutdown(SHUT_WR) or closing the write descriptor).
  virtual void shutdown_write() = 0;
  virtual void close() = 0;
  // For logs: "192.0.2.1 port 4242", "unix socket", "file descriptors".
  virtual std::string describe() const = 0;
};

std::unique_ptr<Stream> make_tcp_stream(asio::ip::tcp::socket socket);
std::unique_ptr<Stream> make_unix_stream(asio::local::stream_protocol::socket socket);
// Takes ownership of both descriptors (they may be the same, e.g. a socket in inetd mode).
std::unique_ptr<Stream> make_fd_stream(const asio::any_io_executor& ex, int read_fd, int write_fd);

// Resolves host and connects to the first address that answers (on the calling
// coroutine's executor); TCP_NODELAY is set before connect so the first flight is not
// delayed. timeout (ConnectTimeout) bounds each address's attempt; zero: the system's.
// Errors: Errc::io_error with ssh's wording ("connect to host h port p: Connection
// refused"), Errc::timeout ("... Connection timed out").
asio::awaitable<Result<std::unique_ptr<Stream>>> connect_tcp(std::string_view host, std::string_view port,
                                                             asio::ip::tcp::resolver::flags flags = {},
                                                             std::chrono::milliseconds timeout = {});
asio::awaitable<Result<std::unique_ptr<Stream>>> connect_unix(std::string_view path);

}  // namespace skiff
