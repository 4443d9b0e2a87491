// Blowfish (Schneier 1993) and the eksblowfish key schedule pieces that bcrypt_pbkdf
// needs, written here because OpenSSL 3 keeps Blowfish in its legacy provider and has
// no "expandstate". Internal to src/crypto: bcrypt_pbkdf.cpp is the only user, plus the
// known-answer test through blowfish_encrypt_block_for_test.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "crypto/secure.hpp"

namespace skiff::crypto::detail {

// Initial P-array and S-boxes: the hex digits of pi (blowfish_tables.cpp, generated).
extern const std::uint32_t kBlowfishInitP[18];
extern const std::uint32_t kBlowfishInitS[4][256];

// The cipher state. Holds key material: callers wipe it (wipe(&state, sizeof state)).
struct BlowfishState {
  std::array<std::uint32_t, 18> p;
  std::array<std::array<std::uint32_t, 256>, 4> s;
};

// Loads the pi constants (OpenBSD Blowfish_initstate).
void blowfish_init(BlowfishState& st) noexcept;

// One 64-bit block, 16 rounds, in place (OpenBSD Blowfish_encipher).
void blowfish_encipher(const BlowfishState& st, std::uint32_t& xl, std::uint32_t& xr) noexcept;

// Standard key schedule (OpenBSD Blowfish_expand0state): XOR the cyclic key into P,
// then replace P and S with successive encryptions of the zero block. key non-empty.
void blowfish_expand0(BlowfishState& st, ByteView key) noexcept;

// Eksblowfish's salted schedule (OpenBSD Blowfish_expandstate): as expand0, but the
// cyclic data (the salt) is XORed into the block before each encryption. Both non-empty.
void blowfish_expand(BlowfishState& st, ByteView data, ByteView key) noexcept;

// Test only: plain Blowfish ECB of one 8-byte block (big-endian words) under key
// (1..72 bytes), for the published Eric Young vectors.
std::array<std::uint8_t, 8> blowfish_encrypt_block_for_test(ByteView key, ByteView block8);

}  // namespace skiff::crypto::detail
