// Key agreement over OpenSSL 3 EVP. Every peer value is checked here before it reaches
// libcrypto's arithmetic, so that a failure names what was wrong and so that no check
// depends on a libcrypto default that a later version might change.
#include "crypto/kex_math.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "crypto/asym_internal.hpp"

namespace skiff::crypto {

using detail::BnCtxPtr;
using detail::BnPtr;
using detail::clean_fail;
using detail::ossl_fail;
using detail::ParamBldPtr;
using detail::ParamPtr;
using detail::PkeyCtxPtr;
using detail::PkeyPtr;

namespace detail {

NistCurve nist_curve_p256() noexcept { return {"P-256", NID_X9_62_prime256v1, 32}; }
NistCurve nist_curve_p384() noexcept { return {"P-384", NID_secp384r1, 48}; }
NistCurve nist_curve_p521() noexcept { return {"P-521", NID_secp521r1, 66}; }

namespace {

Result<PkeyPtr> pkey_fromdata(const char* type, int selection, OSSL_PARAM* params) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0) return ossl_fail(Errc::crypto_failure, "key import setup");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, params) <= 0) {
    return ossl_fail(Errc::bad_format, std::string(type) + " key import rejected the values");
  }
  return PkeyPtr(raw);
}

}  // namespace

Result<PkeyPtr> ec_public_key(const NistCurve& curve, ByteView point) {
  // Compressed and hybrid forms are refused: SSH sends uncompressed points only
  // (RFC 5656 3.1), and accepting more forms only widens what a peer can probe.
  if (point.size() != 1 + 2 * curve.field_size || point[0] != 0x04) {
    return fail(Errc::bad_format, "EC point is not an uncompressed point of the curve's size");
  }
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(curve.group_name), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<std::uint8_t*>(point.data()),
                                        point.size()),
      OSSL_PARAM_construct_end()};
  auto key = pkey_fromdata("EC", EVP_PKEY_PUBLIC_KEY, params);
  if (!key) return fail(Errc::bad_format, "EC point is not on the curve");
  // The import already refuses coordinates off the curve; the explicit check keeps that
  // true whatever the import does. The quick check (on the curve, not infinity, in
  // range) is complete for the NIST curves: their cofactor is 1, so every point on the
  // curve is in the prime-order group and the costly n*Q == O test adds nothing.
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key->get(), nullptr));
  if (!check) return ossl_fail(Errc::crypto_failure, "EC check context");
  if (EVP_PKEY_public_check_quick(check.get()) != 1) return clean_fail(Errc::bad_format, "EC point is not valid");
  return std::move(*key);
}

Result<PkeyPtr> ec_private_key(const NistCurve& curve, ByteView scalar, Bytes& public_point) {
  ByteView s = strip_leading_zeros(scalar);
  if (s.size() > curve.field_size) return fail(Errc::invalid_argument, "EC private scalar too long");
  EcGroupPtr group(EC_GROUP_new_by_curve_name(curve.nid));
  BnCtxPtr bn_ctx(BN_CTX_secure_new());
  BnPtr d = secret_bn_from(s);
  if (!group || !bn_ctx || !d) return ossl_fail(Errc::crypto_failure, "EC key setup");
  if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(group.get())) >= 0) {
    return fail(Errc::invalid_argument, "EC private scalar out of range");
  }
  // OpenSSL 3.0's import does not derive the public point from the private scalar, and
  // SSH needs the point anyway, so it is computed here.
  EcPointPtr q(EC_POINT_new(group.get()));
  if (!q || !EC_POINT_mul(group.get(), q.get(), d.get(), nullptr, nullptr, bn_ctx.get())) {
    return ossl_fail(Errc::crypto_failure, "EC public point computation");
  }
  public_point.assign(1 + 2 * curve.field_size, 0);
  if (EC_POINT_point2oct(group.get(), q.get(), POINT_CONVERSION_UNCOMPRESSED, public_point.data(),
                         public_point.size(), bn_ctx.get()) != public_point.size()) {
    return ossl_fail(Errc::crypto_failure, "EC public point encoding");
  }
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve.group_name, 0) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, public_point.data(),
                                        public_point.size())) {
    return ossl_fail(Errc::crypto_failure, "EC key parameters");
  }
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return ossl_fail(Errc::crypto_failure, "EC key parameters");
  auto key = pkey_fromdata("EC", EVP_PKEY_KEYPAIR, params.get());
  if (!key) return ossl_fail(Errc::crypto_failure, "EC private key import");
  return std::move(*key);
}

