#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <random>
#include <vector>

#include "connection/channels.hpp"

using namespace skiff;
using namespace skiff::connection;

namespace {

// Two engines connected in memory; payloads are moved until both are quiet.
struct Pair {
  Engine a, b;
  std::optional<Error> a_error, b_error;

  explicit Pair(EngineConfig ca = {}, EngineConfig cb = {}) : a(ca), b(cb) {}

  void pump() {
    for (bool moved = true; moved;) {
      moved = false;
      while (auto p = a.poll_output()) {
        moved = true;
        if (auto r = b.handle(*p); !r && !b_error) b_error = r.error();
      }
      while (auto p = b.poll_output()) {
        moved = true;
        if (auto r = a.handle(*p); !r && !a_error) a_error = r.error();
      }
    }
  }
};

std::vector<Event> drain(Engine& e) {
  std::vector<Event> out;
  while (auto ev = e.poll_event()) out.push_back(std::move(*ev));
  return out;
}

template <class T>
std::vector<T> only(const std::vector<Event>& evs) {
  std::vector<T> out;
  for (const auto& e : evs) {
    if (auto* t = std::get_if<T>(&e)) out.push_back(*t);
  }
  return out;
}

// Opens a channel from a to b, accepted by b; returns {id at a, id at b}.
std::pair<ChannelId, ChannelId> open_pair(Pair& p, OpenBody body = SessionOpen{}) {
  auto id = p.a.open(std::move(body));
  EXPECT_TRUE(id);
  p.pump();
  auto req = only<event::OpenRequested>(drain(p.b));
  EXPECT_EQ(req.size(), 1u);
  EXPECT_TRUE(p.b.accept(req.at(0).channel));
  p.pump();
  auto opened = only<event::Opened>(drain(p.a));
  EXPECT_EQ(opened.size(), 1u);
  return {*id, req.at(0).channel};
}

Bytes random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

Bytes payload(const Message& m) { return encode(m); }

EngineConfig small(std::uint32_t window, std::uint32_t packet, std::size_t queue = 4096) {
  EngineConfig c;
  c.initial_window = window;
  c.max_window = window * 4;
  c.max_packet = packet;
  c.send_queue_limit = queue;
  return c;
}

}  // namespace

TEST(ConnectionEngine, OpenDataEofCloseBothWays) {
  Pair p;
  auto [ca, cb] = open_pair(p);
  ASSERT_TRUE(p.a.write(ca, ByteView(Bytes{'h', 'i'})));
  ASSERT_TRUE(p.a.write(ca, ByteView(Bytes{'e'}), kExtendedDataStderr));
  ASSERT_TRUE(p.a.send_eof(ca));
  p.pump();
  auto evs = drain(p.b);
  auto data = only<event::Data>(evs);
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data[0].stream, 0u);
  EXPECT_EQ(data[0].bytes, (Bytes{'h', 'i'}));
  EXPECT_EQ(data[1].stream, 1u);
  EXPECT_EQ(only<event::Eof>(evs).size(), 1u);
  ASSERT_TRUE(p.b.request(cb, ExitStatusReq{0}, false));
  ASSERT_TRUE(p.b.close(cb));
  p.pump();
  auto aevs = drain(p.a);
  ASSERT_EQ(only<event::Request>(aevs).size(), 1u);
  EXPECT_EQ(std::get<ExitStatusReq>(only<event::Request>(aevs)[0].body).status, 0u);
  EXPECT_EQ(only<event::Closed>(aevs).size(), 1u);
  EXPECT_EQ(only<event::Closed>(drain(p.b)).size(), 1u);
  EXPECT_EQ(p.a.channel_count(), 0u);
  EXPECT_EQ(p.b.channel_count(), 0u);
  EXPECT_FALSE(p.a_error);
  EXPECT_FALSE(p.b_error);
}

