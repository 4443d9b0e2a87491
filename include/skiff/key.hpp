// Keys in the public API: a private key (a server's host key, a user's identity) and
// the SSH wire form of public keys. Handles are cheap to copy and immutable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <skiff/error.hpp>

namespace skiff {

enum class KeyType : std::uint8_t { ed25519, ecdsa_p256, ecdsa_p384, ecdsa_p521, rsa };

// A public key: a host key to pin, an entry of authorized_keys, the public half of a
// PrivateKey.
class PublicKey {
 public:
  // From the SSH wire blob (RFC 4253 6.6, RFC 5656, RFC 8709).
  static Result<PublicKey> from_blob(std::span<const std::uint8_t> blob);
  // From text: the OpenSSH one-line form ("ssh-ed25519 AAAA... comment", as in key.pub),
  // RFC 4716, or PEM ("PUBLIC KEY", "RSA PUBLIC KEY"). The comment, if any, is kept.
  static Result<PublicKey> parse(std::string_view text);

  KeyType type() const noexcept;
  std::string type_name() const;
  std::size_t bits() const noexcept;
  std::vector<std::uint8_t> blob() const;
  const std::string& comment() const noexcept;
  // "type base64[ comment]" without newline (comment defaults to the key's own).
  std::string to_openssh_line() const;
  // "SHA256:..." as ssh-keygen -l prints it.
  std::string fingerprint() const;

  // Same key (the comment is not compared).
  friend bool operator==(const PublicKey& a, const PublicKey& b);

  struct Impl;
  explicit PublicKey(std::shared_ptr<const Impl> impl) noexcept : impl_(std::move(impl)) {}
  const Impl& impl() const noexcept { return *impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
};

enum class PrivateKeyFormat : std::uint8_t { openssh, pem, pkcs8 };

class PrivateKey {
 public:
  // bits: RSA modulus size (2048..8192, 0 for 3072); ignored for other types.
  static Result<PrivateKey> generate(KeyType type, std::size_t bits = 0);
  // Any key file text skiff reads: openssh-key-v1, PEM (PKCS#1, SEC1) or PKCS#8, plain or
  // encrypted. Errc::bad_passphrase when it is encrypted and the passphrase is wrong or
  // empty.
  static Result<PrivateKey> parse(std::string_view text, std::string_view passphrase = {});
  // The same from a file (Errc::not_found, Errc::io_error; the message names the path).
  static Result<PrivateKey> load(const std::filesystem::path& path, std::string_view passphrase = {});

  KeyType type() const noexcept;
  // "ssh-ed25519", "ecdsa-sha2-nistp256", ..., "ssh-rsa".
  std::string type_name() const;
  // The public key as an SSH wire blob (RFC 4253 6.6).
  std::vector<std::uint8_t> public_blob() const;
  PublicKey public_key() const;
  // The comment stored in an openssh-key-v1 file (empty for other sources).
  const std::string& comment() const noexcept;
  // Signature algorithms this key can make: one name, or rsa-sha2-512, rsa-sha2-256 (and
  // ssh-rsa) for RSA.
  std::vector<std::string> signature_algorithms(bool include_sha1 = false) const;
  // An SSH signature blob (string algorithm || string signature) over data.
  Result<std::vector<std::uint8_t>> sign(std::string_view algorithm, std::span<const std::uint8_t> data) const;

  // The key file text: openssh-key-v1 (aes256-ctr with bcrypt_pbkdf, 16 rounds, when a
  // passphrase is given), PEM or PKCS#8. comment is stored by the openssh format only.
  Result<std::string> to_file_text(std::string_view passphrase = {}, PrivateKeyFormat format = PrivateKeyFormat::openssh,
                                   std::string_view comment = {}) const;

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
