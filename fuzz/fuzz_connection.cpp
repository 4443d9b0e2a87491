// libFuzzer target: the connection protocol (RFC 4254) decoders and engine.
//
// Byte 0 picks the mode. Even: the bytes after it are one payload for decode(); whatever
// is accepted must re-encode to something that decodes to the same encoding (pty modes are
// re-encoded canonically, so the first encoding may differ from the input only there).
// Odd: a script (FuzzedDataProvider) drives two engines wired back to back: the
// application operations of either side, and raw payloads injected into either side as if
// the peer had sent them. Invariants are checked after every step: windows within their
// bounds, tables within their caps, every payload an engine emits decodes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "connection/channels.hpp"
#include "connection/messages.hpp"

using namespace skiff;
using namespace skiff::connection;

namespace {

[[noreturn]] void die(const char* why) {
  std::fprintf(stderr, "fuzz_connection: invariant violated: %s\n", why);
  std::abort();
}

void fuzz_decode(const std::uint8_t* data, std::size_t size) {
  auto m = decode(ByteView(data, size));
  if (!m) return;
  Bytes once = encode(*m);
  if (once.empty() || once[0] != data[0]) die("re-encoding changed the message number");
  auto again = decode(once);
  if (!again) die("re-encoded message does not decode");
  if (encode(*again) != once) die("encoding is not stable");
  const bool has_pty = std::holds_alternative<ChannelRequest>(*m) &&
                       std::holds_alternative<PtyReq>(std::get<ChannelRequest>(*m).body);
  // Booleans are re-encoded as 1, so only the length must be kept exactly.
  if (!has_pty && once.size() != size) die("re-encoding changed the length");
}

struct Side {
  Engine engine;
  EngineConfig config;
  std::vector<ChannelId> known;  // ids this side has seen, valid or not
  std::vector<ChannelId> open_requests;
  explicit Side(EngineConfig c) : engine(c), config(c) {}
};

EngineConfig make_config(FuzzedDataProvider& fdp) {
  EngineConfig c;
  c.initial_window = fdp.ConsumeIntegralInRange<std::uint32_t>(1, 1 << 16);
  c.max_window = fdp.ConsumeIntegralInRange<std::uint32_t>(1, 1 << 18);
  c.max_packet = fdp.ConsumeIntegralInRange<std::uint32_t>(1, 1 << 15);
  c.send_queue_limit = fdp.ConsumeIntegralInRange<std::size_t>(1, 1 << 16);
  c.max_channels = fdp.ConsumeIntegralInRange<std::size_t>(1, 16);
  c.max_pending_opens = fdp.ConsumeIntegralInRange<std::size_t>(1, 8);
  return c;
}

void check(const Side& s) {
  if (s.engine.channel_count() > s.config.max_channels) die("more channels than the cap");
  for (ChannelId id : s.known) {
    auto st = s.engine.stats(id);
    if (!st) continue;
    if (std::uint64_t{st->local_window} + st->unconsumed > st->window_size) die("window accounting broken");
    if (st->window_size > std::max({s.config.max_window, s.config.initial_window, s.config.max_packet})) {
      die("window grew beyond its bound");
    }
    if (st->queued > s.config.send_queue_limit) die("send queue beyond its cap");
  }
}

// Moves one side's output to the other; every payload must decode.
void deliver(Side& from, Side& to) {
  for (int i = 0; i < 1000; ++i) {
    auto p = from.engine.poll_output();
    if (!p) return;
    auto m = decode(*p);
    if (!m) die("an engine emitted a payload that does not decode");
    (void)to.engine.handle(*p);
  }
}

void drain(Side& s) {
  while (auto ev = s.engine.poll_event()) {
    if (auto* o = std::get_if<event::OpenRequested>(&*ev)) {
      s.open_requests.push_back(o->channel);
      s.known.push_back(o->channel);
    } else if (auto* d = std::get_if<event::Data>(&*ev)) {
      if (d->bytes.size() > s.config.max_packet) die("data beyond our maximum packet delivered");
    }
  }
}

void fuzz_engines(FuzzedDataProvider& fdp) {
  Side sides[2] = {Side(make_config(fdp)), Side(make_config(fdp))};
  for (int step = 0; step < 200 && fdp.remaining_bytes() > 0; ++step) {
    Side& s = sides[fdp.ConsumeBool() ? 1 : 0];
    Side& peer = &s == &sides[0] ? sides[1] : sides[0];
    auto pick = [&]() -> ChannelId {
      if (s.known.empty() || fdp.ConsumeIntegralInRange<int>(0, 9) == 0) return fdp.ConsumeIntegral<std::uint8_t>();
      return s.known[fdp.ConsumeIntegralInRange<std::size_t>(0, s.known.size() - 1)];
    };
    switch (fdp.ConsumeIntegralInRange<int>(0, 13)) {
      case 0: {
        OpenBody body = SessionOpen{};
        if (fdp.ConsumeBool()) body = DirectTcpipOpen{"h", 1, "o", 2};
        if (auto id = s.engine.open(std::move(body))) s.known.push_back(*id);
        break;
      }
      case 1:
        if (!s.open_requests.empty()) {
          ChannelId id = s.open_requests.back();
          s.open_requests.pop_back();
          if (fdp.ConsumeBool()) {
            (void)s.engine.accept(id);
          } else {
            (void)s.engine.reject(id, open_failure::kConnectFailed, "no");
          }
        }
        break;
      case 2: {
        Bytes data(fdp.ConsumeIntegralInRange<std::size_t>(0, 70000), 0x5a);
        (void)s.engine.write(pick(), data, fdp.ConsumeIntegralInRange<std::uint32_t>(0, 2));
        break;
      }
      case 3: {
        ChannelId id = pick();
        auto st = s.engine.stats(id);
        (void)s.engine.consume(id, st ? st->unconsumed : fdp.ConsumeIntegral<std::uint16_t>());
        break;
      }
      case 4:
        (void)s.engine.send_eof(pick());
        break;
      case 5:
        (void)s.engine.close(pick());
        break;
      case 6:
        (void)s.engine.request(pick(), fdp.ConsumeBool() ? RequestBody{ShellReq{}} : RequestBody{ChannelKeepalive{}},
                               fdp.ConsumeBool());
        break;
      case 7:
        (void)s.engine.reply(pick(), fdp.ConsumeBool());
        break;
      case 8: {
        GlobalRequestBody b = GlobalKeepalive{};
        switch (fdp.ConsumeIntegralInRange<int>(0, 3)) {
          case 0: b = TcpipForward{"", 0}; break;
          case 1: b = NoMoreSessions{}; break;
          case 2: b = RawGlobalRequest{"x@y", {}}; break;
          default: break;
        }
        (void)s.engine.global_request(std::move(b), fdp.ConsumeBool());
        break;
      }
      case 9:
        (void)s.engine.global_reply(fdp.ConsumeBool());
        break;
      case 10:
      case 11: {
        // A payload as if from the peer: message number in range, the rest arbitrary.
        Bytes p = fdp.ConsumeBytes<std::uint8_t>(fdp.ConsumeIntegralInRange<std::size_t>(0, 64));
        if (!p.empty()) p[0] = static_cast<std::uint8_t>(80 + p[0] % 21);
        (void)s.engine.handle(p);
        break;
      }
      default:
        deliver(s, peer);
        break;
    }
    drain(sides[0]);
    drain(sides[1]);
    check(sides[0]);
    check(sides[1]);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  if ((data[0] & 1) == 0) {
    fuzz_decode(data + 1, size - 1);
    return 0;
  }
  FuzzedDataProvider fdp(data + 1, size - 1);
  fuzz_engines(fdp);
  return 0;
}
