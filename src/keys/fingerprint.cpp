#include "keys/fingerprint.hpp"

#include "crypto/hash.hpp"
#include "wire/base64.hpp"

namespace skiff::keys {

std::string fingerprint_sha256(wire::ByteView public_blob) {
  auto digest = crypto::hash(crypto::HashAlg::sha256, public_blob);
  return "SHA256:" + wire::base64_encode(digest, false);
}

}  // namespace skiff::keys
