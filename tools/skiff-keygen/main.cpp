// skiff-keygen: ssh-keygen(1)'s command line for what skiff supports — key generation,
// passphrase and comment changes, fingerprints, public key export/import, known_hosts
// editing and host key generation. See docs/man/skiff-keygen.1.
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <strings.h>

#include "crypto/key_file_cipher.hpp"
#include "keygen.hpp"
#include "wire/limits.hpp"

using namespace skiff;
using namespace skiff::keygen;

namespace {

// OpenBSD's strtonum, whose error words ssh-keygen prints.
long long parse_number(const char* s, long long lo, long long hi, const char** err) {
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s, &end, 10);
  *err = nullptr;
  if (end == s || *end != '\0' || errno == EINVAL)
    *err = "invalid";
  else if ((v == LLONG_MIN && errno == ERANGE) || v < lo)
    *err = "too small";
  else if ((v == LLONG_MAX && errno == ERANGE) || v > hi)
    *err = "too large";
  return *err ? 0 : v;
}

// ssh-keygen options skiff-keygen knows but does not implement, and why.
const char* unsupported_option(int opt) {
  switch (opt) {
    case 'B': return "bubblebabble digests";
    case 'D': return "PKCS#11 tokens";
    case 'I':
    case 'h':
    case 'n':
    case 's':
    case 'V':
    case 'z':
    case 'L': return "certificates";
    case 'K':
    case 'O':
    case 'w': return "FIDO security keys";
    case 'M': return "moduli generation and screening";
    case 'Y': return "signatures";
    case 'k':
    case 'Q':
    case 'u': return "key revocation lists";
    case 'r':
    case 'g': return "SSHFP resource records";
    case 'U': return "keys held by an agent";
    default: return nullptr;
  }
}

User current_user() {
  struct passwd* pw = getpwuid(getuid());
  if (pw == nullptr) fatal("No user exists for uid " + std::to_string(getuid()));
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == -1) fatal(std::string("gethostname: ") + errno_text(errno));
  return User{pw->pw_name, pw->pw_dir, host};
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  User user = current_user();
  bool change_passphrase = false, change_comment = false, find_host = false, delete_host = false;
  bool hash_hosts = false, gen_all = false, convert_to = false, convert_from = false, print_public = false;
  std::string host_name;

  opterr = 0;
  int opt;
  // '+': stop at the first operand as BSD getopt does; ':': report a missing argument.
  while ((opt = getopt(argc, argv,
                       "+:ABHKLQUXceghiklopquvyC:D:E:F:I:M:N:O:P:R:V:Y:Z:a:b:f:m:n:r:s:t:w:z:")) != -1) {
    const char* err = nullptr;
    switch (opt) {
      case 'A': gen_all = true; break;
      case 'b': {
        long long v = parse_number(optarg, 1, UINT32_MAX, &err);
        if (err) fatal(std::string("Bits has bad value ") + optarg + " (" + err + ")");
        o.bits = static_cast<std::uint32_t>(v);
        break;
      }
      case 'E':
        if (strcasecmp(optarg, "md5") == 0) o.fingerprint_hash = FingerprintHash::md5;
        else if (strcasecmp(optarg, "sha1") == 0) o.fingerprint_hash = FingerprintHash::sha1;
        else if (strcasecmp(optarg, "sha256") == 0) o.fingerprint_hash = FingerprintHash::sha256;
        else if (strcasecmp(optarg, "sha384") == 0) o.fingerprint_hash = FingerprintHash::sha384;
        else if (strcasecmp(optarg, "sha512") == 0) o.fingerprint_hash = FingerprintHash::sha512;
        else fatal(std::string("Invalid hash algorithm \"") + optarg + "\"");
        break;
      case 'F': find_host = true; host_name = optarg; break;
      case 'H': hash_hosts = true; break;
      case 'R': delete_host = true; host_name = optarg; break;
      case 'l': o.print_fingerprint = true; break;
      case 'm':
        if (strcasecmp(optarg, "RFC4716") == 0 || strcasecmp(optarg, "ssh2") == 0) {
          o.convert_format = ConvertFormat::rfc4716;
        } else if (strcasecmp(optarg, "PKCS8") == 0) {
          o.convert_format = ConvertFormat::pkcs8;
          o.private_format = keys::PrivateKeyFormat::pkcs8;
        } else if (strcasecmp(optarg, "PEM") == 0) {
          o.convert_format = ConvertFormat::pem;
          o.private_format = keys::PrivateKeyFormat::pem;
        } else {
          fatal(std::string("Unsupported conversion format \"") + optarg + "\"");
        }
        break;
      case 'o': break;  // the openssh-key-v1 format is already the default
      case 'p': change_passphrase = true; break;
      case 'c': change_comment = true; break;
      case 'f':
        if (std::strlen(optarg) >= PATH_MAX) fatal("Identity filename too long");
        o.identity_file = optarg;
        o.have_identity = true;
        break;
      case 'P': o.old_passphrase = optarg; break;
      case 'N': o.new_passphrase = optarg; break;
      case 'Z':
        if (crypto::find_key_file_cipher(optarg) == nullptr)
          fatal(std::string("Invalid OpenSSH-format cipher '") + optarg + "'");
        o.cipher = optarg;
        break;
      case 'C': o.comment = optarg; break;
      case 'q': o.quiet = true; break;
      case 'e': convert_to = true; break;
      case 'i':
      case 'X': convert_from = true; break;
      case 'y': print_public = true; break;
      case 't': o.key_type = optarg; break;
      case 'v': ++o.verbose; break;
      case 'a': {
        // Capped (ssh-keygen is not) so that every key skiff-keygen writes, skiff can read.
        long long v = parse_number(optarg, 1, limits::kMaxKdfRounds, &err);
        if (err) fatal(std::string("Invalid number: ") + optarg + " (" + err + ")");
        o.rounds = static_cast<unsigned>(v);
        break;
      }
      case ':':
        log_error(std::string("option requires an argument -- ") + static_cast<char>(optopt));
        usage();
      case '?':
        log_error(std::string("unknown option -- ") + static_cast<char>(optopt));
        usage();
      default:
        if (const char* what = unsupported_option(opt))
          fatal(std::string(kProgram) + ": -" + static_cast<char>(opt) + ": " + what +
                " are not supported by skiff-keygen");
        usage();
    }
  }
  if (optind < argc) {
    log_error("Too many arguments.");
    usage();
  }
  if (change_passphrase && change_comment) {
    log_error("Can only have one of -p and -c.");
    usage();
  }
  if (o.print_fingerprint && (delete_host || hash_hosts)) {
    log_error("Cannot use -l with -H or -R.");
    usage();
  }
  // The same precedence as ssh-keygen when several operations are named.
  if (delete_host || hash_hosts || find_host) do_known_hosts(o, user, host_name, find_host, delete_host, hash_hosts);
  if (o.print_fingerprint) do_fingerprint(o, user);
  if (change_passphrase) do_change_passphrase(o, user);
  if (change_comment) do_change_comment(o, user);
  if (convert_to) do_convert_to(o, user);
  if (convert_from) do_convert_from(o, user);
  if (print_public) do_print_public(o, user);
  if (gen_all) do_gen_all_hostkeys(o, user);
  do_generate(o, user);
}
