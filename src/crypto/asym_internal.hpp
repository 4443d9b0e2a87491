// Internal to src/crypto: owning handles for the OpenSSL objects that the asymmetric
// code (kex_math.cpp, signature*.cpp) uses, and the conversions between big-endian
// bytes and BIGNUMs. Not part of any interface above src/crypto.
#pragma once

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>
#include <string>

#include <skiff/error.hpp>

#include "crypto/secure.hpp"

namespace skiff::crypto::detail {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
// Every BIGNUM here may hold a secret, so all are cleared on free.
struct BnFree {
  void operator()(BIGNUM* p) const noexcept { BN_clear_free(p); }
};
struct BnCtxFree {
  void operator()(BN_CTX* p) const noexcept { BN_CTX_free(p); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* p) const noexcept { OSSL_PARAM_BLD_free(p); }
};
// OSSL_PARAM arrays built from OSSL_PARAM_BLD may carry private key material; the
// builder allocates private BIGNUM data in the secure heap and frees it clearing.
struct ParamFree {
  void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};
struct EcGroupFree {
  void operator()(EC_GROUP* p) const noexcept { EC_GROUP_free(p); }
};
struct EcPointFree {
  void operator()(EC_POINT* p) const noexcept { EC_POINT_clear_free(p); }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using BnCtxPtr = std::unique_ptr<BN_CTX, BnCtxFree>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, ParamFree>;
using EcGroupPtr = std::unique_ptr<EC_GROUP, EcGroupFree>;
using EcPointPtr = std::unique_ptr<EC_POINT, EcPointFree>;

// A failure reported by libcrypto. The thread's error queue is drained so that a stale
// entry cannot be blamed on a later, unrelated call.
inline std::unexpected<Error> ossl_fail(Errc code, std::string what) {
  unsigned long e = ERR_get_error();
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    what += " (";
    what += buf;
    what += ")";
  }
  ERR_clear_error();
  return fail(code, std::move(what));
}

// A failure we detected ourselves, possibly after libcrypto left entries in the queue.
inline std::unexpected<Error> clean_fail(Errc code, std::string what) {
  ERR_clear_error();
  return fail(code, std::move(what));
}

inline BnPtr bn_from(ByteView v) {
  return BnPtr(BN_bin2bn(v.data(), static_cast<int>(v.size()), nullptr));
}

// BIGNUMs that hold secrets use the constant-time flag so that exponentiations and
// conversions take the constant-time paths.
inline BnPtr secret_bn_from(ByteView v) {
  BnPtr b(BN_secure_new());
  if (b && !BN_bin2bn(v.data(), static_cast<int>(v.size()), b.get())) b.reset();
  if (b) BN_set_flags(b.get(), BN_FLG_CONSTTIME);
  return b;
}

// Unsigned big-endian magnitude; pad > 0 left-pads to exactly pad bytes.
inline Bytes bn_bytes(const BIGNUM* b, std::size_t pad = 0) {
  std::size_t n = pad ? pad : static_cast<std::size_t>(BN_num_bytes(b));
  Bytes out(n);
  if (n) BN_bn2binpad(b, out.data(), static_cast<int>(n));
  return out;
}

inline SecureBytes bn_secure_bytes(const BIGNUM* b, std::size_t pad = 0) {
  std::size_t n = pad ? pad : static_cast<std::size_t>(BN_num_bytes(b));
  SecureBytes out(n);
  if (n) BN_bn2binpad(b, out.data(), static_cast<int>(n));
  return out;
}

// Strips leading zero bytes of a big-endian magnitude.
inline ByteView strip_leading_zeros(ByteView v) noexcept {
  std::size_t i = 0;
  while (i < v.size() && v[i] == 0) ++i;
  return v.subspan(i);
}

// The NIST curves as both ECDH and ECDSA use them.
struct NistCurve {
  const char* group_name;  // OpenSSL's name, "P-256"
  int nid;
  std::size_t field_size;  // bytes of a coordinate and of a scalar: 32, 48, 66
};
NistCurve nist_curve_p256() noexcept;
NistCurve nist_curve_p384() noexcept;
NistCurve nist_curve_p521() noexcept;

// A public key from an uncompressed point 0x04 || X || Y of exact length that lies on
// the curve (and so is not the point at infinity, which has no such encoding).
Result<PkeyPtr> ec_public_key(const NistCurve& curve, ByteView point);
// A key pair from a private scalar 0 < d < order (big-endian, leading zeros allowed);
// the public point d*G is computed and returned in uncompressed form.
Result<PkeyPtr> ec_private_key(const NistCurve& curve, ByteView scalar, Bytes& public_point);
// The uncompressed encoding of an EC key's public point.
Result<Bytes> ec_public_point(const NistCurve& curve, EVP_PKEY* key);

}  // namespace skiff::crypto::detail
