// Raw symmetric primitives, one call each, for known-answer tests and for the rare
// caller that needs a primitive once. Each call makes and frees its own context, so
// none of these belongs in a per-packet path: PacketSealer/PacketOpener keep theirs.
// All return false on a key, nonce or tag of the wrong length (nothing is written then).
#pragma once

#include <cstdint>
#include <span>

#include "crypto/secure.hpp"

namespace skiff::crypto {

// ChaCha20 as in RFC 8439 2.4: 32-byte key, 32-bit initial block counter, 12-byte nonce.
// XORs the keystream into data in place (encryption and decryption are the same).
bool chacha20_xor(ByteView key, std::uint32_t counter, ByteView nonce, std::span<std::uint8_t> data);

// Poly1305 (RFC 8439 2.5) with a one-time 32-byte key; writes the 16-byte tag.
bool poly1305(ByteView key, ByteView data, std::span<std::uint8_t, 16> tag);

// AES-CTR (NIST SP 800-38A): 16, 24 or 32-byte key, 16-byte initial counter block
// incremented as a 128-bit big-endian integer. XORs the keystream into data in place.
bool aes_ctr_xor(ByteView key, ByteView iv, std::span<std::uint8_t> data);

// AES-GCM (NIST SP 800-38D) with a 12-byte IV and a 16-byte tag; key 16, 24 or 32 bytes.
// Seal encrypts data in place and writes the tag. Open checks the tag and decrypts in
// place; it returns false on a wrong tag, and data is then undefined.
bool aes_gcm_seal(ByteView key, ByteView iv, ByteView aad, std::span<std::uint8_t> data,
                  std::span<std::uint8_t, 16> tag);
bool aes_gcm_open(ByteView key, ByteView iv, ByteView aad, std::span<std::uint8_t> data, ByteView tag);

}  // namespace skiff::crypto
