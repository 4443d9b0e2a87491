// -e and -i: public keys to and from RFC 4716, PKCS#8 ("PUBLIC KEY") and PEM
// ("RSA PUBLIC KEY").
#include <cstdio>
#include <cstdlib>
#include <string>

#include "crypto/pem.hpp"
#include "io/file_io.hpp"
#include "keygen.hpp"
#include "wire/limits.hpp"

namespace skiff::keygen {

namespace {

std::string read_input(const std::string& path) {
  require_file(path, true);
  auto text = io::read_file(path, limits::kMaxKeyFileBytes);
  if (!text) fatal(std::string(kProgram) + ": " + path + ": " + text.error().message);
  return std::move(*text);
}

// Where ssh-keygen writes a DSA/EC/RSA public key through OpenSSL's PEM writers, and
// refuses Ed25519.
std::string export_pem(const crypto::PublicKey& key, ConvertFormat format) {
  const char* function = format == ConvertFormat::pkcs8 ? "do_convert_to_pkcs8" : "do_convert_to_pem";
  if (key.type() == crypto::KeyType::ed25519)
    fatal(std::string(function) + ": unsupported key type " + key_type_display(key.type()));
  auto which = format == ConvertFormat::pem && key.type() == crypto::KeyType::rsa ? crypto::PemPublicFormat::pkcs1
                                                                                 : crypto::PemPublicFormat::spki;
  auto pem = crypto::public_key_to_pem(key, which);
  if (!pem) fatal(std::string(function) + ": " + pem.error().message);
  return *pem;
}

}  // namespace

void do_convert_to(Options& o, const User& user) {
  if (!o.have_identity) ask_filename(o, user, "Enter file in which the key is");
  require_file(o.identity_file, true);
  std::optional<crypto::PublicKey> key;
  if (auto pub = load_public(o.identity_file)) {
    key = std::move(pub->key);
  } else {
    auto loaded = load_identity(o, o.identity_file, "Enter passphrase: ", "Load key", true);
    key = loaded.key.public_key();
  }
  std::string out;
  if (o.convert_format == ConvertFormat::rfc4716) {
    // RFC 4716 3.3: the header line must fit in 72 characters.
    std::string comment = std::to_string(key->bits()) + "-bit " + key_type_display(key->type()) + ", converted by " +
                          user.name + "@" + user.host + " from OpenSSH";
    if (comment.size() > 60) comment.resize(60);
    out = keys::format_rfc4716(*key, comment);
  } else {
    out = export_pem(*key, o.convert_format);
  }
  std::fputs(out.c_str(), stdout);
  std::exit(0);
}

void do_convert_from(Options& o, const User& user) {
  if (!o.have_identity) ask_filename(o, user, "Enter file in which the key is");
  std::string text = read_input(o.identity_file);
  std::optional<crypto::PublicKey> key;
  switch (o.convert_format) {
    case ConvertFormat::rfc4716: {
      if (text.find("---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----") != std::string::npos)
        fatal(std::string(kProgram) + ": SSH.COM private keys are not supported");
      auto parsed = keys::parse_rfc4716(text);
      if (!parsed) {
        // ssh-keygen decodes whatever is not a header line: without the markers, the
        // base64 decoding is what fails first.
        bool framed = text.find("---- BEGIN SSH2 PUBLIC KEY ----") != std::string::npos;
        fatal(std::string("do_convert_from_ssh2: ") + (framed ? "parse key: " : "base64 decode: ") +
              reason(parsed.error()));
      }
      key = std::move(parsed->key);
      break;
    }
    case ConvertFormat::pkcs8: {
      // OpenSSL's PEM_read_PUBKEY, as ssh-keygen uses: "PUBLIC KEY" only.
      auto parsed = text.find("-----BEGIN PUBLIC KEY-----") != std::string::npos
                        ? crypto::public_key_from_pem(text)
                        : fail(Errc::bad_format, "not a public key");
      if (!parsed) fatal("do_convert_from_pkcs8: " + o.identity_file + " is not a recognised public key format");
      key = std::move(*parsed);
      break;
    }
    case ConvertFormat::pem: {
      auto parsed = text.find("-----BEGIN RSA PUBLIC KEY-----") != std::string::npos
                        ? crypto::public_key_from_pem(text)
                        : fail(Errc::bad_format, "not an RSA public key");
      if (!parsed) fatal("do_convert_from_pem: unrecognised raw private key format");
      key = std::move(*parsed);
      break;
    }
  }
  std::printf("%s\n", keys::format_public_key_line(*key, "").c_str());
  std::exit(0);
}

}  // namespace skiff::keygen