TEST(ConnectionEngine, ManyChannelsLargeTransfersSmallWindows) {
  Pair p(small(2048, 256), small(1024, 100, 3000));
  constexpr int kChannels = 40;
  std::map<ChannelId, ChannelId> b_of_a;
  std::map<ChannelId, Bytes> sent, got, got_err;
  for (int i = 0; i < kChannels; ++i) {
    auto [ca, cb] = open_pair(p);
    b_of_a[ca] = cb;
    sent[cb] = random_bytes(20000 + 997 * i, i);
  }
  // Each b channel sends its bytes to a, stdout and stderr alternating by halves.
  std::map<ChannelId, std::size_t> pos;
  for (int round = 0; round < 100000; ++round) {
    bool pending = false;
    for (auto& [cb, bytes] : sent) {
      std::size_t& at = pos[cb];
      if (at < bytes.size()) {
        pending = true;
        const std::uint32_t stream = at < bytes.size() / 2 ? 0 : 1;
        const std::size_t end = stream == 0 ? bytes.size() / 2 : bytes.size();
        auto n = p.b.write(cb, ByteView(bytes.data() + at, end - at), stream);
        ASSERT_TRUE(n);
        at += *n;
        if (at == bytes.size()) {
          ASSERT_TRUE(p.b.send_eof(cb));
        }
      }
    }
    p.pump();
    for (auto& ev : drain(p.a)) {
      if (auto* d = std::get_if<event::Data>(&ev)) {
        auto& dst = d->stream == 0 ? got[b_of_a[d->channel]] : got_err[b_of_a[d->channel]];
        dst.insert(dst.end(), d->bytes.begin(), d->bytes.end());
        ASSERT_LE(d->bytes.size(), 256u);
        ASSERT_TRUE(p.a.consume(d->channel, d->bytes.size()));
      }
    }
    drain(p.b);
    if (!pending) break;
  }
  p.pump();
  ASSERT_FALSE(p.a_error) << p.a_error->to_string();
  ASSERT_FALSE(p.b_error) << p.b_error->to_string();
  for (auto& [cb, bytes] : sent) {
    Bytes joined = got[cb];
    EXPECT_EQ(joined.size(), bytes.size() / 2);
    joined.insert(joined.end(), got_err[cb].begin(), got_err[cb].end());
    EXPECT_EQ(joined, bytes) << "channel " << cb;
  }
  // The receiver kept up: windows grew, within their bound.
  for (auto& [ca, cb] : b_of_a) {
    auto st = p.a.stats(ca);
    ASSERT_TRUE(st);
    EXPECT_GT(st->window_size, 2048u);
    EXPECT_LE(st->window_size, 2048u * 4);
  }
}

TEST(ConnectionEngine, StalledReaderStopsOnlyItsChannel) {
  Pair p(small(4096, 512), small(4096, 512, 8192));
  auto [slow_a, slow_b] = open_pair(p);
  auto [fast_a, fast_b] = open_pair(p);
  Bytes big = random_bytes(100000, 7);
  std::size_t slow_at = 0, fast_at = 0;
  Bytes fast_got;
  for (int i = 0; i < 1000 && fast_got.size() < big.size(); ++i) {
    slow_at += *p.b.write(slow_b, ByteView(big.data() + slow_at, big.size() - slow_at));
    if (fast_at < big.size()) fast_at += *p.b.write(fast_b, ByteView(big.data() + fast_at, big.size() - fast_at));
    p.pump();
    for (auto& ev : drain(p.a)) {
      if (auto* d = std::get_if<event::Data>(&ev); d && d->channel == fast_a) {
        fast_got.insert(fast_got.end(), d->bytes.begin(), d->bytes.end());
        ASSERT_TRUE(p.a.consume(fast_a, d->bytes.size()));
      }
    }
  }
  EXPECT_EQ(fast_got, big);
  auto slow = p.a.stats(slow_a);
  EXPECT_EQ(slow->local_window, 0u);
  EXPECT_EQ(slow->unconsumed, 4096u);
  EXPECT_EQ(p.b.stats(slow_b)->remote_window, 0u);
  EXPECT_EQ(p.b.writable(slow_b), 0u);
  // Global requests still flow.
  ASSERT_TRUE(p.a.global_request(TcpipForward{"", 0}, true));
  p.pump();
  ASSERT_EQ(only<event::GlobalRequest>(drain(p.b)).size(), 1u);
  ASSERT_TRUE(p.b.global_reply(true, Bytes{0, 0, 0x30, 0x39}));
  p.pump();
  auto gr = only<event::GlobalReply>(drain(p.a));
  ASSERT_EQ(gr.size(), 1u);
  EXPECT_TRUE(gr[0].success);
  EXPECT_EQ(gr[0].data, (Bytes{0, 0, 0x30, 0x39}));
  // The reader resumes: the sender is told it may write again.
  ASSERT_TRUE(p.a.consume(slow_a, 4096));
  p.pump();
  bool writable = false;
  for (int i = 0; i < 100 && !writable; ++i) {
    for (auto& ev : drain(p.a)) {
      if (auto* d = std::get_if<event::Data>(&ev)) {
        ASSERT_TRUE(p.a.consume(d->channel, d->bytes.size()));
      }
    }
    p.pump();
    for (auto& w : only<event::Writable>(drain(p.b))) writable |= w.channel == slow_b;
  }
  EXPECT_TRUE(writable);
  EXPECT_FALSE(p.a_error);
  EXPECT_FALSE(p.b_error);
}

