// What every operation shares: messages, key types, loading and saving key files,
// fingerprints.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "crypto/hash.hpp"
#include "io/file_io.hpp"
#include "keygen.hpp"
#include "keys/fingerprint.hpp"
#include "keys/ssh_key.hpp"
#include "wire/base64.hpp"
#include "wire/limits.hpp"

namespace skiff::keygen {

// OpenSSH's log lines on stderr end in "\r\n" (log.c), so ours do too.
void fatal(std::string_view message) {
  log_error(message);
  std::exit(255);
}

void log_error(std::string_view message) {
  std::fflush(stdout);
  std::fprintf(stderr, "%.*s\r\n", static_cast<int>(message.size()), message.data());
}

void usage() {
  std::fprintf(stderr,
               "usage: skiff-keygen [-q] [-a rounds] [-b bits] [-C comment] [-f output_keyfile]\n"
               "                    [-m format] [-N new_passphrase] [-t ecdsa | ed25519 | rsa]\n"
               "                    [-Z cipher]\n"
               "       skiff-keygen -p [-a rounds] [-f keyfile] [-m format] [-N new_passphrase]\n"
               "                    [-P old_passphrase] [-Z cipher]\n"
               "       skiff-keygen -i [-f input_keyfile] [-m key_format]\n"
               "       skiff-keygen -e [-f input_keyfile] [-m key_format]\n"
               "       skiff-keygen -y [-f input_keyfile]\n"
               "       skiff-keygen -c [-a rounds] [-C comment] [-f keyfile] [-P passphrase]\n"
               "       skiff-keygen -l [-v] [-E fingerprint_hash] [-f input_keyfile]\n"
               "       skiff-keygen -F hostname [-lv] [-f known_hosts_file]\n"
               "       skiff-keygen -H [-f known_hosts_file]\n"
               "       skiff-keygen -R hostname [-f known_hosts_file]\n"
               "       skiff-keygen -A [-a rounds] [-f prefix_path]\n");
  std::exit(1);
}

std::string errno_text(int err) { return std::strerror(err); }

std::string reason(const Error& e) {
  // OpenSSH's ssh_err() texts where the failure is the same, so that scripts matching
  // ssh-keygen's messages keep working; skiff's own message otherwise.
  switch (e.code) {
    case Errc::bad_passphrase:
      return "incorrect passphrase supplied to decrypt private key";
    case Errc::bad_format:
    case Errc::truncated:
    case Errc::trailing_data:
    case Errc::bad_length:
      return "invalid format";
    case Errc::unsupported:
      return "unknown or unsupported key type";
    case Errc::crypto_failure:
      return "error in libcrypto";
    default:
      return e.message;
  }
}

KeyTypeChoice key_type_from_name(std::string_view name) {
  using crypto::KeyType;
  struct Row {
    std::string_view name;
    KeyTypeChoice choice;
  };
  static const Row rows[] = {
      {"rsa", {KeyType::rsa, 0, ".ssh/id_rsa"}},
      {"ssh-rsa", {KeyType::rsa, 0, ".ssh/id_rsa"}},
      {"ecdsa", {KeyType::ecdsa_p256, 0, ".ssh/id_ecdsa"}},
      {"ecdsa-sha2-nistp256", {KeyType::ecdsa_p256, 256, ".ssh/id_ecdsa"}},
      {"ecdsa-sha2-nistp384", {KeyType::ecdsa_p384, 384, ".ssh/id_ecdsa"}},
      {"ecdsa-sha2-nistp521", {KeyType::ecdsa_p521, 521, ".ssh/id_ecdsa"}},
      {"ed25519", {KeyType::ed25519, 0, ".ssh/id_ed25519"}},
      {"ssh-ed25519", {KeyType::ed25519, 0, ".ssh/id_ed25519"}},
  };
  for (const auto& r : rows)
    if (r.name == name) return r.choice;
  // Types OpenSSH 9.2 knows but skiff does not make: say so instead of "unknown".
  static const std::string_view known[] = {"dsa", "ssh-dss", "ecdsa-sk", "ed25519-sk",
                                           "sk-ecdsa-sha2-nistp256@openssh.com", "sk-ssh-ed25519@openssh.com",
                                           "xmss", "ssh-xmss@openssh.com"};
  bool openssh_type = name.ends_with("-cert-v01@openssh.com");
  for (auto k : known) openssh_type = openssh_type || k == name;
  if (openssh_type)
    fatal(std::string(kProgram) + ": key type " + std::string(name) +
          " is not supported (skiff-keygen makes rsa, ecdsa and ed25519 keys)");
  fatal("unknown key type " + std::string(name));
}

bool path_exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

void require_file(const std::string& path, bool with_program_prefix) {
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) return;
  std::string msg = with_program_prefix ? std::string(kProgram) + ": " : std::string();
  fatal(msg + path + ": " + errno_text(errno));
}

