// Signing keys: generation, import from components (key files), signing, export of
// components. Each private key carries a separate PublicKey object so that the public
// half can be handed out and copied without sharing the private EVP_PKEY.
#include <string>
#include <utility>

#include "crypto/asym_internal.hpp"
#include "crypto/signature.hpp"
#include "crypto/signature_internal.hpp"

namespace skiff::crypto {

using detail::BnCtxPtr;
using detail::BnPtr;
using detail::clean_fail;
using detail::MdCtxPtr;
using detail::ossl_fail;
using detail::PkeyPtr;

namespace {

constexpr std::size_t kEd25519Size = 32;
// Private keys loaded from files may be older and smaller than the ones skiff makes, but
// not smaller than what anyone would verify.
constexpr std::size_t kRsaMaxLoadBits = 16384;

Result<std::unique_ptr<PublicKey>> public_half(KeyType type, EVP_PKEY* key) {
  Result<PublicKey> pub = fail(Errc::invalid_argument, "unknown key type");
  if (type == KeyType::ed25519) {
    Bytes raw(kEd25519Size);
    std::size_t len = raw.size();
    if (EVP_PKEY_get_raw_public_key(key, raw.data(), &len) != 1 || len != kEd25519Size) {
      return ossl_fail(Errc::crypto_failure, "Ed25519 public key export");
    }
    pub = PublicKey::ed25519(raw);
  } else if (detail::is_ecdsa(type)) {
    auto point = detail::ec_public_point(detail::ecdsa_curve(type), key);
    if (!point) return std::unexpected(point.error());
    pub = PublicKey::ecdsa(type, *point);
  } else if (type == KeyType::rsa) {
    BIGNUM* n_raw = nullptr;
    BIGNUM* e_raw = nullptr;
    int ok_n = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n_raw);
    int ok_e = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e_raw);
    BnPtr n(n_raw);
    BnPtr e(e_raw);
    if (ok_n != 1 || ok_e != 1) return ossl_fail(Errc::crypto_failure, "RSA public key export");
    pub = PublicKey::rsa(detail::bn_bytes(e.get()), detail::bn_bytes(n.get()));
  }
  if (!pub) return std::unexpected(pub.error());
  return std::make_unique<PublicKey>(std::move(*pub));
}

Result<Bytes> digest_sign(EVP_PKEY* key, const char* md, ByteView data) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit_ex(ctx.get(), nullptr, md, nullptr, nullptr, key, nullptr) != 1) {
    return ossl_fail(Errc::crypto_failure, "sign setup");
  }
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1) {
    return ossl_fail(Errc::crypto_failure, "signature size");
  }
  Bytes out(len);
  if (EVP_DigestSign(ctx.get(), out.data(), &len, data.data(), data.size()) != 1) {
    return ossl_fail(Errc::crypto_failure, "signing failed");
  }
  out.resize(len);
  return out;
}

SecureBytes secret_param(EVP_PKEY* key, const char* name, std::size_t pad = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    ERR_clear_error();
    return {};
  }
  BnPtr bn(raw);
  return detail::bn_secure_bytes(bn.get(), pad);
}

Result<PkeyPtr> rsa_keypair_from(const BIGNUM* n, const BIGNUM* e, const BIGNUM* d, const BIGNUM* p,
                                 const BIGNUM* q, const BIGNUM* dp, const BIGNUM* dq, const BIGNUM* iqmp) {
  detail::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_D, d) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, p) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, q) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1, dp) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2, dq) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, iqmp)) {
    return ossl_fail(Errc::crypto_failure, "RSA key parameters");
  }
  detail::ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  detail::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0) return ossl_fail(Errc::crypto_failure, "RSA import");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, params.get()) <= 0) {
    return ossl_fail(Errc::bad_format, "RSA private key refused");
  }
  return PkeyPtr(raw);
}

}  // namespace

struct PrivateKey::Impl {
  PkeyPtr key;
};

PrivateKey::PrivateKey(KeyType type, std::unique_ptr<Impl> impl, std::unique_ptr<PublicKey> pub) noexcept
    : type_(type), impl_(std::move(impl)), public_(std::move(pub)) {}
