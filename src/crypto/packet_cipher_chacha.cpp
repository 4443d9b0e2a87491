// chacha20-poly1305@openssh.com, exactly as OpenSSH's PROTOCOL.chacha20poly1305 says:
//   the 64-byte key is K_2 (first 32 bytes, payload) || K_1 (last 32 bytes, length);
//   the nonce is the packet sequence number as a 64-bit big-endian integer;
//   the 4-byte length is encrypted with K_1 at block counter 0;
//   the Poly1305 key is the first 32 bytes of K_2's keystream at block counter 0;
//   the rest of the packet is encrypted with K_2 from block counter 1;
//   tag = Poly1305(encrypted length || encrypted rest).
// This is the original ChaCha20 (64-bit counter, 64-bit nonce). OpenSSL's ChaCha20
// takes a 16-byte IV that fills state words 12..15 in order, little-endian, so the IV is
// counter (8 bytes, little-endian) || nonce (8 bytes as sent, i.e. big-endian seq);
// OpenSSH's chachapoly_openssl.c builds the same IV.
#include <array>

#include "crypto/packet_cipher_internal.hpp"
#include "crypto/sym_internal.hpp"

namespace skiff::crypto::sym {

namespace {

constexpr std::size_t kTag = 16;
constexpr std::size_t kPolyKey = 32;

class ChachaPoly {
 public:
  static Result<ChachaPoly> make(const DirectionKeys& keys) {
    ChachaPoly c;
    CipherPtr cipher(EVP_CIPHER_fetch(nullptr, "ChaCha20", nullptr));
    if (!cipher) return ossl_error("fetch ChaCha20");
    MacPtr mac(EVP_MAC_fetch(nullptr, "POLY1305", nullptr));
    if (!mac) return ossl_error("fetch POLY1305");
    c.main_.reset(EVP_CIPHER_CTX_new());
    c.header_.reset(EVP_CIPHER_CTX_new());
    c.poly_.reset(EVP_MAC_CTX_new(mac.get()));
    if (!c.main_ || !c.header_ || !c.poly_) return ossl_error("chacha20-poly1305 contexts");
    const std::uint8_t* k = keys.key.data();
    if (EVP_EncryptInit_ex(c.main_.get(), cipher.get(), nullptr, k, nullptr) != 1 ||
        EVP_EncryptInit_ex(c.header_.get(), cipher.get(), nullptr, k + 32, nullptr) != 1)
      return ossl_error("init ChaCha20");
    return c;
  }

  ~ChachaPoly() { wipe(poly_key_.data(), poly_key_.size()); }
  ChachaPoly(ChachaPoly&&) noexcept = default;

  // Encrypts or decrypts the 4 length bytes (the header key's stream, counter 0).
  void crypt_length(std::uint32_t seq, std::uint8_t* len4) {
    set_iv(header_.get(), seq, 0);
    int outl = 0;
    must(EVP_EncryptUpdate(header_.get(), len4, &outl, len4, 4), "ChaCha20 length");
  }

  // Encrypts or decrypts everything after the length (main key, from counter 1).
  void crypt_body(std::uint32_t seq, std::span<std::uint8_t> body) {
    if (body.empty()) return;
    set_iv(main_.get(), seq, 1);
    int outl = 0;
    must(EVP_EncryptUpdate(main_.get(), body.data(), &outl, body.data(), int_len(body.size(), "chacha")),
         "ChaCha20 body");
  }

  // Poly1305 over the encrypted packet with this packet's one-time key.
  void tag(std::uint32_t seq, ByteView encrypted_packet, std::uint8_t* out) {
    set_iv(main_.get(), seq, 0);
    int outl = 0;
    poly_key_.fill(0);
    must(EVP_EncryptUpdate(main_.get(), poly_key_.data(), &outl, poly_key_.data(), kPolyKey), "Poly1305 key");
    EVP_MAC_CTX* p = poly_.get();
    must(EVP_MAC_init(p, poly_key_.data(), kPolyKey, nullptr), "Poly1305 init");
    must(EVP_MAC_update(p, encrypted_packet.data(), encrypted_packet.size()), "Poly1305 update");
    std::size_t n = 0;
    must(EVP_MAC_final(p, out, &n, kTag), "Poly1305 final");
    wipe(poly_key_.data(), poly_key_.size());
  }

