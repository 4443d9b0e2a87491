// Message numbers and disconnect reason codes of the transport layer (RFC 4250 4.1,
// RFC 4253, RFC 8308, OpenSSH's PROTOCOL) and the ranges the other layers own.
#pragma once

#include <cstdint>

namespace skiff::transport::msg {

inline constexpr std::uint8_t kDisconnect = 1;
inline constexpr std::uint8_t kIgnore = 2;
inline constexpr std::uint8_t kUnimplemented = 3;
inline constexpr std::uint8_t kDebug = 4;
inline constexpr std::uint8_t kServiceRequest = 5;
inline constexpr std::uint8_t kServiceAccept = 6;
inline constexpr std::uint8_t kExtInfo = 7;
inline constexpr std::uint8_t kKexInit = 20;
inline constexpr std::uint8_t kNewKeys = 21;
// Key exchange method messages 30..49 (meaning depends on the method).
inline constexpr std::uint8_t kKexEcdhInit = 30;   // also KEXDH_INIT
inline constexpr std::uint8_t kKexEcdhReply = 31;  // also KEXDH_REPLY
inline constexpr std::uint8_t kKexDhGexGroup = 31;
inline constexpr std::uint8_t kKexDhGexInit = 32;
inline constexpr std::uint8_t kKexDhGexReply = 33;
inline constexpr std::uint8_t kKexDhGexRequest = 34;
// OpenSSH's transport-level ping (PROTOCOL 1.9).
inline constexpr std::uint8_t kPing = 192;
inline constexpr std::uint8_t kPong = 193;

inline constexpr std::uint8_t kFirstUserauth = 50;

inline constexpr bool is_kex_method(std::uint8_t m) { return m >= 30 && m <= 49; }
inline constexpr bool is_upper_layer(std::uint8_t m) { return m >= 50; }

}  // namespace skiff::transport::msg

namespace skiff::transport::disconnect {

inline constexpr std::uint32_t kHostNotAllowedToConnect = 1;
inline constexpr std::uint32_t kProtocolError = 2;
inline constexpr std::uint32_t kKeyExchangeFailed = 3;
inline constexpr std::uint32_t kReserved = 4;
inline constexpr std::uint32_t kMacError = 5;
inline constexpr std::uint32_t kCompressionError = 6;
inline constexpr std::uint32_t kServiceNotAvailable = 7;
inline constexpr std::uint32_t kProtocolVersionNotSupported = 8;
inline constexpr std::uint32_t kHostKeyNotVerifiable = 9;
inline constexpr std::uint32_t kConnectionLost = 10;
inline constexpr std::uint32_t kByApplication = 11;
inline constexpr std::uint32_t kTooManyConnections = 12;
inline constexpr std::uint32_t kAuthCancelledByUser = 13;
inline constexpr std::uint32_t kNoMoreAuthMethodsAvailable = 14;
inline constexpr std::uint32_t kIllegalUserName = 15;

}  // namespace skiff::transport::disconnect
