// The runtime under the public client and server API: one CoreBase per connection drives an
// endpoint::ClientConnection or ServerConnection over a skiff::Stream on one executor, and
// keeps the per-channel state the public Channel handles wait on.
//
// Per connection: a reader coroutine (run()) feeds input, a writer coroutine drains output,
// a timer coroutine fires at the core's next deadline, and an optional keepalive coroutine.
// Operations of the application act on the sans-I/O connection directly and then call
// kick(), which handles the events they caused and wakes the coroutines. Nothing here is
// thread-safe: everything runs on the connection's executor.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <skiff/channel.hpp>
#include <skiff/stream.hpp>

#include "endpoint/endpoint.hpp"

namespace skiff::io {

// Wakes every coroutine waiting on it; waiters re-check their condition (single-threaded,
// so a condition checked before wait() cannot change before the wait starts).
class Signal {
 public:
  explicit Signal(const asio::any_io_executor& ex);
  asio::awaitable<void> wait();
  void notify() { timer_.cancel(); }

 private:
  asio::steady_timer timer_;
};

class CoreBase;

}  // namespace skiff::io

namespace skiff {

// The state behind every handle of one channel.
struct Channel::Impl {
  Impl(std::shared_ptr<io::CoreBase> c, connection::ChannelId i);

  std::shared_ptr<io::CoreBase> core;  // the map in CoreBase drops its reference at Closed
  connection::ChannelId id;
  io::Signal changed;  // anything below changed

  std::optional<Result<void>> open_result;  // our open(): confirmed or refused
  struct Input {
    std::deque<Bytes> chunks;
    std::size_t offset = 0;  // into chunks.front()
  } input[2];  // data, stderr
  bool eof_received = false;
  bool closed = false;  // both CLOSEs passed, or the connection ended
  bool eof_sent = false, close_sent = false;
  bool session = false;  // a session channel (a server counts them against MaxSessions)

  // Client: replies to our requests, in order; exit status.
  std::uint64_t replies_expected = 0, replies_base = 0;
  unsigned reply_waiters = 0;
  std::deque<bool> replies;
  ExitStatus exit;

  // Server session: requests waiting for next_request(), in arrival order. auto_refuse
  // items (x11-req, ...) are answered when they reach the front, so replies stay in order.
  struct Queued {
    SessionRequest request;
    bool auto_refuse = false;
  };
  std::deque<Queued> requests;
  bool owe_reply = false;
  std::shared_ptr<const AuthenticatedUser> user;

  asio::awaitable<Result<std::size_t>> read(int stream, std::span<std::uint8_t> buf);
  asio::awaitable<Result<Bytes>> read_chunk(int stream);
  // Gives n bytes of window back once the application has taken them.
  void consumed(std::size_t n);
  asio::awaitable<Result<void>> write(int stream, std::span<const std::uint8_t> data);
  asio::awaitable<Result<void>> request_with_reply(connection::RequestBody body, const char* what);
  void flush_auto_refused();
};

// A channel open from the peer, waiting for the application's answer.
struct IncomingChannel::Impl {
  Impl(std::shared_ptr<io::CoreBase> c, connection::ChannelId i, ChannelOpenBody b,
       std::shared_ptr<const AuthenticatedUser> u);
  ~Impl();  // refuses the open when nobody answered it
  std::shared_ptr<io::CoreBase> core;
  connection::ChannelId id;
  ChannelOpenBody body;
  std::shared_ptr<const AuthenticatedUser> user;
  bool answered = false;
};

struct ConnectionLink::Impl {
  std::weak_ptr<io::CoreBase> core;
};

}  // namespace skiff

namespace skiff::io {

class CoreBase : public std::enable_shared_from_this<CoreBase> {
 public:
  CoreBase(asio::any_io_executor ex, std::unique_ptr<Stream> stream);
  virtual ~CoreBase();
  CoreBase(const CoreBase&) = delete;
  CoreBase& operator=(const CoreBase&) = delete;

  // Runs the connection until it ended and its last output left (or gave up); why it ended.
  asio::awaitable<Error> run();
  // After any operation on conn(): handle the events it caused, wake the coroutines.
  void kick();
  void disconnect(std::uint32_t reason, std::string description);