PrivateKey::~PrivateKey() = default;
PrivateKey::PrivateKey(PrivateKey&&) noexcept = default;
PrivateKey& PrivateKey::operator=(PrivateKey&&) noexcept = default;

Result<PrivateKey> PrivateKey::generate(KeyType type, std::size_t bits) {
  auto impl = std::make_unique<Impl>();
  if (type == KeyType::ed25519) {
    impl->key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  } else if (detail::is_ecdsa(type)) {
    impl->key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", detail::ecdsa_curve(type).group_name));
  } else if (type == KeyType::rsa) {
    if (bits < kRsaMinBits || bits > kRsaMaxBits) {
      return fail(Errc::invalid_argument, "RSA keys are generated with 2048 to 8192 bits");
    }
    impl->key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits));
  } else {
    return fail(Errc::invalid_argument, "unknown key type");
  }
  if (!impl->key) return ossl_fail(Errc::crypto_failure, "key generation");
  auto pub = public_half(type, impl->key.get());
  if (!pub) return std::unexpected(pub.error());
  return PrivateKey(type, std::move(impl), std::move(*pub));
}

Result<PrivateKey> PrivateKey::ed25519(ByteView seed32) {
  if (seed32.size() != kEd25519Size) return fail(Errc::bad_format, "Ed25519 seed must be 32 bytes");
  auto impl = std::make_unique<Impl>();
  impl->key.reset(EVP_PKEY_new_raw_private_key_ex(nullptr, "ED25519", nullptr, seed32.data(), seed32.size()));
  if (!impl->key) return ossl_fail(Errc::crypto_failure, "Ed25519 key import");
  auto pub = public_half(KeyType::ed25519, impl->key.get());
  if (!pub) return std::unexpected(pub.error());
  return PrivateKey(KeyType::ed25519, std::move(impl), std::move(*pub));
}

Result<PrivateKey> PrivateKey::ecdsa(KeyType type, ByteView scalar) {
  if (!detail::is_ecdsa(type)) return fail(Errc::invalid_argument, "not an ECDSA key type");
  Bytes point;
  auto key = detail::ec_private_key(detail::ecdsa_curve(type), scalar, point);
  if (!key) return std::unexpected(key.error());
  auto pub = PublicKey::ecdsa(type, point);
  if (!pub) return std::unexpected(pub.error());
  auto impl = std::make_unique<Impl>();
  impl->key = std::move(*key);
  return PrivateKey(type, std::move(impl), std::make_unique<PublicKey>(std::move(*pub)));
}

