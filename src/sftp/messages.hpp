// SFTP messages as plain structs: every request and reply of version 3 and every
// extension skiff implements, with their encoding and decoding.
//
// A message on the wire is uint32 length, byte type, then the fields below in order
// (INIT and VERSION carry a version where the others carry a request id). Decoded
// structs may view the input (BinaryString and RawTail members: WRITE and DATA payloads, the
// bodies of unknown extensions and extended replies): they are valid while it is.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "sftp/protocol.hpp"

namespace skiff::sftp {

using ExtensionPairs = std::vector<std::pair<std::string, std::string>>;
// The rest of a message, unparsed (bodies of unknown extended requests and of replies).
struct RawTail {
  wire::ByteView bytes;
  bool operator==(const RawTail& o) const {
    return std::equal(bytes.begin(), bytes.end(), o.bytes.begin(), o.bytes.end());
  }
};
// A length-prefixed string of bytes, viewed in place (WRITE and DATA payloads).
struct BinaryString {
  wire::ByteView bytes;
  bool operator==(const BinaryString& o) const {
    return std::equal(bytes.begin(), bytes.end(), o.bytes.begin(), o.bytes.end());
  }
};
// A string holding packed uint32 values (users-groups-by-id@openssh.com).
struct IdList {
  std::vector<std::uint32_t> ids;
  bool operator==(const IdList&) const = default;
};
// A string holding a sequence of strings (the reply to users-groups-by-id).
struct NameList {
  std::vector<std::string> names;
  bool operator==(const NameList&) const = default;
};
struct NameEntry {
  std::string name;
  std::string long_name;
  FileAttributes attrs;
  bool operator==(const NameEntry&) const = default;
};

// Each message lists its fields once; encoding and decoding walk that list.
#define SKIFF_SFTP_FIELDS(...)                              \
  auto fields() { return std::tie(__VA_ARGS__); }           \
  auto fields() const { return std::tie(__VA_ARGS__); }

// ---- requests (client to server)
struct Init {
  static constexpr PacketType kType = PacketType::init;
  std::uint32_t version = kProtocolVersion;
  ExtensionPairs extensions;
  SKIFF_SFTP_FIELDS(version, extensions)
  bool operator==(const Init&) const = default;
};

#define SKIFF_SFTP_MESSAGE(Name, type, ...)     \
  struct Name {                                 \
    static constexpr PacketType kType = type;   \
    std::uint32_t id = 0;                       \
    __VA_ARGS__;                                \
    bool operator==(const Name&) const = default;

SKIFF_SFTP_MESSAGE(Open, PacketType::open, std::string path; std::uint32_t pflags = 0; FileAttributes attrs)
  SKIFF_SFTP_FIELDS(id, path, pflags, attrs)
};
SKIFF_SFTP_MESSAGE(Close, PacketType::close, std::string handle)
  SKIFF_SFTP_FIELDS(id, handle)
};
SKIFF_SFTP_MESSAGE(Read, PacketType::read, std::string handle; std::uint64_t offset = 0; std::uint32_t length = 0)
  SKIFF_SFTP_FIELDS(id, handle, offset, length)
};
SKIFF_SFTP_MESSAGE(Write, PacketType::write, std::string handle; std::uint64_t offset = 0; BinaryString data)
  SKIFF_SFTP_FIELDS(id, handle, offset, data)
};
SKIFF_SFTP_MESSAGE(Lstat, PacketType::lstat, std::string path)
  SKIFF_SFTP_FIELDS(id, path)
};
SKIFF_SFTP_MESSAGE(Fstat, PacketType::fstat, std::string handle)
  SKIFF_SFTP_FIELDS(id, handle)
};
SKIFF_SFTP_MESSAGE(Setstat, PacketType::setstat, std::string path; FileAttributes attrs)
  SKIFF_SFTP_FIELDS(id, path, attrs)
};
SKIFF_SFTP_MESSAGE(Fsetstat, PacketType::fsetstat, std::string handle; FileAttributes attrs)
  SKIFF_SFTP_FIELDS(id, handle, attrs)
};
SKIFF_SFTP_MESSAGE(Opendir, PacketType::opendir, std::string path)
  SKIFF_SFTP_FIELDS(id, path)
};
SKIFF_SFTP_MESSAGE(Readdir, PacketType::readdir, std::string handle)
  SKIFF_SFTP_FIELDS(id, handle)
};
SKIFF_SFTP_MESSAGE(Remove, PacketType::remove, std::string path)
  SKIFF_SFTP_FIELDS(id, path)
};
SKIFF_SFTP_MESSAGE(Mkdir, PacketType::mkdir, std::string path; FileAttributes attrs)
  SKIFF_SFTP_FIELDS(id, path, attrs)
};
SKIFF_SFTP_MESSAGE(Rmdir, PacketType::rmdir, std::string path)
  SKIFF_SFTP_FIELDS(id, path)
};
SKIFF_SFTP_MESSAGE(Realpath, PacketType::realpath, std::string path)
  SKIFF_SFTP_FIELDS(id, path)
};
SKIFF_SFTP_MESSAGE(Stat, PacketType::stat, std::string path)
  SKIFF_SFTP_FIELDS(id, path)
};
SKIFF_SFTP_MESSAGE(Rename, PacketType::rename, std::string old_path; std::string new_path)
  SKIFF_SFTP_FIELDS(id, old_path, new_path)
};
SKIFF_SFTP_MESSAGE(Readlink, PacketType::readlink, std::string path)
  SKIFF_SFTP_FIELDS(id, path)
};
// OpenSSH sends the link's target first and the new link's path second, the reverse
// of the draft's order; every client in use follows OpenSSH, and so does skiff.
SKIFF_SFTP_MESSAGE(Symlink, PacketType::symlink, std::string target_path; std::string link_path)
  SKIFF_SFTP_FIELDS(id, target_path, link_path)
};

