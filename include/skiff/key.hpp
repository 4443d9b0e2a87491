// Keys in the public API: a private key (a server's host key, a user's identity) and
// the SSH wire form of public keys. Handles are cheap to copy and immutable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <skiff/error.hpp>

namespace skiff {

enum class KeyType : std::uint8_t { ed25519, ecdsa_p256, ecdsa_p384, ecdsa_p521, rsa };

class PrivateKey {
 public:
  // bits: RSA modulus size (2048..8192, 0 for 3072); ignored for other types.
  static Result<PrivateKey> generate(KeyType type, std::size_t bits = 0);

  KeyType type() const noexcept;
  // "ssh-ed25519", "ecdsa-sha2-nistp256", ..., "ssh-rsa".
  std::string type_name() const;
  // The public key as an SSH wire blob (RFC 4253 6.6).
  std::vector<std::uint8_t> public_blob() const;
  // Signature algorithms this key can make: one name, or rsa-sha2-512, rsa-sha2-256 (and
  // ssh-rsa) for RSA.
  std::vector<std::string> signature_algorithms(bool include_sha1 = false) const;
  // An SSH signature blob (string algorithm || string signature) over data.
  Result<std::vector<std::uint8_t>> sign(std::string_view algorithm, std::span<const std::uint8_t> data) const;

  struct Impl;
  explicit PrivateKey(std::shared_ptr<const Impl> impl) noexcept : impl_(std::move(impl)) {}
  const Impl& impl() const noexcept { return *impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
};

// Verifies an SSH signature blob made by algorithm over data with the key in public_blob.
Result<void> verify_signature(std::span<const std::uint8_t> public_blob, std::string_view algorithm,
                              std::span<const std::uint8_t> data, std::span<const std::uint8_t> signature_blob,
                              bool allow_sha1 = false);

}  // namespace skiff
