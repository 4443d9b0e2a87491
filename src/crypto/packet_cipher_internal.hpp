// Internal to src/crypto: the per-shape constructors behind make_sealer/make_opener.
// Keys arrive already checked for length by packet_cipher.cpp.
#pragma once

#include <memory>

#include <skiff/error.hpp>

#include "crypto/packet_cipher.hpp"

namespace skiff::crypto::sym {

// none or AES-CTR, with a MAC (or none), MAC-then-encrypt or encrypt-then-MAC.
Result<std::unique_ptr<PacketSealer>> make_stream_mac_sealer(const DirectionKeys& keys);
Result<std::unique_ptr<PacketOpener>> make_stream_mac_opener(const DirectionKeys& keys);

// aes128-gcm@openssh.com, aes256-gcm@openssh.com.
Result<std::unique_ptr<PacketSealer>> make_gcm_sealer(const DirectionKeys& keys);
Result<std::unique_ptr<PacketOpener>> make_gcm_opener(const DirectionKeys& keys);

// chacha20-poly1305@openssh.com.
Result<std::unique_ptr<PacketSealer>> make_chacha_sealer(const DirectionKeys& keys);
Result<std::unique_ptr<PacketOpener>> make_chacha_opener(const DirectionKeys& keys);

}  // namespace skiff::crypto::sym
