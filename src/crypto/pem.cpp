// PEM keys through OpenSSL 3's decoder and encoder. Keys cross into and out of OpenSSL
// as components only: the decoded EVP_PKEY is taken apart and the key rebuilt through
// PrivateKey / PublicKey, so that every check those constructors make (curve points,
// RSA consistency and size) applies to keys read from files too.
#include "crypto/pem.hpp"

#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#include "crypto/asym_internal.hpp"

namespace skiff::crypto {

using detail::BnPtr;
using detail::clean_fail;
using detail::ossl_fail;
using detail::PkeyPtr;

namespace {

// The same bound as limits::kMaxKeyFileBytes (src/crypto does not depend on src/wire):
// OpenSSH refuses larger key files too.
constexpr std::size_t kMaxPemBytes = 1024 * 1024;
constexpr std::size_t kEd25519Size = 32;

// An encrypted PKCS#8 key names its own key derivation cost, and a crafted file must
// not make loading take minutes: OpenSSL and ssh-keygen write 2048 PBKDF2 iterations,
// and 2^20 leaves room for tools following today's advice (600,000 for SHA-256).
// scrypt's memory is bounded by OpenSSL itself; its time grows with N * r * p.
constexpr std::uint64_t kMaxKdfIterations = std::uint64_t{1} << 20;
constexpr std::uint64_t kMaxScryptWork = std::uint64_t{1} << 22;

struct DecoderCtxFree {
  void operator()(OSSL_DECODER_CTX* p) const noexcept { OSSL_DECODER_CTX_free(p); }
};
struct EncoderCtxFree {
  void operator()(OSSL_ENCODER_CTX* p) const noexcept { OSSL_ENCODER_CTX_free(p); }
};

std::string_view trim_line_end(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  return line;
}

// One "-----BEGIN <label>-----" block: its label and the text from its BEGIN line on,
// which is what OpenSSL's PEM reader is given (it stops at the matching END line).
struct PemBlock {
  std::string_view label;
  std::string_view text;
};

// Every BEGIN line in order; text before, between and after blocks is ignored as
// OpenSSL's reader ignores it (an "EC PARAMETERS" block may precede an EC key).
template <class Fn>
void for_each_block(std::string_view pem, Fn&& fn) {
  constexpr std::string_view kBegin = "-----BEGIN ";
  constexpr std::string_view kDashes = "-----";
  std::size_t pos = 0;
  while (pos < pem.size()) {
    std::size_t end = pem.find('\n', pos);
    if (end == std::string_view::npos) end = pem.size();
    std::string_view line = trim_line_end(pem.substr(pos, end - pos));
    if (line.starts_with(kBegin) && line.size() >= kBegin.size() + kDashes.size() && line.ends_with(kDashes)) {
      std::string_view label = line.substr(kBegin.size(), line.size() - kBegin.size() - kDashes.size());
      if (fn(PemBlock{label, pem.substr(pos)})) return;
    }
    pos = end + 1;
  }
}

bool is_private_label(std::string_view label) {
  return label == "PRIVATE KEY" || label == "ENCRYPTED PRIVATE KEY" || label == "RSA PRIVATE KEY" ||
         label == "EC PRIVATE KEY";
}

bool is_public_label(std::string_view label) { return label == "PUBLIC KEY" || label == "RSA PUBLIC KEY"; }

// The first block with a label that want() accepts; otherwise an error naming what was
// found instead.
Result<PemBlock> find_block(std::string_view pem, bool (*want)(std::string_view), std::string_view kind) {
  if (pem.size() > kMaxPemBytes) return fail(Errc::too_large, "PEM text larger than 1 MiB");
  std::optional<PemBlock> found;
  std::optional<std::string_view> other;
  for_each_block(pem, [&](const PemBlock& b) {
    if (want(b.label)) {
      found = b;
      return true;
    }
    if (!other) other = b.label;
    return false;
  });
  if (found) return *found;
  const std::string what = "PEM " + std::string(kind);
  if (!other) return fail(Errc::bad_format, "no " + what + " found");
  const std::string label(*other);
  // "DSA PRIVATE KEY" and the like: keys of a type skiff does not have. OpenSSH's own
  // format and RFC 4716 are read elsewhere.
  if (label != "OPENSSH PRIVATE KEY" && label != "SSH2 PUBLIC KEY" && label.ends_with(kind)) {
    return fail(Errc::unsupported, "unsupported key type in \"" + label + "\" block");
  }
  return fail(Errc::bad_format, "PEM block \"" + label + "\" is not a " + what);
}

// Passes the caller's passphrase to OpenSSL and records that one was needed. Always
// installed, so that OpenSSL never falls back to prompting on a terminal.
struct PassphraseState {
  std::string_view passphrase;
  bool asked = false;
};

int passphrase_cb(char* buf, std::size_t size, std::size_t* len, const OSSL_PARAM[], void* arg) {
  auto* st = static_cast<PassphraseState*>(arg);
  st->asked = true;
  if (st->passphrase.empty() || st->passphrase.size() > size) return 0;
  std::memcpy(buf, st->passphrase.data(), st->passphrase.size());
  *len = st->passphrase.size();
  return 1;
}

template <class T>
struct AsnFree {
  const ASN1_ITEM* item;
  void operator()(T* p) const noexcept { ASN1_item_free(reinterpret_cast<ASN1_VALUE*>(p), item); }
};

// The parameters of an AlgorithmIdentifier as the ASN.1 type of `item`, or null.
template <class T>
std::unique_ptr<T, AsnFree<T>> unpack(const X509_ALGOR* alg, const ASN1_ITEM* item) {
  const ASN1_OBJECT* oid = nullptr;
  int ptype = 0;
  const void* pval = nullptr;
  X509_ALGOR_get0(&oid, &ptype, &pval, alg);
  void* v = ptype == V_ASN1_SEQUENCE ? ASN1_item_unpack(static_cast<const ASN1_STRING*>(pval), item) : nullptr;
  return std::unique_ptr<T, AsnFree<T>>(static_cast<T*>(v), AsnFree<T>{item});
}

bool within(const ASN1_INTEGER* v, std::uint64_t max, std::uint64_t& out) {
  return v != nullptr && ASN1_INTEGER_get_uint64(&out, v) == 1 && out <= max;
}

Result<void> check_kdf_cost(std::string_view block) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(block.data(), static_cast<int>(block.size())),
                                                BIO_free);
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* der = nullptr;
  long len = 0;
  const bool read = bio && PEM_read_bio(bio.get(), &name, &header, &der, &len) == 1;
  OPENSSL_free(name);
  OPENSSL_free(header);
  const auto free_der = [](unsigned char* d) { OPENSSL_free(d); };
  std::unique_ptr<unsigned char, decltype(free_der)> der_owner(der, free_der);
  if (!read) return ossl_fail(Errc::bad_format, "unreadable PEM key");
  const unsigned char* p = der;
  std::unique_ptr<X509_SIG, decltype(&X509_SIG_free)> sig(d2i_X509_SIG(nullptr, &p, len), X509_SIG_free);
  if (!sig) return ossl_fail(Errc::bad_format, "malformed encrypted PKCS#8 key");
  const X509_ALGOR* alg = nullptr;
  X509_SIG_get0(sig.get(), &alg, nullptr);
  std::uint64_t n = 0;
  const auto too_costly = [] { return clean_fail(Errc::too_large, "key derivation cost of the PEM key too high"); };
  if (OBJ_obj2nid(alg->algorithm) != NID_pbes2) {
    // PKCS#5 v1.5 and PKCS#12 schemes carry an iteration count too.
    auto pbe = unpack<PBEPARAM>(alg, ASN1_ITEM_rptr(PBEPARAM));
    if (pbe && !within(pbe->iter, kMaxKdfIterations, n)) return too_costly();
    ERR_clear_error();
    return {};
  }
  auto pbe2 = unpack<PBE2PARAM>(alg, ASN1_ITEM_rptr(PBE2PARAM));
  if (!pbe2 || !pbe2->keyfunc) return ossl_fail(Errc::bad_format, "malformed PBES2 parameters");
  const int kdf = OBJ_obj2nid(pbe2->keyfunc->algorithm);
  if (kdf == NID_id_pbkdf2) {
    auto params = unpack<PBKDF2PARAM>(pbe2->keyfunc, ASN1_ITEM_rptr(PBKDF2PARAM));
    if (!params) return ossl_fail(Errc::bad_format, "malformed PBKDF2 parameters");
    if (!within(params->iter, kMaxKdfIterations, n)) return too_costly();
  } else if (kdf == NID_id_scrypt) {
    auto params = unpack<SCRYPT_PARAMS>(pbe2->keyfunc, ASN1_ITEM_rptr(SCRYPT_PARAMS));
    if (!params) return ossl_fail(Errc::bad_format, "malformed scrypt parameters");
    std::uint64_t cost = 0, block_size = 0, parallel = 0;
    if (!within(params->costParameter, kMaxScryptWork, cost) ||
        !within(params->blockSize, kMaxScryptWork, block_size) ||
        !within(params->parallelizationParameter, kMaxScryptWork, parallel) ||
        cost * block_size > kMaxScryptWork || cost * block_size * parallel > kMaxScryptWork) {
      return too_costly();
    }
  }
  ERR_clear_error();
  return {};
}