TEST(ConnectionEngine, EofAndCloseInEveryOrder) {
  // 0: a EOF, b EOF, a CLOSE; 1: a CLOSE only; 2: both CLOSE crossing; 3: b closes while a
  // still has data blocked by the window (dropped).
  for (int order = 0; order < 4; ++order) {
    Pair p(small(1024, 256), small(1024, 256));
    auto [ca, cb] = open_pair(p);
    if (order == 0) {
      ASSERT_TRUE(p.a.send_eof(ca));
      p.pump();
      ASSERT_TRUE(p.b.send_eof(cb));
      p.pump();
      EXPECT_EQ(only<event::Eof>(drain(p.a)).size(), 1u);
      EXPECT_EQ(only<event::Eof>(drain(p.b)).size(), 1u);
      ASSERT_TRUE(p.a.close(ca));
    } else if (order == 1) {
      ASSERT_TRUE(p.a.close(ca));
      EXPECT_FALSE(p.a.write(ca, ByteView(Bytes{1})));
    } else if (order == 2) {
      ASSERT_TRUE(p.a.close(ca));
      ASSERT_TRUE(p.b.close(cb));
      // Cross: each side sends its CLOSE before seeing the other's.
      auto pa = p.a.poll_output();
      auto pb = p.b.poll_output();
      ASSERT_TRUE(pa && pb);
      ASSERT_TRUE(p.b.handle(*pa));
      ASSERT_TRUE(p.a.handle(*pb));
    } else {
      Bytes lots(5000, 'x');
      ASSERT_EQ(*p.a.write(ca, ByteView(lots)), 4096u);
      ASSERT_TRUE(p.a.close(ca));
      p.pump();
      EXPECT_EQ(p.a.stats(ca)->queued, 4096u - 1024u);
      ASSERT_TRUE(p.b.close(cb));
    }
    p.pump();
    EXPECT_EQ(only<event::Closed>(drain(p.a)).size(), 1u) << order;
    EXPECT_EQ(only<event::Closed>(drain(p.b)).size(), 1u) << order;
    EXPECT_EQ(p.a.channel_count(), 0u) << order;
    EXPECT_EQ(p.b.channel_count(), 0u) << order;
    EXPECT_FALSE(p.a_error) << order;
    EXPECT_FALSE(p.b_error) << order;
  }
}

