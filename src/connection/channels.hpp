// The connection protocol engine (RFC 4254): channels multiplexed over one transport,
// global requests, flow control. Sans-I/O and symmetric: a client and a server use the
// same engine; only the application decides which opens and requests it accepts.
//
// It does not own the transport. Drive it like this:
//   for each event::Packet of the transport with a number 80..100: engine.handle(payload)
//     (an error ends the connection: disconnect with PROTOCOL_ERROR and drop the engine);
//   while (auto ev = engine.poll_event()) handle *ev;
//   while (transport.can_send()) { auto p = engine.poll_output(); if (!p) break; transport.send(*p); }
// and call the application operations (open, write, consume, close, request, ...) at any
// time; their messages come out of poll_output() in the order the protocol requires.
//
// Flow control, both directions:
// - Sending: write() queues data per channel up to EngineConfig::send_queue_limit and
//   returns how much it took (possibly less: backpressure); writable() says how much it
//   would take now, and event::Writable comes when a channel that refused data has room
//   again (half its queue). poll_output() cuts the queued data into DATA / EXTENDED_DATA
//   messages that respect the peer's window and maximum packet, round-robin over channels,
//   so that one channel waiting for its window never delays another.
// - Receiving: event::Data is counted against the window we granted; the window is given
//   back (WINDOW_ADJUST) only when the application calls consume(), so a reader that stops
//   stalls only its own channel. The window starts at EngineConfig::initial_window and
//   doubles, up to max_window, each time we refill it while the application has consumed
//   everything it received (the reader keeps up; the idea of HPN-SSH's dynamic windows).
//   A peer that sends beyond the window or beyond our maximum packet ends the connection.
//
// Requests wanting a reply are answered in the order they came (RFC 4254 4 and 5.4): the
// application answers with reply() / global_reply(), oldest first; replies to our own
// requests are matched in order too. Answered automatically, as OpenSSH does
// (serverloop.c, clientloop.c): keepalive@openssh.com (global and channel: FAILURE),
// unknown global requests (FAILURE; those without want-reply still reach the application),
// unknown channel types (OPEN_FAILURE unknown-channel-type), no-more-sessions@openssh.com
// (SUCCESS if asked; afterwards a session open from the peer ends the connection, like
// OpenSSH's "Possible attack" disconnect). Opens beyond max_channels or max_pending_opens
// are refused with OPEN_FAILURE resource-shortage.
//
// Channel life: EOF and CLOSE are tracked per direction; data after the peer's EOF or
// CLOSE is a protocol error. We send CLOSE once: after our queued data when the
// application closes, at once (dropping unsent data) when the peer closed first. A channel
// id is freed, and event::Closed delivered, when both CLOSEs have passed. After our CLOSE,
// the peer's data, EOF and requests are discarded silently (they may have crossed it).
//
// Errors from handle(): protocol_error (unknown channel, window or packet exceeded,
// message in the wrong state, reply without request, session after no-more-sessions),
// too_large (more pending requests, events or untaken output than the caps), and the
// decoding errors of messages.hpp. Application operations fail with invalid_argument
// (unknown channel, wrong state) or too_large (channel table full) and change nothing then.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include <skiff/error.hpp>

#include "connection/messages.hpp"
#include "wire/limits.hpp"

namespace skiff::connection {

using ChannelId = std::uint32_t;  // our (local) channel number

struct EngineConfig {
  std::uint32_t initial_window = limits::kDefaultChannelWindow;
  std::uint32_t max_window = limits::kMaxChannelWindow;  // growth bound; raised to initial_window if lower
  std::uint32_t max_packet = limits::kDefaultChannelMaxPacket;
  std::size_t send_queue_limit = limits::kDefaultChannelSendQueue;  // bytes per channel
  std::size_t max_channels = limits::kMaxChannels;
  std::size_t max_pending_opens = limits::kMaxPendingChannelOpens;
};

namespace event {
// The peer asks to open a channel: answer with accept() or reject(). The channel id is
// reserved meanwhile.
struct OpenRequested {
  ChannelId channel = 0;
  OpenBody body;
};
struct Opened {  // our open() was confirmed
  ChannelId channel = 0;
  Bytes extra;
};
struct OpenFailed {  // our open() was refused; the id is free again
  ChannelId channel = 0;
  std::uint32_t reason = 0;
  std::string description;
};
// Data received; stream 0 is DATA, other values the EXTENDED_DATA type (1: stderr). Call
// consume() once the bytes are processed.
struct Data {
  ChannelId channel = 0;
  std::uint32_t stream = 0;
  Bytes bytes;
};
struct Eof {
  ChannelId channel = 0;
};
struct Closed {  // both sides closed: the id is no longer valid
  ChannelId channel = 0;
};
struct Request {  // answer with reply() when want_reply
  ChannelId channel = 0;
  bool want_reply = false;
  RequestBody body;
};
struct RequestReply {  // answer to our oldest request with want_reply on this channel
  ChannelId channel = 0;
  bool success = false;
};
struct GlobalRequest {  // answer with global_reply() when want_reply
  bool want_reply = false;
  GlobalRequestBody body;
};
struct GlobalReply {  // answer to our oldest global request with want_reply
  bool success = false;
  Bytes data;
};
struct Writable {  // a channel whose write() fell short can take data again
  ChannelId channel = 0;
  std::size_t writable = 0;
};
}  // namespace event

using Event = std::variant<event::OpenRequested, event::Opened, event::OpenFailed, event::Data, event::Eof,
                           event::Closed, event::Request, event::RequestReply, event::GlobalRequest,
                           event::GlobalReply, event::Writable>;

// Per-channel counters, for tests and diagnostics.
struct ChannelStats {
  std::uint32_t remote_window = 0;   // bytes we may still send
  std::uint32_t remote_max_packet = 0;
  std::uint32_t local_window = 0;    // bytes the peer may still send
  std::uint32_t window_size = 0;     // our current window target
  std::uint32_t unconsumed = 0;      // received, not yet consume()d
  std::size_t queued = 0;            // written, not yet sent
};

class Engine {
 public:
  explicit Engine(EngineConfig config = {});

