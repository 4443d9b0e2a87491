// aes128-gcm@openssh.com and aes256-gcm@openssh.com (RFC 5647 as OpenSSH's PROTOCOL
// amends it: no separate MAC, and the packet length is sent in clear as the AAD).
// IV = 4-byte fixed field || 8-byte invocation counter, both from the derived IV; the
// counter is incremented (big-endian, mod 2^64) after every packet, so the sequence
// number is not used. The IV is managed here rather than with EVP_CTRL_GCM_IV_GEN so the
// rule is visible in one place; the key schedule is set once and only the IV changes.
#include <array>

#include "crypto/packet_cipher_internal.hpp"
#include "crypto/sym_internal.hpp"

namespace skiff::crypto::sym {

namespace {

constexpr std::size_t kTag = 16;

class Gcm {
 public:
  static Result<Gcm> make(const DirectionKeys& keys, bool encrypt) {
    Gcm g;
    g.encrypt_ = encrypt;
    for (std::size_t i = 0; i < g.iv_.size(); ++i) g.iv_[i] = keys.iv[i];
    const char* name = keys.cipher == CipherAlg::aes128_gcm ? "AES-128-GCM" : "AES-256-GCM";
    CipherPtr cipher(EVP_CIPHER_fetch(nullptr, name, nullptr));
    if (!cipher) return ossl_error(std::string("fetch ") + name);
    g.ctx_.reset(EVP_CIPHER_CTX_new());
    if (!g.ctx_) return ossl_error("EVP_CIPHER_CTX_new");
    if (EVP_CipherInit_ex(g.ctx_.get(), cipher.get(), nullptr, keys.key.data(), nullptr, encrypt ? 1 : 0) != 1)
      return ossl_error(std::string("init ") + name);
    return g;
  }

  ~Gcm() { wipe(iv_.data(), iv_.size()); }
  Gcm(Gcm&&) noexcept = default;

  // Seal or open one packet in place. For opening, `tag` is the received tag and the
  // result says whether it verified; OpenSSL decrypts and authenticates in one pass, but
  // the caller sees no plaintext unless this returns true.
  bool run(std::span<std::uint8_t> packet, std::uint8_t* tag) {
    EVP_CIPHER_CTX* ctx = ctx_.get();
    int outl = 0;
    must(EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, iv_.data(), -1), "GCM set IV");
    next_iv();
    must(EVP_CipherUpdate(ctx, nullptr, &outl, packet.data(), 4), "GCM AAD");
    std::span<std::uint8_t> body = packet.subspan(4);
    if (!body.empty())
      must(EVP_CipherUpdate(ctx, body.data(), &outl, body.data(), int_len(body.size(), "gcm")), "GCM update");
    if (encrypt_) {
      must(EVP_CipherFinal_ex(ctx, final_buf_.data(), &outl), "GCM final");
      must(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, kTag, tag), "GCM get tag");
      return true;
    }
    must(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, kTag, tag), "GCM set tag");
    bool ok = EVP_CipherFinal_ex(ctx, final_buf_.data(), &outl) == 1;
    if (!ok) ERR_clear_error();
    return ok;
  }

 private:
  Gcm() = default;

  void next_iv() noexcept {
    for (std::size_t i = iv_.size(); i-- > 4;)
      if (++iv_[i] != 0) break;
  }

  CipherCtxPtr ctx_;
  std::array<std::uint8_t, 12> iv_{};
  std::array<std::uint8_t, 16> final_buf_{};
  bool encrypt_ = true;
};

class GcmSealer final : public PacketSealer {
 public:
  explicit GcmSealer(Gcm g) : g_(std::move(g)) {}
  std::size_t block_size() const noexcept override { return 16; }
  bool length_excluded_from_padding() const noexcept override { return true; }
  std::size_t tag_size() const noexcept override { return kTag; }

  void seal(std::uint32_t /*seq*/, std::span<std::uint8_t> packet, std::span<std::uint8_t> tag) override {
    if (tag.size() < kTag || packet.size() < 4) libcrypto_broken("seal: packet or tag buffer too short");
    g_.run(packet, tag.data());
  }

 private:
  Gcm g_;
};

class GcmOpener final : public PacketOpener {
 public:
  explicit GcmOpener(Gcm g) : g_(std::move(g)) {}
  std::size_t block_size() const noexcept override { return 16; }
  bool length_excluded_from_padding() const noexcept override { return true; }
  std::size_t tag_size() const noexcept override { return kTag; }
  std::size_t first_chunk_size() const noexcept override { return 4; }

  std::uint32_t read_length(std::uint32_t /*seq*/, std::span<std::uint8_t> first_chunk) override {
    if (first_chunk.size() < 4) return 0xFFFFFFFFu;
    return get_u32_be(first_chunk.data());
  }

  bool open(std::uint32_t /*seq*/, std::span<std::uint8_t> packet, std::span<const std::uint8_t> tag) override {
    if (tag.size() != kTag || packet.size() < 4) return false;
    // EVP wants a mutable pointer for the expected tag; copy rather than cast away const.
    for (std::size_t i = 0; i < kTag; ++i) tag_buf_[i] = tag[i];
    return g_.run(packet, tag_buf_.data());
  }

 private:
  Gcm g_;
  std::array<std::uint8_t, kTag> tag_buf_{};
};

}  // namespace

Result<std::unique_ptr<PacketSealer>> make_gcm_sealer(const DirectionKeys& keys) {
  auto g = Gcm::make(keys, true);
  if (!g) return std::unexpected(std::move(g.error()));
  return std::make_unique<GcmSealer>(std::move(*g));
}

Result<std::unique_ptr<PacketOpener>> make_gcm_opener(const DirectionKeys& keys) {
  auto g = Gcm::make(keys, false);
  if (!g) return std::unexpected(std::move(g.error()));
  return std::make_unique<GcmOpener>(std::move(*g));
}

}  // namespace skiff::crypto::sym