TEST(ConnectionEngine, PeerViolationsEndTheConnection) {
  auto expect_error = [](std::function<void(Pair&, ChannelId, ChannelId)> setup, const Bytes& bad) {
    Pair p(small(1024, 256), small(1024, 256));
    auto [ca, cb] = open_pair(p);
    setup(p, ca, cb);
    auto r = p.b.handle(bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::protocol_error) << r.error().message;
    EXPECT_TRUE(p.b.failed());
    EXPECT_FALSE(p.b.handle(payload(ChannelEof{cb})));
    EXPECT_FALSE(p.b.poll_output());
  };
  auto none = [](Pair&, ChannelId, ChannelId) {};
  Bytes window(1025, 'w');
  Bytes packet(257, 'p');
  expect_error(none, payload(ChannelData{0, ByteView(packet)}));  // beyond max packet
  expect_error(
      [&](Pair& p, ChannelId, ChannelId cb) {
        for (int i = 0; i < 4; ++i) ASSERT_TRUE(p.b.handle(payload(ChannelData{cb, ByteView(window.data(), 256)})));
      },
      payload(ChannelData{0, ByteView(window.data(), 1)}));  // beyond the window
  expect_error([](Pair& p, ChannelId, ChannelId cb) { ASSERT_TRUE(p.b.handle(payload(ChannelEof{cb}))); },
               payload(ExtendedData{0, 1, ByteView(window.data(), 1)}));  // after EOF
  expect_error([](Pair& p, ChannelId, ChannelId cb) { ASSERT_TRUE(p.b.handle(payload(ChannelEof{cb}))); },
               payload(ChannelEof{0}));  // second EOF
  expect_error([](Pair& p, ChannelId, ChannelId cb) { ASSERT_TRUE(p.b.handle(payload(ChannelClose{cb}))); },
               payload(ChannelData{0, ByteView(window.data(), 1)}));  // after CLOSE
  expect_error(none, payload(ChannelData{77, ByteView(window.data(), 1)}));  // unknown channel
  expect_error(none, payload(OpenConfirmation{0, 1, 1, 1, {}}));             // already open
  expect_error(none, payload(ChannelSuccess{0}));                            // no request
  expect_error(none, payload(RequestFailure{}));                             // no global request
  expect_error(none, payload(WindowAdjust{0, 0xffffffffu}));                 // window overflow
}

TEST(ConnectionEngine, RepliesComeBackInOrder) {
  Pair p;
  auto [ca, cb] = open_pair(p);
  ASSERT_TRUE(p.a.request(ca, EnvReq{"A", "1"}, true));
  ASSERT_TRUE(p.a.request(ca, ChannelKeepalive{}, true));  // answered by b itself, in its turn
  ASSERT_TRUE(p.a.request(ca, ExecReq{"true"}, true));
  ASSERT_TRUE(p.a.request(ca, WindowChangeReq{1, 2, 3, 4}, false));
  p.pump();
  auto reqs = only<event::Request>(drain(p.b));
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<EnvReq>(reqs[0].body));
  EXPECT_TRUE(std::holds_alternative<ExecReq>(reqs[1].body));
  EXPECT_FALSE(reqs[2].want_reply);
  // Nothing goes out before the oldest request is answered.
  EXPECT_FALSE(p.b.poll_output());
  ASSERT_TRUE(p.b.reply(cb, true));
  ASSERT_TRUE(p.b.reply(cb, true));
  EXPECT_FALSE(p.b.reply(cb, true));
  p.pump();
  auto replies = only<event::RequestReply>(drain(p.a));
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_TRUE(replies[0].success);
  EXPECT_FALSE(replies[1].success);  // keepalive@openssh.com, as OpenSSH
  EXPECT_TRUE(replies[2].success);

  // Global requests: keepalive and unknown ones are refused automatically, in order.
  ASSERT_TRUE(p.a.global_request(TcpipForward{"localhost", 2222}, true));
  ASSERT_TRUE(p.a.global_request(GlobalKeepalive{}, true));
  ASSERT_TRUE(p.a.global_request(RawGlobalRequest{"x@example.com", {}}, true));
  ASSERT_TRUE(p.a.global_request(RawGlobalRequest{"hostkeys-00@openssh.com", {1}}, false));
  p.pump();
  auto globals = only<event::GlobalRequest>(drain(p.b));
  ASSERT_EQ(globals.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<TcpipForward>(globals[0].body));
  EXPECT_FALSE(globals[1].want_reply);
  EXPECT_TRUE(only<event::GlobalReply>(drain(p.a)).empty());
  ASSERT_TRUE(p.b.global_reply(true));
  p.pump();
  auto greplies = only<event::GlobalReply>(drain(p.a));
  ASSERT_EQ(greplies.size(), 3u);
  EXPECT_TRUE(greplies[0].success);
  EXPECT_FALSE(greplies[1].success);
  EXPECT_FALSE(greplies[2].success);
  EXPECT_FALSE(p.a_error);
  EXPECT_FALSE(p.b_error);
}

