// Algorithm tables and the checks shared by every shape; the shapes themselves live in
// packet_cipher_stream.cpp (none/AES-CTR + MAC), packet_cipher_gcm.cpp and
// packet_cipher_chacha.cpp.
#include "crypto/packet_cipher.hpp"

#include <string>

#include "crypto/packet_cipher_internal.hpp"

namespace skiff::crypto {

CipherInfo cipher_info(CipherAlg alg) noexcept {
  switch (alg) {
    case CipherAlg::none: return {0, 0, 8, 0, false};
    case CipherAlg::aes128_ctr: return {16, 16, 16, 0, false};
    case CipherAlg::aes192_ctr: return {24, 16, 16, 0, false};
    case CipherAlg::aes256_ctr: return {32, 16, 16, 0, false};
    case CipherAlg::aes128_gcm: return {16, 12, 16, 16, true};
    case CipherAlg::aes256_gcm: return {32, 12, 16, 16, true};
    // 64 bytes: two ChaCha20 keys, one for the payload and one for the length.
    case CipherAlg::chacha20_poly1305: return {64, 0, 8, 16, true};
  }
  return {0, 0, 8, 0, false};
}

MacInfo mac_info(MacAlg alg) noexcept {
  switch (alg) {
    case MacAlg::none: return {0, 0};
    case MacAlg::hmac_sha1: return {20, 20};
    case MacAlg::hmac_sha2_256: return {32, 32};
    case MacAlg::hmac_sha2_512: return {64, 64};
  }
  return {0, 0};
}

namespace {

bool known(CipherAlg c) noexcept { return static_cast<unsigned>(c) <= static_cast<unsigned>(CipherAlg::chacha20_poly1305); }
bool known(MacAlg m) noexcept { return static_cast<unsigned>(m) <= static_cast<unsigned>(MacAlg::hmac_sha2_512); }

// Lengths must match exactly: a mismatch means the key derivation and the negotiated
// algorithm disagree, which is a bug that must not turn into a weaker key.
Result<void> check_keys(const DirectionKeys& keys) {
  if (!known(keys.cipher) || !known(keys.mac)) return fail(Errc::invalid_argument, "packet cipher: unknown algorithm");
  CipherInfo ci = cipher_info(keys.cipher);
  if (keys.key.size() != ci.key_len)
    return fail(Errc::invalid_argument, "packet cipher: key is " + std::to_string(keys.key.size()) +
                                            " bytes, need " + std::to_string(ci.key_len));
  if (keys.iv.size() != ci.iv_len)
    return fail(Errc::invalid_argument, "packet cipher: IV is " + std::to_string(keys.iv.size()) + " bytes, need " +
                                            std::to_string(ci.iv_len));
  if (ci.aead) return {};  // An AEAD cipher carries its own tag; any MAC is ignored.
  MacInfo mi = mac_info(keys.mac);
  if (keys.mac_key.size() != mi.key_len)
    return fail(Errc::invalid_argument, "packet cipher: MAC key is " + std::to_string(keys.mac_key.size()) +
                                            " bytes, need " + std::to_string(mi.key_len));
  // -etm@openssh.com is a property of a MAC name; there is no "none-etm".
  if (keys.etm && keys.mac == MacAlg::none)
    return fail(Errc::invalid_argument, "packet cipher: encrypt-then-MAC without a MAC");
  return {};
}

}  // namespace

Result<std::unique_ptr<PacketSealer>> make_sealer(const DirectionKeys& keys) {
  if (auto ok = check_keys(keys); !ok) return std::unexpected(ok.error());
  switch (keys.cipher) {
    case CipherAlg::aes128_gcm:
    case CipherAlg::aes256_gcm: return sym::make_gcm_sealer(keys);
    case CipherAlg::chacha20_poly1305: return sym::make_chacha_sealer(keys);
    default: return sym::make_stream_mac_sealer(keys);
  }
}

Result<std::unique_ptr<PacketOpener>> make_opener(const DirectionKeys& keys) {
  if (auto ok = check_keys(keys); !ok) return std::unexpected(ok.error());
  switch (keys.cipher) {
    case CipherAlg::aes128_gcm:
    case CipherAlg::aes256_gcm: return sym::make_gcm_opener(keys);
    case CipherAlg::chacha20_poly1305: return sym::make_chacha_opener(keys);
    default: return sym::make_stream_mac_opener(keys);
  }
}

}  // namespace skiff::crypto
