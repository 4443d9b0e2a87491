#include "identities.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/tty.hpp"
#include "keys/private_key_file.hpp"
#include "keys/ssh_key.hpp"
#include "wire/limits.hpp"

namespace skiff::cli {
namespace {

// ssh_err() texts for what loading a key can report. A file that is not an OpenSSH
// key goes to libcrypto's PEM reader in ssh, hence its "error in libcrypto".
std::string reason(const Error& e, std::string_view text = {}) {
  if (e.code == Errc::bad_format && !text.empty() &&
      text.find("-----BEGIN OPENSSH PRIVATE KEY-----") == std::string_view::npos) {
    return "error in libcrypto";
  }
  switch (e.code) {
    case Errc::bad_passphrase:
      return "incorrect passphrase supplied to decrypt private key";
    case Errc::unsupported:
      return "unknown or unsupported key type";
    case Errc::io_error:
      return e.message;
    default:
      return "invalid format";
  }
}

// The public key without a passphrase: the file read as a public key, else FILE.pub,
// else the public part an openssh-key-v1 file keeps in clear (sshkey_load_public).
std::optional<PublicKey> load_public(const std::string& path, const IdentitySources& src,
                                     std::vector<std::string>& warnings) {
  auto file = src.read_file(path);
  if (file) {
    if (auto pk = PublicKey::parse(file->text)) return *pk;
  }
  if (auto pub = src.read_file(path + ".pub")) {
    if (auto pk = PublicKey::parse(pub->text)) return *pk;
  }
  if (!file) {
    if (file.error().code != Errc::not_found) {
      warnings.push_back("load pubkey \"" + path + "\": " + reason(file.error()));
    }
    return std::nullopt;
  }
  if (auto part = keys::private_key_public_part(file->text)) {
    if (auto pk = PublicKey::from_blob(keys::encode_public_blob(*part))) return *pk;
  }
  // PEM and PKCS#8 keep the public key inside; it comes with the private key. ssh says
  // nothing here about a file it cannot read as a key (only loading complains).
  return std::nullopt;
}

bool is_default_list(const std::vector<std::string>& files) {
  if (files.size() != std::size(kDefaultIdentityFiles)) return false;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (files[i] != "~/" + std::string(kDefaultIdentityFiles[i])) return false;
  }
  return true;
}

}  // namespace

IdentitySources system_identity_sources() {
  IdentitySources s;
  s.read_file = [](const std::string& path) -> Result<KeyFileData> {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      return fail(err == ENOENT ? Errc::not_found : Errc::io_error, std::strerror(err));
    }
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > static_cast<off_t>(limits::kMaxKeyFileBytes)) {
      close(fd);
      return fail(Errc::bad_format, "invalid format");
    }
    KeyFileData d;
    d.mode = st.st_mode & 07777;
    d.owned_by_user = st.st_uid == getuid();
    char buf[4096];
    for (;;) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      d.text.append(buf, static_cast<std::size_t>(n));
      if (d.text.size() > limits::kMaxKeyFileBytes) break;
    }
    close(fd);
    return d;
  };
  s.ask_passphrase = [](std::string_view prompt) { return tools::read_passphrase(prompt, {.require_tty = true}); };
  return s;
}

std::vector<std::string> unprotected_key_lines(std::string_view path, std::uint32_t mode) {
  char perms[8];
  std::snprintf(perms, sizeof perms, "0%3.3o", mode & 0777);
  return {"@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
          "@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @",
          "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
          std::string("Permissions ") + perms + " for '" + std::string(path) + "' are too open.",
          "It is required that your private key files are NOT accessible by others.",
          "This private key will be ignored.",
          "Load key \"" + std::string(path) + "\": bad permissions"};
}

std::optional<PrivateKey> Identity::load_private(const IdentitySources& src, int password_prompts, bool batch_mode,
                                                 std::vector<std::string>& log) const {
  auto file = src.read_file(path_);
  if (!file) {
    if (file.error().code == Errc::not_found) {
      if (user_provided_) log.push_back("no such identity: " + path_ + ": " + file.error().message);
    } else {
      log.push_back("Load key \"" + path_ + "\": " + reason(file.error()));
    }
    return std::nullopt;
  }
  if (file->owned_by_user && (file->mode & 077) != 0) {
    for (auto& l : unprotected_key_lines(path_, file->mode)) log.push_back(std::move(l));
    return std::nullopt;
  }
  const std::string prompt = "Enter passphrase for key '" + path_.substr(0, 100) + "': ";
  for (int i = 0; i <= password_prompts; ++i) {
    std::string passphrase;
    if (i > 0) {
      auto typed = src.ask_passphrase ? src.ask_passphrase(prompt) : std::nullopt;
      if (!typed || typed->empty()) return std::nullopt;  // "no passphrase given, try next key"
      passphrase = std::move(*typed);
    }
    auto key = PrivateKey::parse(file->text, passphrase);
    std::fill(passphrase.begin(), passphrase.end(), '\0');
    if (key) return *key;
    if (key.error().code != Errc::bad_passphrase) {
      log.push_back("Load key \"" + path_ + "\": " + reason(key.error(), file->text));
      return std::nullopt;
    }
    if (batch_mode) return std::nullopt;
  }
  return std::nullopt;
}

const Identity* find_identity(const IdentityList& list, const PublicKey& key) {
  for (const auto& id : list.identities) {
    if (id.public_key() && *id.public_key() == key) return &id;
  }
  return nullptr;
}

IdentityList collect_identities(const config::ClientConfig& cfg, const config::ClientContext& ctx,
                                const IdentitySources& src) {
  IdentityList out;
  const bool defaults = is_default_list(cfg.identity_files);
  for (const auto& written : cfg.identity_files) {
    if (out.identities.size() >= limits::kMaxIdentityFiles) break;
    if (strcasecmp(written.c_str(), "none") == 0) continue;
    auto expanded = config::expand_tokens(config::expand_tilde(written, ctx.home), cfg, ctx);
    if (!expanded) {
      out.warnings.push_back("IdentityFile \"" + written + "\": " + expanded.error().message);
      continue;
    }
    auto pk = load_public(*expanded, src, out.warnings);
    out.identities.emplace_back(*expanded, !defaults, std::move(pk));
  }
  if (auto it = cfg.other.find("certificatefile"); it != cfg.other.end()) {
    for (const auto& f : it->second) {
      out.warnings.push_back("CertificateFile " + f + ": certificates are not supported by skiff; ignored");
    }
  }
  return out;
}

}  // namespace skiff::cli
