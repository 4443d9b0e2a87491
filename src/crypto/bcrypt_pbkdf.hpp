// bcrypt_pbkdf: the key derivation of OpenSSH's "openssh-key-v1" encrypted private
// keys (kdfname "bcrypt"), exactly as OpenBSD's lib/libutil/bcrypt_pbkdf.c. Hand-written
// (no packaged library offers it); checked in tests/vectors/bcrypt_pbkdf_kat_test.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <skiff/error.hpp>

#include "crypto/secure.hpp"

namespace skiff::crypto {

// Largest output: 32 blocks of the 32-byte bcrypt hash (OpenBSD's own limit).
inline constexpr std::size_t kBcryptPbkdfMaxOut = 1024;

// Fills out with key material derived from passphrase and salt with `rounds`
// iterations. Errc::invalid_argument, with out untouched, unless rounds >= 1,
// 1 <= out.size() <= 1024, salt is 1 byte..1 MiB and the passphrase is non-empty:
// OpenBSD's own limits. Cost: `rounds` bcrypt hashes (a few ms each) per 32 bytes of out.
Result<void> bcrypt_pbkdf(std::string_view passphrase, ByteView salt, unsigned rounds,
                          std::span<std::uint8_t> out);

}  // namespace skiff::crypto