// ---- extended requests: EXTENDED, id, string name, then these fields
#define SKIFF_SFTP_EXTENSION(Name, ext, ...)            \
  struct Name {                                         \
    static constexpr PacketType kType = PacketType::extended; \
    static constexpr std::string_view kName = ext;      \
    std::uint32_t id = 0;                               \
    __VA_ARGS__;                                        \
    bool operator==(const Name&) const = default;

SKIFF_SFTP_EXTENSION(PosixRename, kExtPosixRename, std::string old_path; std::string new_path)
  SKIFF_SFTP_FIELDS(id, old_path, new_path)
};
SKIFF_SFTP_EXTENSION(Statvfs, kExtStatvfs, std::string path)
  SKIFF_SFTP_FIELDS(id, path)
};
SKIFF_SFTP_EXTENSION(Fstatvfs, kExtFstatvfs, std::string handle)
  SKIFF_SFTP_FIELDS(id, handle)
};
SKIFF_SFTP_EXTENSION(Hardlink, kExtHardlink, std::string old_path; std::string new_path)
  SKIFF_SFTP_FIELDS(id, old_path, new_path)
};
SKIFF_SFTP_EXTENSION(Fsync, kExtFsync, std::string handle)
  SKIFF_SFTP_FIELDS(id, handle)
};
SKIFF_SFTP_EXTENSION(Lsetstat, kExtLsetstat, std::string path; FileAttributes attrs)
  SKIFF_SFTP_FIELDS(id, path, attrs)
};
struct LimitsRequest {
  static constexpr PacketType kType = PacketType::extended;
  static constexpr std::string_view kName = kExtLimits;
  std::uint32_t id = 0;
  SKIFF_SFTP_FIELDS(id)
  bool operator==(const LimitsRequest&) const = default;
};
SKIFF_SFTP_EXTENSION(ExpandPath, kExtExpandPath, std::string path)
  SKIFF_SFTP_FIELDS(id, path)
};
// read_length 0 copies to the end of the source.
SKIFF_SFTP_EXTENSION(CopyData, kExtCopyData, std::string read_handle; std::uint64_t read_offset = 0;
                     std::uint64_t read_length = 0; std::string write_handle; std::uint64_t write_offset = 0)
  SKIFF_SFTP_FIELDS(id, read_handle, read_offset, read_length, write_handle, write_offset)
};
// An empty user name asks for the session user's own home directory.
SKIFF_SFTP_EXTENSION(HomeDirectory, kExtHomeDirectory, std::string user_name)
  SKIFF_SFTP_FIELDS(id, user_name)
};
SKIFF_SFTP_EXTENSION(UsersGroupsById, kExtUsersGroupsById, IdList uids; IdList gids)
  SKIFF_SFTP_FIELDS(id, uids, gids)
};
// Any other extended request: its name and its unparsed body.
struct UnknownExtended {
  static constexpr PacketType kType = PacketType::extended;
  std::uint32_t id = 0;
  std::string name;
  RawTail body;
  SKIFF_SFTP_FIELDS(id, name, body)
  bool operator==(const UnknownExtended&) const = default;
};

