// Typed messages of the SSH connection protocol (RFC 4254, RFC 4335, OpenSSH's PROTOCOL):
// numbers 80..100. decode() parses one transport payload into a Message, encode() does
// the reverse; encode(decode(p)) == p for every payload decode() accepts, except that a
// pty-req's modes are re-encoded canonically (see PtyReq).
//
// Decoding is strict: every field is bounds-checked, names are capped by
// limits::kMaxRequestName, and a message must be consumed exactly (Errc::trailing_data).
// Types and requests skiff does not know are kept raw (name + the remaining bytes), so
// that the engine can refuse them politely instead of failing.
//
// Errors: truncated, trailing_data, too_large, bad_format (bad pty modes, unknown message
// number).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <skiff/error.hpp>

#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace skiff::connection {

using wire::Bytes;
using wire::ByteView;

namespace msg {
inline constexpr std::uint8_t kGlobalRequest = 80;
inline constexpr std::uint8_t kRequestSuccess = 81;
inline constexpr std::uint8_t kRequestFailure = 82;
inline constexpr std::uint8_t kChannelOpen = 90;
inline constexpr std::uint8_t kOpenConfirmation = 91;
inline constexpr std::uint8_t kOpenFailure = 92;
inline constexpr std::uint8_t kWindowAdjust = 93;
inline constexpr std::uint8_t kData = 94;
inline constexpr std::uint8_t kExtendedData = 95;
inline constexpr std::uint8_t kEof = 96;
inline constexpr std::uint8_t kClose = 97;
inline constexpr std::uint8_t kChannelRequest = 98;
inline constexpr std::uint8_t kChannelSuccess = 99;
inline constexpr std::uint8_t kChannelFailure = 100;
inline constexpr bool is_connection(std::uint8_t m) { return m >= 80 && m <= 100; }
// The numbers RFC 4254 assigns (83-89 are unassigned within the connection range).
inline constexpr bool is_defined(std::uint8_t m) { return (m >= 80 && m <= 82) || (m >= 90 && m <= 100); }
}  // namespace msg

// CHANNEL_OPEN_FAILURE reason codes (RFC 4254 5.1).
namespace open_failure {
inline constexpr std::uint32_t kAdministrativelyProhibited = 1;
inline constexpr std::uint32_t kConnectFailed = 2;
inline constexpr std::uint32_t kUnknownChannelType = 3;
inline constexpr std::uint32_t kResourceShortage = 4;
}  // namespace open_failure

inline constexpr std::uint32_t kExtendedDataStderr = 1;

// ---- Global requests (RFC 4254 4, 7.1; OpenSSH PROTOCOL 2.2, 2.5) ----
struct TcpipForward {
  std::string address;
  std::uint32_t port = 0;
  bool operator==(const TcpipForward&) const = default;
};
struct CancelTcpipForward {
  std::string address;
  std::uint32_t port = 0;
  bool operator==(const CancelTcpipForward&) const = default;
};
struct StreamlocalForward {  // streamlocal-forward@openssh.com (OpenSSH PROTOCOL 2.4)
  std::string socket_path;
  bool operator==(const StreamlocalForward&) const = default;
};
struct CancelStreamlocalForward {  // cancel-streamlocal-forward@openssh.com
  std::string socket_path;
  bool operator==(const CancelStreamlocalForward&) const = default;
};
struct GlobalKeepalive {  // keepalive@openssh.com: no data
  bool operator==(const GlobalKeepalive&) const = default;
};
struct NoMoreSessions {  // no-more-sessions@openssh.com
  bool operator==(const NoMoreSessions&) const = default;
};
struct RawGlobalRequest {
  std::string name;
  Bytes data;  // everything after want-reply
  bool operator==(const RawGlobalRequest&) const = default;
};
using GlobalRequestBody = std::variant<TcpipForward, CancelTcpipForward, StreamlocalForward, CancelStreamlocalForward,
                                       GlobalKeepalive, NoMoreSessions, RawGlobalRequest>;
