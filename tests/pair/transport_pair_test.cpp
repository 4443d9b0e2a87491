// Client and server transports back to back in memory: every algorithm combination,
// rekeys in mid-stream, bulk data with checksums.
#include <gtest/gtest.h>

#include <cstdlib>

#include "crypto/hash.hpp"
#include "crypto/kex_math.hpp"
#include "pair/pair_harness.hpp"
#include "transport/algorithms.hpp"

using namespace skiff;
using namespace skiff::test;
using transport::AlgorithmKind;

namespace {

struct CipherMac {
  std::string cipher, mac;
};

std::vector<CipherMac> cipher_mac_combinations() {
  std::vector<CipherMac> v;
  for (const auto& c : transport::supported_algorithms(AlgorithmKind::cipher)) {
    if (c.find("gcm") != std::string::npos || c.find("chacha") != std::string::npos) {
      v.push_back({c, "hmac-sha2-256"});  // MAC list is ignored for AEAD ciphers
      continue;
    }
    for (const auto& m : transport::supported_algorithms(AlgorithmKind::mac)) v.push_back({c, m});
  }
  return v;
}

Bytes data_message(std::uint32_t counter, std::size_t size) {
  Bytes m(5 + size);
  m[0] = 94;
  m[1] = static_cast<std::uint8_t>(counter >> 24);
  m[2] = static_cast<std::uint8_t>(counter >> 16);
  m[3] = static_cast<std::uint8_t>(counter >> 8);
  m[4] = static_cast<std::uint8_t>(counter);
  for (std::size_t i = 0; i < size; ++i) m[5 + i] = static_cast<std::uint8_t>(counter * 131 + i * 7);
  return m;
}

std::uint64_t env_bytes(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 10) : fallback;
}

// Runs a handshake with exactly these algorithms, exchanges messages, rekeys from each
// side, exchanges again.
void exercise(const std::string& kex, const std::string& host_key, const CipherMac& cm) {
  SCOPED_TRACE(kex + " " + host_key + " " + cm.cipher + " " + cm.mac);
  Pair p(client_config(kex, host_key, cm.cipher, cm.mac), server_config(kex, host_key, cm.cipher, cm.mac));
  ASSERT_TRUE(p.handshake()) << (p.client_log.disconnected ? p.client_log.disconnected->error.to_string() : "")
                             << (p.server_log.disconnected ? p.server_log.disconnected->error.to_string() : "");
  const auto& a = p.client.algorithms();
  EXPECT_EQ(a.kex, kex);
  EXPECT_EQ(a.host_key, host_key);
  EXPECT_EQ(a.cipher_c2s, cm.cipher);
  EXPECT_TRUE(a.strict_kex);
  ASSERT_TRUE(p.client_log.host_key.has_value());
  EXPECT_EQ(p.client_log.host_key->algorithm, host_key);
  for (int round = 0; round < 3; ++round) {
    for (std::uint32_t i = 0; i < 3; ++i) {
      ASSERT_TRUE(p.client.send(data_message(i, 100 + i * 1000)));
      ASSERT_TRUE(p.server.send(data_message(i, 50 + i * 2000)));
    }
    if (round == 0) p.client.request_rekey();
    if (round == 1) p.server.request_rekey();
    ASSERT_TRUE(p.pump());
  }
  EXPECT_EQ(p.client_log.kex_completed, 3u);
  EXPECT_EQ(p.server_log.kex_completed, 3u);
  ASSERT_EQ(p.server_log.packets.size(), 9u);
  ASSERT_EQ(p.client_log.packets.size(), 9u);
  for (std::uint32_t i = 0; i < 9; ++i) {
    EXPECT_EQ(p.server_log.packets[i], data_message(i % 3, 100 + (i % 3) * 1000));
    EXPECT_EQ(p.client_log.packets[i], data_message(i % 3, 50 + (i % 3) * 2000));
  }
}

class KexHostKeyMatrix : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(KexHostKeyMatrix, EveryCipherAndMacCompletesAndRekeys) {
  auto [kex, host_key] = GetParam();
  for (const auto& cm : cipher_mac_combinations()) {
    exercise(kex, host_key, cm);
    if (HasFatalFailure()) return;
  }
}