Result<PkeyPtr> decode(std::string_view block, int selection, std::string_view passphrase) {
  EVP_PKEY* raw = nullptr;
  std::unique_ptr<OSSL_DECODER_CTX, DecoderCtxFree> ctx(
      OSSL_DECODER_CTX_new_for_pkey(&raw, "PEM", nullptr, nullptr, selection, nullptr, nullptr));
  PassphraseState st{passphrase};
  if (!ctx || !OSSL_DECODER_CTX_set_passphrase_cb(ctx.get(), passphrase_cb, &st)) {
    return ossl_fail(Errc::crypto_failure, "PEM decoder setup");
  }
  const auto* data = reinterpret_cast<const unsigned char*>(block.data());
  std::size_t len = block.size();
  const bool ok = OSSL_DECODER_from_data(ctx.get(), &data, &len) == 1 && raw != nullptr;
  PkeyPtr key(raw);
  if (!ok) {
    if (st.asked) {
      return clean_fail(Errc::bad_passphrase, passphrase.empty() ? "PEM key is encrypted and no passphrase was given"
                                                                 : "incorrect passphrase for PEM key");
    }
    return ossl_fail(Errc::bad_format, "unreadable PEM key");
  }
  ERR_clear_error();  // failed attempts of other decoders may have left entries
  return key;
}

