// Base64 (RFC 4648) as SSH files use it: public key lines, fingerprints, known_hosts.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "wire/writer.hpp"

namespace skiff::wire {

std::string base64_encode(ByteView data, bool pad = true);
// Strict decoding: only the standard alphabet, padding only at the end; whitespace is
// not skipped. nullopt on any error.
std::optional<Bytes> base64_decode(std::string_view text);

}  // namespace skiff::wire
