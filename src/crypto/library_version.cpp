#include "crypto/library_version.hpp"

#include <openssl/crypto.h>

namespace skiff::crypto {

std::string library_version() { return OpenSSL_version(OPENSSL_VERSION); }

void skip_cleanup_at_exit() { OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr); }

}  // namespace skiff::crypto
