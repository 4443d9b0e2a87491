// OpenSSH's connection-sharing protocol (PROTOCOL.mux, version 4, as ssh 9.2's mux.c
// speaks it) between a ControlMaster and the skiff or ssh processes that use its
// connection: messages as typed values, encoding, and a framer for the socket's byte
// stream. Pure: the socket, the descriptor passing (SCM_RIGHTS) and the sessions are in
// mux_master.cpp and mux_client.cpp; fuzz/fuzz_mux.cpp feeds the decoder.
//
// Where PROTOCOL.mux and mux.c differ, mux.c wins, since that is what ssh sends: the four
// flags of NEW_SESSION are uint32 (not bool), NEW_STDIO_FWD's port is a uint32 (not a
// string). Every packet is a uint32 length, then a uint32 type and the type's fields.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <skiff/error.hpp>

namespace skiff::cli::mux {

inline constexpr std::uint32_t kVersion = 4;
// mux.c refuses packets above 256 KiB; so does the framer.
inline constexpr std::size_t kMaxPacket = 256 * 1024;
// A NEW_SESSION carries at most this many environment strings (mux.c's MUX_MAX_ENV_VARS).
inline constexpr std::size_t kMaxEnv = 4096;
// The port value that makes a forward's host a Unix socket path (ssh's PORT_STREAMLOCAL).
inline constexpr std::uint32_t kStreamlocalPort = 0xfffffffeu;
// NEW_SESSION's escape char when there is none.
inline constexpr std::uint32_t kNoEscapeChar = 0xffffffffu;

namespace type {
inline constexpr std::uint32_t kHello = 0x00000001;
inline constexpr std::uint32_t kNewSession = 0x10000002;
inline constexpr std::uint32_t kAliveCheck = 0x10000004;
inline constexpr std::uint32_t kTerminate = 0x10000005;
inline constexpr std::uint32_t kOpenForward = 0x10000006;
inline constexpr std::uint32_t kCloseForward = 0x10000007;
inline constexpr std::uint32_t kNewStdioForward = 0x10000008;
inline constexpr std::uint32_t kStopListening = 0x10000009;
inline constexpr std::uint32_t kProxy = 0x1000000f;
inline constexpr std::uint32_t kOk = 0x80000001;
inline constexpr std::uint32_t kPermissionDenied = 0x80000002;
inline constexpr std::uint32_t kFailure = 0x80000003;
inline constexpr std::uint32_t kExitMessage = 0x80000004;
inline constexpr std::uint32_t kAlive = 0x80000005;
inline constexpr std::uint32_t kSessionOpened = 0x80000006;
inline constexpr std::uint32_t kRemotePort = 0x80000007;
inline constexpr std::uint32_t kTtyAllocFail = 0x80000008;
inline constexpr std::uint32_t kProxyReply = 0x8000000f;
}  // namespace type

enum class ForwardKind : std::uint32_t { local = 1, remote = 2, dynamic = 3 };

// ---- both directions ----
struct Hello {
  std::uint32_t version = kVersion;
  std::vector<std::pair<std::string, std::string>> extensions;  // none are defined
  bool operator==(const Hello&) const = default;
};

// ---- client to master ----
struct NewSession {
  std::uint32_t request_id = 0;
  bool want_tty = false, want_x11 = false, want_agent = false, subsystem = false;
  std::uint32_t escape_char = kNoEscapeChar;
  std::string term;
  std::string command;           // empty: a shell; any bytes
  std::vector<std::string> env;  // "NAME=value" (SendEnv and SetEnv of the client)
  bool operator==(const NewSession&) const = default;
};
struct AliveCheck {
  std::uint32_t request_id = 0;
  bool operator==(const AliveCheck&) const = default;
};
struct Terminate {
  std::uint32_t request_id = 0;
  bool operator==(const Terminate&) const = default;
};
struct StopListening {
  std::uint32_t request_id = 0;
  bool operator==(const StopListening&) const = default;
};
struct ProxyRequest {
  std::uint32_t request_id = 0;
  bool operator==(const ProxyRequest&) const = default;
};
// OPEN_FWD and CLOSE_FWD. A port of kStreamlocalPort makes its host a socket path.
struct Forward {
  ForwardKind kind = ForwardKind::local;
  std::string listen_host;
  std::uint32_t listen_port = 0;
  std::string connect_host;
  std::uint32_t connect_port = 0;
  bool operator==(const Forward&) const = default;
};
struct OpenForward {
  std::uint32_t request_id = 0;
  Forward forward;
  bool operator==(const OpenForward&) const = default;
};
struct CloseForward {
  std::uint32_t request_id = 0;
  Forward forward;
  bool operator==(const CloseForward&) const = default;
};
struct NewStdioForward {
  std::uint32_t request_id = 0;
  std::string host;
  std::uint32_t port = 0;
  bool operator==(const NewStdioForward&) const = default;
};

// ---- master to client ----
struct Ok {
  std::uint32_t request_id = 0;
  bool operator==(const Ok&) const = default;
};
struct PermissionDenied {
  std::uint32_t request_id = 0;
  std::string reason;
  bool operator==(const PermissionDenied&) const = default;
};
struct Failure {
  std::uint32_t request_id = 0;
  std::string reason;
  bool operator==(const Failure&) const = default;
};
struct ExitMessage {
  std::uint32_t session_id = 0;
  std::uint32_t exit_value = 0;
  bool operator==(const ExitMessage&) const = default;
};
struct Alive {
  std::uint32_t request_id = 0;
  std::uint32_t pid = 0;
  bool operator==(const Alive&) const = default;
};
struct SessionOpened {
  std::uint32_t request_id = 0;
  std::uint32_t session_id = 0;
  bool operator==(const SessionOpened&) const = default;
};
struct RemotePort {
  std::uint32_t request_id = 0;
  std::uint32_t port = 0;
  bool operator==(const RemotePort&) const = default;
};
struct TtyAllocFail {
  std::uint32_t session_id = 0;
  bool operator==(const TtyAllocFail&) const = default;
};
struct ProxyReply {
  std::uint32_t request_id = 0;
  bool operator==(const ProxyReply&) const = default;
};

using Message = std::variant<Hello, NewSession, AliveCheck, Terminate, StopListening, ProxyRequest, OpenForward,
                             CloseForward, NewStdioForward, Ok, PermissionDenied, Failure, ExitMessage, Alive,
                             SessionOpened, RemotePort, TtyAllocFail, ProxyReply>;

// One packet's body (type and fields, without the length): bad_format / truncated /
// trailing_data / too_large on malformed input, unsupported for an unknown type.
Result<Message> decode(std::span<const std::uint8_t> body);
// The whole packet, length included.
std::vector<std::uint8_t> encode(const Message& m);

// Splits the socket's byte stream into packet bodies. The caller feeds what one read
// returned and takes every complete packet before reading again, so the buffer stays
// below kMaxPacket plus one read; a length above kMaxPacket is an error and the stream is
// unusable afterwards.
class Framer {
 public:
  void feed(std::span<const std::uint8_t> data);
  // The next complete body, nullopt until one is there, or the error.
  Result<std::optional<std::vector<std::uint8_t>>> next();
  // Bytes of an unfinished packet (the peer's EOF now means a cut packet).
  std::size_t buffered() const noexcept { return buffer_.size(); }

 private:
  std::vector<std::uint8_t> buffer_;
  bool failed_ = false;
};

}  // namespace skiff::cli::mux
