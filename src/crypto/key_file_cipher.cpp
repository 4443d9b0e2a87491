// Key file encryption: one call over the whole private section, never per packet, so
// each call makes and frees its own contexts.
//
// Lengths follow OpenSSH's cipher table: the IV of a CBC/CTR cipher is one block (OpenSSH
// stores iv_len 0 there and falls back to the block size), AES-GCM takes 12 bytes, and
// chacha20-poly1305 none. The AEAD ciphers authenticate nothing but the ciphertext.
//
// chacha20-poly1305@openssh.com with sequence number 0 and no length field: the payload
// is encrypted with the first 32 bytes of the 64-byte key from block counter 1, the
// Poly1305 key is that key's keystream block 0, the tag covers the ciphertext; the second
// half of the key (the packet length's key) is not used. With a zero nonce, OpenSSH's
// 64-bit counter / 64-bit nonce ChaCha20 produces the same keystream as the RFC 8439
// layout (32-bit counter, 96-bit nonce) for any counter below 2^32, so the one-shot
// primitives of primitives.hpp compute it exactly.
#include "crypto/key_file_cipher.hpp"

#include <array>
#include <string>

#include "crypto/primitives.hpp"
#include "crypto/sym_internal.hpp"

namespace skiff::crypto {

namespace {

enum class Mode : std::uint8_t { none, ctr, cbc, gcm, chachapoly };

struct Entry {
  KeyFileCipher cipher;
  Mode mode;
  const char* evp_name;  // for CBC
};

const std::vector<Entry>& entries() noexcept {
  static const std::vector<Entry> table = {
      {{"aes128-ctr", 16, 16, 16, 0}, Mode::ctr, nullptr},
      {{"aes192-ctr", 24, 16, 16, 0}, Mode::ctr, nullptr},
      {{"aes256-ctr", 32, 16, 16, 0}, Mode::ctr, nullptr},
      {{"aes128-cbc", 16, 16, 16, 0}, Mode::cbc, "AES-128-CBC"},
      {{"aes192-cbc", 24, 16, 16, 0}, Mode::cbc, "AES-192-CBC"},
      {{"aes256-cbc", 32, 16, 16, 0}, Mode::cbc, "AES-256-CBC"},
      {{"aes128-gcm@openssh.com", 16, 12, 16, 16}, Mode::gcm, nullptr},
      {{"aes256-gcm@openssh.com", 32, 12, 16, 16}, Mode::gcm, nullptr},
      {{"chacha20-poly1305@openssh.com", 64, 0, 8, 16}, Mode::chachapoly, nullptr},
      {{"3des-cbc", 24, 8, 8, 0}, Mode::cbc, "DES-EDE3-CBC"},
      {{"none", 0, 0, 8, 0}, Mode::none, nullptr},
  };
  return table;
}

const Entry* entry_of(const KeyFileCipher& cipher) noexcept {
  for (const auto& e : entries()) {
    if (e.cipher.name == cipher.name && e.cipher.key_len == cipher.key_len && e.cipher.iv_len == cipher.iv_len &&
        e.cipher.block_size == cipher.block_size && e.cipher.tag_len == cipher.tag_len)
      return &e;
  }
  return nullptr;
}

constexpr std::array<std::uint8_t, 12> kZeroNonce{};

Result<const Entry*> check_args(const KeyFileCipher& cipher, ByteView key, ByteView iv, std::size_t len) {
  const Entry* e = entry_of(cipher);
  if (e == nullptr) return fail(Errc::invalid_argument, "not a key file cipher of the table");
  if (key.size() != cipher.key_len || iv.size() != cipher.iv_len)
    return fail(Errc::invalid_argument, std::string(cipher.name) + ": wrong key or IV length");
  if (len % cipher.block_size != 0)
    return fail(Errc::invalid_argument, std::string(cipher.name) + ": data is not a multiple of the block size");
  return e;
}

// CBC without padding (the caller pads); data is transformed in place.
Result<void> cbc(const char* name, bool enc, ByteView key, ByteView iv, std::span<std::uint8_t> data) {
  sym::CipherPtr c(EVP_CIPHER_fetch(nullptr, name, nullptr));
  if (!c) return sym::ossl_error(std::string("fetch ") + name);
  sym::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_CipherInit_ex(ctx.get(), c.get(), nullptr, key.data(), iv.data(), enc ? 1 : 0) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1)
    return sym::ossl_error(std::string("init ") + name);
  int outl = 0;
  if (!data.empty())
    sym::must(EVP_CipherUpdate(ctx.get(), data.data(), &outl, data.data(), sym::int_len(data.size(), name)), name);
  std::uint8_t fin[32];
  sym::must(EVP_CipherFinal_ex(ctx.get(), fin, &outl), name);
  return {};
}

void chacha_tag(ByteView key, ByteView ciphertext, std::span<std::uint8_t, 16> tag) {
  std::array<std::uint8_t, 32> poly_key{};
  bool ok = chacha20_xor(key.first(32), 0, kZeroNonce, poly_key) && poly1305(poly_key, ciphertext, tag);
  wipe(poly_key.data(), poly_key.size());
  if (!ok) sym::libcrypto_broken("chacha20-poly1305 tag");
}

}  // namespace

