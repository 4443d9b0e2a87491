// libFuzzer target: the binary packet decoder (RFC 4253 6) under every kind of packet
// protection skiff has, with fixed keys.
//
// Input byte 0:
//   bits 0-2  protection: none, aes128-ctr + hmac-sha2-256 (MAC-then-encrypt),
//             aes256-ctr + hmac-sha2-512-etm, aes128-gcm, chacha20-poly1305,
//             aes192-ctr + hmac-sha1, aes256-gcm, aes128-ctr + hmac-sha1-etm
//   bit 3     sealed mode (below) instead of raw mode
//   bit 4     zlib compression on both sides
// Raw mode: the rest of the input is the byte stream (chunk sizes from the end of the
//   input); it is decoded until an error or until nothing more can be decoded.
// Sealed mode: the input is a list of payloads, which are sealed with a PacketEncoder
//   using the same keys; the stream is then optionally corrupted (one byte XORed at an
//   input-chosen offset, or cut short) and decoded in input-chosen chunks. An intact
//   stream must give back exactly the payloads; a corrupted one must give back the
//   payloads before the damaged packet, unchanged, and none after it (every byte of a
//   protected packet is authenticated, the length included).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "crypto/packet_cipher.hpp"
#include "transport/packet_codec.hpp"
#include "wire/limits.hpp"

using namespace skiff;
using crypto::CipherAlg;
using crypto::MacAlg;

namespace {

[[noreturn]] void die(const char* why) {
  std::fprintf(stderr, "fuzz_packet_decoder: invariant violated: %s\n", why);
  std::abort();
}

struct Mode {
  CipherAlg cipher;
  MacAlg mac;
  bool etm;
};

constexpr Mode kModes[8] = {
    {CipherAlg::none, MacAlg::none, false},
    {CipherAlg::aes128_ctr, MacAlg::hmac_sha2_256, false},
    {CipherAlg::aes256_ctr, MacAlg::hmac_sha2_512, true},
    {CipherAlg::aes128_gcm, MacAlg::none, false},
    {CipherAlg::chacha20_poly1305, MacAlg::none, false},
    {CipherAlg::aes192_ctr, MacAlg::hmac_sha1, false},
    {CipherAlg::aes256_gcm, MacAlg::none, false},
    {CipherAlg::aes128_ctr, MacAlg::hmac_sha1, true},
};

crypto::SecureBytes constant_bytes(std::size_t n, std::uint8_t salt) {
  crypto::SecureBytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 31 + salt);
  return b;
}

crypto::DirectionKeys keys_for(const Mode& m) {
  crypto::DirectionKeys k;
  k.cipher = m.cipher;
  k.mac = m.mac;
  k.etm = m.etm;
  const auto ci = crypto::cipher_info(m.cipher);
  k.key = constant_bytes(ci.key_len, 0x11);
  k.iv = constant_bytes(ci.iv_len, 0x22);
  k.mac_key = constant_bytes(crypto::mac_info(m.mac).key_len, 0x33);
  return k;
}

void setup(transport::PacketDecoder& d, const Mode& m, bool zlib) {
  if (m.cipher != CipherAlg::none) {
    auto opener = crypto::make_opener(keys_for(m));
    if (!opener) die("make_opener failed on valid keys");
    d.set_opener(std::move(*opener), crypto::cipher_info(m.cipher).block_size);
  }
  if (zlib) d.enable_compression();
}

void setup(transport::PacketEncoder& e, const Mode& m, bool zlib) {
  if (m.cipher != CipherAlg::none) {
    auto sealer = crypto::make_sealer(keys_for(m));
    if (!sealer) die("make_sealer failed on valid keys");
    e.set_sealer(std::move(*sealer), crypto::cipher_info(m.cipher).block_size);
  }
  if (zlib) e.enable_compression();
}

// Feeds stream to the decoder in chunks as a transport would (the unconsumed tail stays
// in place, so MAC-then-encrypt's in-place decryption of the first block survives).
// Returns the payloads in order; error is set when decoding failed.
struct DecodeResult {
  std::vector<std::vector<std::uint8_t>> payloads;
  std::optional<Error> error;
};