std::string param_name(const ::testing::TestParamInfo<std::tuple<std::string, std::string>>& info) {
  std::string s = std::get<0>(info.param) + "_" + std::get<1>(info.param);
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(All, KexHostKeyMatrix,
                         ::testing::Combine(::testing::ValuesIn(transport::supported_algorithms(AlgorithmKind::kex)),
                                            ::testing::ValuesIn(transport::supported_algorithms(
                                                AlgorithmKind::host_key))),
                         param_name);

// Bulk data both ways with 100 rekeys in mid-stream, alternately started by each side.
class BulkTransfer : public ::testing::TestWithParam<CipherMac> {};

TEST_P(BulkTransfer, HundredRekeysAndEqualChecksums) {
  const CipherMac& cm = GetParam();
  // 1 GiB each way; SKIFF_PAIR_BYTES makes it smaller for the sanitizer runs.
  const std::uint64_t total = env_bytes("SKIFF_PAIR_BYTES", 1ULL << 30);
  const std::size_t message = 32 * 1024;
  const std::uint64_t messages = std::max<std::uint64_t>(total / message, 1000);
  const int rekeys = 100;

  Pair p(client_config("curve25519-sha256", "ssh-ed25519", cm.cipher, cm.mac),
         server_config("curve25519-sha256", "ssh-ed25519", cm.cipher, cm.mac));
  crypto::Hash sent_c2s(crypto::HashAlg::sha256), sent_s2c(crypto::HashAlg::sha256);
  crypto::Hash got_c2s(crypto::HashAlg::sha256), got_s2c(crypto::HashAlg::sha256);
  std::uint64_t got_at_server = 0, got_at_client = 0;
  p.on_server_packet = [&](ByteView b) { got_c2s.update(b); ++got_at_server; };
  p.on_client_packet = [&](ByteView b) { got_s2c.update(b); ++got_at_client; };
  ASSERT_TRUE(p.handshake());

  Bytes buf(5 + message);
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<std::uint8_t>(i * 13 + 1);
  buf[0] = 94;
  int rekeys_started = 0;
  for (std::uint64_t i = 0; i < messages; ++i) {
    buf[1] = static_cast<std::uint8_t>(i);
    buf[2] = static_cast<std::uint8_t>(i >> 8);
    ASSERT_TRUE(p.client.send(buf));
    sent_c2s.update(buf);
    buf[3] = static_cast<std::uint8_t>(i);
    ASSERT_TRUE(p.server.send(buf));
    sent_s2c.update(buf);
    if (rekeys_started < rekeys && i % (messages / (rekeys + 1)) == messages / (rekeys + 1) / 2) {
      if (rekeys_started % 2) {
        p.server.request_rekey();
      } else {
        p.client.request_rekey();
      }
      ++rekeys_started;
    }
    if (i % 8 == 7) {
      ASSERT_TRUE(p.pump());
    }
  }
  ASSERT_TRUE(p.pump());
  EXPECT_EQ(rekeys_started, rekeys);
  EXPECT_EQ(p.client_log.kex_completed, static_cast<std::uint64_t>(rekeys + 1));
  EXPECT_EQ(got_at_server, messages);
  EXPECT_EQ(got_at_client, messages);
  EXPECT_EQ(sent_c2s.finish(), got_c2s.finish());
  EXPECT_EQ(sent_s2c.finish(), got_s2c.finish());
}

INSTANTIATE_TEST_SUITE_P(All, BulkTransfer, ::testing::ValuesIn(cipher_mac_combinations()),
                         [](const ::testing::TestParamInfo<CipherMac>& param) {
                           std::string s = param.param.cipher + "_" + param.param.mac;
                           for (char& c : s)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return s;
                         });

TEST(TransportPair, AutomaticRekeyAfterByteLimit) {
  auto cc = client_config();
  cc.rekey_bytes = 1 << 20;
  Pair p(cc, server_config());
  ASSERT_TRUE(p.handshake());
  p.client.user_authenticated();
  p.server.user_authenticated();
  for (std::uint32_t i = 0; i < 200; ++i) {
    ASSERT_TRUE(p.client.send(data_message(i, 32 * 1024)));
    ASSERT_TRUE(p.pump());
  }
  // 200 * 32 KiB = 6.25 MiB: at least 5 exchanges after the first.
  EXPECT_GE(p.client_log.kex_completed, 6u);
  EXPECT_EQ(p.server_log.packets.size(), 200u);
}

TEST(TransportPair, AutomaticRekeyAfterTime) {
  auto sc = server_config();
  sc.rekey_interval = std::chrono::seconds(60);
  Pair p(client_config(), sc);
  ASSERT_TRUE(p.handshake());
  EXPECT_FALSE(p.server.next_deadline().has_value());  // no automatic rekey before authentication
  p.client.user_authenticated();
  p.server.user_authenticated();
  ASSERT_TRUE(p.server.next_deadline().has_value());
  p.now += std::chrono::seconds(61);
  p.server.on_timer(p.now);
  ASSERT_TRUE(p.pump());
  EXPECT_EQ(p.server_log.kex_completed, 2u);
}

TEST(TransportPair, CompressionBothKinds) {
  for (std::string comp : {"zlib", "zlib@openssh.com"}) {
    auto cc = client_config();
    auto sc = server_config();
    cc.compression = sc.compression = {comp};
    Pair p(cc, sc);
    ASSERT_TRUE(p.handshake());
    p.client.user_authenticated();
    p.server.user_authenticated();
    for (std::uint32_t i = 0; i < 50; ++i) {
      ASSERT_TRUE(p.client.send(data_message(i, 5000)));
      ASSERT_TRUE(p.server.send(data_message(i, 7000)));
      if (i == 25) p.client.request_rekey();
    }
    ASSERT_TRUE(p.pump());
    ASSERT_EQ(p.server_log.packets.size(), 50u);
    EXPECT_EQ(p.server_log.packets[49], data_message(49, 5000));
    EXPECT_EQ(p.client_log.packets[49], data_message(49, 7000));
    EXPECT_EQ(p.client.algorithms().compression_c2s, comp);
  }
}

TEST(TransportPair, RejectedHostKeyEndsConnection) {
  Pair p(client_config(), server_config());
  p.accept_host_keys = false;
  EXPECT_FALSE(p.handshake());
  ASSERT_TRUE(p.client_log.disconnected);
  EXPECT_EQ(p.client_log.disconnected->error.code, Errc::host_key_rejected);
}

TEST(TransportPair, NoCommonCipherFails) {
  Pair p(client_config({}, {}, "aes128-ctr"), server_config({}, {}, "chacha20-poly1305@openssh.com"));
  EXPECT_FALSE(p.handshake());
  ASSERT_TRUE(p.client_log.disconnected);
  EXPECT_EQ(p.client_log.disconnected->error.code, Errc::kex_failed);
}

TEST(TransportPair, ServerSigAlgsAndPingAdvertised) {
  Pair p(client_config(), server_config());
  ASSERT_TRUE(p.handshake());
  EXPECT_FALSE(p.client.server_sig_algs().empty());
  EXPECT_TRUE(p.client.peer_supports_ping());
}

}  // namespace

