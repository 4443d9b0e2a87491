#include "io/core.hpp"

#include <algorithm>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include "transport/messages.hpp"

namespace skiff::io {

namespace {
// Per connection; a modest size keeps idle connections small (the transport keeps its own
// buffer of whatever a packet needs).
// Larger reads (up to 256 KiB, growing while they came back full) were measured with a
// 2 GiB forward: no gain in throughput or CPU, and a larger input buffer per connection.
constexpr std::size_t kReadChunk = 32 * 1024;
constexpr auto kNever = asio::steady_timer::time_point::max();
// How long the last output (a DISCONNECT) may take to leave after the close, and how long
// we wait for the peer to close after we have.
constexpr std::chrono::seconds kFlushTimeout{5};
constexpr std::chrono::seconds kLinger{2};
constexpr std::size_t kIdleBufferLimit = 256 * 1024;
}  // namespace

Signal::Signal(const asio::any_io_executor& ex) : timer_(ex, kNever) {}

asio::awaitable<void> Signal::wait() {
  std::error_code ec;
  co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

const char* open_failure_reason(std::uint32_t reason) {
  switch (reason) {
    case connection::open_failure::kAdministrativelyProhibited: return "administratively prohibited";
    case connection::open_failure::kConnectFailed: return "connect failed";
    case connection::open_failure::kUnknownChannelType: return "unknown channel type";
    case connection::open_failure::kResourceShortage: return "resource shortage";
    default: return "unknown reason";
  }
}

CoreBase::CoreBase(asio::any_io_executor ex, std::unique_ptr<Stream> stream)
    : ex_(ex),
      stream_(std::move(stream)),
      peer_(stream_->describe()),
      wake_writer_(ex, kNever),
      wake_reader_(ex, kNever),
      all_done_(ex, kNever),
      deadline_(ex, kNever),
      alive_timer_(ex, kNever),
      state_changed_(ex) {}

CoreBase::~CoreBase() = default;

const Error& CoreBase::end_error() const {
  static const Error kOpen{Errc::invalid_argument, "the connection is still open"};
  return end_ ? *end_ : kOpen;
}

void CoreBase::kick() {
  // Handlers run inside poll_events() may act on the connection again: the loop in
  // progress picks up what they caused.
  if (in_poll_) return;
  in_poll_ = true;
  poll_events();
  in_poll_ = false;
  wake_writer_.cancel();
  wake_reader_.cancel();
  deadline_.cancel();  // the deadline may have moved
}

void CoreBase::disconnect(std::uint32_t reason, std::string description) {
  if (conn().closed()) return;
  conn().disconnect(reason, std::move(description));
  kick();
}

void CoreBase::set_end(Error e) {
  if (!end_) end_ = std::move(e);
  release_channels();
  state_changed_.notify();
}

void CoreBase::release_channels() {
  // Handles keep their Impl (and through it this core) alive; dropping the map's
  // references breaks the cycle.
  auto channels = std::move(channels_);
  channels_.clear();
  for (auto& [id, ch] : channels) {
    if (!ch->open_result) ch->open_result = std::unexpected(end_error());
    ch->closed = true;
    ch->changed.notify();
  }
  for (auto& w : global_waits_) {
    if (w) w->result = std::unexpected(end_error());
  }
  global_waits_.clear();
}

Result<std::shared_ptr<Channel::Impl>> CoreBase::open_channel(connection::OpenBody body) {
  if (closing()) return std::unexpected(end_error());
  auto id = conn().open(std::move(body));
  if (!id) return std::unexpected(id.error());
  auto ch = adopt_channel(*id);
  kick();
  return ch;
}

std::shared_ptr<Channel::Impl> CoreBase::adopt_channel(connection::ChannelId id) {
  auto ch = std::make_shared<Channel::Impl>(shared_from_this(), id);
  channels_[id] = ch;
  return ch;
}

asio::awaitable<Result<std::shared_ptr<Channel::Impl>>> CoreBase::open_and_wait(connection::OpenBody body) {
  auto self = shared_from_this();
  auto ch = open_channel(std::move(body));
  if (!ch) co_return std::unexpected(ch.error());
  auto c = *ch;
  while (!c->open_result) co_await c->changed.wait();
  if (!*c->open_result) co_return std::unexpected(c->open_result->error());
  co_return c;
}

ConnectionLink CoreBase::link() {
  auto impl = std::make_shared<ConnectionLink::Impl>();
  impl->core = weak_from_this();
  return ConnectionLink(std::move(impl));
}

Result<std::shared_ptr<CoreBase::GlobalWait>> CoreBase::global_request(connection::GlobalRequestBody body) {
  if (closing()) return std::unexpected(end_error());
  if (auto r = conn().global_request(std::move(body), true); !r) return std::unexpected(r.error());
  auto w = std::make_shared<GlobalWait>();
  global_waits_.push_back(w);
  kick();
  return w;
}

void CoreBase::on_channel_event(connection::Event& ev) {
  namespace ce = connection::event;
  auto find = [&](connection::ChannelId id) -> Channel::Impl* {
    auto it = channels_.find(id);
    return it == channels_.end() ? nullptr : it->second.get();
  };
  if (auto* o = std::get_if<ce::OpenRequested>(&ev)) {
    on_open_requested(*o);
  } else if (auto* op = std::get_if<ce::Opened>(&ev)) {
    if (auto* ch = find(op->channel)) {
      ch->open_result = Result<void>{};
      ch->changed.notify();
    }
  } else if (auto* f = std::get_if<ce::OpenFailed>(&ev)) {
    if (auto* ch = find(f->channel)) {
      std::string msg = "channel " + std::to_string(f->channel) + ": open failed: " + open_failure_reason(f->reason);
      if (!f->description.empty()) msg += ": " + f->description;
      ch->open_result = fail(Errc::unsupported, std::move(msg));
      ch->closed = true;
      ch->changed.notify();
      channels_.erase(f->channel);
    }
  } else if (auto* d = std::get_if<ce::Data>(&ev)) {
    auto* ch = find(d->channel);
    if (ch && d->stream <= connection::kExtendedDataStderr && !d->bytes.empty()) {
      ch->input[d->stream].chunks.push_back(std::move(d->bytes));
      ch->changed.notify();
    } else {
      // Extended data of other types has no reader: give its window back at once.
      (void)conn().consume(d->channel, d->bytes.size());
    }
  } else if (auto* e = std::get_if<ce::Eof>(&ev)) {
    if (auto* ch = find(e->channel)) {
      ch->eof_received = true;
      ch->changed.notify();
    }
  } else if (auto* c = std::get_if<ce::Closed>(&ev)) {
    auto it = channels_.find(c->channel);
    if (it != channels_.end()) {
      auto ch = it->second;
      channels_.erase(it);
      ch->closed = true;
      if (!ch->open_result) ch->open_result = fail(Errc::disconnected, "channel closed");
      ch->changed.notify();
      on_channel_closed(*ch);
    }
  } else if (auto* r = std::get_if<ce::Request>(&ev)) {
    if (auto* ch = find(r->channel)) {
      on_request(*ch, *r);
    } else if (r->want_reply) {
      (void)conn().reply(r->channel, false);
    }
  } else if (auto* rr = std::get_if<ce::RequestReply>(&ev)) {
    if (auto* ch = find(rr->channel)) {
      ch->replies.push_back(rr->success);
      ch->changed.notify();
    }
  } else if (auto* g = std::get_if<ce::GlobalRequest>(&ev)) {
    on_global_request(*g);
  } else if (auto* gr = std::get_if<ce::GlobalReply>(&ev)) {
    if (global_waits_.empty()) return;
    auto w = std::move(global_waits_.front());
    global_waits_.pop_front();
    if (!w) {
      alive_unanswered_ = 0;  // any answer to our keepalive shows the peer is alive
    } else if (gr->success) {
      w->result = std::move(gr->data);
    } else {
      w->result = fail(Errc::unsupported, "global request refused");
    }
    state_changed_.notify();
  } else if (auto* wr = std::get_if<ce::Writable>(&ev)) {
    if (auto* ch = find(wr->channel)) ch->changed.notify();
  }
}

void CoreBase::coroutine_ended() {
  --live_;
  all_done_.cancel();
}

asio::awaitable<void> CoreBase::writer() {
  auto self = shared_from_this();
  std::size_t written = 0;
  while (true) {
    if (written == write_buffer_.size()) {
      written = 0;
      conn().take_output(write_buffer_);
      if (!write_buffer_.empty()) {
        wake_reader_.cancel();  // output drained: input may be wanted again
        kick();                 // draining may let held channel output through
      }
    }
    if (written < write_buffer_.size()) {
      std::error_code ec;
      ByteView chunk(write_buffer_.data() + written, write_buffer_.size() - written);
      std::size_t n = co_await stream_->write_some(chunk, ec);
      if (ec) {
        if (!end_) set_end(Error{Errc::io_error, "write failed: " + ec.message()});
        stream_failed_ = true;
        stream_->close();  // also ends a pending read
        break;
      }
      written += n;
      bytes_sent_ += n;
      continue;
    }
    if (conn().closed()) {
      // Everything is out: tell the peer, and give it a moment to close first so that our
      // last bytes are not lost to a reset.
      stream_->shutdown_write();
      if (!stopping_) {
        std::error_code ec;
        wake_writer_.expires_after(kLinger);
        co_await wake_writer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (!stopping_) stream_->close();
      }
      break;
    }
    // Idle: an idle connection keeps no bulk-transfer-sized buffer (a small one is kept:
    // freeing at every pause of a transfer costs more than it saves).
    if (write_buffer_.capacity() > kIdleBufferLimit) write_buffer_ = Bytes();
    std::error_code ec;
    wake_writer_.expires_at(kNever);
    co_await wake_writer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  write_buffer_ = Bytes();
  wake_reader_.cancel();
  coroutine_ended();
}

asio::awaitable<void> CoreBase::deadline_timer() {
  auto self = shared_from_this();
  while (!conn().closed() && !stopping_) {
    auto next = conn_deadline();
    deadline_.expires_at(next ? *next : kNever);
    std::error_code ec;
    co_await deadline_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopping_) break;
    auto now = Clock::now();
    if (!ec || (next && now >= *next)) {
      on_timer_conn(now);
      kick();
    }
  }
  coroutine_ended();
}

asio::awaitable<void> CoreBase::keepalive() {
  auto self = shared_from_this();
  const auto interval = alive_interval();
  while (!conn().closed() && !stopping_) {
    alive_timer_.expires_at(std::max(last_received_, last_probe_) + interval);
    std::error_code ec;
    co_await alive_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopping_ || conn().closed()) break;
    auto now = Clock::now();
    if (now < std::max(last_received_, last_probe_) + interval) continue;
    // Keepalives count only once authenticated, as OpenSSH's.
    if (!conn().authenticated()) {
      last_probe_ = now;
      continue;
    }
    if (alive_unanswered_ >= alive_count_max()) {
      std::string msg = alive_timeout_message();
      set_end(Error{Errc::timeout, msg});
      disconnect(transport::disconnect::kByApplication, msg);
      break;
    }
    if (conn().global_request(connection::GlobalKeepalive{}, true)) {
      global_waits_.push_back(nullptr);
      ++alive_unanswered_;
      kick();
    }
    last_probe_ = now;
  }
  coroutine_ended();
}

asio::awaitable<Error> CoreBase::run() {
  auto self = shared_from_this();
  last_received_ = Clock::now();
  start_conn(last_received_);
  live_ = 2;
  asio::co_spawn(ex_, writer(), asio::detached);
  asio::co_spawn(ex_, deadline_timer(), asio::detached);
  if (alive_interval().count() > 0 && alive_count_max() > 0) {
    ++live_;
    asio::co_spawn(ex_, keepalive(), asio::detached);
  }
  kick();
  while (!conn().closed() && !stream_failed_) {
    if (!conn().wants_input()) {
      // Backpressure: the peer waits (TCP) instead of our memory growing.
      std::error_code ec;
      wake_reader_.expires_at(kNever);
      co_await wake_reader_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      kick();
      continue;
    }
    std::error_code ec;
    // Straight into the transport's input buffer; nothing else touches it meanwhile.
    const std::span<std::uint8_t> space = input_space_conn(kReadChunk);
    std::size_t n = co_await stream_->read_some(space, ec);
    auto now = Clock::now();
    if (ec) {
      if (ec != asio::error::eof && !end_ && !conn().closed()) {
        set_end(Error{Errc::io_error, "read failed: " + ec.message()});
      }
      feed_eof_conn(now);
    } else {
      last_received_ = now;
      bytes_received_ += n;
      commit_conn(n, now);
    }
    kick();
    if (ec) break;
  }
  // Let the writer flush what is left (a DISCONNECT, the last replies) for a while, then
  // end everything; return only when no coroutine of ours is left to touch this core.
  stopping_ = true;
  wake_writer_.cancel();
  deadline_.cancel();
  alive_timer_.cancel();
  const auto give_up = Clock::now() + kFlushTimeout;
  while (live_ > 0) {
    std::error_code ec;
    all_done_.expires_at(give_up);
    co_await all_done_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) stream_->close();  // the peer does not take our last bytes: abort the write
  }
  stream_->close();
  if (!end_) set_end(Error{Errc::disconnected, "connection closed"});
  finished_ = true;
  release_channels();
  on_ended();
  state_changed_.notify();
  co_return *end_;
}

}  // namespace skiff::io
