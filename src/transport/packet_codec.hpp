// The binary packet protocol (RFC 4253 section 6) for one direction each:
// PacketEncoder frames, pads, compresses and seals payloads into an output buffer;
// PacketDecoder finds packets in an input buffer, checks the length, the MAC or tag,
// and the padding, then hands out the payload in place (no copy, no allocation in
// steady state). Both count packets and bytes for the rekey limits.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include <skiff/error.hpp>

#include "crypto/packet_cipher.hpp"
#include "transport/compression.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace skiff::transport {

struct TrafficCounters {
  std::uint64_t packets = 0;  // since the last NEWKEYS in this direction
  std::uint64_t bytes = 0;    // ciphertext bytes since the last NEWKEYS (length field included)
};

class PacketEncoder {
 public:
  PacketEncoder();
  ~PacketEncoder();

  // Takes effect for the next packet (called right after sending NEWKEYS).
  void set_sealer(std::unique_ptr<crypto::PacketSealer> sealer, std::size_t cipher_block_size);
  void enable_compression();
  // Strict key exchange: sequence numbers restart at zero after NEWKEYS.
  void reset_sequence() noexcept { seq_ = 0; }

  // Appends the sealed packet for payload to out.
  Result<void> encode(wire::ByteView payload, wire::Bytes& out);

  std::uint32_t sequence() const noexcept { return seq_; }
  const TrafficCounters& counters() const noexcept { return counters_; }
  std::size_t cipher_block_size() const noexcept { return cipher_block_; }

 private:
  std::unique_ptr<crypto::PacketSealer> sealer_;
  std::size_t cipher_block_ = 8;
  std::uint32_t seq_ = 0;
  TrafficCounters counters_;
  std::optional<Compressor> compressor_;
  wire::Bytes scratch_;  // compressed payload, reused
  // Random padding is taken from this pool, refilled from the CSPRNG when it runs short:
  // one RAND_bytes call per packet for 4-19 bytes cost 5 % of a sender's CPU (OpenSSL's
  // DRBG locks, looks up parameters and checks for a fork on every call).
  std::array<std::uint8_t, 1024> padding_pool_{};
  std::size_t padding_used_ = sizeof(padding_pool_);
  void random_padding(std::span<std::uint8_t> out);
};

class PacketDecoder {
 public:
  PacketDecoder();
  ~PacketDecoder();

  void set_opener(std::unique_ptr<crypto::PacketOpener> opener, std::size_t cipher_block_size);
  void enable_compression();
  void reset_sequence() noexcept { seq_ = 0; }

  // Looks for one complete packet at the front of input. Returns the number of bytes of
  // input it used (0 when more input is needed) and, when a packet was complete, sets
  // payload to point at its (decrypted, decompressed) payload inside input or inside an
  // internal buffer; the view stays valid until the next call. Errors are fatal.
  Result<std::size_t> decode(std::span<std::uint8_t> input, wire::ByteView& payload, bool& complete);

  // The stream ended: true when it ended between packets.
  bool at_packet_boundary() const noexcept { return !have_length_ && !discarding_; }
  // Sequence number of the packet decode() returned last (for UNIMPLEMENTED).
  std::uint32_t last_sequence() const noexcept { return seq_ - 1; }
  std::uint32_t sequence() const noexcept { return seq_; }
  const TrafficCounters& counters() const noexcept { return counters_; }
  std::size_t cipher_block_size() const noexcept { return cipher_block_; }
  bool discarding() const noexcept { return discarding_; }

 private:
  Result<void> check_length(std::uint32_t len) const;

  std::unique_ptr<crypto::PacketOpener> opener_;
  std::size_t cipher_block_ = 8;
  bool mac_then_encrypt_ = false;
  std::uint32_t seq_ = 0;
  TrafficCounters counters_;
  bool have_length_ = false;  // the first chunk of the current packet was processed
  std::uint32_t packet_length_ = 0;
  bool discarding_ = false;  // after a bad length in a MAC-then-encrypt mode
  std::size_t discard_left_ = 0;
  Error discard_error_{};
  std::optional<Decompressor> decompressor_;
  wire::Bytes inflated_;
};

}  // namespace skiff::transport