namespace {

// sshkey_perm_ok: a private key of ours readable by others is refused, loudly.
bool permissions_ok(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return true;  // the read reports it
  if (st.st_uid != getuid() || (st.st_mode & 077) == 0) return true;
  char mode[8];
  std::snprintf(mode, sizeof mode, "%3.3o", static_cast<unsigned>(st.st_mode & 0777));
  log_error("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
  log_error("@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @");
  log_error("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
  log_error("Permissions 0" + std::string(mode) + " for '" + path + "' are too open.");
  log_error("It is required that your private key files are NOT accessible by others.");
  log_error("This private key will be ignored.");
  return false;
}

Result<std::string> read_key_text(const std::string& path) {
  // The reason as strerror() gives it, as in OpenSSH's messages.
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return fail(Errc::not_found, errno_text(errno));
  if (access(path.c_str(), R_OK) != 0) return fail(Errc::io_error, errno_text(errno));
  return io::read_file(path, limits::kMaxKeyFileBytes);
}

// sshkey_try_load_public: the first line that parses as a public key; a private key's
// armour stops the search. The comment defaults to the file name.
std::optional<PublicWithComment> try_load_public(const std::string& path) {
  auto text = io::read_file(path, limits::kMaxKeyListFileBytes);
  if (!text) return std::nullopt;
  std::string_view rest = *text;
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (line.empty() || line[0] == '#') continue;
    if (line.starts_with("-----BEGIN") || line == "SSH PRIVATE KEY FILE") break;
    while (!line.empty() && (line[0] == ' ' || line[0] == '\t')) line.remove_prefix(1);
    if (line.empty()) continue;
    auto parsed = keys::parse_public_key_line(line);
    if (!parsed) continue;
    std::string comment = parsed->comment.empty() ? path : parsed->comment;
    return PublicWithComment{std::move(parsed->key), std::move(comment)};
  }
  return std::nullopt;
}

}  // namespace

Result<LoadedKey> load_private(const std::string& path, std::string_view passphrase) {
  auto text = read_key_text(path);
  if (!text) return std::unexpected(text.error());
  if (!permissions_ok(path)) return fail(Errc::invalid_argument, "bad permissions");
  auto loaded = keys::load_private_key(*text, passphrase);
  crypto::wipe(text->data(), text->size());
  if (!loaded) return std::unexpected(loaded.error());
  std::optional<std::string> comment;
  if (loaded->format == keys::PrivateKeyFormat::openssh) comment = loaded->comment;
  return LoadedKey{std::move(loaded->key), std::move(comment), loaded->format};
}

LoadedKey load_identity(const Options& o, const std::string& path, const char* prompt, const char* what,
                        bool quote) {
  auto describe = [&](const Error& e) {
    std::string name = quote ? "\"" + path + "\"" : path;
    return std::string(what) + " " + name + ": " + reason(e);
  };
  auto first = load_private(path, "");
  if (first) return std::move(*first);
  if (first.error().code != Errc::bad_passphrase) fatal(describe(first.error()));
  std::string pass = o.old_passphrase ? *o.old_passphrase : read_passphrase(prompt);
  auto second = load_private(path, pass);
  crypto::wipe(pass.data(), pass.size());
  if (!second) fatal(describe(second.error()));
  return std::move(*second);
}

std::optional<PublicWithComment> load_public(const std::string& path) {
  if (auto k = try_load_public(path)) return k;
  if (auto k = try_load_public(path + ".pub")) return k;
  auto text = io::read_file(path, limits::kMaxKeyFileBytes);
  if (!text) return std::nullopt;
  if (auto pub = keys::private_key_public_part(*text)) return PublicWithComment{std::move(*pub), std::nullopt};
  return std::nullopt;
}

keys::OpenSshKeyOptions openssh_options(const Options& o) {
  keys::OpenSshKeyOptions opts;
  if (o.cipher) opts.cipher = *o.cipher;
  if (o.rounds != 0) opts.kdf_rounds = o.rounds;
  return opts;
}

namespace {

unsigned with_umask(unsigned mode) {
  mode_t mask = umask(0);
  umask(mask);
  return mode & ~static_cast<unsigned>(mask);
}

}  // namespace

Result<void> save_private(const Options& o, const std::string& path, const crypto::PrivateKey& key,
                          std::string_view passphrase, std::string_view comment) {
  // ssh-keygen writes Ed25519 keys as openssh-key-v1 whatever -m says, and refuses PEM
  // and PKCS#8 passphrases of 1 to 4 characters (OpenSSL's floor).
  auto format = key.type() == crypto::KeyType::ed25519 ? keys::PrivateKeyFormat::openssh : o.private_format;
  if (format != keys::PrivateKeyFormat::openssh && !passphrase.empty() && passphrase.size() <= 4)
    return fail(Errc::invalid_argument, "passphrase is too short (minimum five characters)");
  auto text = keys::save_private_key(key, comment, passphrase, format, openssh_options(o));
  if (!text) return std::unexpected(text.error());
  auto written = io::write_file_atomic(path, *text, with_umask(0600));
  crypto::wipe(text->data(), text->size());
  return written;
}

Result<void> save_public(const std::string& path, const crypto::PublicKey& key, std::string_view comment) {
  // OpenSSH always writes the separating space, even before an empty comment.
  std::string line = keys::format_public_key_line(key, "") + " " + std::string(comment) + "\n";
  return io::write_file_atomic(path, line, with_umask(0644));
}

namespace {

struct Digest {
  crypto::Bytes bytes;
  const char* name;
};

Digest digest_of(const crypto::PublicKey& key, FingerprintHash hash) {
  auto blob = keys::encode_public_blob(key);
  switch (hash) {
    case FingerprintHash::md5:
      return {crypto::md5(blob), "MD5"};
    case FingerprintHash::sha1:
      return {crypto::hash(crypto::HashAlg::sha1, blob), "SHA1"};
    case FingerprintHash::sha384:
      return {crypto::hash(crypto::HashAlg::sha384, blob), "SHA384"};
    case FingerprintHash::sha512:
      return {crypto::hash(crypto::HashAlg::sha512, blob), "SHA512"};
    case FingerprintHash::sha256:
      break;
  }
  return {crypto::hash(crypto::HashAlg::sha256, blob), "SHA256"};
}

}  // namespace

std::string fingerprint(const crypto::PublicKey& key, FingerprintHash hash) {
  auto blob = keys::encode_public_blob(key);
  if (hash == FingerprintHash::md5) return keys::fingerprint_md5(blob);
  if (hash == FingerprintHash::sha256) return keys::fingerprint_sha256(blob);
  auto d = digest_of(key, hash);
  return std::string(d.name) + ":" + wire::base64_encode(d.bytes, false);
}

std::string randomart_picture(const crypto::PublicKey& key, FingerprintHash hash) {
  auto d = digest_of(key, hash);
  return keys::randomart(d.bytes, keys::key_size_title(key.type(), key.bits()), d.name);
}

const char* key_type_display(crypto::KeyType type) {
  switch (type) {
    case crypto::KeyType::ed25519:
      return "ED25519";
    case crypto::KeyType::rsa:
      return "RSA";
    default:
      return "ECDSA";
  }
}

}  // namespace skiff::keygen
