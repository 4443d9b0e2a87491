// SSH wire encodings of public keys and signatures: the "public key blob" of RFC 4253
// 6.6 (ssh-rsa), RFC 5656 3.1 (ecdsa-sha2-nistp*) and RFC 8709 (ssh-ed25519), and the
// signature blob string(algorithm) || string(signature) with the RSA SHA-2 names of
// RFC 8332. Every decoder consumes its input exactly and refuses anything else.
#pragma once

#include <string_view>

#include <skiff/error.hpp>

#include "crypto/signature.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace skiff::keys {

// The key's name in a blob: "ssh-ed25519", "ecdsa-sha2-nistp256|384|521", "ssh-rsa".
std::string_view key_type_name(crypto::KeyType type) noexcept;

wire::Bytes encode_public_blob(const crypto::PublicKey& key);
// Exact consumption; for ECDSA the curve identifier must match the type name; RSA e and
// n are canonical mpints; the blob is at most limits::kMaxHostKeyBlob bytes.
Result<crypto::PublicKey> decode_public_blob(wire::ByteView blob);

// Whether a signature algorithm name goes with a key type: "ssh-ed25519" with Ed25519,
// "ecdsa-sha2-nistpN" with the same curve, "rsa-sha2-256", "rsa-sha2-512" and "ssh-rsa"
// (SHA-1) with RSA.
bool signature_algorithm_fits_key(std::string_view sig_alg, crypto::KeyType type) noexcept;

// string(sig_alg) || string(signature); for ECDSA the signature is string(mpint r ||
// mpint s). "ssh-rsa" needs allow_sha1 (Errc::unsupported otherwise); an algorithm that
// does not fit the key is Errc::invalid_argument.
Result<wire::Bytes> sign_to_blob(const crypto::PrivateKey& key, std::string_view sig_alg, wire::ByteView data,
                                 bool allow_sha1 = false);

// Checks a signature blob made with expected_sig_alg: the name in the blob must equal it
// (a signature made with another hash is refused, even by the same key), the blob is
// consumed exactly, ECDSA r and s are at most the scalar size. Errc::signature_invalid
// when the signature does not verify; other codes for malformed blobs or disabled
// algorithms.
Result<void> verify_blob(const crypto::PublicKey& key, std::string_view expected_sig_alg, wire::ByteView data,
                         wire::ByteView sig_blob, bool allow_sha1 = false);

}  // namespace skiff::keys
