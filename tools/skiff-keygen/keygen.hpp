// skiff-keygen's internals, shared by its source files. The program follows
// ssh-keygen(1) of OpenSSH 9.2 for every operation it supports: same options, prompts,
// messages (on the same stream), file names, modes and exit statuses (0 success,
// 1 refused or not found, 255 fatal).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <skiff/error.hpp>

#include "crypto/signature.hpp"
#include "keys/private_key_file.hpp"
#include "keys/public_key_text.hpp"

namespace skiff::keygen {

enum class ConvertFormat : std::uint8_t { rfc4716, pkcs8, pem };
enum class FingerprintHash : std::uint8_t { md5, sha1, sha256, sha384, sha512 };

struct Options {
  bool quiet = false;
  int verbose = 0;
  std::optional<std::string> key_type;  // -t as given
  std::uint32_t bits = 0;               // -b; 0 for the type's default
  std::optional<std::string> comment;   // -C
  std::optional<std::string> new_passphrase;  // -N
  std::optional<std::string> old_passphrase;  // -P
  std::string identity_file;                  // -f
  bool have_identity = false;
  ConvertFormat convert_format = ConvertFormat::rfc4716;
  keys::PrivateKeyFormat private_format = keys::PrivateKeyFormat::openssh;
  std::optional<std::string> cipher;  // -Z
  unsigned rounds = 0;                // -a; 0 for the default
  FingerprintHash fingerprint_hash = FingerprintHash::sha256;
  bool print_fingerprint = false;  // -l
};

// The user running the program, for default file names and comments.
struct User {
  std::string name;
  std::string home;
  std::string host;  // gethostname()
};

inline constexpr const char* kProgram = "skiff-keygen";

// ssh-keygen's fatal(): the message on stderr (ending in "\r\n" as OpenSSH's log lines
// do), exit 255.
[[noreturn]] void fatal(std::string_view message);
// ssh-keygen's error()/logit(): the message on stderr, ending in "\r\n".
void log_error(std::string_view message);
[[noreturn]] void usage();

// The reason part of OpenSSH's "<what>: <reason>" messages for a library error.
std::string reason(const Error& e);
std::string errno_text(int err);

// Passphrase from /dev/tty with echo off (stdin and stderr when there is no terminal),
// as OpenSSH's read_passphrase(RP_ALLOW_STDIN). EOF gives an empty passphrase.
std::string read_passphrase(const char* prompt);
// A line from stdin after a prompt on stdout, without its newline; nullopt on EOF.
std::optional<std::string> prompt_line(const std::string& prompt);

// Asks for the file name as ssh-keygen does ("<prompt> (<default>): "), the default
// depending on -t.
void ask_filename(Options& o, const User& user, const char* prompt);
bool path_exists(const std::string& path);
// ssh-keygen's stat() check before an operation; on failure prints
// "<prefix><path>: <strerror>" and exits 255.
void require_file(const std::string& path, bool with_program_prefix);

struct LoadedKey {
  crypto::PrivateKey key;
  std::optional<std::string> comment;  // nullopt when the format stores none
  keys::PrivateKeyFormat format;
};
// OpenSSH's sshkey_load_private: the permission check (with its warning) first.
Result<LoadedKey> load_private(const std::string& path, std::string_view passphrase);
// Loads with an empty passphrase, then -P or a prompt; fatal "<what> \"path\": reason"
// (or "<what> path: reason" when quote is false) on failure.
LoadedKey load_identity(const Options& o, const std::string& path, const char* prompt, const char* what,
                        bool quote);

// OpenSSH's sshkey_load_public: the file as a public key, then file.pub, then the
// public half kept in the clear in an openssh-key-v1 file (with no comment).
struct PublicWithComment {
  crypto::PublicKey key;
  std::optional<std::string> comment;
};
std::optional<PublicWithComment> load_public(const std::string& path);

keys::OpenSshKeyOptions openssh_options(const Options& o);
// Key file writes: private 0600, public 0644 (less the umask), atomically.
Result<void> save_private(const Options& o, const std::string& path, const crypto::PrivateKey& key,
                          std::string_view passphrase, std::string_view comment);
Result<void> save_public(const std::string& path, const crypto::PublicKey& key, std::string_view comment);

// "SHA256:..." or "MD5:..", and the randomart picture, for -E's hash.
std::string fingerprint(const crypto::PublicKey& key, FingerprintHash hash);
std::string randomart_picture(const crypto::PublicKey& key, FingerprintHash hash);
// sshkey_type(): "RSA", "ECDSA", "ED25519".
const char* key_type_display(crypto::KeyType type);

// -t names ssh-keygen knows: "rsa", "ecdsa", "ed25519" and the full names
// ("ssh-ed25519", "ecdsa-sha2-nistp384", ...). Fatal for unknown names and for the
// types skiff does not implement (dsa, security keys, certificates).
struct KeyTypeChoice {
  crypto::KeyType type;
  std::uint32_t name_bits;   // ECDSA full names fix the curve; 0 otherwise
  const char* default_file;  // under ~: ".ssh/id_ed25519"
};
KeyTypeChoice key_type_from_name(std::string_view name);

// The operations; each ends the program.
[[noreturn]] void do_generate(Options& o, const User& user);
[[noreturn]] void do_gen_all_hostkeys(const Options& o, const User& user);
[[noreturn]] void do_fingerprint(Options& o, const User& user);
[[noreturn]] void do_change_passphrase(Options& o, const User& user);
[[noreturn]] void do_change_comment(Options& o, const User& user);
[[noreturn]] void do_print_public(Options& o, const User& user);
[[noreturn]] void do_convert_to(Options& o, const User& user);
[[noreturn]] void do_convert_from(Options& o, const User& user);
[[noreturn]] void do_known_hosts(Options& o, const User& user, const std::string& name, bool find, bool remove,
                                 bool hash);

}  // namespace skiff::keygen
