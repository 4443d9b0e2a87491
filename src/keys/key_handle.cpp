#include "keys/key_handle.hpp"

#include "keys/fingerprint.hpp"
#include "keys/private_key_file.hpp"
#include "keys/public_key_text.hpp"
#include "keys/ssh_key.hpp"

namespace skiff {

namespace {

crypto::KeyType to_crypto(KeyType t) { return static_cast<crypto::KeyType>(t); }

}  // namespace

static_assert(static_cast<int>(KeyType::rsa) == static_cast<int>(crypto::KeyType::rsa));

Result<PrivateKey> PrivateKey::generate(KeyType type, std::size_t bits) {
  auto k = crypto::PrivateKey::generate(to_crypto(type), bits == 0 ? 3072 : bits);
  if (!k) return std::unexpected(k.error());
  return PrivateKey(std::make_shared<const Impl>(Impl{std::move(*k), {}}));
}

Result<PrivateKey> PrivateKey::parse(std::string_view text, std::string_view passphrase) {
  auto loaded = keys::load_private_key(text, passphrase);
  if (!loaded) return std::unexpected(loaded.error());
  return PrivateKey(std::make_shared<const Impl>(Impl{std::move(loaded->key), std::move(loaded->comment)}));
}

PublicKey PrivateKey::public_key() const {
  return PublicKey(std::make_shared<const PublicKey::Impl>(PublicKey::Impl{impl_->key.public_key(), impl_->comment}));
}

const std::string& PrivateKey::comment() const noexcept { return impl_->comment; }

Result<std::string> PrivateKey::to_file_text(std::string_view passphrase, PrivateKeyFormat format,
                                             std::string_view comment) const {
  return keys::save_private_key(impl_->key, comment, passphrase, static_cast<keys::PrivateKeyFormat>(format));
}

static_assert(static_cast<int>(PrivateKeyFormat::pkcs8) == static_cast<int>(keys::PrivateKeyFormat::pkcs8));

KeyType PrivateKey::type() const noexcept { return static_cast<KeyType>(impl_->key.type()); }

std::string PrivateKey::type_name() const { return std::string(keys::key_type_name(impl_->key.type())); }

std::vector<std::uint8_t> PrivateKey::public_blob() const {
  return keys::encode_public_blob(impl_->key.public_key());
}

std::vector<std::string> PrivateKey::signature_algorithms(bool include_sha1) const {
  if (impl_->key.type() == crypto::KeyType::rsa) {
    std::vector<std::string> v{"rsa-sha2-512", "rsa-sha2-256"};
    if (include_sha1) v.push_back("ssh-rsa");
    return v;
  }
  return {type_name()};
}

Result<std::vector<std::uint8_t>> PrivateKey::sign(std::string_view algorithm,
                                                   std::span<const std::uint8_t> data) const {
  return keys::sign_to_blob(impl_->key, algorithm, data, algorithm == "ssh-rsa");
}

Result<PublicKey> PublicKey::from_blob(std::span<const std::uint8_t> blob) {
  auto key = keys::decode_public_blob(blob);
  if (!key) return std::unexpected(key.error());
  return PublicKey(std::make_shared<const Impl>(Impl{std::move(*key), {}}));
}

Result<PublicKey> PublicKey::parse(std::string_view text) {
  auto parsed = keys::parse_public_key_any(text);
  if (!parsed) return std::unexpected(parsed.error());
  return PublicKey(std::make_shared<const Impl>(Impl{std::move(parsed->key), std::move(parsed->comment)}));
}

KeyType PublicKey::type() const noexcept { return static_cast<KeyType>(impl_->key.type()); }
std::string PublicKey::type_name() const { return std::string(keys::key_type_name(impl_->key.type())); }
std::size_t PublicKey::bits() const noexcept { return impl_->key.bits(); }
std::vector<std::uint8_t> PublicKey::blob() const { return keys::encode_public_blob(impl_->key); }
const std::string& PublicKey::comment() const noexcept { return impl_->comment; }
std::string PublicKey::to_openssh_line() const { return keys::format_public_key_line(impl_->key, impl_->comment); }
std::string PublicKey::fingerprint() const { return keys::fingerprint_sha256(blob()); }

bool operator==(const PublicKey& a, const PublicKey& b) {
  return a.impl_ == b.impl_ || keys::encode_public_blob(a.impl_->key) == keys::encode_public_blob(b.impl_->key);
}

Result<void> verify_signature(std::span<const std::uint8_t> public_blob, std::string_view algorithm,
                              std::span<const std::uint8_t> data, std::span<const std::uint8_t> signature_blob,
                              bool allow_sha1) {
  auto key = keys::decode_public_blob(public_blob);
  if (!key) return std::unexpected(key.error());
  if (!keys::signature_algorithm_fits_key(algorithm, key->type())) {
    return fail(Errc::signature_invalid, "signature algorithm " + std::string(algorithm) + " does not fit the key");
  }
  return keys::verify_blob(*key, algorithm, data, signature_blob, allow_sha1);
}

}  // namespace skiff