Result<Bytes> ec_public_point(const NistCurve& curve, EVP_PKEY* key) {
  Bytes point(1 + 2 * curve.field_size);
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point.data(), point.size(),
                                      &len) != 1 ||
      len != point.size() || point[0] != 0x04) {
    return ossl_fail(Errc::crypto_failure, "EC public point export");
  }
  return point;
}

}  // namespace detail

namespace {

constexpr std::size_t kX25519Size = 32;

detail::NistCurve nist(Curve c) noexcept {
  switch (c) {
    case Curve::p384: return detail::nist_curve_p384();
    case Curve::p521: return detail::nist_curve_p521();
    default: return detail::nist_curve_p256();
  }
}

// EVP_PKEY_derive into a wiped buffer. The peer is checked by the caller, so libcrypto's
// own (for EC: full and slower) peer validation is not asked for again.
Result<SecureBytes> derive_secret(EVP_PKEY* own, EVP_PKEY* peer) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0) return ossl_fail(Errc::crypto_failure, "derive setup");
  if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer, 0) <= 0) return ossl_fail(Errc::kex_failed, "peer key refused");
  std::size_t len = 0;
  if (EVP_PKEY_derive(ctx.get(), nullptr, &len) <= 0) return ossl_fail(Errc::crypto_failure, "derive size");
  SecureBytes out(len);
  if (EVP_PKEY_derive(ctx.get(), out.data(), &len) <= 0) return ossl_fail(Errc::kex_failed, "derive failed");
  out.resize(len);
  return out;
}

}  // namespace

struct EcdhKey::Impl {
  PkeyPtr key;
};

EcdhKey::EcdhKey(Curve curve, std::unique_ptr<Impl> impl, Bytes pub) noexcept
    : curve_(curve), impl_(std::move(impl)), public_(std::move(pub)) {}
EcdhKey::~EcdhKey() = default;
EcdhKey::EcdhKey(EcdhKey&&) noexcept = default;
EcdhKey& EcdhKey::operator=(EcdhKey&&) noexcept = default;

Result<EcdhKey> EcdhKey::generate(Curve curve) {
  auto impl = std::make_unique<Impl>();
  Bytes pub;
  if (curve == Curve::x25519) {
    impl->key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
    if (!impl->key) return ossl_fail(Errc::crypto_failure, "X25519 key generation");
    pub.resize(kX25519Size);
    std::size_t len = pub.size();
    if (EVP_PKEY_get_raw_public_key(impl->key.get(), pub.data(), &len) != 1 || len != kX25519Size) {
      return ossl_fail(Errc::crypto_failure, "X25519 public key export");
    }
  } else {
    auto c = nist(curve);
    impl->key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", c.group_name));
    if (!impl->key) return ossl_fail(Errc::crypto_failure, "EC key generation");
    auto point = detail::ec_public_point(c, impl->key.get());
    if (!point) return std::unexpected(point.error());
    pub = std::move(*point);
  }
  return EcdhKey(curve, std::move(impl), std::move(pub));
}

Result<EcdhKey> EcdhKey::from_private(Curve curve, ByteView scalar) {
  auto impl = std::make_unique<Impl>();
  Bytes pub;
  if (curve == Curve::x25519) {
    if (scalar.size() != kX25519Size) return fail(Errc::invalid_argument, "X25519 private key must be 32 bytes");
    impl->key.reset(EVP_PKEY_new_raw_private_key_ex(nullptr, "X25519", nullptr, scalar.data(), scalar.size()));
    if (!impl->key) return ossl_fail(Errc::crypto_failure, "X25519 private key import");
    pub.resize(kX25519Size);
    std::size_t len = pub.size();
    if (EVP_PKEY_get_raw_public_key(impl->key.get(), pub.data(), &len) != 1 || len != kX25519Size) {
      return ossl_fail(Errc::crypto_failure, "X25519 public key export");
    }
  } else {
    auto key = detail::ec_private_key(nist(curve), scalar, pub);
    if (!key) return std::unexpected(key.error());
    impl->key = std::move(*key);
  }
  return EcdhKey(curve, std::move(impl), std::move(pub));
}

