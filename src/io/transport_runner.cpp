#include "io/transport_runner.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

namespace skiff::io {

namespace {
constexpr std::size_t kReadChunk = 256 * 1024;
}

TransportRunner::TransportRunner(asio::any_io_executor ex, Transport& transport, std::unique_ptr<ByteStream> stream)
    : ex_(ex),
      transport_(transport),
      stream_(std::move(stream)),
      wake_writer_(ex, asio::steady_timer::time_point::max()),
      wake_reader_(ex, asio::steady_timer::time_point::max()),
      writer_done_(ex, asio::steady_timer::time_point::max()),
      deadline_(ex, asio::steady_timer::time_point::max()) {}

TransportRunner::~TransportRunner() = default;

void TransportRunner::notify() {
  wake_writer_.cancel();
  wake_reader_.cancel();
  deadline_.cancel();  // the deadline may have moved
}

void TransportRunner::drain_events() {
  while (auto ev = transport_.poll_event()) {
    if (auto* d = std::get_if<event::Disconnected>(&*ev); d && !end_) end_ = d->error;
    if (handler_) handler_(*ev, *this);
  }
}

asio::awaitable<void> TransportRunner::writer() {
  writer_running_ = true;
  while (true) {
    ByteView out = transport_.pending_output();
    if (!out.empty()) {
      std::error_code ec;
      std::size_t n = co_await stream_->write_some(out, ec);
      if (ec) {
        if (!end_) end_ = Error{Errc::io_error, "write failed: " + ec.message()};
        stream_->close();
        break;
      }
      transport_.consume_output(n);
      wake_reader_.cancel();  // output drained: the transport may want input again
      continue;
    }
    if (transport_.closed() || stopping_) break;
    std::error_code ec;
    wake_writer_.expires_at(asio::steady_timer::time_point::max());
    co_await wake_writer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  writer_running_ = false;
  writer_done_.cancel();
  wake_reader_.cancel();
}

asio::awaitable<void> TransportRunner::deadline_timer() {
  while (!transport_.closed() && !stopping_) {
    auto next = transport_.next_deadline();
    deadline_.expires_at(next ? *next : asio::steady_timer::time_point::max());
    std::error_code ec;
    co_await deadline_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopping_) break;
    auto now = Clock::now();
    if (!ec || (next && now >= *next)) {
      transport_.on_timer(now);
      drain_events();
      wake_writer_.cancel();
      wake_reader_.cancel();
    }
  }
}

asio::awaitable<Error> TransportRunner::run(EventHandler handler) {
  handler_ = std::move(handler);
  transport_.start(Clock::now());
  asio::co_spawn(ex_, writer(), asio::detached);
  asio::co_spawn(ex_, deadline_timer(), asio::detached);
  while (!transport_.closed()) {
    if (!transport_.wants_input()) {
      // Backpressure: the peer waits (TCP) instead of our memory growing.
      std::error_code ec;
      wake_reader_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_reader_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      drain_events();  // output drained: decoding resumes
      wake_writer_.cancel();
      continue;
    }
    auto space = transport_.input_space(kReadChunk);
    std::error_code ec;
    std::size_t n = co_await stream_->read_some(space, ec);
    auto now = Clock::now();
    if (ec) {
      transport_.feed_eof(now);
      if (ec != asio::error::eof && !end_) end_ = Error{Errc::io_error, "read failed: " + ec.message()};
    } else {
      transport_.commit_input(n, now);
    }
    drain_events();
    notify();
    if (ec) break;
  }
  // Let the writer flush what is left (a DISCONNECT, the last replies), then stop.
  stopping_ = true;
  wake_writer_.cancel();
  deadline_.cancel();
  while (writer_running_) {
    std::error_code ec;
    writer_done_.expires_at(asio::steady_timer::time_point::max());
    co_await writer_done_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  stream_->close();
  co_return end_.value_or(Error{Errc::disconnected, "connection closed"});
}

}  // namespace skiff::io