 private:
  ChachaPoly() = default;

  static void set_iv(EVP_CIPHER_CTX* ctx, std::uint32_t seq, std::uint8_t counter) {
    std::uint8_t iv[16] = {};
    iv[0] = counter;  // 64-bit little-endian block counter: only 0 or 1 here
    put_u32_be(iv + 12, seq);  // 64-bit big-endian nonce: SSH's seq is 32 bits, upper half 0
    must(EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, iv), "ChaCha20 set IV");
  }

  CipherCtxPtr main_;    // K_2
  CipherCtxPtr header_;  // K_1
  MacCtxPtr poly_;
  std::array<std::uint8_t, kPolyKey> poly_key_{};
};

class ChachaSealer final : public PacketSealer {
 public:
  explicit ChachaSealer(ChachaPoly c) : c_(std::move(c)) {}
  std::size_t block_size() const noexcept override { return 8; }
  // OpenSSH treats the 4 length bytes as AAD for every AEAD mode, chacha included:
  // padding aligns packet_length (not the length field) to 8, and a peer checks that.
  bool length_excluded_from_padding() const noexcept override { return true; }
  std::size_t tag_size() const noexcept override { return kTag; }

  void seal(std::uint32_t seq, std::span<std::uint8_t> packet, std::span<std::uint8_t> tag) override {
    if (tag.size() < kTag || packet.size() < 4) libcrypto_broken("seal: packet or tag buffer too short");
    c_.crypt_length(seq, packet.data());
    c_.crypt_body(seq, packet.subspan(4));
    c_.tag(seq, packet, tag.data());
  }

 private:
  ChachaPoly c_;
};

class ChachaOpener final : public PacketOpener {
 public:
  explicit ChachaOpener(ChachaPoly c) : c_(std::move(c)) {}
  std::size_t block_size() const noexcept override { return 8; }
  bool length_excluded_from_padding() const noexcept override { return true; }
  std::size_t tag_size() const noexcept override { return kTag; }
  std::size_t first_chunk_size() const noexcept override { return 4; }

  // Decrypts a copy: the tag covers the encrypted length, so the chunk must stay as sent.
  std::uint32_t read_length(std::uint32_t seq, std::span<std::uint8_t> first_chunk) override {
    if (first_chunk.size() < 4) return 0xFFFFFFFFu;
    std::uint8_t len[4] = {first_chunk[0], first_chunk[1], first_chunk[2], first_chunk[3]};
    c_.crypt_length(seq, len);
    return get_u32_be(len);
  }

  bool open(std::uint32_t seq, std::span<std::uint8_t> packet, std::span<const std::uint8_t> tag) override {
    if (tag.size() != kTag || packet.size() < 4) return false;
    c_.tag(seq, packet, expected_.data());
    if (!equal_constant_time(expected_, tag)) return false;
    c_.crypt_length(seq, packet.data());
    c_.crypt_body(seq, packet.subspan(4));
    return true;
  }

 private:
  ChachaPoly c_;
  std::array<std::uint8_t, kTag> expected_{};
};

}  // namespace

Result<std::unique_ptr<PacketSealer>> make_chacha_sealer(const DirectionKeys& keys) {
  auto c = ChachaPoly::make(keys);
  if (!c) return std::unexpected(std::move(c.error()));
  return std::make_unique<ChachaSealer>(std::move(*c));
}

Result<std::unique_ptr<PacketOpener>> make_chacha_opener(const DirectionKeys& keys) {
  auto c = ChachaPoly::make(keys);
  if (!c) return std::unexpected(std::move(c.error()));
  return std::make_unique<ChachaOpener>(std::move(*c));
}

}  // namespace skiff::crypto::sym
