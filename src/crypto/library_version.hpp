// The crypto library's version text, for programs' -V lines (ssh prints OpenSSL's).
#pragma once

#include <string>

namespace skiff::crypto {

// OpenSSL_version(OPENSSL_VERSION) of the libcrypto in use, e.g. "OpenSSL 3.0.19 27 Jan 2026".
std::string library_version();

}  // namespace skiff::crypto