const std::vector<KeyFileCipher>& key_file_ciphers() noexcept {
  static const std::vector<KeyFileCipher> list = [] {
    std::vector<KeyFileCipher> v;
    for (const auto& e : entries()) v.push_back(e.cipher);
    return v;
  }();
  return list;
}

const KeyFileCipher* find_key_file_cipher(std::string_view name) noexcept {
  for (const auto& c : key_file_ciphers()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

Result<Bytes> key_file_encrypt(const KeyFileCipher& cipher, ByteView key, ByteView iv, ByteView plaintext) {
  auto e = check_args(cipher, key, iv, plaintext.size());
  if (!e) return std::unexpected(std::move(e.error()));
  // Sized once: growing it would free an unwiped copy of the clear private section.
  Bytes out(plaintext.size() + cipher.tag_len);
  std::copy(plaintext.begin(), plaintext.end(), out.begin());
  std::span<std::uint8_t> body(out.data(), plaintext.size());
  auto tag = [&] { return std::span<std::uint8_t, 16>(out.data() + plaintext.size(), 16); };  // AEAD only
  switch ((*e)->mode) {
    case Mode::none: break;
    case Mode::ctr:
      if (!aes_ctr_xor(key, iv, body)) return sym::ossl_error("AES-CTR");
      break;
    case Mode::cbc:
      if (auto ok = cbc((*e)->evp_name, true, key, iv, body); !ok) return std::unexpected(std::move(ok.error()));
      break;
    case Mode::gcm:
      if (!aes_gcm_seal(key, iv, {}, body, tag())) return sym::ossl_error("AES-GCM");
      break;
    case Mode::chachapoly:
      if (!chacha20_xor(key.first(32), 1, kZeroNonce, body)) return sym::ossl_error("ChaCha20");
      chacha_tag(key, body, tag());
      break;
  }
  return out;
}

Result<SecureBytes> key_file_decrypt(const KeyFileCipher& cipher, ByteView key, ByteView iv,
                                     ByteView ciphertext_and_tag) {
  if (ciphertext_and_tag.size() < cipher.tag_len) return fail(Errc::bad_format, "encrypted key shorter than its tag");
  const std::size_t len = ciphertext_and_tag.size() - cipher.tag_len;
  if (len % cipher.block_size != 0) return fail(Errc::bad_format, "encrypted key is not a multiple of the block size");
  auto e = check_args(cipher, key, iv, len);
  if (!e) return std::unexpected(std::move(e.error()));
  SecureBytes out(ciphertext_and_tag.begin(), ciphertext_and_tag.begin() + static_cast<std::ptrdiff_t>(len));
  ByteView tag = ciphertext_and_tag.subspan(len);
  switch ((*e)->mode) {
    case Mode::none: break;
    case Mode::ctr:
      if (!aes_ctr_xor(key, iv, out)) return sym::ossl_error("AES-CTR");
      break;
    case Mode::cbc:
      if (auto ok = cbc((*e)->evp_name, false, key, iv, out); !ok) return std::unexpected(std::move(ok.error()));
      break;
    case Mode::gcm:
      if (!aes_gcm_open(key, iv, {}, out, tag)) {
        wipe(out.data(), out.size());
        return fail(Errc::mac_error, "AES-GCM tag does not verify");
      }
      break;
    case Mode::chachapoly: {
      std::array<std::uint8_t, 16> expected{};
      chacha_tag(key, ByteView(out.data(), out.size()), expected);
      if (!equal_constant_time(expected, tag)) return fail(Errc::mac_error, "chacha20-poly1305 tag does not verify");
      if (!chacha20_xor(key.first(32), 1, kZeroNonce, out)) return sym::ossl_error("ChaCha20");
      break;
    }
  }
  return out;
}

}  // namespace skiff::crypto