struct GlobalRequest {
  bool want_reply = false;
  GlobalRequestBody body;
  bool operator==(const GlobalRequest&) const = default;
};
struct RequestSuccess {
  Bytes data;  // request-specific (tcpip-forward with port 0: the bound port as uint32)
  bool operator==(const RequestSuccess&) const = default;
};
struct RequestFailure {
  bool operator==(const RequestFailure&) const = default;
};

// ---- Channel open (RFC 4254 5.1, 6.1, 6.3.2, 7.2; OpenSSH PROTOCOL 2.1, 2.4, 2.7) ----
struct SessionOpen {
  bool operator==(const SessionOpen&) const = default;
};
struct DirectTcpipOpen {
  std::string host;
  std::uint32_t port = 0;
  std::string originator;
  std::uint32_t originator_port = 0;
  bool operator==(const DirectTcpipOpen&) const = default;
};
struct ForwardedTcpipOpen {
  std::string connected_address;
  std::uint32_t connected_port = 0;
  std::string originator;
  std::uint32_t originator_port = 0;
  bool operator==(const ForwardedTcpipOpen&) const = default;
};
struct X11Open {
  std::string originator;
  std::uint32_t originator_port = 0;
  bool operator==(const X11Open&) const = default;
};
struct DirectStreamlocalOpen {  // direct-streamlocal@openssh.com
  std::string socket_path;
  std::string reserved;
  std::uint32_t reserved_port = 0;
  bool operator==(const DirectStreamlocalOpen&) const = default;
};
struct ForwardedStreamlocalOpen {  // forwarded-streamlocal@openssh.com
  std::string socket_path;
  std::string reserved;
  bool operator==(const ForwardedStreamlocalOpen&) const = default;
};
struct AuthAgentOpen {  // auth-agent@openssh.com
  bool operator==(const AuthAgentOpen&) const = default;
};
struct RawOpen {
  std::string type;
  Bytes data;
  bool operator==(const RawOpen&) const = default;
};
using OpenBody = std::variant<SessionOpen, DirectTcpipOpen, ForwardedTcpipOpen, X11Open, DirectStreamlocalOpen,
                              ForwardedStreamlocalOpen, AuthAgentOpen, RawOpen>;
std::string_view open_type_name(const OpenBody& body);

struct ChannelOpen {
  std::uint32_t sender = 0;
  std::uint32_t window = 0;
  std::uint32_t max_packet = 0;
  OpenBody body;
  bool operator==(const ChannelOpen&) const = default;
};
struct OpenConfirmation {
  std::uint32_t recipient = 0, sender = 0, window = 0, max_packet = 0;
  Bytes extra;  // channel-type-specific data (none for the types above)
  bool operator==(const OpenConfirmation&) const = default;
};
struct OpenFailure {
  std::uint32_t recipient = 0, reason = 0;
  std::string description, language;
  bool operator==(const OpenFailure&) const = default;
};
struct WindowAdjust {
  std::uint32_t recipient = 0, bytes = 0;
  bool operator==(const WindowAdjust&) const = default;
};
// The data views point into the decoded payload (or the caller's buffer when encoding).
struct ChannelData {
  std::uint32_t recipient = 0;
  ByteView data;
};
struct ExtendedData {
  std::uint32_t recipient = 0, type = 0;
  ByteView data;
};
struct ChannelEof {
  std::uint32_t recipient = 0;
  bool operator==(const ChannelEof&) const = default;
};
struct ChannelClose {
  std::uint32_t recipient = 0;
  bool operator==(const ChannelClose&) const = default;
};

