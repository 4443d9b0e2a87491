// Signature keys: Ed25519, ECDSA on P-256/384/521, RSA PKCS#1 v1.5 (SHA-256/512,
// SHA-1 only when the caller asks). Raw forms only; the SSH blob encodings live in
// src/keys.
//   Ed25519 signature: 64 bytes.
//   ECDSA signature: r || s, each left-padded to the curve's scalar size.
//   RSA signature: the modulus-sized signature bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include <skiff/error.hpp>

#include "crypto/hash.hpp"
#include "crypto/secure.hpp"

namespace skiff::crypto {

enum class KeyType : std::uint8_t { ed25519, ecdsa_p256, ecdsa_p384, ecdsa_p521, rsa };

// Hash that ECDSA uses for a curve (SHA-256/384/512 for P-256/384/521, RFC 5656 6.2.1).
HashAlg ecdsa_hash(KeyType type) noexcept;
// Size in bytes of a field element / scalar for an ECDSA key type (32, 48, 66).
std::size_t ecdsa_scalar_size(KeyType type) noexcept;

inline constexpr std::size_t kRsaMinBits = 2048;
inline constexpr std::size_t kRsaMaxBits = 8192;
// Verification accepts shorter RSA keys than signing creates (OpenSSH's floor is 1024).
inline constexpr std::size_t kRsaMinVerifyBits = 1024;

struct RsaPublicComponents {
  Bytes e;  // unsigned big-endian
  Bytes n;
};

class PublicKey {
 public:
  static Result<PublicKey> ed25519(ByteView key32);
  // point: uncompressed 0x04 || X || Y; checked to lie on the curve.
  static Result<PublicKey> ecdsa(KeyType type, ByteView point);
  static Result<PublicKey> rsa(ByteView e, ByteView n);
  ~PublicKey();
  PublicKey(PublicKey&&) noexcept;
  PublicKey& operator=(PublicKey&&) noexcept;
  PublicKey(const PublicKey&);
  PublicKey& operator=(const PublicKey&);

  KeyType type() const noexcept { return type_; }
  std::size_t bits() const noexcept;
  // Ed25519: 32 bytes. ECDSA: uncompressed point. RSA: empty (see rsa_components()).
  Bytes raw_public() const;
  RsaPublicComponents rsa_components() const;

  // hash selects the RSA digest (sha1 only when allow_sha1); ignored for Ed25519 and
  // ECDSA, whose hash is fixed by the key type. Returns Errc::signature_invalid when the
  // signature does not verify.
  Result<void> verify(ByteView data, ByteView signature, HashAlg hash = HashAlg::sha256,
                      bool allow_sha1 = false) const;

 private:
  struct Impl;
  PublicKey(KeyType type, std::unique_ptr<Impl> impl) noexcept;
  KeyType type_;
  std::unique_ptr<Impl> impl_;
  friend class PrivateKey;
};

class PrivateKey {
 public:
  // bits: RSA modulus size (2048..8192); ignored for other types.
  static Result<PrivateKey> generate(KeyType type, std::size_t bits = 3072);
  static Result<PrivateKey> ed25519(ByteView seed32);
  // scalar: the private scalar, big-endian; the public point is recomputed and checked.
  static Result<PrivateKey> ecdsa(KeyType type, ByteView scalar);
  // RSA from its components (big-endian); dp, dq are derived.
  static Result<PrivateKey> rsa(ByteView n, ByteView e, ByteView d, ByteView p, ByteView q, ByteView iqmp);
  ~PrivateKey();
  PrivateKey(PrivateKey&&) noexcept;
  PrivateKey& operator=(PrivateKey&&) noexcept;

  KeyType type() const noexcept { return type_; }
  const PublicKey& public_key() const noexcept { return *public_; }

  // Ed25519: pure EdDSA over data. ECDSA: hash fixed by curve, hedged/random nonce.
  // RSA: PKCS#1 v1.5 with hash (sha1 only with allow_sha1).
  Result<Bytes> sign(ByteView data, HashAlg hash = HashAlg::sha256, bool allow_sha1 = false) const;

  // Private components for serialisation (src/keys): Ed25519 seed (32 bytes); ECDSA scalar;
  // RSA d, p, q, iqmp (n and e via public_key()).
  SecureBytes ed25519_seed() const;
  SecureBytes ecdsa_scalar() const;
  struct RsaPrivateComponents {
    SecureBytes d, p, q, iqmp;
  };
  RsaPrivateComponents rsa_components() const;

 private:
  struct Impl;
  PrivateKey(KeyType type, std::unique_ptr<Impl> impl, std::unique_ptr<PublicKey> pub) noexcept;
  KeyType type_;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<PublicKey> public_;
};

}  // namespace skiff::crypto