TEST(ConnectionEngine, OpenFloodBeyondTheCapsRefused) {
  EngineConfig cb;
  cb.max_pending_opens = 4;
  cb.max_channels = 6;
  Pair p({}, cb);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(p.a.open(DirectTcpipOpen{"h", 1, "o", 2}));
  p.pump();
  auto reqs = only<event::OpenRequested>(drain(p.b));
  ASSERT_EQ(reqs.size(), 4u);
  auto failed = only<event::OpenFailed>(drain(p.a));
  ASSERT_EQ(failed.size(), 6u);
  for (auto& f : failed) EXPECT_EQ(f.reason, open_failure::kResourceShortage);
  for (auto& r : reqs) ASSERT_TRUE(p.b.accept(r.channel));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(p.a.open(SessionOpen{}));
  p.pump();
  EXPECT_EQ(only<event::OpenRequested>(drain(p.b)).size(), 2u);
  EXPECT_EQ(only<event::OpenFailed>(drain(p.a)).size(), 2u);
  EXPECT_EQ(p.b.channel_count(), 6u);
  // Rejected and unknown types.
  ASSERT_TRUE(p.a.open(RawOpen{"tun@openssh.com", {0, 0, 0, 1, 0, 0, 0, 0}}));
  p.pump();
  auto unknown = only<event::OpenFailed>(drain(p.a));
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_EQ(unknown[0].reason, open_failure::kUnknownChannelType);
  EXPECT_FALSE(p.a_error);
  EXPECT_FALSE(p.b_error);
}

TEST(ConnectionEngine, RejectFreesTheId) {
  Pair p;
  ASSERT_TRUE(p.a.open(X11Open{"127.0.0.1", 6000}));
  p.pump();
  auto reqs = only<event::OpenRequested>(drain(p.b));
  ASSERT_EQ(reqs.size(), 1u);
  ASSERT_TRUE(p.b.reject(reqs[0].channel, open_failure::kAdministrativelyProhibited, "no X11"));
  p.pump();
  auto failed = only<event::OpenFailed>(drain(p.a));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].description, "no X11");
  EXPECT_EQ(p.a.channel_count(), 0u);
  EXPECT_EQ(p.b.channel_count(), 0u);
}

TEST(ConnectionEngine, NoMoreSessions) {
  Pair p;
  ASSERT_TRUE(p.a.global_request(NoMoreSessions{}, true));
  p.pump();
  auto r = only<event::GlobalReply>(drain(p.a));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].success);
  EXPECT_TRUE(drain(p.b).empty());
  open_pair(p, DirectTcpipOpen{"h", 22, "o", 1});  // other types still open
  ASSERT_TRUE(p.a.open(SessionOpen{}));
  p.pump();
  ASSERT_TRUE(p.b_error);
  EXPECT_EQ(p.b_error->code, Errc::protocol_error);
}

TEST(ConnectionEngine, WriteBackpressure) {
  Pair p(small(1024, 256, 2000), small(512, 256, 2000));
  auto [ca, cb] = open_pair(p);
  EXPECT_EQ(p.a.writable(ca), 2000u);
  EXPECT_EQ(*p.a.write(ca, ByteView(Bytes(5000, 1))), 2000u);
  EXPECT_EQ(p.a.writable(ca), 0u);
  p.pump();
  EXPECT_EQ(p.a.stats(ca)->queued, 2000u - 512u);
  EXPECT_TRUE(only<event::Writable>(drain(p.a)).empty());  // still more than half full
  for (auto& ev : drain(p.b)) {
    if (auto* d = std::get_if<event::Data>(&ev)) {
      ASSERT_TRUE(p.b.consume(cb, d->bytes.size()));
    }
  }
  p.pump();
  auto w = only<event::Writable>(drain(p.a));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_GE(w[0].writable, 1000u);
  EXPECT_LE(w[0].writable, p.a.writable(ca));
  EXPECT_FALSE(p.b.consume(cb, 100000));  // more than received
  EXPECT_FALSE(p.a.consume(ca + 1, 0));   // unknown channel
}

