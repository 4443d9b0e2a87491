#include "io/byte_stream.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio/buffer.hpp>
#include <asio/connect.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

namespace skiff {

namespace {

template <class Socket>
class SocketStream final : public Stream {
 public:
  SocketStream(Socket s, std::string what) : socket_(std::move(s)), what_(std::move(what)) {}
  asio::awaitable<std::size_t> read_some(std::span<std::uint8_t> buf, std::error_code& ec) override {
    std::size_t n = co_await socket_.async_read_some(asio::buffer(buf.data(), buf.size()),
                                                     asio::redirect_error(asio::use_awaitable, ec));
    co_return n;
  }
  asio::awaitable<std::size_t> write_some(std::span<const std::uint8_t> buf, std::error_code& ec) override {
    std::size_t n = co_await socket_.async_write_some(asio::buffer(buf.data(), buf.size()),
                                                      asio::redirect_error(asio::use_awaitable, ec));
    co_return n;
  }
  void shutdown_write() override {
    std::error_code ec;
    socket_.shutdown(Socket::shutdown_send, ec);
  }
  void close() override {
    std::error_code ec;
    socket_.close(ec);
  }
  std::string describe() const override { return what_; }

 private:
  Socket socket_;
  std::string what_;
};

class FdStream final : public Stream {
 public:
  FdStream(const asio::any_io_executor& ex, int rfd, int wfd)
      : in_(ex), out_(ex), same_(rfd == wfd) {
    in_.assign(rfd);
    // One descriptor used both ways (a socket handed over by inetd) needs a second handle.
    out_.assign(same_ ? ::dup(wfd) : wfd);
    in_.non_blocking(true);
    out_.non_blocking(true);
  }
  asio::awaitable<std::size_t> read_some(std::span<std::uint8_t> buf, std::error_code& ec) override {
    std::size_t n = co_await in_.async_read_some(asio::buffer(buf.data(), buf.size()),
                                                 asio::redirect_error(asio::use_awaitable, ec));
    co_return n;
  }
  asio::awaitable<std::size_t> write_some(std::span<const std::uint8_t> buf, std::error_code& ec) override {
    std::size_t n = co_await out_.async_write_some(asio::buffer(buf.data(), buf.size()),
                                                   asio::redirect_error(asio::use_awaitable, ec));
    co_return n;
  }
  void shutdown_write() override {
    std::error_code ec;
    // inetd hands over one socket for both ways: half-close it, do not just drop our dup.
    if (same_) ::shutdown(out_.native_handle(), SHUT_WR);
    out_.close(ec);
  }
  void close() override {
    std::error_code ec;
    in_.close(ec);
    out_.close(ec);
  }
  std::string describe() const override { return "file descriptors"; }

 private:
  asio::posix::stream_descriptor in_, out_;
  bool same_;
};

}  // namespace

std::unique_ptr<Stream> make_tcp_stream(asio::ip::tcp::socket socket) {
  std::error_code ec;
  socket.set_option(asio::ip::tcp::no_delay(true), ec);
  auto ep = socket.remote_endpoint(ec);
  std::string what = ec ? std::string("tcp") : ep.address().to_string() + " port " + std::to_string(ep.port());
  return std::make_unique<SocketStream<asio::ip::tcp::socket>>(std::move(socket), std::move(what));
}

std::unique_ptr<Stream> make_unix_stream(asio::local::stream_protocol::socket socket) {
  return std::make_unique<SocketStream<asio::local::stream_protocol::socket>>(std::move(socket), "unix socket");
}

std::unique_ptr<Stream> make_fd_stream(const asio::any_io_executor& ex, int read_fd, int write_fd) {
  return std::make_unique<FdStream>(ex, read_fd, write_fd);
}

asio::awaitable<Result<std::unique_ptr<Stream>>> connect_tcp(std::string_view host_view, std::string_view port_view,
                                                             asio::ip::tcp::resolver::flags flags,
                                                             std::chrono::milliseconds timeout) {
  const std::string host(host_view), port(port_view);
  auto ex = co_await asio::this_coro::executor;
  asio::ip::tcp::resolver resolver(ex);
  std::error_code ec;
  auto results = co_await resolver.async_resolve(host, port, flags, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return fail(Errc::io_error, "Could not resolve hostname " + host + ": " + ec.message());
  std::error_code last = asio::error::host_not_found;
  bool timed_out = false;
  for (const auto& entry : results) {
    asio::ip::tcp::socket sock(ex);
    sock.open(entry.endpoint().protocol(), ec);
    if (ec) {
      last = ec;
      continue;
    }
    sock.set_option(asio::ip::tcp::no_delay(true), ec);
    // ConnectTimeout: closing the socket ends the pending connect with operation_aborted.
    asio::steady_timer timer(ex);
    timed_out = false;
    if (timeout.count() > 0) {
      timer.expires_after(timeout);
      timer.async_wait([&sock, &timed_out](std::error_code tec) {
        if (tec) return;  // cancelled: the connect finished first (the frame may be gone)
        timed_out = true;
        std::error_code ignored;
        sock.close(ignored);
      });
    }
    co_await sock.async_connect(entry.endpoint(), asio::redirect_error(asio::use_awaitable, ec));
    timer.cancel();
    if (!ec && !timed_out) co_return make_tcp_stream(std::move(sock));
    last = timed_out ? std::error_code(asio::error::timed_out) : ec;
  }
  co_return fail(timed_out ? Errc::timeout : Errc::io_error,
                 "connect to host " + host + " port " + port + ": " + last.message());
}

asio::awaitable<Result<std::unique_ptr<Stream>>> connect_unix(std::string_view path_view) {
  const std::string path(path_view);
  auto ex = co_await asio::this_coro::executor;
  asio::local::stream_protocol::socket sock(ex);
  std::error_code ec;
  co_await sock.async_connect(asio::local::stream_protocol::endpoint(path),
                              asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return fail(Errc::io_error, "connect to " + path + ": " + ec.message());
  co_return make_unix_stream(std::move(sock));
}

}  // namespace skiff
