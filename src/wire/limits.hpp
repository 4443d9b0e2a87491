// Every cap on what a peer or an input file can make skiff allocate or do.
// Nothing grows because a peer says so: each queue and length is bounded here.
#pragma once

#include <cstddef>
#include <cstdint>

namespace skiff::limits {

// Version exchange (RFC 4253 4.2): a line is at most 255 bytes with CR LF; OpenSSH
// accepts up to 1024 lines before the banner. We allow a bit more per line, fewer lines.
inline constexpr std::size_t kMaxVersionLineLength = 255;
inline constexpr std::size_t kMaxPreBannerLineLength = 1024;
inline constexpr std::size_t kMaxPreBannerLines = 1024;
inline constexpr std::size_t kMaxPreBannerBytes = 64 * 1024;

// Binary packets (RFC 4253 6.1 requires 35000; OpenSSH allows 256 KiB).
inline constexpr std::uint32_t kMaxPacketLength = 256 * 1024;
// The largest payload that still fits a packet: padding_length byte and up to 4 + block
// size bytes of padding are counted too.
inline constexpr std::size_t kMaxPayload = kMaxPacketLength - 1 - 36;
// Uncompressed payload after zlib inflation: bounded like the packet itself.
inline constexpr std::size_t kMaxInflatedPayload = kMaxPacketLength;

// Individual wire values.
inline constexpr std::size_t kMaxString = kMaxPacketLength;
inline constexpr std::size_t kMaxNameListLength = 64 * 1024;
inline constexpr std::size_t kMaxNamesInList = 256;
inline constexpr std::size_t kMaxAlgorithmNameLength = 64;
inline constexpr std::size_t kMaxMpintBytes = 16384 / 8 + 1;  // 16384-bit moduli

// Key exchange.
inline constexpr std::size_t kMaxHostKeyBlob = 16 * 1024;
inline constexpr std::size_t kMaxSignatureBlob = 16 * 1024;
inline constexpr std::uint32_t kDhGexMin = 2048;
inline constexpr std::uint32_t kDhGexPreferred = 3072;  // OpenSSH's default request
inline constexpr std::uint32_t kDhGexMax = 8192;
inline constexpr std::size_t kMaxModuliFileBytes = 4 * 1024 * 1024;
inline constexpr std::size_t kMaxExtInfoExtensions = 64;

// Queues: messages of the layers above wait here while a key exchange runs.
inline constexpr std::size_t kMaxQueuedDuringKexBytes = 4 * 1024 * 1024;
inline constexpr std::size_t kMaxQueuedDuringKexPackets = 4096;
// Input received but not yet processed (the caller must poll_event() between feeds; while
// a client waits for its host key verdict nothing is processed). Beyond this the
// connection ends: a peer cannot make us buffer without bound.
inline constexpr std::size_t kMaxUnprocessedInput = 1024 * 1024;
// Output not yet taken by the runtime: beyond this the core asks the caller to drain first.
inline constexpr std::size_t kMaxPendingOutputBytes = 16 * 1024 * 1024;

// Debug and disconnect message strings kept for the caller.
inline constexpr std::size_t kMaxDiagnosticString = 1024;

// Bytes swallowed after an impossible packet length before disconnecting (OpenSSH's
// PACKET_MAX_SIZE), so that a length error cannot be told apart from a MAC error by timing.
inline constexpr std::size_t kDiscardAfterBadLength = 256 * 1024;

// Key files and files of keys (src/keys). A private key file holds one key (a few KiB in
// practice; OpenSSH also caps key files at 1 MiB);
// a line of authorized_keys / known_hosts longer than kMaxKeyFileLine is reported and
// skipped (an RSA-16384 key with a long option list stays far below it).
inline constexpr std::size_t kMaxKeyFileBytes = 1024 * 1024;
inline constexpr std::size_t kMaxKeyFileLine = 64 * 1024;
// authorized_keys / known_hosts files themselves: larger files are refused as a whole.
inline constexpr std::size_t kMaxKeyListFileBytes = 64 * 1024 * 1024;
// bcrypt_pbkdf rounds accepted when reading an encrypted key (OpenSSH writes 16 by
// default; a hostile file must not make loading take hours).
inline constexpr unsigned kMaxKdfRounds = 16384;

// User authentication (src/auth, RFC 4252, RFC 4256). OpenSSH takes any user name that
// fits a packet; ours are capped well above login(1)'s limits. Passwords and
// keyboard-interactive answers are capped like PAM conversations in practice; OpenSSH
// refuses more than 100 keyboard-interactive responses.
inline constexpr std::size_t kMaxUserNameLength = 1024;
inline constexpr std::size_t kMaxServiceNameLength = 64;
inline constexpr std::size_t kMaxAuthMethodNameLength = 64;
inline constexpr std::size_t kMaxPasswordLength = 4096;
inline constexpr std::size_t kMaxKbdIntPrompts = 100;
inline constexpr std::size_t kMaxKbdIntPromptLength = 4096;
inline constexpr std::size_t kMaxKbdIntResponseLength = 4096;
// Name, instruction, banner and language tags shown to a person.
inline constexpr std::size_t kMaxAuthTextLength = 64 * 1024;
inline constexpr std::size_t kMaxLanguageTagLength = 256;
// Server: requests that arrive while one is still being decided wait here (a client may
// pipeline); more than this ends the connection.
inline constexpr std::size_t kMaxQueuedAuthRequests = 8;

// Configuration files (src/config). ssh_config / sshd_config and their Includes: a file
// larger than kMaxConfigFileBytes is refused; Include nests at most kMaxIncludeDepth
// deep (OpenSSH's READCONF_MAX_DEPTH) and at most kMaxConfigFiles files are read in
// all, so a glob cannot make us read without bound; a line has at most kMaxConfigArgs
// arguments; at most kMaxConfigDiagnostics error lines are kept (all are counted).
inline constexpr std::size_t kMaxConfigFileBytes = 4 * 1024 * 1024;
inline constexpr int kMaxIncludeDepth = 16;
inline constexpr std::size_t kMaxConfigFiles = 256;
inline constexpr std::size_t kMaxConfigArgs = 1024;
inline constexpr std::size_t kMaxConfigDiagnostics = 64;

// Connection protocol (src/connection, RFC 4254). Every table and queue a peer can grow
// is bounded; going beyond a cap either refuses the request (channel opens) or ends the
// connection (a peer that ignores windows or floods requests it wants answered).
inline constexpr std::size_t kMaxChannels = 1024;            // open channels, both directions
inline constexpr std::size_t kMaxPendingChannelOpens = 64;   // opens waiting for the application
inline constexpr std::size_t kMaxRequestName = 256;          // request and channel type names
inline constexpr std::size_t kMaxTerminalModes = 16 * 1024;  // pty-req encoded modes string
// Requests with want-reply received and not answered yet (per channel, and global).
inline constexpr std::size_t kMaxPendingRequests = 256;
// Messages the engine produced on its own (replies, refusals, window adjusts) that the
// caller has not taken with poll_output(): a peer that sends requests but never reads
// the answers cannot grow this without bound.
inline constexpr std::size_t kMaxQueuedConnectionControl = 4096;
// Events the application has not polled yet (data is bounded by the windows besides).
inline constexpr std::size_t kMaxPendingConnectionEvents = 16 * 1024;
// Window sizes: the default start (OpenSSH's CHAN_SES_WINDOW_DEFAULT) and the bound the
// window may grow to while the reader keeps up (HPN-SSH style growth).
inline constexpr std::uint32_t kDefaultChannelWindow = 2 * 1024 * 1024;
inline constexpr std::uint32_t kMaxChannelWindow = 16 * 1024 * 1024;
inline constexpr std::uint32_t kDefaultChannelMaxPacket = 32 * 1024;
// Data the application queued on a channel and not yet sent (default per channel).
inline constexpr std::size_t kDefaultChannelSendQueue = 1024 * 1024;

// skiff (the ssh command line): identity files considered, as ssh's SSH_MAX_IDENTITY_FILES.
inline constexpr std::size_t kMaxIdentityFiles = 100;

// skiffd's system side (tools/skiffd/system). Files read for a user and output of the
// programs run on a user's behalf are capped; the session environment is bounded as
// sshd's child_set_env (1000 entries); AuthorizedKeysCommand is killed when it runs
// longer than the timeout, so that a hung command cannot hold an authentication forever.
inline constexpr std::size_t kMaxSessionEnvironment = 1000;
inline constexpr std::size_t kMaxUserEnvironmentFileBytes = 64 * 1024;  // ~/.ssh/environment
inline constexpr std::size_t kMaxAuthorizedKeysCommandOutput = 16 * 1024 * 1024;
inline constexpr int kAuthorizedKeysCommandTimeoutSeconds = 30;
inline constexpr std::size_t kMaxMotdBytes = 64 * 1024;
inline constexpr std::size_t kMaxUserGroups = 65536;  // NGROUPS_MAX on Linux

// SFTP (src/sftp, draft-ietf-secsh-filexfer-02 = version 3). A message is at most
// OpenSSH's SFTP_MAX_MSG_LENGTH; a READ is answered with at most kMaxSftpReadLength bytes
// and a WRITE may carry as much (the values limits@openssh.com advertises). Handles are
// 4 bytes here; the draft caps a peer's at 256. The server stops decoding requests while
// more than kMaxSftpPendingOutput bytes of replies wait to be taken (a client that writes
// but never reads meets backpressure), and ends the session if it is fed more than
// kMaxSftpUnprocessedInput bytes without them being processed.
inline constexpr std::size_t kMaxSftpMessage = 256 * 1024;
inline constexpr std::size_t kMaxSftpReadLength = kMaxSftpMessage - 1024;
inline constexpr std::size_t kMaxSftpWriteLength = kMaxSftpMessage - 1024;
inline constexpr std::size_t kMaxSftpHandleLength = 256;
inline constexpr std::size_t kMaxSftpOpenHandles = 1024;
inline constexpr std::size_t kMaxSftpPendingOutput = 1024 * 1024;
// The replies already taken stay at the front of the server's output buffer until what is
// left behind them is small (a cheap move) or they reach kSftpOutputCompactAt: moving the
// rest whenever half was taken copied every byte of a download once more.
inline constexpr std::size_t kSftpOutputCompactAt = 4 * 1024 * 1024;
inline constexpr std::size_t kSftpOutputCheapMove = 64 * 1024;
inline constexpr std::size_t kMaxSftpUnprocessedInput = 2 * kMaxSftpMessage;
// Entries in one NAME reply to READDIR (OpenSSH sends at most 100), and entries a
// directory handle holds back when the reply was full.
inline constexpr std::size_t kMaxSftpNamesPerReply = 100;
// Extension pairs in INIT or VERSION; log records the server queues for its caller
// (beyond this the oldest are dropped and counted).
inline constexpr std::size_t kMaxSftpExtensions = 64;
inline constexpr std::size_t kMaxSftpQueuedLogRecords = 1024;
// Symbolic links followed while resolving one path (REALPATH, expand-path), as SYMLOOP_MAX.
inline constexpr int kMaxSftpSymlinkHops = 32;
// copy-data moves data in chunks of this size.
inline constexpr std::size_t kSftpCopyChunk = 64 * 1024;

// The SFTP client (src/sftp/client.hpp). Requests it keeps outstanding at once, all
// transfers together (sftp's -R asks for 64 per transfer); entries it accepts in one NAME
// reply (a READDIR answer is bounded by the message size anyway: this bounds the work);
// the read/write size it uses when the server does not advertise limits@openssh.com,
// and the smallest it shrinks to after short reads (OpenSSH's values).
inline constexpr std::size_t kMaxSftpClientOutstanding = 4096;
// An upload takes no more data while this much of its WRITEs waits to be taken by the
// runtime: without it, 64 WRITEs of 255 KiB piled up 16 MiB, grown by reallocation.
inline constexpr std::size_t kMaxSftpClientPendingOutput = 1024 * 1024;
inline constexpr std::size_t kMaxSftpClientNamesPerReply = 10000;
inline constexpr std::size_t kSftpClientDefaultRequestSize = 32 * 1024;
inline constexpr std::size_t kSftpClientMinReadSize = 512;

// The SSH agent protocol (src/agent, draft-miller-ssh-agent). A message, either way, is
// at most OpenSSH's AGENT_MAX_LEN (ssh-agent drops a client that announces more; ssh
// refuses a longer reply). The agent holds at most kMaxAgentIdentities keys (OpenSSH's
// MAX_AGENT_IDENTITIES) and a client takes no more in one answer. A key's comment is
// capped well below the message; the agent serves at most kMaxAgentConnections clients
// at once and stops reading a client whose replies (kMaxAgentPendingOutput) wait unread.
inline constexpr std::size_t kMaxAgentMessage = 256 * 1024;
inline constexpr std::size_t kMaxAgentIdentities = 2048;
inline constexpr std::size_t kMaxAgentComment = 16 * 1024;
inline constexpr std::size_t kMaxAgentExtensionName = 256;
inline constexpr std::size_t kMaxAgentConnections = 256;
inline constexpr std::size_t kMaxAgentPendingOutput = 1024 * 1024;

}  // namespace skiff::limits