Result<SecureBytes> EcdhKey::derive(ByteView peer_public) const {
  if (curve_ == Curve::x25519) {
    if (peer_public.size() != kX25519Size) return fail(Errc::kex_failed, "X25519 public value is not 32 bytes");
    PkeyPtr peer(EVP_PKEY_new_raw_public_key_ex(nullptr, "X25519", nullptr, peer_public.data(), peer_public.size()));
    if (!peer) return ossl_fail(Errc::crypto_failure, "X25519 peer key import");
    auto secret = derive_secret(impl_->key.get(), peer.get());
    // OpenSSL itself refuses an all-zero result; either way the peer sent a low-order point.
    if (!secret) return clean_fail(Errc::kex_failed, "X25519 derivation failed (low-order peer point)");
    if (secret->size() != kX25519Size) return fail(Errc::crypto_failure, "X25519 secret has the wrong size");
    // RFC 7748 section 6.1: reject the all-zero output, compared in constant time as the
    // secret must not leak through timing.
    constexpr std::array<std::uint8_t, kX25519Size> kZero{};
    if (equal_constant_time(*secret, kZero)) {
      return fail(Errc::kex_failed, "X25519 shared secret is zero (low-order peer point)");
    }
    return secret;
  }
  auto c = nist(curve_);
  auto peer = detail::ec_public_key(c, peer_public);
  if (!peer) return fail(Errc::kex_failed, "ECDH peer point refused: " + peer.error().message);
  auto secret = derive_secret(impl_->key.get(), peer->get());
  if (!secret) return std::unexpected(secret.error());
  if (secret->size() > c.field_size) return fail(Errc::crypto_failure, "ECDH secret longer than the field");
  if (secret->size() < c.field_size) {
    // SSH hashes the x-coordinate as an mpint of its value, but this interface promises
    // the field-size form, so restore any leading zeros a provider might have dropped.
    SecureBytes padded(c.field_size - secret->size(), 0);
    padded.insert(padded.end(), secret->begin(), secret->end());
    return padded;
  }
  return secret;
}

// ---- finite-field Diffie-Hellman ----

namespace {

// OpenSSL refuses DH moduli outside [512, 10000] bits; the SSH groups fit in that range.
constexpr std::size_t kMinDhBits = 512;
constexpr std::size_t kMaxDhBits = 10000;
// Caps the work a group from a peer or a moduli file can cause in validate_dh_group.
constexpr std::size_t kMaxValidateBits = 16384;
constexpr std::size_t kMinExponentBits = 512;

Result<PkeyPtr> dh_key_from(const BIGNUM* p, const BIGNUM* g, const BIGNUM* pub, int priv_len, int selection) {
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_P, p) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_G, g) ||
      (pub && !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub)) ||
      (priv_len > 0 && !OSSL_PARAM_BLD_push_int(bld.get(), OSSL_PKEY_PARAM_DH_PRIV_LEN, priv_len))) {
    return ossl_fail(Errc::crypto_failure, "DH parameters");
  }
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return ossl_fail(Errc::crypto_failure, "DH parameters");
  return detail::pkey_fromdata("DH", selection, params.get());
}

}  // namespace

struct DhKey::Impl {
  PkeyPtr key;
  BnPtr p;
  BnPtr g;
  BnPtr p_minus_1;
};

DhKey::DhKey(std::unique_ptr<Impl> impl, Bytes pub) noexcept : impl_(std::move(impl)), public_(std::move(pub)) {}
DhKey::~DhKey() = default;
DhKey::DhKey(DhKey&&) noexcept = default;
DhKey& DhKey::operator=(DhKey&&) noexcept = default;

Result<DhKey> DhKey::generate(const DhGroup& group, std::size_t exponent_bits) {
  const std::size_t pbits = group.bits();
  if (pbits < kMinDhBits || pbits > kMaxDhBits) return fail(Errc::invalid_argument, "DH group size unsupported");
  // Full size is one bit short of p, which both of OpenSSL's key generation paths accept
  // (the one for groups it recognises by name, with q = (p-1)/2, and the generic one).
  if (exponent_bits == 0 || exponent_bits >= pbits) exponent_bits = pbits - 1;
  // OpenSSL refuses exponents shorter than twice the group's strength for the groups it
  // knows by name (e.g. 400 bits for group 18). OpenSSH never uses fewer than 512 bits,
  // so shorter requests are raised to that rather than failing for some groups only.
  if (exponent_bits < kMinExponentBits) exponent_bits = std::min(kMinExponentBits, pbits - 1);

  auto impl = std::make_unique<Impl>();
  impl->p = detail::bn_from(group.p);
  impl->g = detail::bn_from(group.g);
  impl->p_minus_1.reset(BN_new());
  if (!impl->p || !impl->g || !impl->p_minus_1 || !BN_copy(impl->p_minus_1.get(), impl->p.get()) ||
      !BN_sub_word(impl->p_minus_1.get(), 1)) {
    return ossl_fail(Errc::crypto_failure, "DH group setup");
  }
  auto params = dh_key_from(impl->p.get(), impl->g.get(), nullptr, static_cast<int>(exponent_bits),
                            EVP_PKEY_KEY_PARAMETERS);
  if (!params) return std::unexpected(params.error());
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, params->get(), nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0) return ossl_fail(Errc::crypto_failure, "DH keygen setup");
  // The exponent length travels with the domain parameters above; it is set on the
  // generation context as well, so that it holds whichever of the two this OpenSSL reads.
  OSSL_PARAM len_params[] = {OSSL_PARAM_construct_end(), OSSL_PARAM_construct_end()};
  int priv_len = static_cast<int>(exponent_bits);
  len_params[0] = OSSL_PARAM_construct_int(OSSL_PKEY_PARAM_DH_PRIV_LEN, &priv_len);
  if (EVP_PKEY_CTX_set_params(ctx.get(), len_params) <= 0) return ossl_fail(Errc::crypto_failure, "DH exponent size");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &raw) <= 0) return ossl_fail(Errc::crypto_failure, "DH key generation");
  impl->key.reset(raw);

  BIGNUM* pub_raw = nullptr;
  if (EVP_PKEY_get_bn_param(impl->key.get(), OSSL_PKEY_PARAM_PUB_KEY, &pub_raw) != 1) {
    return ossl_fail(Errc::crypto_failure, "DH public value export");
  }
  BnPtr pub(pub_raw);
  Bytes pub_bytes = detail::bn_bytes(pub.get());
  return DhKey(std::move(impl), std::move(pub_bytes));
}

