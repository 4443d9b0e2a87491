#include "keys/ssh_key.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <string>

namespace skiff::keys {

using crypto::KeyType;

namespace {

struct SigAlg {
  std::string_view name;
  KeyType key;
  crypto::HashAlg hash;  // RSA's digest; informational for the others
};

constexpr std::array<SigAlg, 7> kSigAlgs{{
    {"ssh-ed25519", KeyType::ed25519, crypto::HashAlg::sha512},
    {"ecdsa-sha2-nistp256", KeyType::ecdsa_p256, crypto::HashAlg::sha256},
    {"ecdsa-sha2-nistp384", KeyType::ecdsa_p384, crypto::HashAlg::sha384},
    {"ecdsa-sha2-nistp521", KeyType::ecdsa_p521, crypto::HashAlg::sha512},
    {"rsa-sha2-256", KeyType::rsa, crypto::HashAlg::sha256},
    {"rsa-sha2-512", KeyType::rsa, crypto::HashAlg::sha512},
    {"ssh-rsa", KeyType::rsa, crypto::HashAlg::sha1},
}};

std::optional<SigAlg> find_sig_alg(std::string_view name, KeyType type) noexcept {
  for (const auto& a : kSigAlgs) {
    if (a.name == name && a.key == type) return a;
  }
  return std::nullopt;
}

bool is_ecdsa(KeyType type) noexcept {
  return type == KeyType::ecdsa_p256 || type == KeyType::ecdsa_p384 || type == KeyType::ecdsa_p521;
}

// RFC 5656 3.1: the curve identifier repeated inside the blob.
std::string_view curve_identifier(KeyType type) noexcept {
  switch (type) {
    case KeyType::ecdsa_p384: return "nistp384";
    case KeyType::ecdsa_p521: return "nistp521";
    default: return "nistp256";
  }
}

std::optional<KeyType> key_type_from_name(std::string_view name) noexcept {
  for (KeyType t : {KeyType::ed25519, KeyType::ecdsa_p256, KeyType::ecdsa_p384, KeyType::ecdsa_p521, KeyType::rsa}) {
    if (key_type_name(t) == name) return t;
  }
  return std::nullopt;
}

// The largest ECDSA point (P-521, uncompressed) and the Ed25519 key; longer strings are
// refused before the key import looks at them.
constexpr std::size_t kMaxPointSize = 1 + 2 * 66;

}  // namespace

std::string_view key_type_name(KeyType type) noexcept {
  switch (type) {
    case KeyType::ed25519: return "ssh-ed25519";
    case KeyType::ecdsa_p256: return "ecdsa-sha2-nistp256";
    case KeyType::ecdsa_p384: return "ecdsa-sha2-nistp384";
    case KeyType::ecdsa_p521: return "ecdsa-sha2-nistp521";
    case KeyType::rsa: return "ssh-rsa";
  }
  return "";
}

wire::Bytes encode_public_blob(const crypto::PublicKey& key) {
  wire::Bytes out;
  wire::Writer w(out);
  w.string(key_type_name(key.type()));
  if (key.type() == KeyType::rsa) {
    auto c = key.rsa_components();
    w.mpint_unsigned(c.e).mpint_unsigned(c.n);
  } else if (is_ecdsa(key.type())) {
    w.string(curve_identifier(key.type())).string(key.raw_public());
  } else {
    w.string(key.raw_public());
  }
  return out;
}

Result<crypto::PublicKey> decode_public_blob(wire::ByteView blob) {
  if (blob.size() > limits::kMaxHostKeyBlob) return fail(Errc::too_large, "public key blob too large");
  wire::Reader r(blob);
  auto name = r.text(limits::kMaxAlgorithmNameLength);
  if (!name) return std::unexpected(name.error());
  auto type = key_type_from_name(*name);
  if (!type) return fail(Errc::unsupported, "unknown public key type \"" + std::string(*name) + "\"");

  Result<crypto::PublicKey> key = fail(Errc::bad_format, "unreachable");
  if (*type == KeyType::rsa) {
    auto e = r.mpint_unsigned();
    if (!e) return std::unexpected(e.error());
    auto n = r.mpint_unsigned();
    if (!n) return std::unexpected(n.error());
    if (auto end = r.expect_end(); !end) return std::unexpected(end.error());
    key = crypto::PublicKey::rsa(*e, *n);
  } else if (is_ecdsa(*type)) {
    auto curve = r.text(limits::kMaxAlgorithmNameLength);
    if (!curve) return std::unexpected(curve.error());
    if (*curve != curve_identifier(*type)) return fail(Errc::bad_format, "ECDSA curve does not match the key type");
    auto point = r.string(kMaxPointSize);
    if (!point) return std::unexpected(point.error());
    if (auto end = r.expect_end(); !end) return std::unexpected(end.error());
    key = crypto::PublicKey::ecdsa(*type, *point);
  } else {
    auto raw = r.string(kMaxPointSize);
    if (!raw) return std::unexpected(raw.error());
    if (auto end = r.expect_end(); !end) return std::unexpected(end.error());
    key = crypto::PublicKey::ed25519(*raw);
  }
  return key;
}

bool signature_algorithm_fits_key(std::string_view sig_alg, KeyType type) noexcept {
  return find_sig_alg(sig_alg, type).has_value();
}

Result<wire::Bytes> sign_to_blob(const crypto::PrivateKey& key, std::string_view sig_alg, wire::ByteView data,
                                 bool allow_sha1) {
  auto alg = find_sig_alg(sig_alg, key.type());
  if (!alg) return fail(Errc::invalid_argument, "signature algorithm \"" + std::string(sig_alg) + "\" does not fit the key");
  auto sig = key.sign(data, alg->hash, allow_sha1);
  if (!sig) return std::unexpected(sig.error());
  wire::Bytes out;
  wire::Writer w(out);
  w.string(alg->name);
  if (is_ecdsa(key.type())) {
    // RFC 5656 3.1.2: the raw r || s becomes string(mpint r || mpint s).
    const std::size_t size = crypto::ecdsa_scalar_size(key.type());
    wire::ByteView raw = *sig;
    wire::Bytes inner;
    wire::Writer(inner).mpint_unsigned(raw.first(size)).mpint_unsigned(raw.subspan(size));
    w.string(inner);
  } else {
    w.string(*sig);
  }
  return out;
}

Result<void> verify_blob(const crypto::PublicKey& key, std::string_view expected_sig_alg, wire::ByteView data,
                         wire::ByteView sig_blob, bool allow_sha1) {
  auto alg = find_sig_alg(expected_sig_alg, key.type());
  if (!alg) {
    return fail(Errc::invalid_argument,
                "signature algorithm \"" + std::string(expected_sig_alg) + "\" does not fit the key");
  }
  if (sig_blob.size() > limits::kMaxSignatureBlob) return fail(Errc::too_large, "signature blob too large");
  wire::Reader r(sig_blob);
  auto name = r.text(limits::kMaxAlgorithmNameLength);
  if (!name) return std::unexpected(name.error());
  // Refusing a different name, even one the key could verify, stops a downgrade: a
  // signature made with ssh-rsa (SHA-1) must not pass where rsa-sha2-512 was agreed.
  if (*name != alg->name) return fail(Errc::signature_invalid, "signature algorithm differs from the one expected");
  auto sig = r.string(limits::kMaxSignatureBlob);
  if (!sig) return std::unexpected(sig.error());
  if (auto end = r.expect_end(); !end) return std::unexpected(end.error());

  if (!is_ecdsa(key.type())) return key.verify(data, *sig, alg->hash, allow_sha1);

  const std::size_t size = crypto::ecdsa_scalar_size(key.type());
  wire::Reader inner(*sig);
  auto rv = inner.mpint_unsigned(size);
  if (!rv) return std::unexpected(rv.error());
  auto sv = inner.mpint_unsigned(size);
  if (!sv) return std::unexpected(sv.error());
  if (auto end = inner.expect_end(); !end) return std::unexpected(end.error());
  wire::Bytes raw(2 * size, 0);
  std::copy(rv->begin(), rv->end(), raw.begin() + static_cast<std::ptrdiff_t>(size - rv->size()));
  std::copy(sv->begin(), sv->end(), raw.end() - static_cast<std::ptrdiff_t>(sv->size()));
  return key.verify(data, raw, alg->hash, allow_sha1);
}

}  // namespace skiff::keys
