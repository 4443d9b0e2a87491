// Signature verification and the shared pieces of signing (signature_private.cpp holds
// PrivateKey). Every signature a peer sends is checked for its exact shape here before
// libcrypto sees it: libcrypto's own checks are a second line, not the first.
#include "crypto/signature.hpp"

#include <openssl/ecdsa.h>

#include <string>
#include <utility>

#include "crypto/asym_internal.hpp"
#include "crypto/signature_internal.hpp"

namespace skiff::crypto {

using detail::BnPtr;
using detail::clean_fail;
using detail::MdCtxPtr;
using detail::ossl_fail;
using detail::PkeyPtr;

HashAlg ecdsa_hash(KeyType type) noexcept {
  switch (type) {
    case KeyType::ecdsa_p384: return HashAlg::sha384;
    case KeyType::ecdsa_p521: return HashAlg::sha512;
    default: return HashAlg::sha256;
  }
}

std::size_t ecdsa_scalar_size(KeyType type) noexcept {
  switch (type) {
    case KeyType::ecdsa_p256: return 32;
    case KeyType::ecdsa_p384: return 48;
    case KeyType::ecdsa_p521: return 66;
    default: return 0;
  }
}

namespace detail {

bool is_ecdsa(KeyType type) noexcept {
  return type == KeyType::ecdsa_p256 || type == KeyType::ecdsa_p384 || type == KeyType::ecdsa_p521;
}

NistCurve ecdsa_curve(KeyType type) noexcept {
  switch (type) {
    case KeyType::ecdsa_p384: return nist_curve_p384();
    case KeyType::ecdsa_p521: return nist_curve_p521();
    default: return nist_curve_p256();
  }
}

const char* md_name(HashAlg alg) noexcept {
  switch (alg) {
    case HashAlg::sha1: return "SHA1";
    case HashAlg::sha256: return "SHA256";
    case HashAlg::sha384: return "SHA384";
    case HashAlg::sha512: return "SHA512";
  }
  return "SHA256";
}

Result<const char*> rsa_md(HashAlg hash, bool allow_sha1) {
  switch (hash) {
    case HashAlg::sha256:
    case HashAlg::sha512: return md_name(hash);
    case HashAlg::sha1:
      // ssh-rsa (SHA-1) is forgeable with chosen prefixes; only legacy peers need it.
      if (allow_sha1) return md_name(hash);
      return fail(Errc::unsupported, "RSA with SHA-1 is disabled");
    case HashAlg::sha384: break;
  }
  return fail(Errc::unsupported, "RSA with this hash is not an SSH algorithm");
}

}  // namespace detail

namespace {

// The group orders, for the range check of r and s (SEC 2 / FIPS 186-4 D.1.2).
const char* ecdsa_order_hex(KeyType type) noexcept {
  switch (type) {
    case KeyType::ecdsa_p384:
      return "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973";
    case KeyType::ecdsa_p521:
      return "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9"
             "B8899C47AEBB6FB71E91386409";
    default: return "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";
  }
}

constexpr std::size_t kEd25519KeySize = 32;
constexpr std::size_t kEd25519SigSize = 64;
constexpr std::size_t kRsaMaxVerifyBits = 16384;

Result<PkeyPtr> rsa_public_from(ByteView e, ByteView n) {
  BnPtr e_bn = detail::bn_from(e);
  BnPtr n_bn = detail::bn_from(n);
  if (!e_bn || !n_bn) return ossl_fail(Errc::crypto_failure, "RSA key setup");
  const std::size_t bits = static_cast<std::size_t>(BN_num_bits(n_bn.get()));
  if (bits < kRsaMinVerifyBits) return fail(Errc::unsupported, "RSA key smaller than 1024 bits");
  if (bits > kRsaMaxVerifyBits) return fail(Errc::unsupported, "RSA key larger than 16384 bits");
  if (!BN_is_odd(n_bn.get())) return fail(Errc::bad_format, "RSA modulus is even");
  // e = 1 would make every message its own signature; even e is not an RSA key.
  if (!BN_is_odd(e_bn.get()) || BN_is_one(e_bn.get()) || BN_cmp(e_bn.get(), n_bn.get()) >= 0) {
    return fail(Errc::bad_format, "RSA public exponent out of range");
  }
  detail::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n_bn.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e_bn.get())) {
    return ossl_fail(Errc::crypto_failure, "RSA key parameters");
  }
  detail::ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  detail::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0) return ossl_fail(Errc::crypto_failure, "RSA import");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0) {
    return ossl_fail(Errc::bad_format, "RSA public key refused");
  }
  return PkeyPtr(raw);
}