namespace {

TEST(TransportPair, GroupExchangeUsesTheServersModuli) {
  // The server offers only group 14 (as a moduli file would); the client accepts 2048 bits.
  auto sc = server_config("diffie-hellman-group-exchange-sha256");
  const auto& g14 = crypto::modp_group(14);
  sc.gex_groups = {DhGexGroup{2048, g14.p, g14.g}};
  auto cc = client_config("diffie-hellman-group-exchange-sha256");
  cc.gex_min = 2048;
  cc.gex_preferred = 3072;
  cc.gex_max = 8192;
  Pair p(cc, sc);
  ASSERT_TRUE(p.handshake());
  // A client that wants at least 3072 bits refuses the 2048-bit group... but the server
  // then falls back to a built-in group in range, so the exchange still completes.
  cc.gex_min = 3072;
  Pair q(cc, sc);
  ASSERT_TRUE(q.handshake());
}

TEST(TransportPair, ModuliLoaderRunsOnlyForAGroupExchange) {
  // skiffd reads its moduli file only when a client negotiates group exchange.
  int loads = 0;
  auto sc = server_config();
  sc.kex_algorithms = {"curve25519-sha256", "diffie-hellman-group-exchange-sha256"};
  sc.gex_groups_loader = [&loads] {
    ++loads;
    const auto& g14 = crypto::modp_group(14);
    return std::vector<DhGexGroup>{DhGexGroup{2048, g14.p, g14.g}};
  };
  Pair curve(client_config("curve25519-sha256"), sc);
  ASSERT_TRUE(curve.handshake());
  EXPECT_EQ(loads, 0);
  auto cc = client_config("diffie-hellman-group-exchange-sha256");
  cc.gex_min = 2048;
  Pair gex(cc, sc);
  ASSERT_TRUE(gex.handshake());
  EXPECT_EQ(loads, 1);
}

TEST(TransportPair, GroupExchangeWithASampleOfAModuliFile) {
  // skiffd keeps a random sample of each size of the moduli file. Lines as moduli(5)
  // writes them: group 14 three times, group 16 twice (size is bits - 1).
  auto line = [](const crypto::DhGroup& g, std::size_t bits) {
    std::string hex;
    for (auto b : g.p) {
      static const char* digits = "0123456789ABCDEF";
      hex += digits[b >> 4];
      hex += digits[b & 15];
    }
    return "20260101000000 2 6 100 " + std::to_string(bits - 1) + " 2 " + hex + "\n";
  };
  const auto& g14 = crypto::modp_group(14);
  const auto& g16 = crypto::modp_group(16);
  std::string text = "# moduli\n" + line(g14, 2048) + line(g14, 2048) + line(g14, 2048) + line(g16, 4096) +
                     line(g16, 4096) + "20260101000000 2 6 100 2047 2 XYZ\n";
  EXPECT_EQ(parse_moduli(text).size(), 5u);
  auto sample = parse_moduli(text, 2);
  ASSERT_EQ(sample.size(), 4u);  // two of each size
  EXPECT_EQ(std::count_if(sample.begin(), sample.end(), [](const DhGexGroup& g) { return g.bits == 2048; }), 2);
  EXPECT_EQ(parse_moduli(text, 10).size(), 5u);
  auto sc = server_config("diffie-hellman-group-exchange-sha256");
  sc.gex_groups = sample;
  auto cc = client_config("diffie-hellman-group-exchange-sha256");
  cc.gex_min = 4096;
  cc.gex_preferred = 4096;
  cc.gex_max = 4096;
  Pair p(cc, sc);
  ASSERT_TRUE(p.handshake());
}

}  // namespace

