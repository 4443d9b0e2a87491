// The format is told by the first "-----BEGIN <label>-----" line, as OpenSSH in effect
// does (it tries its own format first, then hands the text to libcrypto's PEM reader):
// "OPENSSH PRIVATE KEY" is openssh-key-v1, "PRIVATE KEY" / "ENCRYPTED PRIVATE KEY" is
// PKCS#8, and every other label goes to the PEM reader, which names what it refuses.
#include "keys/private_key_file.hpp"

#include "crypto/pem.hpp"
#include "wire/limits.hpp"

namespace skiff::keys {

namespace {

constexpr std::string_view kBeginPrefix = "-----BEGIN ";
constexpr std::string_view kDashes = "-----";
constexpr std::string_view kOpenSshLabel = "OPENSSH PRIVATE KEY";

struct Detected {
  PrivateKeyFormat format;
  std::string_view text;  // from the BEGIN line on, for openssh-key-v1
};

std::optional<Detected> detect(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with(kBeginPrefix) && line.ends_with(kDashes) &&
        line.size() >= kBeginPrefix.size() + kDashes.size()) {
      std::string_view label = line.substr(kBeginPrefix.size(), line.size() - kBeginPrefix.size() - kDashes.size());
      if (label == kOpenSshLabel) {
        // Only blank space may come before OpenSSH's armour.
        if (text.substr(0, pos).find_first_not_of(" \t\r\n") != std::string_view::npos) return std::nullopt;
        return Detected{PrivateKeyFormat::openssh, text.substr(pos)};
      }
      if (label == "PRIVATE KEY" || label == "ENCRYPTED PRIVATE KEY") return Detected{PrivateKeyFormat::pkcs8, text};
      return Detected{PrivateKeyFormat::pem, text};
    }
    pos = end + 1;
  }
  return std::nullopt;
}

}  // namespace

Result<LoadedPrivateKey> load_private_key(std::string_view text, std::string_view passphrase) {
  if (text.size() > limits::kMaxKeyFileBytes) return fail(Errc::too_large, "private key file larger than 1 MiB");
  auto found = detect(text);
  if (!found) return fail(Errc::bad_format, "not a private key file (no usable BEGIN line)");
  if (found->format == PrivateKeyFormat::openssh) {
    auto info = inspect_openssh_private_key(found->text);
    if (!info) return std::unexpected(std::move(info.error()));
    auto key = read_openssh_private_key(found->text, passphrase);
    if (!key) return std::unexpected(std::move(key.error()));
    return LoadedPrivateKey{std::move(key->key), std::move(key->comment), PrivateKeyFormat::openssh, info->encrypted};
  }
  auto key = crypto::private_key_from_pem(found->text, passphrase);
  if (!key) return std::unexpected(std::move(key.error()));
  return LoadedPrivateKey{std::move(*key), std::string(), found->format,
                          crypto::pem_private_key_is_encrypted(found->text)};
}

bool private_key_is_encrypted(std::string_view text) {
  if (text.size() > limits::kMaxKeyFileBytes) return false;
  auto found = detect(text);
  if (!found) return false;
  if (found->format == PrivateKeyFormat::openssh) {
    auto info = inspect_openssh_private_key(found->text);
    return info && info->encrypted;
  }
  return crypto::pem_private_key_is_encrypted(found->text);
}

std::optional<crypto::PublicKey> private_key_public_part(std::string_view text) {
  if (text.size() > limits::kMaxKeyFileBytes) return std::nullopt;
  auto found = detect(text);
  if (!found || found->format != PrivateKeyFormat::openssh) return std::nullopt;
  auto info = inspect_openssh_private_key(found->text);
  if (!info) return std::nullopt;
  return std::move(info->public_key);
}

Result<std::string> save_private_key(const crypto::PrivateKey& key, std::string_view comment,
                                     std::string_view passphrase, PrivateKeyFormat format,
                                     const OpenSshKeyOptions& options) {
  switch (format) {
    case PrivateKeyFormat::openssh: return write_openssh_private_key(key, comment, passphrase, options);
    case PrivateKeyFormat::pem:
      // OpenSSH 9.2 has no PEM form for Ed25519 and writes its own format instead.
      if (key.type() == crypto::KeyType::ed25519) return write_openssh_private_key(key, comment, passphrase, options);
      return crypto::private_key_to_pem(key, crypto::PemPrivateFormat::traditional, passphrase);
    case PrivateKeyFormat::pkcs8: return crypto::private_key_to_pem(key, crypto::PemPrivateFormat::pkcs8, passphrase);
  }
  return fail(Errc::invalid_argument, "unknown private key format");
}

}  // namespace skiff::keys
