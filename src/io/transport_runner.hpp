// Drives a sans-I/O Transport over a ByteStream on an Asio executor: a reader coroutine
// feeds received bytes and hands every event to the caller's handler, a writer coroutine
// drains pending output, and a timer fires at the transport's next deadline.
// Single-threaded per connection: everything runs on the executor of the stream.
//
// Lifetime: run() returns only after the writer and the timer coroutines have ended, so
// the runner may be destroyed as soon as run() has returned.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <skiff/transport.hpp>

#include "io/byte_stream.hpp"

namespace skiff::io {

class TransportRunner {
 public:
  using EventHandler = std::function<void(TransportEvent& event, TransportRunner& runner)>;

  TransportRunner(asio::any_io_executor ex, Transport& transport, std::unique_ptr<ByteStream> stream);
  ~TransportRunner();

  // Starts the transport and runs until it is closed and its output flushed (at most
  // kFlushTimeout after the close), or until the stream fails. Returns why it ended
  // (Errc::disconnected with the peer's reason for an orderly end).
  asio::awaitable<Error> run(EventHandler handler);

  // Call after acting on the transport outside the event handler (transport().send(),
  // accept_host_key() after a prompt, disconnect(), ...): wakes the writer and, if it was
  // paused, the reader.
  void notify();
  Transport& transport() noexcept { return transport_; }
  ByteStream& stream() noexcept { return *stream_; }

  // How long the last output (a DISCONNECT) may take to leave after the transport closed,
  // and how long we wait for the peer to close after we have.
  static constexpr std::chrono::seconds kFlushTimeout{5};
  static constexpr std::chrono::seconds kLinger{2};

 private:
  asio::awaitable<void> writer();
  asio::awaitable<void> deadline_timer();
  void drain_events();
  void coroutine_ended();

  asio::any_io_executor ex_;
  Transport& transport_;
  std::unique_ptr<ByteStream> stream_;
  EventHandler handler_;
  asio::steady_timer wake_writer_;
  asio::steady_timer wake_reader_;  // the reader waits here while the transport wants no input
  asio::steady_timer all_done_;     // run() waits here for the other coroutines
  asio::steady_timer deadline_;
  Bytes write_buffer_;  // output being written; owned here so no view dangles across a write
  int live_ = 0;        // writer and timer coroutines still running
  bool stopping_ = false;
  bool stream_failed_ = false;
  std::optional<Error> end_;
};

}  // namespace skiff::io
