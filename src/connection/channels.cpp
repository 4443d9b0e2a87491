// The engine's input side: messages from the peer. Application operations and output
// assembly are in channels_ops.cpp.
#include "connection/channels.hpp"

#include <algorithm>
#include <utility>

namespace skiff::connection {

Engine::Engine(EngineConfig config) : config_(config) {
  config_.max_packet = std::clamp<std::uint32_t>(config_.max_packet, 1, limits::kMaxPayload - 64);
  config_.initial_window = std::max(config_.initial_window, config_.max_packet);
  config_.max_window = std::max(config_.max_window, config_.initial_window);
  config_.send_queue_limit = std::max<std::size_t>(config_.send_queue_limit, 1);
}

Result<void> Engine::check_alive() const {
  if (error_) return std::unexpected(*error_);
  return {};
}

Result<void> Engine::protocol_error(std::string message) {
  error_ = Error{Errc::protocol_error, std::move(message)};
  return std::unexpected(*error_);
}

Result<void> Engine::push_event(Event e) {
  if (events_.size() >= limits::kMaxPendingConnectionEvents) {
    error_ = Error{Errc::too_large, "connection: too many events not polled"};
    return std::unexpected(*error_);
  }
  events_.push_back(std::move(e));
  return {};
}

std::optional<Event> Engine::poll_event() {
  if (events_.empty()) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

Engine::Channel* Engine::find(ChannelId id, State state) {
  auto it = channels_.find(id);
  return it != channels_.end() && it->second.state == state ? &it->second : nullptr;
}

const Engine::Channel* Engine::find(ChannelId id, State state) const {
  auto it = channels_.find(id);
  return it != channels_.end() && it->second.state == state ? &it->second : nullptr;
}

Result<Engine::Channel*> Engine::open_channel(std::uint32_t recipient, const char* what) {
  if (Channel* ch = find(recipient, State::open)) return ch;
  auto err = protocol_error(std::string(what) + " for unknown channel " + std::to_string(recipient));
  return std::unexpected(err.error());
}

Result<void> Engine::handle(ByteView payload) {
  if (auto alive = check_alive(); !alive) return alive;
  if (control_.size() >= limits::kMaxQueuedConnectionControl) {
    error_ = Error{Errc::too_large, "connection: the peer sends requests but does not read the answers"};
    return std::unexpected(*error_);
  }
  auto m = decode(payload);
  if (!m) {
    error_ = m.error();
    return std::unexpected(*error_);
  }
  return dispatch(*m);
}

Result<void> Engine::dispatch(Message& m) {
  if (auto* g = std::get_if<GlobalRequest>(&m)) return on_global_request(*g);
  if (std::holds_alternative<RequestSuccess>(m) || std::holds_alternative<RequestFailure>(m)) {
    if (global_replies_expected_ == 0) return protocol_error("global request reply without a request");
    --global_replies_expected_;
    auto* s = std::get_if<RequestSuccess>(&m);
    return push_event(event::GlobalReply{s != nullptr, s ? std::move(s->data) : Bytes{}});
  }
  if (auto* o = std::get_if<ChannelOpen>(&m)) return on_open(*o);
  if (auto* c = std::get_if<OpenConfirmation>(&m)) {
    Channel* ch = find(c->recipient, State::opening_out);
    if (!ch) return protocol_error("open confirmation for channel " + std::to_string(c->recipient) + " not opening");
    ch->state = State::open;
    ch->remote_id = c->sender;
    ch->remote_window = c->window;
    ch->remote_max_packet = c->max_packet;
    return push_event(event::Opened{c->recipient, std::move(c->extra)});
  }
  if (auto* f = std::get_if<OpenFailure>(&m)) {
    if (!find(f->recipient, State::opening_out)) {
      return protocol_error("open failure for channel " + std::to_string(f->recipient) + " not opening");
    }
    channels_.erase(f->recipient);
    return push_event(event::OpenFailed{f->recipient, f->reason, std::move(f->description)});
  }
  if (auto* a = std::get_if<WindowAdjust>(&m)) {
    auto ch = open_channel(a->recipient, "window adjust");
    if (!ch) return std::unexpected(ch.error());
    if ((*ch)->remote_window > UINT32_MAX - a->bytes) return protocol_error("window adjust overflows the window");
    (*ch)->remote_window += a->bytes;
    return {};
  }
  if (auto* d = std::get_if<ChannelData>(&m)) return on_data(d->recipient, 0, d->data);
  if (auto* d = std::get_if<ExtendedData>(&m)) {
    if (d->type == 0) return protocol_error("extended data of type 0");
    return on_data(d->recipient, d->type, d->data);
  }
  if (auto* e = std::get_if<ChannelEof>(&m)) {
    auto ch = open_channel(e->recipient, "EOF");
    if (!ch) return std::unexpected(ch.error());
    if ((*ch)->eof_received) return protocol_error("second EOF on channel " + std::to_string(e->recipient));
    (*ch)->eof_received = true;
    if ((*ch)->close_sent) return {};
    return push_event(event::Eof{e->recipient});
  }
  if (auto* c = std::get_if<ChannelClose>(&m)) {
    auto ch = open_channel(c->recipient, "CLOSE");
    if (!ch) return std::unexpected(ch.error());
    return on_close(c->recipient, **ch);
  }
  if (auto* r = std::get_if<ChannelRequest>(&m)) return on_request(*r);
  const bool success = std::holds_alternative<ChannelSuccess>(m);
  const std::uint32_t id = success ? std::get<ChannelSuccess>(m).recipient : std::get<ChannelFailure>(m).recipient;
  auto ch = open_channel(id, "channel request reply");
  if (!ch) return std::unexpected(ch.error());
  if ((*ch)->replies_expected == 0) return protocol_error("channel request reply without a request");
  --(*ch)->replies_expected;
  if ((*ch)->close_sent) return {};
  return push_event(event::RequestReply{id, success});
}

Result<void> Engine::on_global_request(GlobalRequest& g) {
  if (g.want_reply && global_owed_.size() >= limits::kMaxPendingRequests) {
    error_ = Error{Errc::too_large, "too many unanswered global requests"};
    return std::unexpected(*error_);
  }
  const bool keepalive = std::holds_alternative<GlobalKeepalive>(g.body);
  const bool no_more = std::holds_alternative<NoMoreSessions>(g.body);
  const bool raw = std::holds_alternative<RawGlobalRequest>(g.body);
  if (no_more) no_more_sessions_ = true;
  if (keepalive || no_more || (raw && g.want_reply)) {
    if (g.want_reply) {
      global_owed_.push_back(Owed{true, no_more, {}});
      flush_global_owed();
    }
    return {};
  }
  if (g.want_reply) global_owed_.push_back(Owed{});
  return push_event(event::GlobalRequest{g.want_reply, std::move(g.body)});
}

Result<void> Engine::on_open(ChannelOpen& o) {
  if (std::holds_alternative<SessionOpen>(o.body) && no_more_sessions_) {
    return protocol_error("session open after no-more-sessions@openssh.com");
  }
  auto refuse = [&](std::uint32_t reason, std::string why) {
    queue_control(OpenFailure{o.sender, reason, std::move(why), ""});
    return Result<void>{};
  };
  if (std::holds_alternative<RawOpen>(o.body)) return refuse(open_failure::kUnknownChannelType, "unknown channel type");
  if (pending_in_ >= config_.max_pending_opens) return refuse(open_failure::kResourceShortage, "too many pending opens");
  auto id = allocate_id();
  if (!id) return refuse(open_failure::kResourceShortage, "too many channels");
  Channel& ch = channels_[*id];
  ch.state = State::opening_in;
  ch.remote_id = o.sender;
  ch.remote_window = o.window;
  ch.remote_max_packet = o.max_packet;
  ++pending_in_;
  event::OpenRequested ev;
  ev.channel = *id;
  ev.body = std::move(o.body);
  return push_event(std::move(ev));
}

Result<void> Engine::on_data(std::uint32_t recipient, std::uint32_t stream, ByteView data) {
  auto found = open_channel(recipient, "data");
  if (!found) return std::unexpected(found.error());
  Channel& ch = **found;
  if (ch.eof_received) return protocol_error("data after EOF on channel " + std::to_string(recipient));
  if (data.size() > ch.local_window) return protocol_error("data beyond the window on channel " + std::to_string(recipient));
  if (data.size() > config_.max_packet) return protocol_error("data beyond the maximum packet size");
  ch.local_window -= static_cast<std::uint32_t>(data.size());
  if (ch.close_sent || data.empty()) return {};
  ch.unconsumed += static_cast<std::uint32_t>(data.size());
  return push_event(event::Data{recipient, stream, Bytes(data.begin(), data.end())});
}

Result<void> Engine::on_close(ChannelId id, Channel& ch) {
  if (!ch.close_sent) {
    // The peer closed first: what we have not sent yet will never be read.
    ch.out.clear();
    ch.queued_data = 0;
    queue_control(ChannelClose{ch.remote_id});
  }
  free_channel(id);
  return push_event(event::Closed{id});
}

Result<void> Engine::on_request(ChannelRequest& r) {
  auto found = open_channel(r.recipient, "channel request");
  if (!found) return std::unexpected(found.error());
  Channel& ch = **found;
  if (ch.close_sent) return {};
  if (r.want_reply && ch.owed.size() >= limits::kMaxPendingRequests) {
    error_ = Error{Errc::too_large, "too many unanswered channel requests"};
    return std::unexpected(*error_);
  }
  if (std::holds_alternative<ChannelKeepalive>(r.body)) {
    if (r.want_reply) {
      ch.owed.push_back(Owed{true, false, {}});
      flush_owed(ch);
    }
    return {};
  }
  if (r.want_reply) ch.owed.push_back(Owed{});
  return push_event(event::Request{r.recipient, r.want_reply, std::move(r.body)});
}

void Engine::flush_owed(Channel& ch) {
  while (!ch.owed.empty() && ch.owed.front().answer) {
    if (!ch.close_sent) {
      if (*ch.owed.front().answer) {
        queue_control(ChannelSuccess{ch.remote_id});
      } else {
        queue_control(ChannelFailure{ch.remote_id});
      }
    }
    ch.owed.pop_front();
  }
}

void Engine::flush_global_owed() {
  while (!global_owed_.empty() && global_owed_.front().answer) {
    Owed& o = global_owed_.front();
    if (*o.answer) {
      queue_control(RequestSuccess{std::move(o.data)});
    } else {
      queue_control(RequestFailure{});
    }
    global_owed_.pop_front();
  }
}

void Engine::free_channel(ChannelId id) {
  auto it = channels_.find(id);
  if (it == channels_.end()) return;
  if (it->second.state == State::opening_in) --pending_in_;
  channels_.erase(it);
}

std::optional<ChannelId> Engine::allocate_id() {
  if (channels_.size() >= config_.max_channels) return std::nullopt;
  // Ids only grow (wrapping after 2^32): a late message for a freed channel is then
  // reported as unknown instead of reaching a newer channel that reused the id.
  while (channels_.contains(next_id_)) ++next_id_;
  return next_id_++;
}

}  // namespace skiff::connection
