#include "keys/key_handle.hpp"

#include "keys/ssh_key.hpp"

namespace skiff {

namespace {

crypto::KeyType to_crypto(KeyType t) { return static_cast<crypto::KeyType>(t); }

}  // namespace

static_assert(static_cast<int>(KeyType::rsa) == static_cast<int>(crypto::KeyType::rsa));

Result<PrivateKey> PrivateKey::generate(KeyType type, std::size_t bits) {
  auto k = crypto::PrivateKey::generate(to_crypto(type), bits == 0 ? 3072 : bits);
  if (!k) return std::unexpected(k.error());
  return PrivateKey(std::make_shared<const Impl>(Impl{std::move(*k)}));
}

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
