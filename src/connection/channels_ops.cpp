// The engine's application operations and output assembly (input side: channels.cpp).
#include <algorithm>
#include <utility>

#include "connection/channels.hpp"

namespace skiff::connection {
namespace {

Result<void> bad(std::string message) { return fail(Errc::invalid_argument, std::move(message)); }

// DATA and EXTENDED_DATA headers: number, recipient, (type,) string length.
constexpr std::size_t kDataOverhead = 1 + 4 + 4 + 4;
// The least a new block of queued data reserves, so that small writes share one.
constexpr std::size_t kMinDataBlock = 4 * 1024;

}  // namespace

void Engine::queue_control(const Message& m) { control_.push_back(encode(m)); }

void Engine::queue_on_channel(Channel& ch, const Message& m) {
  ch.out.push_back(OutItem{false, 0, encode(m), 0});
}

Result<ChannelId> Engine::open(OpenBody body) {
  if (auto alive = check_alive(); !alive) return std::unexpected(alive.error());
  auto id = allocate_id();
  if (!id) return fail(Errc::too_large, "channel table full");
  Channel& ch = channels_[*id];
  ch.state = State::opening_out;
  ch.window_size = ch.local_window = config_.initial_window;
  ChannelOpen m;
  m.sender = *id;
  m.window = config_.initial_window;
  m.max_packet = config_.max_packet;
  m.body = std::move(body);
  queue_control(m);
  return *id;
}

Result<void> Engine::accept(ChannelId channel) {
  Channel* ch = find(channel, State::opening_in);
  if (!ch) return bad("accept: channel " + std::to_string(channel) + " is not an open request");
  ch->state = State::open;
  --pending_in_;
  ch->window_size = ch->local_window = config_.initial_window;
  queue_control(OpenConfirmation{ch->remote_id, channel, config_.initial_window, config_.max_packet, {}});
  return {};
}

Result<void> Engine::reject(ChannelId channel, std::uint32_t reason, std::string description) {
  Channel* ch = find(channel, State::opening_in);
  if (!ch) return bad("reject: channel " + std::to_string(channel) + " is not an open request");
  queue_control(OpenFailure{ch->remote_id, reason, std::move(description), ""});
  free_channel(channel);
  return {};
}

Result<std::size_t> Engine::write(ChannelId channel, ByteView data, std::uint32_t stream) {
  Channel* ch = find(channel, State::open);
  if (!ch || ch->eof_queued || ch->close_queued) {
    return fail(Errc::invalid_argument, "write: channel " + std::to_string(channel) + " is not open for writing");
  }
  const std::size_t n = std::min(data.size(), config_.send_queue_limit - ch->queued_data);
  if (n < data.size()) ch->write_blocked = true;
  if (n == 0) return n;
  // Appended to the last block only while it has room: growing one block by
  // reallocation (64 KiB writes piling up to the 1 MiB queue limit) moved the queued bytes
  // again at every doubling and, past malloc's mmap threshold, took fresh zeroed pages
  // each time (a fifth of skiff's CPU in an SFTP upload).
  if (!ch->out.empty() && ch->out.back().is_data && ch->out.back().stream == stream &&
      ch->out.back().bytes.capacity() - ch->out.back().bytes.size() >= n) {
    ch->out.back().bytes.insert(ch->out.back().bytes.end(), data.begin(), data.begin() + n);
  } else {
    Bytes block;
    block.reserve(std::max(n, kMinDataBlock));  // small writes (keystrokes) share a block
    block.assign(data.begin(), data.begin() + n);
    ch->out.push_back(OutItem{true, stream, std::move(block), 0});
  }
  ch->queued_data += n;
  return n;
}

std::size_t Engine::writable(ChannelId channel) const {
  const Channel* ch = find(channel, State::open);
  if (!ch || ch->eof_queued || ch->close_queued) return 0;
  return config_.send_queue_limit - ch->queued_data;
}

Result<void> Engine::consume(ChannelId channel, std::size_t n) {
  Channel* ch = find(channel, State::open);
  if (!ch) return bad("consume: unknown channel " + std::to_string(channel));
  if (n > ch->unconsumed) return bad("consume: more than was received");
  ch->unconsumed -= static_cast<std::uint32_t>(n);
  maybe_adjust_window(*ch);
  return {};
}

void Engine::maybe_adjust_window(Channel& ch) {
  if (ch.close_sent || ch.eof_received || error_) return;
  const std::uint32_t consumed = ch.window_size - ch.local_window - ch.unconsumed;
  // Refilling by halves keeps WINDOW_ADJUSTs few while the peer never runs dry.
  if (consumed == 0 || consumed < ch.window_size / 2) return;
  if (ch.unconsumed == 0 && ch.window_size < config_.max_window) {
    ch.window_size = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(std::uint64_t{ch.window_size} * 2, config_.max_window));
  }
  const std::uint32_t grant = ch.window_size - ch.local_window - ch.unconsumed;
  ch.local_window += grant;
  queue_control(WindowAdjust{ch.remote_id, grant});
}

