// Private key files of any format skiff reads, recognised by content: openssh-key-v1,
// PEM (PKCS#1, SEC1, traditional-encrypted) and PKCS#8 (plain or encrypted). The single
// entry point for "load this identity / host key file".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <skiff/error.hpp>

#include "crypto/signature.hpp"
#include "keys/openssh_key.hpp"

namespace skiff::keys {

enum class PrivateKeyFormat : std::uint8_t {
  openssh,  // openssh-key-v1 (ssh-keygen's default)
  pem,      // PKCS#1 / SEC1 (ssh-keygen -m PEM); Ed25519 falls back to openssh as in OpenSSH
  pkcs8,    // PKCS#8 (ssh-keygen -m PKCS8)
};

struct LoadedPrivateKey {
  crypto::PrivateKey key;
  std::string comment;  // only openssh-key-v1 stores one; empty otherwise
  PrivateKeyFormat format;
  bool was_encrypted;
};

// Errc::bad_passphrase: encrypted and the passphrase is empty or wrong. Errc::bad_format
// names what is wrong. Texts over limits::kMaxKeyFileBytes are Errc::too_large.
Result<LoadedPrivateKey> load_private_key(std::string_view text, std::string_view passphrase);

// Whether the text needs a passphrase (false for unrecognised text: loading will then
// explain the error).
bool private_key_is_encrypted(std::string_view text);

// The public key without the passphrase where the format allows it (openssh-key-v1);
// nullopt for PEM/PKCS#8, which keep it inside the encrypted part.
std::optional<crypto::PublicKey> private_key_public_part(std::string_view text);

Result<std::string> save_private_key(const crypto::PrivateKey& key, std::string_view comment,
                                     std::string_view passphrase, PrivateKeyFormat format,
                                     const OpenSshKeyOptions& options = {});

}  // namespace skiff::keys
