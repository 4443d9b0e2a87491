// The key-agreement primitives under SSH's key exchange methods: X25519, ECDH on
// the NIST curves, and finite-field Diffie-Hellman. Each is "make a keypair, send the
// public value, combine with the peer's public value" and each validates what the
// peer sent before using it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include <skiff/error.hpp>

#include "crypto/secure.hpp"

namespace skiff::crypto {

enum class Curve : std::uint8_t { x25519, p256, p384, p521 };

// An ephemeral key on one curve.
class EcdhKey {
 public:
  static Result<EcdhKey> generate(Curve curve);
  // A key with a given private value, for known-answer tests (RFC 7748, Wycheproof); a
  // key exchange always uses generate(). X25519: the 32-byte scalar as given (clamped by
  // the function, as RFC 7748 says). NIST curves: the big-endian scalar, 0 < d < order.
  static Result<EcdhKey> from_private(Curve curve, ByteView scalar);
  ~EcdhKey();
  EcdhKey(EcdhKey&&) noexcept;
  EcdhKey& operator=(EcdhKey&&) noexcept;

  Curve curve() const noexcept { return curve_; }
  // X25519: the 32-byte u-coordinate. NIST curves: the uncompressed point 0x04 || X || Y.
  const Bytes& public_value() const noexcept { return public_; }
  // The shared secret: X25519 output (32 bytes) or the x-coordinate of the shared point
  // (field size, big-endian). Fails on a peer value of the wrong size, a point not on the
  // curve or at infinity, or an all-zero X25519 result (low-order point).
  Result<SecureBytes> derive(ByteView peer_public) const;

 private:
  struct Impl;
  EcdhKey(Curve curve, std::unique_ptr<Impl> impl, Bytes pub) noexcept;
  Curve curve_;
  std::unique_ptr<Impl> impl_;
  Bytes public_;
};

// A finite-field group: prime p and generator g as unsigned big-endian magnitudes.
struct DhGroup {
  Bytes p;
  Bytes g;
  std::size_t bits() const noexcept;
};

// RFC 2409 / RFC 3526 groups: 1 (Oakley group 2, 1024-bit), 14 (2048), 16 (4096), 18 (8192).
const DhGroup& modp_group(int number);

class DhKey {
 public:
  // exponent_bits: size of the private exponent (at least twice the security level wanted;
  // OpenSSH uses 2 * the hash output's bits, e.g. 512 for sha256). 0 means full size.
  // Requests below 512 bits are raised to 512 (OpenSSH's floor, and above OpenSSL's).
  static Result<DhKey> generate(const DhGroup& group, std::size_t exponent_bits);
  ~DhKey();
  DhKey(DhKey&&) noexcept;
  DhKey& operator=(DhKey&&) noexcept;

  // e or f as an unsigned big-endian magnitude.
  const Bytes& public_value() const noexcept { return public_; }
  // K as an unsigned big-endian magnitude. Fails unless 1 < peer < p - 1.
  Result<SecureBytes> derive(ByteView peer_public) const;

 private:
  struct Impl;
  DhKey(std::unique_ptr<Impl> impl, Bytes pub) noexcept;
  std::unique_ptr<Impl> impl_;
  Bytes public_;
};

// Checks a group from a moduli file or a group-exchange reply: p a safe prime of at least
// min_bits, g in (1, p-1). The primality test is probabilistic (BN_check_prime).
Result<void> validate_dh_group(const DhGroup& group, std::size_t min_bits, bool check_primality);

}  // namespace skiff::crypto