Result<void> Engine::send_eof(ChannelId channel) {
  Channel* ch = find(channel, State::open);
  if (!ch || ch->eof_queued || ch->close_queued) return bad("send_eof: channel not open for writing");
  ch->eof_queued = true;
  queue_on_channel(*ch, ChannelEof{ch->remote_id});
  return {};
}

Result<void> Engine::close(ChannelId channel) {
  Channel* ch = find(channel, State::open);
  if (!ch) return bad("close: channel " + std::to_string(channel) + " is not open");
  if (ch->close_queued) return {};
  ch->close_queued = true;
  queue_on_channel(*ch, ChannelClose{ch->remote_id});
  return {};
}

Result<void> Engine::request(ChannelId channel, RequestBody body, bool want_reply) {
  Channel* ch = find(channel, State::open);
  if (!ch || ch->close_queued) return bad("request: channel not open");
  queue_on_channel(*ch, ChannelRequest{ch->remote_id, want_reply, std::move(body)});
  if (want_reply) ++ch->replies_expected;
  return {};
}

Result<void> Engine::reply(ChannelId channel, bool success) {
  Channel* ch = find(channel, State::open);
  if (!ch) return bad("reply: channel not open");
  if (ch->close_sent) return {};  // nothing is answered after our CLOSE (as OpenSSH)
  auto it = std::find_if(ch->owed.begin(), ch->owed.end(), [](const Owed& o) { return !o.answer; });
  if (it == ch->owed.end()) return bad("reply: no request waits for an answer");
  it->answer = success;
  flush_owed(*ch);
  return {};
}

Result<void> Engine::global_request(GlobalRequestBody body, bool want_reply) {
  if (auto alive = check_alive(); !alive) return alive;
  queue_control(GlobalRequest{want_reply, std::move(body)});
  if (want_reply) ++global_replies_expected_;
  return {};
}

Result<void> Engine::global_reply(bool success, Bytes data) {
  auto it = std::find_if(global_owed_.begin(), global_owed_.end(), [](const Owed& o) { return !o.answer; });
  if (it == global_owed_.end()) return bad("global_reply: no request waits for an answer");
  it->answer = success;
  it->data = std::move(data);
  flush_global_owed();
  return {};
}

std::optional<ChannelStats> Engine::stats(ChannelId channel) const {
  auto it = channels_.find(channel);
  if (it == channels_.end()) return std::nullopt;
  const Channel& ch = it->second;
  return ChannelStats{ch.remote_window, ch.remote_max_packet, ch.local_window, ch.window_size, ch.unconsumed,
                      ch.queued_data};
}

std::optional<Bytes> Engine::poll_output() {
  if (error_) return std::nullopt;
  if (!control_.empty()) {
    Bytes p = std::move(control_.front());
    control_.pop_front();
    return p;
  }
  // Round robin from the channel after the one served last.
  auto start = channels_.upper_bound(rr_cursor_);
  for (std::size_t i = 0, n = channels_.size(); i < n; ++i, ++start) {
    if (start == channels_.end()) start = channels_.begin();
    if (start->second.state != State::open) continue;
    if (auto p = take_from_channel(start->first, start->second)) {
      rr_cursor_ = start->first;
      return p;
    }
  }
  return std::nullopt;
}

std::optional<Bytes> Engine::take_from_channel(ChannelId id, Channel& ch) {
  if (ch.out.empty()) return std::nullopt;
  OutItem& item = ch.out.front();
  if (!item.is_data) {
    Bytes p = std::move(item.bytes);
    ch.out.pop_front();
    if (p.front() == msg::kClose) {
      ch.close_sent = true;
      ch.owed.clear();
    }
    return p;
  }
  const std::size_t chunk = std::min({item.bytes.size() - item.offset, std::size_t{ch.remote_window},
                                      std::size_t{ch.remote_max_packet}, limits::kMaxPayload - kDataOverhead});
  if (chunk == 0) return std::nullopt;
  const ByteView part(item.bytes.data() + item.offset, chunk);
  Bytes p;
  if (item.stream == 0) {
    encode(ChannelData{ch.remote_id, part}, p);
  } else {
    encode(ExtendedData{ch.remote_id, item.stream, part}, p);
  }
  item.offset += chunk;
  ch.remote_window -= static_cast<std::uint32_t>(chunk);
  ch.queued_data -= chunk;
  if (item.offset == item.bytes.size()) ch.out.pop_front();
  if (ch.write_blocked && ch.queued_data <= config_.send_queue_limit / 2) {
    ch.write_blocked = false;
    // A full event queue kills the engine; the payload is still the caller's to send.
    (void)push_event(event::Writable{id, config_.send_queue_limit - ch.queued_data});
  }
  return p;
}

}  // namespace skiff::connection
