#include <skiff/error.hpp>

namespace skiff {

const char* errc_name(Errc code) noexcept {
  switch (code) {
    case Errc::truncated: return "truncated";
    case Errc::trailing_data: return "trailing data";
    case Errc::too_large: return "too large";
    case Errc::bad_format: return "bad format";
    case Errc::bad_length: return "bad packet length";
    case Errc::mac_error: return "MAC error";
    case Errc::protocol_error: return "protocol error";
    case Errc::kex_failed: return "key exchange failed";
    case Errc::host_key_rejected: return "host key rejected";
    case Errc::signature_invalid: return "invalid signature";
    case Errc::unsupported: return "unsupported";
    case Errc::crypto_failure: return "crypto failure";
    case Errc::disconnected: return "disconnected";
    case Errc::io_error: return "I/O error";
    case Errc::timeout: return "timeout";
    case Errc::invalid_argument: return "invalid argument";
    case Errc::bad_passphrase: return "incorrect passphrase";
    case Errc::not_found: return "not found";
  }
  return "unknown error";
}

}  // namespace skiff
