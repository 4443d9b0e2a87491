// skiff::Error: every failure the library reports is a value of this type.
// Errors caused by a peer or by input are never exceptions and never aborts.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <utility>

namespace skiff {

enum class Errc : std::uint8_t {
  truncated,          // input ended before a complete value
  trailing_data,      // a message had bytes left over after its last field
  too_large,          // a length exceeded a cap in wire/limits.hpp
  bad_format,         // a value is malformed (bad name-list, non-canonical mpint, ...)
  bad_length,         // a packet length is impossible
  mac_error,          // a MAC or AEAD tag did not verify
  protocol_error,     // a message not allowed in this phase, or inconsistent state
  kex_failed,         // no common algorithm, or the key exchange computation failed
  host_key_rejected,  // host key unknown, changed, or its signature did not verify
  signature_invalid,  // a signature did not verify
  unsupported,        // an algorithm or feature skiff does not implement or has disabled
  crypto_failure,     // libcrypto reported an error
  disconnected,       // the peer sent DISCONNECT, or the stream ended
  io_error,           // a system call failed (runtime only)
  timeout,            // a deadline passed
  invalid_argument,   // the caller passed something unusable
  bad_passphrase,     // a key file is encrypted and the passphrase is missing or wrong
  not_found,          // a file, entry or key that was asked for does not exist
};

const char* errc_name(Errc code) noexcept;

struct Error {
  Errc code;
  std::string message;
  // For Errc::disconnected: the SSH disconnect reason code the peer (or we) used; 0 when
  // the stream ended without a DISCONNECT.
  std::uint32_t disconnect_reason = 0;

  std::string to_string() const { return std::string(errc_name(code)) + ": " + message; }
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(Errc code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message)});
}

}  // namespace skiff