Result<PrivateKey> PrivateKey::rsa(ByteView n, ByteView e, ByteView d, ByteView p, ByteView q, ByteView iqmp) {
  auto pub = PublicKey::rsa(e, n);
  if (!pub) return std::unexpected(pub.error());
  if (pub->bits() > kRsaMaxLoadBits) return fail(Errc::unsupported, "RSA key too large");
  BnPtr n_bn = detail::bn_from(n);
  BnPtr e_bn = detail::bn_from(e);
  BnPtr d_bn = detail::secret_bn_from(d);
  BnPtr p_bn = detail::secret_bn_from(p);
  BnPtr q_bn = detail::secret_bn_from(q);
  BnPtr iqmp_bn = detail::secret_bn_from(iqmp);
  BnPtr dp(BN_secure_new());
  BnPtr dq(BN_secure_new());
  BnPtr p1(BN_secure_new());
  BnPtr q1(BN_secure_new());
  BnPtr t(BN_secure_new());
  BnCtxPtr ctx(BN_CTX_secure_new());
  if (!n_bn || !e_bn || !d_bn || !p_bn || !q_bn || !iqmp_bn || !dp || !dq || !p1 || !q1 || !t || !ctx) {
    return ossl_fail(Errc::crypto_failure, "RSA key setup");
  }
  // Inconsistent components would make CRT signing emit faulty signatures, and a faulty
  // CRT signature reveals a factor of n (Boneh-DeMillo-Lipton), so they are checked:
  // n = p q, dp = d mod (p-1) and dq = d mod (q-1) invert e, iqmp = q^-1 mod p.
  auto is_one_mod = [&](const BIGNUM* a, const BIGNUM* b, const BIGNUM* m) {
    return BN_mod_mul(t.get(), a, b, m, ctx.get()) == 1 && BN_is_one(t.get());
  };
  bool ok = BN_mul(t.get(), p_bn.get(), q_bn.get(), ctx.get()) == 1 && BN_cmp(t.get(), n_bn.get()) == 0 &&
            BN_cmp(p_bn.get(), BN_value_one()) > 0 && BN_cmp(q_bn.get(), BN_value_one()) > 0 &&
            BN_copy(p1.get(), p_bn.get()) && BN_sub_word(p1.get(), 1) && BN_copy(q1.get(), q_bn.get()) &&
            BN_sub_word(q1.get(), 1) && BN_mod(dp.get(), d_bn.get(), p1.get(), ctx.get()) == 1 &&
            BN_mod(dq.get(), d_bn.get(), q1.get(), ctx.get()) == 1 && is_one_mod(e_bn.get(), dp.get(), p1.get()) &&
            is_one_mod(e_bn.get(), dq.get(), q1.get()) && BN_cmp(iqmp_bn.get(), p_bn.get()) < 0 &&
            is_one_mod(iqmp_bn.get(), q_bn.get(), p_bn.get());
  if (!ok) return clean_fail(Errc::bad_format, "RSA private key components are inconsistent");
  auto key = rsa_keypair_from(n_bn.get(), e_bn.get(), d_bn.get(), p_bn.get(), q_bn.get(), dp.get(), dq.get(),
                              iqmp_bn.get());
  if (!key) return std::unexpected(key.error());
  auto impl = std::make_unique<Impl>();
  impl->key = std::move(*key);
  return PrivateKey(KeyType::rsa, std::move(impl), std::make_unique<PublicKey>(std::move(*pub)));
}

Result<Bytes> PrivateKey::sign(ByteView data, HashAlg hash, bool allow_sha1) const {
  switch (type_) {
    case KeyType::ed25519: return digest_sign(impl_->key.get(), nullptr, data);
    case KeyType::ecdsa_p256:
    case KeyType::ecdsa_p384:
    case KeyType::ecdsa_p521: {
      // OpenSSL's default nonce is hedged: k comes from SHA-512 over the private key, the
      // digest and fresh random bytes, so a weak RNG alone does not leak the key.
      auto der = digest_sign(impl_->key.get(), detail::md_name(ecdsa_hash(type_)), data);
      if (!der) return der;
      return detail::ecdsa_der_to_raw(type_, *der);
    }
    case KeyType::rsa: {
      auto md = detail::rsa_md(hash, allow_sha1);
      if (!md) return std::unexpected(md.error());
      return digest_sign(impl_->key.get(), *md, data);
    }
  }
  return fail(Errc::invalid_argument, "unknown key type");
}

SecureBytes PrivateKey::ed25519_seed() const {
  if (type_ != KeyType::ed25519) return {};
  SecureBytes seed(kEd25519Size);
  std::size_t len = seed.size();
  if (EVP_PKEY_get_raw_private_key(impl_->key.get(), seed.data(), &len) != 1 || len != kEd25519Size) {
    ERR_clear_error();
    return {};
  }
  return seed;
}

SecureBytes PrivateKey::ecdsa_scalar() const {
  if (!detail::is_ecdsa(type_)) return {};
  return secret_param(impl_->key.get(), OSSL_PKEY_PARAM_PRIV_KEY, ecdsa_scalar_size(type_));
}

PrivateKey::RsaPrivateComponents PrivateKey::rsa_components() const {
  if (type_ != KeyType::rsa) return {};
  EVP_PKEY* k = impl_->key.get();
  return RsaPrivateComponents{secret_param(k, OSSL_PKEY_PARAM_RSA_D), secret_param(k, OSSL_PKEY_PARAM_RSA_FACTOR1),
                              secret_param(k, OSSL_PKEY_PARAM_RSA_FACTOR2),
                              secret_param(k, OSSL_PKEY_PARAM_RSA_COEFFICIENT1)};
}

}  // namespace skiff::crypto