namespace {

TEST(TransportPair, OversizedMessageRefusedTheSameWayDuringARekey) {
  Pair p(client_config(), server_config());
  ASSERT_TRUE(p.handshake());
  Bytes big(300 * 1024, 0);
  big[0] = 94;
  EXPECT_EQ(p.client.send(big).error().code, Errc::too_large);
  p.client.request_rekey();
  ASSERT_TRUE(p.client.kex_in_progress());
  EXPECT_EQ(p.client.send(big).error().code, Errc::too_large);
  ASSERT_TRUE(p.pump());  // the connection goes on
  EXPECT_EQ(p.client_log.kex_completed, 2u);
}

TEST(TransportPair, PeerThatDoesNotReadCannotGrowOurOutput) {
  // The client pings with large payloads; the server answers each with a PONG, but nobody
  // takes the server's output. Its output must stop growing (backpressure), and input fed
  // regardless must end the connection instead of piling up.
  Pair p(client_config(), server_config());
  ASSERT_TRUE(p.handshake());
  p.client.user_authenticated();
  p.server.user_authenticated();
  Bytes data(200 * 1024, 7);
  bool stopped_wanting = false;
  std::optional<event::Disconnected> end;
  for (int i = 0; i < 400 && !end; ++i) {
    ASSERT_TRUE(p.client.send_ping(data));
    ByteView out = p.client.pending_output();
    p.server.feed(out, p.now);
    p.client.consume_output(out.size());
    stopped_wanting |= !p.server.wants_input();
    while (auto ev = p.server.poll_event()) {
      if (auto* d = std::get_if<event::Disconnected>(&*ev)) end = *d;
    }
    EXPECT_LT(p.server.pending_output().size(), std::size_t{17} << 20);
  }
  EXPECT_TRUE(stopped_wanting);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->error.code, Errc::too_large);
}

}  // namespace