// Queued data is kept in blocks that never grow by reallocation (a block takes a write
// only while it has room): whatever the mix of write sizes and streams, and however the
// output is taken meanwhile, each stream arrives whole and in order.
TEST(ConnectionEngine, QueuedBlocksKeepEveryStreamInOrder) {
  Pair p(small(64 * 1024, 1000, 512 * 1024), small(64 * 1024, 1000, 512 * 1024));
  auto [ca, cb] = open_pair(p);
  Bytes sent[2], got[2];
  const std::size_t sizes[] = {1, 3, 4096, 1, 5000, 65536, 2, 100000, 4095, 7};
  unsigned seed = 1;
  for (int round = 0; round < 3; ++round) {
    for (std::size_t n : sizes) {
      const std::uint32_t stream = (seed % 3 == 0) ? kExtendedDataStderr : 0;
      Bytes b = random_bytes(n, seed++);
      auto w = p.a.write(ca, ByteView(b), stream);
      ASSERT_TRUE(w);
      sent[stream].insert(sent[stream].end(), b.begin(), b.begin() + static_cast<std::ptrdiff_t>(*w));
      if (seed % 4 == 0) {  // take some output between writes: blocks partly sent
        if (auto out = p.a.poll_output()) {
          ASSERT_TRUE(p.b.handle(*out));
        }
      }
    }
    for (int i = 0; i < 100; ++i) {
      p.pump();
      for (auto& ev : drain(p.b)) {
        if (auto* d = std::get_if<event::Data>(&ev)) {
          got[d->stream].insert(got[d->stream].end(), d->bytes.begin(), d->bytes.end());
          ASSERT_TRUE(p.b.consume(cb, d->bytes.size()));
        }
      }
      drain(p.a);
    }
  }
  EXPECT_EQ(got[0], sent[0]);
  EXPECT_EQ(got[1], sent[1]);
  EXPECT_GT(sent[1].size(), 0u);
  EXPECT_FALSE(p.a_error);
  EXPECT_FALSE(p.b_error);
}

TEST(ConnectionEngine, WhatCrossesOurCloseIsDiscarded) {
  Pair p;
  auto [ca, cb] = open_pair(p);
  ASSERT_TRUE(p.a.close(ca));
  auto close_a = p.a.poll_output();
  ASSERT_TRUE(close_a);
  // b has not seen the CLOSE yet: its data and request cross it.
  ASSERT_TRUE(p.b.write(cb, ByteView(Bytes(10, 'd'))));
  ASSERT_TRUE(p.b.request(cb, ShellReq{}, true));
  ASSERT_TRUE(p.b.send_eof(cb));
  while (auto out = p.b.poll_output()) ASSERT_TRUE(p.a.handle(*out));
  EXPECT_TRUE(drain(p.a).empty());
  EXPECT_FALSE(p.a.poll_output());  // no reply after our CLOSE, as OpenSSH
  ASSERT_TRUE(p.b.handle(*close_a));
  p.pump();
  EXPECT_EQ(only<event::Closed>(drain(p.a)).size(), 1u);
  EXPECT_EQ(only<event::Closed>(drain(p.b)).size(), 1u);
  EXPECT_FALSE(p.a.consume(ca, 0));  // the id is gone
  EXPECT_FALSE(p.a_error);
  EXPECT_FALSE(p.b_error);
}

TEST(ConnectionEngine, PeerThatDoesNotReadItsAnswersIsCut) {
  Engine e;
  const Bytes keepalive = payload(GlobalRequest{true, GlobalKeepalive{}});
  std::size_t handled = 0;
  for (; handled < 100000 && e.wants_input(); ++handled) ASSERT_TRUE(e.handle(keepalive));
  EXPECT_EQ(handled, limits::kMaxQueuedConnectionControl / 2);
  for (std::size_t i = handled; i < limits::kMaxQueuedConnectionControl; ++i) ASSERT_TRUE(e.handle(keepalive));
  auto r = e.handle(keepalive);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::too_large);
}