// Runs EVP_DigestVerify; every refusal is Errc::signature_invalid. md == nullptr for
// Ed25519, which hashes internally.
Result<void> digest_verify(EVP_PKEY* key, const char* md, ByteView data, ByteView sig) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, md, nullptr, nullptr, key, nullptr) != 1) {
    return ossl_fail(Errc::crypto_failure, "verify setup");
  }
  if (EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), data.data(), data.size()) != 1) {
    return clean_fail(Errc::signature_invalid, "signature does not verify");
  }
  return {};
}

}  // namespace

namespace detail {

Result<Bytes> ecdsa_der_to_raw(KeyType type, ByteView der) {
  const std::size_t size = ecdsa_scalar_size(type);
  const unsigned char* p = der.data();
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig || p != der.data() + der.size()) return ossl_fail(Errc::crypto_failure, "ECDSA signature decoding");
  const BIGNUM* r = ECDSA_SIG_get0_r(sig.get());
  const BIGNUM* s = ECDSA_SIG_get0_s(sig.get());
  if (static_cast<std::size_t>(BN_num_bytes(r)) > size || static_cast<std::size_t>(BN_num_bytes(s)) > size) {
    return fail(Errc::crypto_failure, "ECDSA signature values too long");
  }
  Bytes out(2 * size);
  BN_bn2binpad(r, out.data(), static_cast<int>(size));
  BN_bn2binpad(s, out.data() + size, static_cast<int>(size));
  return out;
}

Result<Bytes> ecdsa_raw_to_der(KeyType type, ByteView raw) {
  const std::size_t size = ecdsa_scalar_size(type);
  if (size == 0 || raw.size() != 2 * size) return fail(Errc::signature_invalid, "ECDSA signature has the wrong length");
  BnPtr r = bn_from(raw.first(size));
  BnPtr s = bn_from(raw.subspan(size));
  BIGNUM* order_raw = nullptr;
  if (!r || !s || !BN_hex2bn(&order_raw, ecdsa_order_hex(type))) return ossl_fail(Errc::crypto_failure, "ECDSA setup");
  BnPtr order(order_raw);
  // 0 < r, s < n (FIPS 186-4 6.4.2 step 1): refused before any arithmetic.
  if (BN_is_zero(r.get()) || BN_is_zero(s.get()) || BN_cmp(r.get(), order.get()) >= 0 ||
      BN_cmp(s.get(), order.get()) >= 0) {
    return fail(Errc::signature_invalid, "ECDSA signature value out of range");
  }
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return ossl_fail(Errc::crypto_failure, "ECDSA setup");
  (void)r.release();  // now owned by sig
  (void)s.release();
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return ossl_fail(Errc::crypto_failure, "ECDSA signature encoding");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

}  // namespace detail

// ---- PublicKey ----

struct PublicKey::Impl {
  PkeyPtr key;
  Bytes raw;                    // Ed25519 key or ECDSA point
  RsaPublicComponents rsa;      // RSA e and n
  std::size_t bits = 0;
};

PublicKey::PublicKey(KeyType type, std::unique_ptr<Impl> impl) noexcept : type_(type), impl_(std::move(impl)) {}
PublicKey::~PublicKey() = default;
PublicKey::PublicKey(PublicKey&&) noexcept = default;
PublicKey& PublicKey::operator=(PublicKey&&) noexcept = default;

// Public keys are immutable, so copies share the one EVP_PKEY by reference count.
PublicKey::PublicKey(const PublicKey& other) : type_(other.type_) {
  if (!other.impl_) return;
  impl_ = std::make_unique<Impl>();
  EVP_PKEY_up_ref(other.impl_->key.get());
  impl_->key.reset(other.impl_->key.get());
  impl_->raw = other.impl_->raw;
  impl_->rsa = other.impl_->rsa;
  impl_->bits = other.impl_->bits;
}

