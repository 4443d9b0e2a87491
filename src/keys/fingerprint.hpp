// Key fingerprints as ssh-keygen -l prints them.
#pragma once

#include <string>

#include "wire/writer.hpp"

namespace skiff::keys {

// "SHA256:" + unpadded base64 of SHA-256 over the public key blob.
std::string fingerprint_sha256(wire::ByteView public_blob);

}  // namespace skiff::keys