  virtual endpoint::ConnectionBase& conn() = 0;
  const asio::any_io_executor& executor() const { return ex_; }
  bool ended() const noexcept { return end_.has_value() && finished_; }
  bool closing() const noexcept { return end_.has_value(); }
  const Error& end_error() const;
  Signal& state_changed() { return state_changed_; }
  const std::string& peer() const { return peer_; }
  // Bytes written to and read from the stream (what OpenSSH's "Transferred:" line counts).
  std::uint64_t bytes_sent() const noexcept { return bytes_sent_; }
  std::uint64_t bytes_received() const noexcept { return bytes_received_; }

  // A channel we open; its Opened / OpenFailed arrive through the map.
  Result<std::shared_ptr<Channel::Impl>> open_channel(connection::OpenBody body);
  std::shared_ptr<Channel::Impl> adopt_channel(connection::ChannelId id);
  // open_channel(), then waits for the peer's answer.
  asio::awaitable<Result<std::shared_ptr<Channel::Impl>>> open_and_wait(connection::OpenBody body);
  ConnectionLink link();
  // A global request with want-reply; the answer arrives in the returned slot.
  struct GlobalWait {
    std::optional<Result<Bytes>> result;
  };
  Result<std::shared_ptr<GlobalWait>> global_request(connection::GlobalRequestBody body);

 protected:
  // The concrete side.
  virtual void start_conn(TimePoint now) = 0;
  // The reader reads straight into the transport's input buffer (no copy).
  virtual std::span<std::uint8_t> input_space_conn(std::size_t at_least) = 0;
  virtual void commit_conn(std::size_t n, TimePoint now) = 0;
  virtual void feed_eof_conn(TimePoint now) = 0;
  virtual std::optional<TimePoint> conn_deadline() const = 0;
  virtual void on_timer_conn(TimePoint now) = 0;
  // Polls and handles every event the connection has (channel ones through on_channel_event).
  virtual void poll_events() = 0;
  virtual void on_open_requested(connection::event::OpenRequested& ev) = 0;
  virtual void on_request(Channel::Impl& ch, connection::event::Request& ev) = 0;
  // The peer's global request (keepalives and unknown ones with want-reply are answered by
  // the engine); by default refused.
  virtual void on_global_request(connection::event::GlobalRequest& ev) {
    if (ev.want_reply) (void)conn().global_reply(false);
  }
  virtual void on_ended() {}
  // Keepalive settings and the message for a peer that stopped answering.
  virtual std::chrono::seconds alive_interval() const = 0;
  virtual unsigned alive_count_max() const = 0;
  virtual std::string alive_timeout_message() const = 0;

  void on_channel_event(connection::Event& ev);
  // The connection ended: record why (the first reason wins), release every channel.
  void set_end(Error e);
  virtual void on_channel_closed(Channel::Impl&) {}

  std::map<connection::ChannelId, std::shared_ptr<Channel::Impl>> channels_;

 private:
  asio::awaitable<void> writer();
  asio::awaitable<void> deadline_timer();
  asio::awaitable<void> keepalive();
  void coroutine_ended();
  void release_channels();

  asio::any_io_executor ex_;
  std::unique_ptr<Stream> stream_;
  std::string peer_;
  asio::steady_timer wake_writer_, wake_reader_, all_done_, deadline_, alive_timer_;
  Signal state_changed_;
  Bytes write_buffer_;
  std::deque<std::shared_ptr<GlobalWait>> global_waits_;  // nullptr: our keepalive
  unsigned alive_unanswered_ = 0;
  std::uint64_t bytes_sent_ = 0, bytes_received_ = 0;
  TimePoint last_received_{}, last_probe_{};
  int live_ = 0;
  bool started_ = false, stopping_ = false, stream_failed_ = false, finished_ = false;
  bool in_poll_ = false, poll_again_ = false;
  std::optional<Error> end_;
};

// OpenSSH's reason phrases for CHANNEL_OPEN_FAILURE.
const char* open_failure_reason(std::uint32_t reason);

}  // namespace skiff::io