PublicKey& PublicKey::operator=(const PublicKey& other) {
  if (this != &other) *this = PublicKey(other);
  return *this;
}

Result<PublicKey> PublicKey::ed25519(ByteView key32) {
  if (key32.size() != kEd25519KeySize) return fail(Errc::bad_format, "Ed25519 public key must be 32 bytes");
  auto impl = std::make_unique<Impl>();
  // Not checked to decode to a curve point here: a key that does not decode simply
  // never verifies, which is how every other Ed25519 implementation treats it.
  impl->key.reset(EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr, key32.data(), key32.size()));
  if (!impl->key) return ossl_fail(Errc::crypto_failure, "Ed25519 key import");
  impl->raw.assign(key32.begin(), key32.end());
  impl->bits = 256;
  return PublicKey(KeyType::ed25519, std::move(impl));
}

Result<PublicKey> PublicKey::ecdsa(KeyType type, ByteView point) {
  if (!detail::is_ecdsa(type)) return fail(Errc::invalid_argument, "not an ECDSA key type");
  auto key = detail::ec_public_key(detail::ecdsa_curve(type), point);
  if (!key) return std::unexpected(key.error());
  auto impl = std::make_unique<Impl>();
  impl->key = std::move(*key);
  impl->raw.assign(point.begin(), point.end());
  impl->bits = static_cast<std::size_t>(EVP_PKEY_get_bits(impl->key.get()));
  return PublicKey(type, std::move(impl));
}

Result<PublicKey> PublicKey::rsa(ByteView e, ByteView n) {
  ByteView e_mag = detail::strip_leading_zeros(e);
  ByteView n_mag = detail::strip_leading_zeros(n);
  auto key = rsa_public_from(e_mag, n_mag);
  if (!key) return std::unexpected(key.error());
  auto impl = std::make_unique<Impl>();
  impl->key = std::move(*key);
  impl->rsa.e.assign(e_mag.begin(), e_mag.end());
  impl->rsa.n.assign(n_mag.begin(), n_mag.end());
  impl->bits = static_cast<std::size_t>(EVP_PKEY_get_bits(impl->key.get()));
  return PublicKey(KeyType::rsa, std::move(impl));
}

std::size_t PublicKey::bits() const noexcept { return impl_->bits; }

Bytes PublicKey::raw_public() const { return type_ == KeyType::rsa ? Bytes{} : impl_->raw; }

RsaPublicComponents PublicKey::rsa_components() const {
  return type_ == KeyType::rsa ? impl_->rsa : RsaPublicComponents{};
}

Result<void> PublicKey::verify(ByteView data, ByteView signature, HashAlg hash, bool allow_sha1) const {
  switch (type_) {
    case KeyType::ed25519:
      if (signature.size() != kEd25519SigSize) return fail(Errc::signature_invalid, "Ed25519 signature must be 64 bytes");
      return digest_verify(impl_->key.get(), nullptr, data, signature);
    case KeyType::ecdsa_p256:
    case KeyType::ecdsa_p384:
    case KeyType::ecdsa_p521: {
      auto der = detail::ecdsa_raw_to_der(type_, signature);
      if (!der) return std::unexpected(der.error());
      return digest_verify(impl_->key.get(), detail::md_name(ecdsa_hash(type_)), data, *der);
    }
    case KeyType::rsa: {
      auto md = detail::rsa_md(hash, allow_sha1);
      if (!md) return std::unexpected(md.error());
      const std::size_t mod_size = impl_->rsa.n.size();
      if (signature.empty() || signature.size() > mod_size) {
        return fail(Errc::signature_invalid, "RSA signature longer than the modulus or empty");
      }
      if (signature.size() < mod_size) {
        // Some implementations drop the signature's leading zero bytes; OpenSSH accepts
        // that by padding, and so does skiff. The value is unchanged, so nothing weakens.
        Bytes padded(mod_size - signature.size(), 0);
        padded.insert(padded.end(), signature.begin(), signature.end());
        return digest_verify(impl_->key.get(), *md, data, padded);
      }
      return digest_verify(impl_->key.get(), *md, data, signature);
    }
  }
  return fail(Errc::invalid_argument, "unknown key type");
}

}  // namespace skiff::crypto
