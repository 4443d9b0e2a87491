#include "transport/packet_codec.hpp"

#include <algorithm>
#include <string>

#include "wire/limits.hpp"

namespace skiff::transport {

namespace {

std::unique_ptr<crypto::PacketSealer> plain_sealer() {
  crypto::DirectionKeys none;
  return std::move(crypto::make_sealer(none).value());
}

std::unique_ptr<crypto::PacketOpener> plain_opener() {
  crypto::DirectionKeys none;
  return std::move(crypto::make_opener(none).value());
}

}  // namespace

PacketEncoder::PacketEncoder() : sealer_(plain_sealer()) {}
PacketEncoder::~PacketEncoder() = default;

void PacketEncoder::set_sealer(std::unique_ptr<crypto::PacketSealer> sealer, std::size_t cipher_block_size) {
  sealer_ = std::move(sealer);
  cipher_block_ = cipher_block_size;
  counters_ = {};
  // Like OpenSSH, each NEWKEYS starts a new zlib stream (if compression stays on).
  compressor_.reset();
}

void PacketEncoder::enable_compression() {
  if (!compressor_) compressor_.emplace();
}

void PacketEncoder::random_padding(std::span<std::uint8_t> out) {
  if (padding_pool_.size() - padding_used_ < out.size()) {
    crypto::random_bytes(padding_pool_);
    padding_used_ = 0;
  }
  std::copy_n(padding_pool_.begin() + static_cast<std::ptrdiff_t>(padding_used_), out.size(), out.begin());
  padding_used_ += out.size();
}

Result<void> PacketEncoder::encode(wire::ByteView payload, wire::Bytes& out) {
  if (compressor_) {
    scratch_.assign(payload.begin(), payload.end());
    auto r = compressor_->compress(scratch_);
    if (!r) return r;
    payload = scratch_;
  }
  if (payload.size() > limits::kMaxPayload) return fail(Errc::too_large, "payload too large for a packet");

  const std::size_t block = std::max<std::size_t>(sealer_->block_size(), 8);
  const std::size_t excluded = sealer_->length_excluded_from_padding() ? 4 : 0;
  const std::size_t unpadded = 4 + 1 + payload.size();
  std::size_t padding = block - ((unpadded - excluded) % block);
  if (padding < 4) padding += block;
  while (unpadded + padding < 16) padding += block;

  const std::size_t total = unpadded + padding;
  const std::size_t tag = sealer_->tag_size();
  const std::size_t start = out.size();
  out.resize(start + total + tag);
  std::uint8_t* p = out.data() + start;
  wire::put_u32(p, static_cast<std::uint32_t>(total - 4));
  p[4] = static_cast<std::uint8_t>(padding);
  std::copy(payload.begin(), payload.end(), p + 5);
  random_padding(std::span<std::uint8_t>(p + unpadded, padding));
  sealer_->seal(seq_, std::span<std::uint8_t>(p, total), std::span<std::uint8_t>(p + total, tag));
  ++seq_;  // wraps at 2^32 as RFC 4253 requires; rekeying keeps strict mode from getting there
  ++counters_.packets;
  counters_.bytes += total;
  return {};
}

PacketDecoder::PacketDecoder() : opener_(plain_opener()) {}
PacketDecoder::~PacketDecoder() = default;

void PacketDecoder::set_opener(std::unique_ptr<crypto::PacketOpener> opener, std::size_t cipher_block_size) {
  opener_ = std::move(opener);
  cipher_block_ = cipher_block_size;
  mac_then_encrypt_ = opener_->first_chunk_size() > 4;
  counters_ = {};
  decompressor_.reset();
}

void PacketDecoder::enable_compression() {
  if (!decompressor_) decompressor_.emplace();
}

Result<void> PacketDecoder::check_length(std::uint32_t len) const {
  const std::size_t block = std::max<std::size_t>(opener_->block_size(), 8);
  const std::size_t aligned = opener_->length_excluded_from_padding() ? len : std::size_t{len} + 4;
  // No 16-byte floor: with the length outside the padding (ETM, AEAD) OpenSSH sends
  // 12-byte packets, e.g. USERAUTH_SUCCESS under chacha20-poly1305.
  if (len < 5 || len > limits::kMaxPacketLength || aligned % block != 0) {
    return fail(Errc::bad_length, "bad packet length " + std::to_string(len));
  }
  return {};
}

Result<std::size_t> PacketDecoder::decode(std::span<std::uint8_t> input, wire::ByteView& payload,
                                          bool& complete) {
  complete = false;
  if (discarding_) {
    // Swallow input until as much has arrived as the largest packet, then fail: the
    // peer learns nothing from when we hang up.
    std::size_t n = std::min(discard_left_, input.size());
    discard_left_ -= n;
    if (discard_left_ == 0) return std::unexpected(discard_error_);
    return n;
  }
  const std::size_t first = opener_->first_chunk_size();
  if (!have_length_) {
    if (input.size() < first) return 0;
    packet_length_ = opener_->read_length(seq_, input.first(first));
    auto ok = check_length(packet_length_);
    if (!ok) {
      if (mac_then_encrypt_) {
        discarding_ = true;
        discard_error_ = ok.error();
        discard_left_ = limits::kDiscardAfterBadLength - first;
        return first;
      }
      return std::unexpected(ok.error());
    }
    have_length_ = true;
  }
  const std::size_t tag = opener_->tag_size();
  const std::size_t total = std::size_t{packet_length_} + 4;
  if (input.size() < total + tag) return 0;

  std::span<std::uint8_t> packet = input.first(total);
  if (!opener_->open(seq_, packet, input.subspan(total, tag))) {
    return fail(Errc::mac_error, "corrupted MAC on input");
  }
  have_length_ = false;
  const std::size_t padding = packet[4];
  if (padding < 4 || padding + 1 > packet_length_) {
    return fail(Errc::bad_format, "bad padding length " + std::to_string(padding));
  }
  wire::ByteView body(packet.data() + 5, packet_length_ - 1 - padding);
  ++seq_;
  ++counters_.packets;
  counters_.bytes += total;
  if (decompressor_) {
    auto r = decompressor_->decompress(body, inflated_, limits::kMaxInflatedPayload);
    if (!r) return std::unexpected(r.error());
    body = inflated_;
  }
  if (body.empty()) return fail(Errc::bad_format, "empty packet payload");
  payload = body;
  complete = true;
  return total + tag;
}

}  // namespace skiff::transport