  // Input: one payload (message 80..100). After an error the engine is dead: handle(),
  // open() and global_request() return the same error, poll_output() gives nothing more
  // (the caller disconnects; events already queued can still be polled).
  Result<void> handle(ByteView payload);
  std::optional<Event> poll_event();
  // False while our answers pile up untaken (half of limits::kMaxQueuedConnectionControl):
  // the caller should stop reading from the transport until poll_output() has been drained.
  // Input handled anyway beyond the cap ends the connection (too_large).
  bool wants_input() const noexcept { return control_.size() < limits::kMaxQueuedConnectionControl / 2; }
  // The next payload for Transport::send(); nullopt when nothing can go out now.
  std::optional<Bytes> poll_output();

  // Channels.
  Result<ChannelId> open(OpenBody body);
  Result<void> accept(ChannelId channel);
  Result<void> reject(ChannelId channel, std::uint32_t reason, std::string description);
  Result<std::size_t> write(ChannelId channel, ByteView data, std::uint32_t stream = 0);
  std::size_t writable(ChannelId channel) const;
  // n bytes of event::Data were processed: their window may go back to the peer. Fails
  // (invalid_argument) beyond what was received, and once the channel is Closed.
  Result<void> consume(ChannelId channel, std::size_t n);
  Result<void> send_eof(ChannelId channel);
  Result<void> close(ChannelId channel);

  // Requests.
  Result<void> request(ChannelId channel, RequestBody body, bool want_reply);
  Result<void> reply(ChannelId channel, bool success);
  Result<void> global_request(GlobalRequestBody body, bool want_reply);
  Result<void> global_reply(bool success, Bytes data = {});

  std::size_t channel_count() const noexcept { return channels_.size(); }
  std::optional<ChannelStats> stats(ChannelId channel) const;
  bool failed() const noexcept { return error_.has_value(); }

 private:
  enum class State : std::uint8_t { opening_out, opening_in, open };
  // A reply we owe, in arrival order; automatic ones are decided when they arrive.
  struct Owed {
    bool automatic = false;
    std::optional<bool> answer;
    Bytes data;  // global REQUEST_SUCCESS data
  };
  // One queued outgoing item of a channel: data of a stream, or an encoded message that
  // must follow the data written before it (EOF, CLOSE, requests).
  struct OutItem {
    bool is_data = false;
    std::uint32_t stream = 0;
    Bytes bytes;
    std::size_t offset = 0;
  };
  struct Channel {
    State state = State::opening_out;
    std::uint32_t remote_id = 0;
    std::uint32_t remote_window = 0, remote_max_packet = 0;
    std::deque<OutItem> out;
    std::size_t queued_data = 0;
    bool write_blocked = false;
    bool eof_queued = false, close_queued = false, close_sent = false;
    std::uint32_t window_size = 0, local_window = 0, unconsumed = 0;
    bool eof_received = false;
    std::deque<Owed> owed;
    std::size_t replies_expected = 0;
  };

  Result<void> dispatch(Message& m);
  Result<void> on_global_request(GlobalRequest& g);
  Result<void> on_open(ChannelOpen& o);
  Result<void> on_data(std::uint32_t recipient, std::uint32_t stream, ByteView data);
  Result<void> on_close(ChannelId id, Channel& ch);
  Result<void> on_request(ChannelRequest& r);
  Result<Channel*> open_channel(std::uint32_t recipient, const char* what);

  Result<void> push_event(Event e);
  Result<void> protocol_error(std::string message);
  Result<void> check_alive() const;
  Channel* find(ChannelId id, State state);
  const Channel* find(ChannelId id, State state) const;
  std::optional<ChannelId> allocate_id();
  void queue_control(const Message& m);
  void queue_on_channel(Channel& ch, const Message& m);
  void flush_owed(Channel& ch);
  void flush_global_owed();
  void maybe_adjust_window(Channel& ch);
  std::optional<Bytes> take_from_channel(ChannelId id, Channel& ch);
  void free_channel(ChannelId id);

  EngineConfig config_;
  std::map<ChannelId, Channel> channels_;
  std::size_t pending_in_ = 0;
  ChannelId next_id_ = 0;
  ChannelId rr_cursor_ = 0;
  std::deque<Bytes> control_;
  std::deque<Event> events_;
  std::deque<Owed> global_owed_;
  std::size_t global_replies_expected_ = 0;
  bool no_more_sessions_ = false;
  std::optional<Error> error_;
};

}  // namespace skiff::connection
