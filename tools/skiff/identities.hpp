// The user's identities as ssh 9.2 finds them (ssh.c load_public_identity_files,
// sshconnect2.c load_identity_file): -i and IdentityFile in order (tokens and '~'
// expanded, "none" dropped), or the default files when none was given; for each, the
// public key if one can be had without a passphrase (the file itself as a public key,
// FILE.pub, the public part of an openssh-key-v1 file). The private key is loaded only
// when needed (after the server accepted the public key, or at once for an identity
// whose public key is unknown), with ssh's passphrase prompts and messages.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <skiff/error.hpp>
#include <skiff/key.hpp>

#include "config/ssh_config.hpp"

namespace skiff::cli {

// 9.2's default identity files, in the order ssh tries them (relative to the home).
inline constexpr std::string_view kDefaultIdentityFiles[] = {
    ".ssh/id_rsa", ".ssh/id_ecdsa", ".ssh/id_ecdsa_sk", ".ssh/id_ed25519", ".ssh/id_ed25519_sk", ".ssh/id_xmss",
    ".ssh/id_dsa"};

struct KeyFileData {
  std::string text;
  std::uint32_t mode = 0600;  // permission bits
  bool owned_by_user = true;  // st_uid == getuid()
};

// Where identities come from and how questions are asked; the defaults use the file
// system and /dev/tty.
struct IdentitySources {
  // Errc::not_found when the file does not exist; another error's message is strerror's.
  std::function<Result<KeyFileData>(const std::string& path)> read_file;
  // The passphrase typed at prompt, or nullopt when there is no terminal.
  std::function<std::optional<std::string>(std::string_view prompt)> ask_passphrase;
};
IdentitySources system_identity_sources();

class Identity {
 public:
  Identity(std::string path, bool user_provided, std::optional<PublicKey> public_key)
      : path_(std::move(path)), user_provided_(user_provided), public_key_(std::move(public_key)) {}

  const std::string& path() const noexcept { return path_; }
  // From -i or IdentityFile (ssh then says "no such identity" at INFO when it is missing).
  bool user_provided() const noexcept { return user_provided_; }
  // Known without a passphrase: the auth layer offers it first (a query), and asks for
  // the private key only when the server accepts it.
  const std::optional<PublicKey>& public_key() const noexcept { return public_key_; }

  // The private key, as ssh's load_identity_file: first with an empty passphrase, then
  // up to NumberOfPasswordPrompts prompts "Enter passphrase for key 'PATH': " (an empty
  // answer gives up; BatchMode never prompts). Messages ssh prints (at INFO or error
  // level) are appended to log, one line each without line end.
  std::optional<PrivateKey> load_private(const IdentitySources& src, int password_prompts, bool batch_mode,
                                         std::vector<std::string>& log) const;

 private:
  std::string path_;
  bool user_provided_;
  std::optional<PublicKey> public_key_;
};

struct IdentityList {
  std::vector<Identity> identities;
  // Lines ssh logs while collecting them ("load pubkey \"F\": invalid format", the
  // CertificateFile notice).
  std::vector<std::string> warnings;
};

// Identities for cfg: its IdentityFile list with %-tokens and '~' expanded (a bad token
// is a warning and the file is skipped), or the default files when the list is empty.
IdentityList collect_identities(const config::ClientConfig& cfg, const config::ClientContext& ctx,
                                const IdentitySources& src);

// The identity whose public key is key (for the auth layer's SignatureNeeded: load its
// private key then), or nullptr.
const Identity* find_identity(const IdentityList& list, const PublicKey& key);

// ssh's lines for a key file whose permissions are too open (sshkey_perm_ok) followed
// by "Load key \"PATH\": bad permissions".
std::vector<std::string> unprotected_key_lines(std::string_view path, std::uint32_t mode);

}  // namespace skiff::cli