Result<SecureBytes> DhKey::derive(ByteView peer_public) const {
  ByteView y_bytes = detail::strip_leading_zeros(peer_public);
  if (y_bytes.size() > static_cast<std::size_t>(BN_num_bytes(impl_->p.get()))) {
    return fail(Errc::kex_failed, "DH public value larger than the modulus");
  }
  BnPtr y = detail::bn_from(y_bytes);
  if (!y) return ossl_fail(Errc::crypto_failure, "DH peer value");
  // 1 < y < p-1: 0, 1 and p-1 would force the shared secret into {0, 1, p-1}.
  if (BN_cmp(y.get(), BN_value_one()) <= 0 || BN_cmp(y.get(), impl_->p_minus_1.get()) >= 0) {
    return fail(Errc::kex_failed, "DH public value out of range");
  }
  auto peer = dh_key_from(impl_->p.get(), impl_->g.get(), y.get(), 0, EVP_PKEY_PUBLIC_KEY);
  if (!peer) return fail(Errc::kex_failed, "DH peer value refused: " + peer.error().message);
  auto secret = derive_secret(impl_->key.get(), peer->get());
  if (!secret) return std::unexpected(secret.error());
  ByteView k = detail::strip_leading_zeros(*secret);
  if (k.size() == secret->size()) return secret;
  return to_secure(k);
}

Result<void> validate_dh_group(const DhGroup& group, std::size_t min_bits, bool check_primality) {
  const std::size_t pbits = group.bits();
  if (pbits < min_bits) return fail(Errc::kex_failed, "DH group smaller than " + std::to_string(min_bits) + " bits");
  if (pbits > kMaxValidateBits) return fail(Errc::too_large, "DH group larger than 16384 bits");
  BnPtr p = detail::bn_from(group.p);
  BnPtr g = detail::bn_from(group.g);
  BnPtr p_minus_1(BN_new());
  if (!p || !g || !p_minus_1 || !BN_copy(p_minus_1.get(), p.get()) || !BN_sub_word(p_minus_1.get(), 1)) {
    return ossl_fail(Errc::crypto_failure, "DH group setup");
  }
  if (!BN_is_odd(p.get())) return fail(Errc::kex_failed, "DH modulus is even");
  if (BN_cmp(g.get(), BN_value_one()) <= 0 || BN_cmp(g.get(), p_minus_1.get()) >= 0) {
    return fail(Errc::kex_failed, "DH generator out of range");
  }
  if (check_primality) {
    BnCtxPtr ctx(BN_CTX_new());
    BnPtr q(BN_new());
    if (!ctx || !q || !BN_rshift1(q.get(), p_minus_1.get())) return ossl_fail(Errc::crypto_failure, "DH check setup");
    // q first: for a random odd p, (p-1)/2 is the likelier to be composite, and the
    // check of p is skipped when it fails.
    int q_prime = BN_check_prime(q.get(), ctx.get(), nullptr);
    if (q_prime < 0) return ossl_fail(Errc::crypto_failure, "primality test");
    if (q_prime == 0) return clean_fail(Errc::kex_failed, "DH modulus is not a safe prime");
    int p_prime = BN_check_prime(p.get(), ctx.get(), nullptr);
    if (p_prime < 0) return ossl_fail(Errc::crypto_failure, "primality test");
    if (p_prime == 0) return clean_fail(Errc::kex_failed, "DH modulus is not prime");
  }
  return {};
}

}  // namespace skiff::crypto