Result<BnPtr> bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1 || raw == nullptr) {
    return ossl_fail(Errc::bad_format, std::string("key lacks ") + name);
  }
  BnPtr bn(raw);
  BN_set_flags(bn.get(), BN_FLG_CONSTTIME);
  return bn;
}

// The ECDSA key type of an EC key on a named NIST curve.
Result<KeyType> ec_key_type(EVP_PKEY* key) {
  std::array<char, 80> name{};
  std::size_t len = 0;
  if (EVP_PKEY_get_group_name(key, name.data(), name.size(), &len) != 1) {
    return clean_fail(Errc::unsupported, "EC key without a named curve");
  }
  const int nid = OBJ_txt2nid(name.data());
  for (KeyType t : {KeyType::ecdsa_p256, KeyType::ecdsa_p384, KeyType::ecdsa_p521}) {
    const detail::NistCurve c = t == KeyType::ecdsa_p256   ? detail::nist_curve_p256()
                                : t == KeyType::ecdsa_p384 ? detail::nist_curve_p384()
                                                           : detail::nist_curve_p521();
    if (nid == c.nid) return t;
  }
  return clean_fail(Errc::unsupported, "unsupported EC curve " + std::string(name.data()));
}

detail::NistCurve curve_of(KeyType t) {
  switch (t) {
    case KeyType::ecdsa_p384: return detail::nist_curve_p384();
    case KeyType::ecdsa_p521: return detail::nist_curve_p521();
    default: return detail::nist_curve_p256();
  }
}

std::string type_name(EVP_PKEY* key) {
  const char* n = EVP_PKEY_get0_type_name(key);
  return n ? n : "unknown";
}