using Request = std::variant<Init, Open, Close, Read, Write, Lstat, Fstat, Setstat, Fsetstat, Opendir, Readdir,
                             Remove, Mkdir, Rmdir, Realpath, Stat, Rename, Readlink, Symlink, PosixRename,
                             Statvfs, Fstatvfs, Hardlink, Fsync, Lsetstat, LimitsRequest, ExpandPath, CopyData,
                             HomeDirectory, UsersGroupsById, UnknownExtended>;

// ---- replies (server to client)
struct Version {
  static constexpr PacketType kType = PacketType::version;
  std::uint32_t version = kProtocolVersion;
  ExtensionPairs extensions;
  SKIFF_SFTP_FIELDS(version, extensions)
  bool operator==(const Version&) const = default;
};
SKIFF_SFTP_MESSAGE(Status, PacketType::status, StatusCode code = StatusCode::ok; std::string message;
                   std::string language)
  SKIFF_SFTP_FIELDS(id, code, message, language)
};
SKIFF_SFTP_MESSAGE(HandleReply, PacketType::handle, std::string handle)
  SKIFF_SFTP_FIELDS(id, handle)
};
SKIFF_SFTP_MESSAGE(Data, PacketType::data, BinaryString data)
  SKIFF_SFTP_FIELDS(id, data)
};
SKIFF_SFTP_MESSAGE(Name, PacketType::name, std::vector<NameEntry> entries)
  SKIFF_SFTP_FIELDS(id, entries)
};
SKIFF_SFTP_MESSAGE(Attrs, PacketType::attrs, FileAttributes attrs)
  SKIFF_SFTP_FIELDS(id, attrs)
};
// The body depends on the request it answers: see the *Reply structs below.
SKIFF_SFTP_MESSAGE(ExtendedReply, PacketType::extended_reply, RawTail body)
  SKIFF_SFTP_FIELDS(id, body)
};

using Response = std::variant<Version, Status, HandleReply, Data, Name, Attrs, ExtendedReply>;

// ---- bodies of extended replies
struct StatvfsReply {
  std::uint64_t bsize = 0, frsize = 0, blocks = 0, bfree = 0, bavail = 0, files = 0, ffree = 0, favail = 0,
                fsid = 0, flag = 0, namemax = 0;
  SKIFF_SFTP_FIELDS(bsize, frsize, blocks, bfree, bavail, files, ffree, favail, fsid, flag, namemax)
  bool operator==(const StatvfsReply&) const = default;
};
struct LimitsReply {
  std::uint64_t max_packet_length = 0, max_read_length = 0, max_write_length = 0, max_open_handles = 0;
  SKIFF_SFTP_FIELDS(max_packet_length, max_read_length, max_write_length, max_open_handles)
  bool operator==(const LimitsReply&) const = default;
};
struct UsersGroupsReply {
  NameList user_names;
  NameList group_names;
  SKIFF_SFTP_FIELDS(user_names, group_names)
  bool operator==(const UsersGroupsReply&) const = default;
};

#undef SKIFF_SFTP_MESSAGE
#undef SKIFF_SFTP_EXTENSION

// Decoding: `payload` is one message without its length prefix (type byte first). It
// must be consumed exactly; the structs view `payload` where they hold ByteViews.
Result<Request> decode_request(wire::ByteView payload);
Result<Response> decode_response(wire::ByteView payload);
Result<StatvfsReply> decode_statvfs_reply(wire::ByteView body);
Result<LimitsReply> decode_limits_reply(wire::ByteView body);
Result<UsersGroupsReply> decode_users_groups_reply(wire::ByteView body);

// Encoding: appends the whole message, length prefix included, to `out`.
void append_message(wire::Bytes& out, const Request& request);
void append_message(wire::Bytes& out, const Response& response);
// The body of an extended reply (without id), for ExtendedReply::body.
wire::Bytes encode_reply_body(const StatvfsReply& r);
wire::Bytes encode_reply_body(const LimitsReply& r);
wire::Bytes encode_reply_body(const UsersGroupsReply& r);

// The request id of a message (for a reply to one that failed to decode), or nothing
// for INIT and messages too short to carry one.
std::optional<std::uint32_t> peek_request_id(wire::ByteView payload) noexcept;

}  // namespace skiff::sftp
