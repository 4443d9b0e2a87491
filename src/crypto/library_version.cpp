#include "crypto/library_version.hpp"

#include <openssl/crypto.h>

namespace skiff::crypto {

std::string library_version() { return OpenSSL_version(OPENSSL_VERSION); }

}  // namespace skiff::crypto
