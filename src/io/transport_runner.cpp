#include "io/transport_runner.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

namespace skiff::io {

namespace {
constexpr std::size_t kReadChunk = 256 * 1024;
constexpr auto kNever = asio::steady_timer::time_point::max();
}  // namespace

TransportRunner::TransportRunner(asio::any_io_executor ex, Transport& transport, std::unique_ptr<ByteStream> stream)
    : ex_(ex),
      transport_(transport),
      stream_(std::move(stream)),
      wake_writer_(ex, kNever),
      wake_reader_(ex, kNever),
      all_done_(ex, kNever),
      deadline_(ex, kNever) {}

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

void TransportRunner::coroutine_ended() {
  --live_;
  all_done_.cancel();
}

asio::awaitable<void> TransportRunner::writer() {
  std::size_t written = 0;
  while (true) {
    if (written == write_buffer_.size()) {
      written = 0;
      transport_.take_output(write_buffer_);
      if (!write_buffer_.empty()) wake_reader_.cancel();  // output drained: input may be wanted again
    }
    if (written < write_buffer_.size()) {
      std::error_code ec;
      ByteView chunk(write_buffer_.data() + written, write_buffer_.size() - written);
      std::size_t n = co_await stream_->write_some(chunk, ec);
      if (ec) {
        if (!end_) end_ = Error{Errc::io_error, "write failed: " + ec.message()};
        stream_failed_ = true;
        stream_->close();  // also ends a pending read
        break;
      }
      written += n;
      continue;
    }
    if (transport_.closed()) {
      // Everything is out. Tell the peer, and give it a moment to close first, so that
      // our last bytes are not lost to a reset; a reader still waiting is then released.
      stream_->shutdown_write();
      if (!stopping_) {
        std::error_code ec;
        wake_writer_.expires_after(kLinger);
        co_await wake_writer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (!stopping_) stream_->close();
      }
      break;
    }
    std::error_code ec;
    wake_writer_.expires_at(kNever);
    co_await wake_writer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  wake_reader_.cancel();
  coroutine_ended();
}

asio::awaitable<void> TransportRunner::deadline_timer() {
  while (!transport_.closed() && !stopping_) {
    auto next = transport_.next_deadline();
    deadline_.expires_at(next ? *next : kNever);
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
  coroutine_ended();
}

asio::awaitable<Error> TransportRunner::run(EventHandler handler) {
  handler_ = std::move(handler);
  transport_.start(Clock::now());
  live_ = 2;
  asio::co_spawn(ex_, writer(), asio::detached);
  asio::co_spawn(ex_, deadline_timer(), asio::detached);
  while (!transport_.closed() && !stream_failed_) {
    if (!transport_.wants_input()) {
      // Backpressure: the peer waits (TCP) instead of our memory growing.
      std::error_code ec;
      wake_reader_.expires_at(kNever);
      co_await wake_reader_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      drain_events();  // output drained or a verdict given: decoding resumes
      wake_writer_.cancel();
      continue;
    }
    auto space = transport_.input_space(kReadChunk);
    std::error_code ec;
    std::size_t n = co_await stream_->read_some(space, ec);
    auto now = Clock::now();
    if (ec) {
      transport_.feed_eof(now);
      if (ec != asio::error::eof && !end_ && !transport_.closed()) {
        end_ = Error{Errc::io_error, "read failed: " + ec.message()};
      }
    } else {
      transport_.commit_input(n, now);
    }
    drain_events();
    notify();
    if (ec) break;
  }
  // Let the writer flush what is left (a DISCONNECT, the last replies) for a while, then
  // end everything; return only when no coroutine of ours is left to touch this runner.
  stopping_ = true;
  wake_writer_.cancel();
  deadline_.cancel();
  const auto give_up = std::chrono::steady_clock::now() + kFlushTimeout;
  while (live_ > 0) {
    std::error_code ec;
    all_done_.expires_at(give_up);
    co_await all_done_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) stream_->close();  // the peer does not take our last bytes: abort the write
  }
  stream_->close();
  co_return end_.value_or(Error{Errc::disconnected, "connection closed"});
}

}  // namespace skiff::io
