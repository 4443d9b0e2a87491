// Key generation: one key pair (the default operation) and -A, every missing host key.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "crypto/secure.hpp"
#include "keygen.hpp"

namespace skiff::keygen {

namespace {

struct Choice {
  crypto::KeyType type;
  std::size_t rsa_bits;
};

// ssh-keygen's type_bits_valid: the default size per type and its range checks.
Choice validate_type_bits(const std::string& name, std::uint32_t bits) {
  auto kt = key_type_from_name(name);
  if (kt.type == crypto::KeyType::rsa) {
    if (bits == 0) bits = 3072;
    if (bits < crypto::kRsaMinBits)
      fatal("Invalid RSA key length: minimum is " + std::to_string(crypto::kRsaMinBits) + " bits");
    if (bits > crypto::kRsaMaxBits)
      fatal("Invalid RSA key length: maximum is " + std::to_string(crypto::kRsaMaxBits) + " bits");
    return {crypto::KeyType::rsa, bits};
  }
  if (kt.type == crypto::KeyType::ed25519) return {crypto::KeyType::ed25519, 0};
  if (bits == 0) bits = kt.name_bits != 0 ? kt.name_bits : 256;
  switch (bits) {
    case 256:
      return {crypto::KeyType::ecdsa_p256, 0};
    case 384:
      return {crypto::KeyType::ecdsa_p384, 0};
    case 521:
      return {crypto::KeyType::ecdsa_p521, 0};
    default:
      fatal("Invalid ECDSA key length: valid lengths are 256, 384 or 521 bits");
  }
}

// hostfile_create_user_ssh_dir: a key saved under a missing ~/.ssh creates it (0700).
void create_user_ssh_dir(const std::string& file, const User& user, bool notify) {
  auto slash = file.rfind('/');
  if (slash == std::string::npos) return;
  std::string dir = user.home + "/.ssh";
  if (dir.size() > slash || file.compare(0, slash, dir, 0, slash) != 0) return;
  struct stat st {};
  if (stat(dir.c_str(), &st) == 0) return;
  if (errno != ENOENT) {
    log_error("Could not stat " + dir + ": " + errno_text(errno));
  } else if (mkdir(dir.c_str(), 0700) == -1) {
    log_error("Could not create directory '" + dir + "' (" + errno_text(errno) + ").");
  } else if (notify) {
    log_error("Created directory '" + dir + "'.");
  }
}

bool confirm_overwrite(const std::string& file) {
  if (!path_exists(file)) return true;
  std::printf("%s already exists.\n", file.c_str());
  auto answer = prompt_line("Overwrite (y/n)? ");
  return answer && !answer->empty() && ((*answer)[0] == 'y' || (*answer)[0] == 'Y');
}

std::string new_key_passphrase(const Options& o) {
  if (o.old_passphrase) return *o.old_passphrase;
  if (o.new_passphrase) return *o.new_passphrase;
  for (;;) {
    std::string p1 = read_passphrase("Enter passphrase (empty for no passphrase): ");
    std::string p2 = read_passphrase("Enter same passphrase again: ");
    bool same = p1 == p2;
    crypto::wipe(p2.data(), p2.size());
    if (same) return p1;
    crypto::wipe(p1.data(), p1.size());
    std::printf("Passphrases do not match.  Try again.\n");
    std::fflush(stdout);
  }
}

}  // namespace

void do_generate(Options& o, const User& user) {
  if (!o.key_type) o.key_type = "rsa";  // OpenSSH 9.2's default (9.5 moved to ed25519)
  Choice choice = validate_type_bits(*o.key_type, o.bits);
  if (!o.quiet) std::printf("Generating public/private %s key pair.\n", o.key_type->c_str());
  std::fflush(stdout);
  auto key = crypto::PrivateKey::generate(choice.type, choice.rsa_bits != 0 ? choice.rsa_bits : 3072);
  if (!key) fatal("sshkey_generate failed");

  if (!o.have_identity) ask_filename(o, user, "Enter file in which to save the key");
  create_user_ssh_dir(o.identity_file, user, !o.quiet);
  if (!confirm_overwrite(o.identity_file)) std::exit(1);

  std::string passphrase = new_key_passphrase(o);
  std::string comment = o.comment ? *o.comment : user.name + "@" + user.host;
  auto saved = save_private(o, o.identity_file, *key, passphrase, comment);
  crypto::wipe(passphrase.data(), passphrase.size());
  if (!saved) {
    log_error("Saving key \"" + o.identity_file + "\" failed: " + reason(saved.error()));
    std::exit(1);
  }
  if (!o.quiet) std::printf("Your identification has been saved in %s\n", o.identity_file.c_str());

  std::string pub_file = o.identity_file + ".pub";
  const auto& pub = key->public_key();
  if (auto r = save_public(pub_file, pub, comment); !r)
    fatal("Unable to save public key to " + pub_file + ": " + reason(r.error()));
  if (!o.quiet) {
    std::printf("Your public key has been saved in %s\n", pub_file.c_str());
    std::printf("The key fingerprint is:\n");
    std::printf("%s %s\n", fingerprint(pub, o.fingerprint_hash).c_str(), comment.c_str());
    std::printf("The key's randomart image is:\n");
    std::printf("%s\n", randomart_picture(pub, o.fingerprint_hash).c_str());
  }
  std::exit(0);
}

void do_gen_all_hostkeys(const Options& o, const User& user) {
  struct HostKey {
    const char* type;
    const char* display;
    const char* path;
  };
  static const HostKey host_keys[] = {
      {"rsa", "RSA", "/etc/ssh/ssh_host_rsa_key"},
      {"ecdsa", "ECDSA", "/etc/ssh/ssh_host_ecdsa_key"},
      {"ed25519", "ED25519", "/etc/ssh/ssh_host_ed25519_key"},
  };
  // -f gives a prefix for the whole path, as ssh-keygen -A -f /some/root does.
  const std::string prefix = o.have_identity ? o.identity_file : std::string();
  bool first = false;
  for (const auto& hk : host_keys) {
    std::string prv_file = prefix + hk.path;
    struct stat st {};
    if (stat(prv_file.c_str(), &st) == 0) {
      if (st.st_size != 0) continue;
    } else if (errno != ENOENT) {
      log_error(std::string("Could not stat ") + hk.path + ": " + errno_text(errno));
      first = false;
      continue;
    }
    if (!first) {
      first = true;
      std::printf("%s: generating new host keys: ", kProgram);
    }
    std::printf("%s ", hk.display);
    std::fflush(stdout);
    // As ssh-keygen: a temporary name reserved beside the key before any work, so that a
    // missing directory fails at once with the same message.
    std::string reserve = prv_file + ".XXXXXXXXXX";
    int fd = mkstemp(reserve.data());
    if (fd == -1) {
      log_error("Could not save your private key in " + reserve + ": " + errno_text(errno));
      first = false;
      continue;
    }
    close(fd);
    unlink(reserve.c_str());
    Choice choice = validate_type_bits(hk.type, 0);
    auto key = crypto::PrivateKey::generate(choice.type, choice.rsa_bits != 0 ? choice.rsa_bits : 3072);
    if (!key) {
      log_error("sshkey_generate failed: " + reason(key.error()));
      first = false;
      continue;
    }
    std::string comment = user.name + "@" + user.host;
    std::string pub_file = prv_file + ".pub";
    if (auto r = save_public(pub_file, key->public_key(), comment); !r) {
      log_error("Unable to save public key to " + pub_file + ": " + r.error().message);
      first = false;
      continue;
    }
    if (auto r = save_private(o, prv_file, *key, "", comment); !r) {
      log_error("Could not save your private key in " + prv_file + ": " + r.error().message);
      first = false;
      continue;
    }
  }
  if (first) std::printf("\n");
  std::exit(0);
}

}  // namespace skiff::keygen
