// The cipher "none" and AES-CTR, each with an HMAC (or no MAC), in the two layouts SSH
// uses:
//   MAC-then-encrypt (RFC 4253 6.4): mac = MAC(seq || plaintext packet), then the whole
//     packet, length included, is encrypted; the reader must decrypt the first block to
//     learn the length.
//   encrypt-then-MAC (-etm@openssh.com, OpenSSH PROTOCOL 1.5): the length stays in clear,
//     the rest is encrypted, and mac = MAC(seq || length || ciphertext).
// AES-CTR's keystream runs on across packets: one context per direction, keyed and
// given its IV once, never re-initialised.
#include <array>
#include <optional>

#include "crypto/hash.hpp"
#include "crypto/packet_cipher_internal.hpp"
#include "crypto/sym_internal.hpp"

namespace skiff::crypto::sym {

namespace {

constexpr std::size_t kMaxMac = 64;

const char* ctr_name(CipherAlg alg) noexcept {
  switch (alg) {
    case CipherAlg::aes128_ctr: return "AES-128-CTR";
    case CipherAlg::aes192_ctr: return "AES-192-CTR";
    case CipherAlg::aes256_ctr: return "AES-256-CTR";
    default: return nullptr;
  }
}

HashAlg mac_hash(MacAlg alg) noexcept {
  switch (alg) {
    case MacAlg::hmac_sha1: return HashAlg::sha1;
    case MacAlg::hmac_sha2_512: return HashAlg::sha512;
    default: return HashAlg::sha256;
  }
}

// State shared by both directions' objects: the keystream and the keyed MAC.
class StreamMac {
 public:
  static Result<StreamMac> make(const DirectionKeys& keys) {
    StreamMac s;
    s.etm_ = keys.etm;
    s.block_ = cipher_info(keys.cipher).block_size;
    s.mac_len_ = mac_info(keys.mac).mac_len;
    if (keys.mac != MacAlg::none) s.hmac_.emplace(mac_hash(keys.mac), keys.mac_key);
    if (const char* name = ctr_name(keys.cipher)) {
      CipherPtr cipher(EVP_CIPHER_fetch(nullptr, name, nullptr));
      if (!cipher) return ossl_error(std::string("fetch ") + name);
      s.ctx_.reset(EVP_CIPHER_CTX_new());
      if (!s.ctx_) return ossl_error("EVP_CIPHER_CTX_new");
      // CTR is its own inverse, so both directions use an encrypting context.
      if (EVP_EncryptInit_ex(s.ctx_.get(), cipher.get(), nullptr, keys.key.data(), keys.iv.data()) != 1)
        return ossl_error(std::string("init ") + name);
    }
    return s;
  }

  bool etm() const noexcept { return etm_; }
  std::size_t block() const noexcept { return block_; }
  std::size_t mac_len() const noexcept { return mac_len_; }

  // XORs the next keystream bytes into data; identity for the cipher "none".
  void crypt(std::span<std::uint8_t> data) {
    if (!ctx_ || data.empty()) return;
    int outl = 0;
    must(EVP_EncryptUpdate(ctx_.get(), data.data(), &outl, data.data(), int_len(data.size(), "ctr")), "AES-CTR update");
  }

  // MAC over uint32 seq || packet, as both layouts define it (only what `packet` holds
  // differs). Writes mac_len() bytes.
  void mac(std::uint32_t seq, ByteView packet, std::span<std::uint8_t> out) {
    if (!hmac_) return;
    std::uint8_t seq_be[4];
    put_u32_be(seq_be, seq);
    const ByteView parts[] = {ByteView(seq_be, 4), packet};
    hmac_->compute(parts, out.first(mac_len_));
  }

 private:
  StreamMac() = default;

  CipherCtxPtr ctx_;  // null for the cipher "none"
  std::optional<Hmac> hmac_;
  bool etm_ = false;
  std::size_t block_ = 8;
  std::size_t mac_len_ = 0;
};

class StreamMacSealer final : public PacketSealer {
 public:
  explicit StreamMacSealer(StreamMac s) : s_(std::move(s)) {}

  std::size_t block_size() const noexcept override { return s_.block(); }
  bool length_excluded_from_padding() const noexcept override { return s_.etm(); }
  std::size_t tag_size() const noexcept override { return s_.mac_len(); }

  void seal(std::uint32_t seq, std::span<std::uint8_t> packet, std::span<std::uint8_t> tag) override {
    if (tag.size() < s_.mac_len() || packet.size() < 4) libcrypto_broken("seal: packet or tag buffer too short");
    if (s_.etm()) {
      s_.crypt(packet.subspan(4));
      s_.mac(seq, packet, tag);
    } else {
      s_.mac(seq, packet, tag);
      s_.crypt(packet);
    }
  }

 private:
  StreamMac s_;
};

class StreamMacOpener final : public PacketOpener {
 public:
  explicit StreamMacOpener(StreamMac s) : s_(std::move(s)) {}

  std::size_t block_size() const noexcept override { return s_.block(); }
  bool length_excluded_from_padding() const noexcept override { return s_.etm(); }
  std::size_t tag_size() const noexcept override { return s_.mac_len(); }
  // MAC-then-encrypt hides the length in the first cipher block, so a whole block must
  // be read and decrypted before the reader knows how much more to wait for.
  std::size_t first_chunk_size() const noexcept override { return s_.etm() ? 4 : s_.block(); }

  std::uint32_t read_length(std::uint32_t /*seq*/, std::span<std::uint8_t> first_chunk) override {
    if (first_chunk.size() < first_chunk_size()) return 0xFFFFFFFFu;  // impossible length: the caller rejects it
    if (!s_.etm()) s_.crypt(first_chunk.first(s_.block()));
    return get_u32_be(first_chunk.data());
  }

  bool open(std::uint32_t seq, std::span<std::uint8_t> packet, std::span<const std::uint8_t> tag) override {
    if (tag.size() != s_.mac_len() || packet.size() < first_chunk_size()) return false;
    std::span<std::uint8_t, kMaxMac> expected(mac_buf_);
    if (s_.etm()) {
      // Authenticate the ciphertext before a single byte of it is decrypted.
      s_.mac(seq, packet, expected);
      if (!equal_constant_time(expected.first(s_.mac_len()), tag)) return false;
      s_.crypt(packet.subspan(4));
      return true;
    }
    // The first block was decrypted by read_length; the MAC covers the plaintext, so it
    // can only be checked after decrypting the rest. Nothing is returned before it is.
    s_.crypt(packet.subspan(s_.block()));
    s_.mac(seq, packet, expected);
    return equal_constant_time(expected.first(s_.mac_len()), tag);
  }

 private:
  StreamMac s_;
  std::array<std::uint8_t, kMaxMac> mac_buf_{};
};

}  // namespace

Result<std::unique_ptr<PacketSealer>> make_stream_mac_sealer(const DirectionKeys& keys) {
  auto s = StreamMac::make(keys);
  if (!s) return std::unexpected(std::move(s.error()));
  return std::make_unique<StreamMacSealer>(std::move(*s));
}

Result<std::unique_ptr<PacketOpener>> make_stream_mac_opener(const DirectionKeys& keys) {
  auto s = StreamMac::make(keys);
  if (!s) return std::unexpected(std::move(s.error()));
  return std::make_unique<StreamMacOpener>(std::move(*s));
}

}  // namespace skiff::crypto::sym