Result<PrivateKey> private_from_pkey(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "ED25519")) {
    SecureBytes seed(kEd25519Size);
    std::size_t len = seed.size();
    if (EVP_PKEY_get_raw_private_key(key, seed.data(), &len) != 1 || len != kEd25519Size) {
      return ossl_fail(Errc::bad_format, "Ed25519 private key export");
    }
    return PrivateKey::ed25519(seed);
  }
  if (EVP_PKEY_is_a(key, "EC")) {
    auto type = ec_key_type(key);
    if (!type) return std::unexpected(type.error());
    auto d = bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY);
    if (!d) return std::unexpected(d.error());
    if (static_cast<std::size_t>(BN_num_bytes(d->get())) > ecdsa_scalar_size(*type)) {
      return fail(Errc::bad_format, "EC private scalar too long");
    }
    auto k = PrivateKey::ecdsa(*type, detail::bn_secure_bytes(d->get(), ecdsa_scalar_size(*type)));
    if (!k && k.error().code == Errc::invalid_argument) return fail(Errc::bad_format, k.error().message);
    return k;
  }
  if (EVP_PKEY_is_a(key, "RSA")) {
    BIGNUM* extra = nullptr;
    if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR3, &extra) == 1) {
      BN_clear_free(extra);
      return clean_fail(Errc::unsupported, "multi-prime RSA keys are not supported");
    }
    ERR_clear_error();
    std::array<const char*, 6> names = {OSSL_PKEY_PARAM_RSA_N,       OSSL_PKEY_PARAM_RSA_E,
                                        OSSL_PKEY_PARAM_RSA_D,       OSSL_PKEY_PARAM_RSA_FACTOR1,
                                        OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
    std::array<SecureBytes, 6> v;
    for (std::size_t i = 0; i < names.size(); ++i) {
      auto bn = bn_param(key, names[i]);
      if (!bn) return std::unexpected(bn.error());
      v[i] = detail::bn_secure_bytes(bn->get());
    }
    return PrivateKey::rsa(v[0], v[1], v[2], v[3], v[4], v[5]);
  }
  return clean_fail(Errc::unsupported, "unsupported key type " + type_name(key));
}

Result<PublicKey> public_from_pkey(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "ED25519")) {
    Bytes raw(kEd25519Size);
    std::size_t len = raw.size();
    if (EVP_PKEY_get_raw_public_key(key, raw.data(), &len) != 1 || len != kEd25519Size) {
      return ossl_fail(Errc::bad_format, "Ed25519 public key export");
    }
    return PublicKey::ed25519(raw);
  }
  if (EVP_PKEY_is_a(key, "EC")) {
    auto type = ec_key_type(key);
    if (!type) return std::unexpected(type.error());
    // A file may hold the point compressed; SSH carries it uncompressed.
    if (EVP_PKEY_set_utf8_string_param(key, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "uncompressed") != 1) {
      return ossl_fail(Errc::crypto_failure, "EC point format");
    }
    auto point = detail::ec_public_point(curve_of(*type), key);
    if (!point) return fail(Errc::bad_format, point.error().message);
    return PublicKey::ecdsa(*type, *point);
  }
  if (EVP_PKEY_is_a(key, "RSA")) {
    auto n = bn_param(key, OSSL_PKEY_PARAM_RSA_N);
    if (!n) return std::unexpected(n.error());
    auto e = bn_param(key, OSSL_PKEY_PARAM_RSA_E);
    if (!e) return std::unexpected(e.error());
    return PublicKey::rsa(detail::bn_bytes(e->get()), detail::bn_bytes(n->get()));
  }
  return clean_fail(Errc::unsupported, "unsupported key type " + type_name(key));
}

Result<PkeyPtr> pkey_fromdata(const char* type, int selection, OSSL_PARAM_BLD* bld) {
  detail::ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  detail::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0) return ossl_fail(Errc::crypto_failure, "key import");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) <= 0) {
    return ossl_fail(Errc::crypto_failure, "key import");
  }
  return PkeyPtr(raw);
}

