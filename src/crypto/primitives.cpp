#include "crypto/primitives.hpp"

#include "crypto/sym_internal.hpp"

namespace skiff::crypto {

using namespace sym;

namespace {

const char* aes_name(std::size_t key_len, bool gcm) noexcept {
  switch (key_len) {
    case 16: return gcm ? "AES-128-GCM" : "AES-128-CTR";
    case 24: return gcm ? "AES-192-GCM" : "AES-192-CTR";
    case 32: return gcm ? "AES-256-GCM" : "AES-256-CTR";
    default: return nullptr;
  }
}

// Update in slices: EVP counts in int, and one-shot inputs may be of any size.
bool update_all(EVP_CIPHER_CTX* ctx, std::span<std::uint8_t> data) {
  constexpr std::size_t kSlice = std::size_t{1} << 30;
  while (!data.empty()) {
    std::size_t n = data.size() < kSlice ? data.size() : kSlice;
    int outl = 0;
    if (EVP_CipherUpdate(ctx, data.data(), &outl, data.data(), static_cast<int>(n)) != 1) return false;
    data = data.subspan(n);
  }
  return true;
}

bool stream_xor(const char* name, ByteView key, ByteView iv, std::span<std::uint8_t> data) {
  CipherPtr cipher(EVP_CIPHER_fetch(nullptr, name, nullptr));
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  bool ok = cipher && ctx && EVP_EncryptInit_ex(ctx.get(), cipher.get(), nullptr, key.data(), iv.data()) == 1 &&
            update_all(ctx.get(), data);
  ERR_clear_error();
  return ok;
}

bool gcm(bool enc, ByteView key, ByteView iv, ByteView aad, std::span<std::uint8_t> data, std::uint8_t* tag) {
  const char* name = aes_name(key.size(), true);
  if (name == nullptr || iv.size() != 12) return false;
  CipherPtr cipher(EVP_CIPHER_fetch(nullptr, name, nullptr));
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int outl = 0;
  std::uint8_t fin[16];
  bool ok = cipher && ctx &&
            EVP_CipherInit_ex(ctx.get(), cipher.get(), nullptr, key.data(), iv.data(), enc ? 1 : 0) == 1 &&
            (aad.empty() ||
             EVP_CipherUpdate(ctx.get(), nullptr, &outl, aad.data(), int_len(aad.size(), "gcm aad")) == 1) &&
            update_all(ctx.get(), data) &&
            (enc || EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, 16, tag) == 1) &&
            EVP_CipherFinal_ex(ctx.get(), fin, &outl) == 1 &&
            (!enc || EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, 16, tag) == 1);
  ERR_clear_error();
  return ok;
}

}  // namespace

bool chacha20_xor(ByteView key, std::uint32_t counter, ByteView nonce, std::span<std::uint8_t> data) {
  if (key.size() != 32 || nonce.size() != 12) return false;
  // OpenSSL's ChaCha20 takes a 16-byte IV: the 32-bit block counter (little-endian)
  // followed by the 96-bit nonce, i.e. state words 12..15 in order.
  std::uint8_t iv[16];
  for (int i = 0; i < 4; ++i) iv[i] = static_cast<std::uint8_t>(counter >> (8 * i));
  for (int i = 0; i < 12; ++i) iv[4 + i] = nonce[static_cast<std::size_t>(i)];
  return stream_xor("ChaCha20", key, ByteView(iv, 16), data);
}

bool poly1305(ByteView key, ByteView data, std::span<std::uint8_t, 16> tag) {
  if (key.size() != 32) return false;
  MacPtr mac(EVP_MAC_fetch(nullptr, "POLY1305", nullptr));
  MacCtxPtr ctx(mac ? EVP_MAC_CTX_new(mac.get()) : nullptr);
  std::size_t n = 0;
  bool ok = ctx && EVP_MAC_init(ctx.get(), key.data(), key.size(), nullptr) == 1 &&
            (data.empty() || EVP_MAC_update(ctx.get(), data.data(), data.size()) == 1) &&
            EVP_MAC_final(ctx.get(), tag.data(), &n, tag.size()) == 1 && n == 16;
  ERR_clear_error();
  return ok;
}

bool aes_ctr_xor(ByteView key, ByteView iv, std::span<std::uint8_t> data) {
  const char* name = aes_name(key.size(), false);
  if (name == nullptr || iv.size() != 16) return false;
  return stream_xor(name, key, iv, data);
}

bool aes_gcm_seal(ByteView key, ByteView iv, ByteView aad, std::span<std::uint8_t> data,
                  std::span<std::uint8_t, 16> tag) {
  return gcm(true, key, iv, aad, data, tag.data());
}

bool aes_gcm_open(ByteView key, ByteView iv, ByteView aad, std::span<std::uint8_t> data, ByteView tag) {
  if (tag.size() != 16) return false;
  std::uint8_t t[16];
  for (std::size_t i = 0; i < 16; ++i) t[i] = tag[i];
  return gcm(false, key, iv, aad, data, t);
}

}  // namespace skiff::crypto