DecodeResult decode_stream(transport::PacketDecoder& d, const std::vector<std::uint8_t>& stream,
                           FuzzedDataProvider& chunks, bool zlib) {
  DecodeResult res;
  std::vector<std::uint8_t> buf;
  std::size_t pos = 0, fed = 0;
  const std::size_t max_payload = zlib ? limits::kMaxInflatedPayload : limits::kMaxPayload;
  while (fed < stream.size()) {
    std::size_t n = chunks.remaining_bytes() ? chunks.ConsumeIntegralInRange<std::size_t>(1, 4096)
                                             : stream.size() - fed;
    n = std::min(n, stream.size() - fed);
    buf.insert(buf.end(), stream.begin() + static_cast<std::ptrdiff_t>(fed),
               stream.begin() + static_cast<std::ptrdiff_t>(fed + n));
    fed += n;
    while (true) {
      wire::ByteView payload;
      bool complete = false;
      const std::size_t avail = buf.size() - pos;
      auto used = d.decode(std::span<std::uint8_t>(buf.data() + pos, avail), payload, complete);
      if (!used) {
        res.error = used.error();
        return res;
      }
      if (*used > avail) die("decoder used more than it was given");
      if (complete) {
        if (*used == 0) die("complete packet from zero bytes");
        if (payload.empty()) die("empty payload delivered");
        if (payload.size() > max_payload) die("payload larger than the cap");
        if (!zlib && payload.size() + 5 > *used) die("payload larger than its packet");
        res.payloads.emplace_back(payload.begin(), payload.end());
      }
      pos += *used;
      if (*used == 0) break;
    }
    // Compact like the transport does.
    buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(pos));
    pos = 0;
  }
  return res;
}

bool is_rejection(Errc c) {
  return c == Errc::mac_error || c == Errc::bad_length || c == Errc::bad_format;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const Mode& mode = kModes[data[0] & 7];
  const bool sealed = data[0] & 8;
  const bool zlib = data[0] & 16;
  FuzzedDataProvider fdp(data + 1, size - 1);

  transport::PacketDecoder decoder;
  setup(decoder, mode, zlib);

  if (!sealed) {
    const std::size_t len = fdp.ConsumeIntegralInRange<std::size_t>(0, fdp.remaining_bytes());
    std::vector<std::uint8_t> stream = fdp.ConsumeBytes<std::uint8_t>(len);
    // The invariants on each payload are checked as it is decoded.
    (void)decode_stream(decoder, stream, fdp, zlib);
    return 0;
  }

  // Sealed mode: payloads first.
  transport::PacketEncoder encoder;
  setup(encoder, mode, zlib);
  const std::size_t count = fdp.ConsumeIntegralInRange<std::size_t>(1, 8);
  std::vector<std::vector<std::uint8_t>> payloads;
  std::vector<std::uint8_t> stream;
  std::vector<std::size_t> packet_end;  // end offset of each packet in the stream
  for (std::size_t i = 0; i < count && fdp.remaining_bytes() > 0; ++i) {
    const std::size_t len = fdp.ConsumeIntegralInRange<std::size_t>(1, 2048);
    auto p = fdp.ConsumeBytes<std::uint8_t>(len);
    if (p.empty()) break;
    if (auto r = encoder.encode(p, stream); !r) die("encoder refused a small payload");
    payloads.push_back(std::move(p));
    packet_end.push_back(stream.size());
  }
  if (payloads.empty()) return 0;

  // Damage: 0 none, 1 flip one byte, 2 cut the stream short.
  const int damage = fdp.ConsumeIntegralInRange<int>(0, 2);
  std::size_t at = stream.size();
  if (damage == 1) {
    at = fdp.ConsumeIntegralInRange<std::size_t>(0, stream.size() - 1);
    std::uint8_t x = fdp.ConsumeIntegral<std::uint8_t>();
    stream[at] ^= x ? x : 0x80;
  } else if (damage == 2) {
    at = fdp.ConsumeIntegralInRange<std::size_t>(0, stream.size() - 1);
    stream.resize(at);
  }
  // Index of the first packet the damage touches.
  std::size_t damaged = payloads.size();
  if (damage != 0) {
    damaged = static_cast<std::size_t>(std::upper_bound(packet_end.begin(), packet_end.end(), at) - packet_end.begin());
  }

  auto res = decode_stream(decoder, stream, fdp, zlib);

  if (damage == 0) {
    if (res.error) die("intact stream failed to decode");
    if (res.payloads != payloads) die("intact stream decoded to different payloads");
    if (!decoder.at_packet_boundary()) die("intact stream did not end at a packet boundary");
    return 0;
  }
  if (mode.cipher == CipherAlg::none) {
    // Nothing is authenticated: only the packets before the damage are known.
    if (res.payloads.size() < damaged) die("undamaged packets were not delivered");
    for (std::size_t i = 0; i < std::min(damaged, res.payloads.size()); ++i) {
      if (res.payloads[i] != payloads[i]) die("undamaged packet changed");
    }
    return 0;
  }
  // Authenticated modes: exactly the packets before the damage, then an error or a wait.
  if (res.payloads.size() != damaged) {
    die(res.payloads.size() > damaged ? "damaged packet was delivered" : "undamaged packet was not delivered");
  }
  for (std::size_t i = 0; i < damaged; ++i) {
    if (res.payloads[i] != payloads[i]) die("undamaged packet changed");
  }
  if (res.error && !is_rejection(res.error->code)) die("damage reported with an unexpected error code");
  if (damage == 1 && !res.error && decoder.at_packet_boundary()) die("flipped byte neither rejected nor pending");
  return 0;
}