Result<PkeyPtr> rsa_public_pkey(const PublicKey& key) {
  const RsaPublicComponents c = key.rsa_components();
  BnPtr n = detail::bn_from(c.n);
  BnPtr e = detail::bn_from(c.e);
  detail::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!n || !e || !bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get())) {
    return ossl_fail(Errc::crypto_failure, "RSA key parameters");
  }
  return pkey_fromdata("RSA", EVP_PKEY_PUBLIC_KEY, bld.get());
}

Result<PkeyPtr> public_pkey(const PublicKey& key) {
  switch (key.type()) {
    case KeyType::ed25519: {
      const Bytes raw = key.raw_public();
      PkeyPtr k(EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr, raw.data(), raw.size()));
      if (!k) return ossl_fail(Errc::crypto_failure, "Ed25519 key import");
      return k;
    }
    case KeyType::rsa: return rsa_public_pkey(key);
    default: return detail::ec_public_key(curve_of(key.type()), key.raw_public());
  }
}

Result<PkeyPtr> rsa_private_pkey(const PrivateKey& key) {
  const RsaPublicComponents pub = key.public_key().rsa_components();
  const PrivateKey::RsaPrivateComponents c = key.rsa_components();
  BnPtr n = detail::bn_from(pub.n);
  BnPtr e = detail::bn_from(pub.e);
  BnPtr d = detail::secret_bn_from(c.d);
  BnPtr p = detail::secret_bn_from(c.p);
  BnPtr q = detail::secret_bn_from(c.q);
  BnPtr iqmp = detail::secret_bn_from(c.iqmp);
  BnPtr dp(BN_secure_new());
  BnPtr dq(BN_secure_new());
  BnPtr t(BN_secure_new());
  detail::BnCtxPtr ctx(BN_CTX_secure_new());
  detail::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!n || !e || !d || !p || !q || !iqmp || !dp || !dq || !t || !ctx || !bld) {
    return ossl_fail(Errc::crypto_failure, "RSA key setup");
  }
  // PKCS#1 stores the CRT exponents, which PrivateKey does not hand out.
  const bool ok = BN_copy(t.get(), p.get()) && BN_sub_word(t.get(), 1) &&
                  BN_mod(dp.get(), d.get(), t.get(), ctx.get()) && BN_copy(t.get(), q.get()) &&
                  BN_sub_word(t.get(), 1) && BN_mod(dq.get(), d.get(), t.get(), ctx.get()) &&
                  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) &&
                  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) &&
                  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_D, d.get()) &&
                  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, p.get()) &&
                  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, q.get()) &&
                  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1, dp.get()) &&
                  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2, dq.get()) &&
                  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, iqmp.get());
  if (!ok) return ossl_fail(Errc::crypto_failure, "RSA key parameters");
  return pkey_fromdata("RSA", EVP_PKEY_KEYPAIR, bld.get());
}

Result<PkeyPtr> private_pkey(const PrivateKey& key) {
  switch (key.type()) {
    case KeyType::ed25519: {
      const SecureBytes seed = key.ed25519_seed();
      PkeyPtr k(EVP_PKEY_new_raw_private_key_ex(nullptr, "ED25519", nullptr, seed.data(), seed.size()));
      if (!k) return ossl_fail(Errc::crypto_failure, "Ed25519 key import");
      return k;
    }
    case KeyType::rsa: return rsa_private_pkey(key);
    default: {
      Bytes point;
      return detail::ec_private_key(curve_of(key.type()), key.ecdsa_scalar(), point);
    }
  }
}

