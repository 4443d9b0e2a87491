// Edge cases of the transport's API contract found in review: input after the end,
// unsupported names in the configuration, delayed compression starting exactly after a
// queued USERAUTH_SUCCESS, output handed over with take_output().
#include <gtest/gtest.h>

#include "pair/pair_harness.hpp"

using namespace skiff;
using namespace skiff::test;

namespace {

TEST(TransportEdge, FeedAfterTheEndIsIgnored) {
  Pair p(client_config(), server_config());
  ASSERT_TRUE(p.handshake());
  Bytes junk(64, 0xff);
  p.server.feed(junk, p.now);  // an impossible packet length ends the connection
  while (p.server.poll_event()) {
  }
  ASSERT_TRUE(p.server.closed());
  Bytes burst(300 * 1024, 0x41);  // more than the buffer ever held: must not be copied anywhere
  p.server.feed(burst, p.now);
  p.server.feed(burst, p.now);
  EXPECT_FALSE(p.server.poll_event().has_value());
}

TEST(TransportEdge, UnsupportedAlgorithmNamesAreRefusedAtStart) {
  for (auto mutate : {+[](TransportConfig& c) { c.ciphers = {"aes128-cbc"}; },
                      +[](TransportConfig& c) { c.macs = {"hmac-md5"}; },
                      +[](TransportConfig& c) { c.kex_algorithms = {"sntrup761x25519-sha512@openssh.com"}; },
                      +[](TransportConfig& c) { c.compression = {"lz4"}; }}) {
    TransportConfig cfg = client_config();
    mutate(cfg);
    Transport t(cfg);
    t.start({});
    auto ev = t.poll_event();
    ASSERT_TRUE(ev.has_value());
    auto* d = std::get_if<event::Disconnected>(&*ev);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->error.code, Errc::invalid_argument);
    EXPECT_TRUE(t.pending_output().empty());  // nothing was sent
  }
}

TEST(TransportEdge, DelayedCompressionStartsAfterAQueuedSuccess) {
  auto cc = client_config();
  auto sc = server_config();
  cc.compression = sc.compression = {"zlib@openssh.com"};
  Pair p(cc, sc);
  ASSERT_TRUE(p.handshake());
  // A rekey runs while the server's USERAUTH_SUCCESS is produced: it waits in the queue,
  // and compression must not start before it has gone out uncompressed.
  p.client.request_rekey();
  ASSERT_TRUE(p.client.kex_in_progress());
  // Hand the client's KEXINIT to the server by hand: it answers with its own and is now
  // in the exchange.
  ByteView kexinit = p.client.pending_output();
  p.server.feed(kexinit, p.now);
  p.client.consume_output(kexinit.size());
  while (p.server.poll_event()) {
  }
  ASSERT_TRUE(p.server.kex_in_progress());
  const Bytes success{52};
  ASSERT_TRUE(p.server.send(success));
  p.server.user_authenticated();
  p.on_client_packet = [&](ByteView b) {
    p.client_log.packets.emplace_back(b.begin(), b.end());
    if (b.size() == 1 && b[0] == 52) p.client.user_authenticated();
  };
  ASSERT_TRUE(p.pump());
  ASSERT_FALSE(p.client_log.packets.empty());
  EXPECT_EQ(p.client_log.packets[0], success);
  for (std::uint8_t i = 0; i < 20; ++i) {
    Bytes m(3000, i);
    m[0] = 94;
    ASSERT_TRUE(p.server.send(m));
    ASSERT_TRUE(p.client.send(m));
  }
  ASSERT_TRUE(p.pump());
  EXPECT_EQ(p.client_log.packets.size(), 21u);
  EXPECT_EQ(p.server_log.packets.size(), 20u);
}

TEST(TransportEdge, TakeOutputHandsOverEverything) {
  Pair p(client_config(), server_config());
  ASSERT_TRUE(p.handshake());
  Bytes m(1000, 1);
  m[0] = 94;
  ASSERT_TRUE(p.client.send(m));
  p.client.consume_output(10);  // part of it already written
  Bytes taken{9, 9, 9};
  p.client.take_output(taken);
  EXPECT_TRUE(p.client.pending_output().empty());
  EXPECT_GT(taken.size(), 900u);
}

}  // namespace
