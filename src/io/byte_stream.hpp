// The byte streams a transport can run over: a TCP socket (TCP_NODELAY set before the
// first byte), a Unix stream socket, or a pair of file descriptors (inetd mode on
// stdin/stdout, or the pipes of a ProxyCommand).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <system_error>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>

#include <skiff/error.hpp>

namespace skiff::io {

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Both return 0 and set ec at the end of the stream or on error.
  virtual asio::awaitable<std::size_t> read_some(std::span<std::uint8_t> buf, std::error_code& ec) = 0;
  virtual asio::awaitable<std::size_t> write_some(std::span<const std::uint8_t> buf, std::error_code& ec) = 0;
  // Half-close: no more writes (shutdown(SHUT_WR) or closing the write descriptor).
  virtual void shutdown_write() = 0;
  virtual void close() = 0;
  virtual std::string describe() const = 0;
};

std::unique_ptr<ByteStream> make_tcp_stream(asio::ip::tcp::socket socket);
std::unique_ptr<ByteStream> make_unix_stream(asio::local::stream_protocol::socket socket);
// Takes ownership of both descriptors (they may be the same, e.g. a socket in inetd mode).
std::unique_ptr<ByteStream> make_fd_stream(const asio::any_io_executor& ex, int read_fd, int write_fd);

// Resolves host and connects to the first address that answers; TCP_NODELAY is set on
// the socket before connect so that the first flight is not delayed.
asio::awaitable<Result<std::unique_ptr<ByteStream>>> connect_tcp(std::string host, std::string port,
                                                                 asio::ip::tcp::resolver::flags flags = {});
asio::awaitable<Result<std::unique_ptr<ByteStream>>> connect_unix(std::string path);

}  // namespace skiff::io