// cipher == nullptr writes the key in the clear. The encoder's output buffer may hold
// the private key in the clear, so it is wiped when freed.
Result<std::string> encode(EVP_PKEY* key, int selection, const char* structure, const char* cipher,
                           std::string_view passphrase) {
  std::unique_ptr<OSSL_ENCODER_CTX, EncoderCtxFree> ctx(
      OSSL_ENCODER_CTX_new_for_pkey(key, selection, "PEM", structure, nullptr));
  if (!ctx || OSSL_ENCODER_CTX_get_num_encoders(ctx.get()) == 0) {
    return ossl_fail(Errc::crypto_failure, std::string("no PEM encoder for ") + structure);
  }
  if (cipher) {
    if (OSSL_ENCODER_CTX_set_cipher(ctx.get(), cipher, nullptr) != 1 ||
        OSSL_ENCODER_CTX_set_passphrase(ctx.get(), reinterpret_cast<const unsigned char*>(passphrase.data()),
                                        passphrase.size()) != 1) {
      return ossl_fail(Errc::crypto_failure, "PEM encryption setup");
    }
  }
  unsigned char* out = nullptr;
  std::size_t len = 0;
  if (OSSL_ENCODER_to_data(ctx.get(), &out, &len) != 1 || out == nullptr) {
    return ossl_fail(Errc::crypto_failure, "PEM encoding");
  }
  std::string text(reinterpret_cast<const char*>(out), len);
  OPENSSL_clear_free(out, len);
  return text;
}

}  // namespace

Result<PrivateKey> private_key_from_pem(std::string_view pem, std::string_view passphrase) {
  auto block = find_block(pem, is_private_label, "PRIVATE KEY");
  if (!block) return std::unexpected(block.error());
  if (block->label == "ENCRYPTED PRIVATE KEY" && !passphrase.empty()) {
    if (auto cost = check_kdf_cost(block->text); !cost) return std::unexpected(cost.error());
  }
  auto key = decode(block->text, EVP_PKEY_KEYPAIR, passphrase);
  if (!key) return std::unexpected(key.error());
  return private_from_pkey(key->get());
}

bool pem_private_key_is_encrypted(std::string_view pem) {
  auto block = find_block(pem, is_private_label, "PRIVATE KEY");
  if (!block) {
    ERR_clear_error();
    return false;
  }
  if (block->label == "ENCRYPTED PRIVATE KEY") return true;
  // RFC 1421 headers follow the BEGIN line up to the first empty line.
  std::string_view rest = block->text.substr(std::min(block->text.size(), block->text.find('\n') + 1));
  while (!rest.empty()) {
    std::size_t end = std::min(rest.size(), rest.find('\n'));
    std::string_view line = trim_line_end(rest.substr(0, end));
    if (line.empty() || line.find(':') == std::string_view::npos) return false;
    if (line.starts_with("Proc-Type:") && line.find("ENCRYPTED") != std::string_view::npos) return true;
    rest.remove_prefix(std::min(rest.size(), end + 1));
  }
  return false;
}

Result<std::string> private_key_to_pem(const PrivateKey& key, PemPrivateFormat format, std::string_view passphrase) {
  auto pkey = private_pkey(key);
  if (!pkey) return std::unexpected(pkey.error());
  const bool traditional = format == PemPrivateFormat::traditional && key.type() != KeyType::ed25519;
  const char* structure = traditional ? "type-specific" : "PrivateKeyInfo";
  const char* cipher = passphrase.empty() ? nullptr : traditional ? "AES-128-CBC" : "AES-256-CBC";
  return encode(pkey->get(), EVP_PKEY_KEYPAIR, structure, cipher, passphrase);
}

Result<PublicKey> public_key_from_pem(std::string_view pem) {
  auto block = find_block(pem, is_public_label, "PUBLIC KEY");
  if (!block) return std::unexpected(block.error());
  auto key = decode(block->text, EVP_PKEY_PUBLIC_KEY, {});
  if (!key) return std::unexpected(key.error());
  return public_from_pkey(key->get());
}

Result<std::string> public_key_to_pem(const PublicKey& key, PemPublicFormat format) {
  if (format == PemPublicFormat::pkcs1 && key.type() != KeyType::rsa) {
    return fail(Errc::unsupported, "PKCS#1 \"RSA PUBLIC KEY\" holds RSA keys only");
  }
  auto pkey = public_pkey(key);
  if (!pkey) return std::unexpected(pkey.error());
  const char* structure = format == PemPublicFormat::pkcs1 ? "type-specific" : "SubjectPublicKeyInfo";
  return encode(pkey->get(), EVP_PKEY_PUBLIC_KEY, structure, nullptr, {});
}

}  // namespace skiff::crypto