// ---- Channel requests (RFC 4254 6, RFC 4335, OpenSSH PROTOCOL) ----
// A terminal mode of pty-req (RFC 4254 8): opcodes 1..159 carry a uint32 value.
struct TerminalMode {
  std::uint8_t opcode = 0;
  std::uint32_t value = 0;
  bool operator==(const TerminalMode&) const = default;
};
// The modes string is parsed until TTY_OP_END (0) or its end (OpenSSH also accepts a string
// without TTY_OP_END); an opcode 160..255 stops parsing as RFC 4254 8 says, the bytes after
// it are ignored; a value cut short is bad_format. encode() always ends with TTY_OP_END.
struct PtyReq {
  std::string term;
  std::uint32_t columns = 0, rows = 0, width_px = 0, height_px = 0;
  std::vector<TerminalMode> modes;
  bool operator==(const PtyReq&) const = default;
};
struct X11Req {
  bool single_connection = false;
  std::string auth_protocol, auth_cookie;
  std::uint32_t screen = 0;
  bool operator==(const X11Req&) const = default;
};
struct EnvReq {
  std::string name, value;
  bool operator==(const EnvReq&) const = default;
};
struct ShellReq {
  bool operator==(const ShellReq&) const = default;
};
struct ExecReq {
  std::string command;  // may hold any bytes
  bool operator==(const ExecReq&) const = default;
};
struct SubsystemReq {
  std::string name;
  bool operator==(const SubsystemReq&) const = default;
};
struct WindowChangeReq {
  std::uint32_t columns = 0, rows = 0, width_px = 0, height_px = 0;
  bool operator==(const WindowChangeReq&) const = default;
};
struct XonXoffReq {
  bool client_can_do = false;
  bool operator==(const XonXoffReq&) const = default;
};
struct SignalReq {
  std::string name;  // without the "SIG" prefix
  bool operator==(const SignalReq&) const = default;
};
struct ExitStatusReq {
  std::uint32_t status = 0;
  bool operator==(const ExitStatusReq&) const = default;
};
struct ExitSignalReq {
  std::string name;
  bool core_dumped = false;
  std::string message, language;
  bool operator==(const ExitSignalReq&) const = default;
};
struct BreakReq {  // RFC 4335
  std::uint32_t length_ms = 0;
  bool operator==(const BreakReq&) const = default;
};
struct AuthAgentReq {  // auth-agent-req@openssh.com
  bool operator==(const AuthAgentReq&) const = default;
};
struct ChannelKeepalive {  // keepalive@openssh.com as a channel request
  bool operator==(const ChannelKeepalive&) const = default;
};
struct EowReq {  // eow@openssh.com: the sender will read no more of the channel's data
  bool operator==(const EowReq&) const = default;
};
struct RawChannelRequest {
  std::string name;
  Bytes data;
  bool operator==(const RawChannelRequest&) const = default;
};
using RequestBody = std::variant<PtyReq, X11Req, EnvReq, ShellReq, ExecReq, SubsystemReq, WindowChangeReq, XonXoffReq,
                                 SignalReq, ExitStatusReq, ExitSignalReq, BreakReq, AuthAgentReq, ChannelKeepalive,
                                 EowReq, RawChannelRequest>;
std::string_view request_name(const RequestBody& body);

struct ChannelRequest {
  std::uint32_t recipient = 0;
  bool want_reply = false;
  RequestBody body;
  bool operator==(const ChannelRequest&) const = default;
};
struct ChannelSuccess {
  std::uint32_t recipient = 0;
  bool operator==(const ChannelSuccess&) const = default;
};
struct ChannelFailure {
  std::uint32_t recipient = 0;
  bool operator==(const ChannelFailure&) const = default;
};

using Message = std::variant<GlobalRequest, RequestSuccess, RequestFailure, ChannelOpen, OpenConfirmation, OpenFailure,
                             WindowAdjust, ChannelData, ExtendedData, ChannelEof, ChannelClose, ChannelRequest,
                             ChannelSuccess, ChannelFailure>;

// Parses one payload (its first byte is the message number, 80..100).
Result<Message> decode(ByteView payload);
// Appends the payload of m to out.
void encode(const Message& m, Bytes& out);
inline Bytes encode(const Message& m) {
  Bytes out;
  encode(m, out);
  return out;
}

}  // namespace skiff::connection
