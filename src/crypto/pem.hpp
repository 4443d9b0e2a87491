// PEM and DER forms of keys that OpenSSL understands, through OpenSSL 3's encoder and
// decoder API (OSSL_ENCODER / OSSL_DECODER): what `ssh-keygen -m PEM|PKCS8` reads and
// writes, and what `-e`/`-i -m PKCS8|PEM` converts public keys to and from.
#pragma once

#include <string>
#include <string_view>

#include <skiff/error.hpp>

#include "crypto/signature.hpp"

namespace skiff::crypto {

enum class PemPrivateFormat : std::uint8_t {
  traditional,  // "RSA PRIVATE KEY" (PKCS#1), "EC PRIVATE KEY" (SEC1); Ed25519 has no
                // traditional form and is written as PKCS#8 instead
  pkcs8,        // "PRIVATE KEY", or "ENCRYPTED PRIVATE KEY" with a passphrase
};

// Reads one PEM private key: PKCS#1 RSA, SEC1 EC (named curves P-256/384/521 only),
// PKCS#8 (RSA, EC, Ed25519) plain or encrypted, and traditional PEM with
// "Proc-Type: 4,ENCRYPTED". Errc::bad_passphrase when the key is encrypted and the
// passphrase is empty or wrong; Errc::unsupported for other key types (DSA, other
// curves, RSA under 1024 bits); Errc::bad_format for anything unreadable.
Result<PrivateKey> private_key_from_pem(std::string_view pem, std::string_view passphrase);

// True when text holds a PEM private key that needs a passphrase.
bool pem_private_key_is_encrypted(std::string_view pem);

// Writes a PEM private key with a trailing newline. An empty passphrase writes it in the
// clear; otherwise traditional keys use OpenSSL's legacy PEM encryption with
// AES-128-CBC (as ssh-keygen -m PEM does) and PKCS#8 uses PBES2 with AES-256-CBC and
// PBKDF2-HMAC-SHA256.
Result<std::string> private_key_to_pem(const PrivateKey& key, PemPrivateFormat format, std::string_view passphrase);

enum class PemPublicFormat : std::uint8_t {
  spki,   // "PUBLIC KEY" (X.509 SubjectPublicKeyInfo): ssh-keygen -e -m PKCS8
  pkcs1,  // "RSA PUBLIC KEY": ssh-keygen -e -m PEM, RSA only (Errc::unsupported otherwise)
};

// Reads "PUBLIC KEY" (SPKI; RSA, EC on P-256/384/521, Ed25519) or "RSA PUBLIC KEY".
Result<PublicKey> public_key_from_pem(std::string_view pem);
Result<std::string> public_key_to_pem(const PublicKey& key, PemPublicFormat format);

}  // namespace skiff::crypto
