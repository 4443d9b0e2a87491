// The crypto library as a program sees it: its version text, for -V lines (ssh prints
// OpenSSL's), and how it ends with the process.
#pragma once

#include <string>

namespace skiff::crypto {

// OpenSSL_version(OPENSSL_VERSION) of the libcrypto in use, e.g. "OpenSSL 3.0.19 27 Jan 2026".
std::string library_version();

// For programs that exit when their work is done (skiffd's connection processes, skiff):
// OpenSSL's exit handler then frees thousands of cached algorithm objects one by one
// for nothing, about as long as a key exchange takes. Call before any other use of the
// library; later calls do nothing. Not for a library's embedders that unload it.
void skip_cleanup_at_exit();

}  // namespace skiff::crypto
