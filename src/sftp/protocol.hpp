// SFTP version 3 (draft-ietf-secsh-filexfer-02) and OpenSSH's extensions: numbers,
// attributes and the long-name format. Values follow the draft and OpenSSH's PROTOCOL file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <skiff/error.hpp>

#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace skiff::sftp {

inline constexpr std::uint32_t kProtocolVersion = 3;

enum class PacketType : std::uint8_t {
  init = 1,
  version = 2,
  open = 3,
  close = 4,
  read = 5,
  write = 6,
  lstat = 7,
  fstat = 8,
  setstat = 9,
  fsetstat = 10,
  opendir = 11,
  readdir = 12,
  remove = 13,
  mkdir = 14,
  rmdir = 15,
  realpath = 16,
  stat = 17,
  rename = 18,
  readlink = 19,
  symlink = 20,
  status = 101,
  handle = 102,
  data = 103,
  name = 104,
  attrs = 105,
  extended = 200,
  extended_reply = 201,
};

enum class StatusCode : std::uint32_t {
  ok = 0,
  eof = 1,
  no_such_file = 2,
  permission_denied = 3,
  failure = 4,
  bad_message = 5,
  no_connection = 6,
  connection_lost = 7,
  op_unsupported = 8,
};

// The default text of a status, as OpenSSH's sftp-server words it.
std::string_view status_message(StatusCode code) noexcept;

// OPEN's pflags.
inline constexpr std::uint32_t kOpenRead = 0x01;
inline constexpr std::uint32_t kOpenWrite = 0x02;
inline constexpr std::uint32_t kOpenAppend = 0x04;
inline constexpr std::uint32_t kOpenCreate = 0x08;
inline constexpr std::uint32_t kOpenTruncate = 0x10;
inline constexpr std::uint32_t kOpenExclusive = 0x20;
// "READ,WRITE,CREATE" as sftp-server logs an open.
std::string open_flags_text(std::uint32_t pflags);

// Attribute flags.
inline constexpr std::uint32_t kAttrSize = 0x00000001;
inline constexpr std::uint32_t kAttrUidGid = 0x00000002;
inline constexpr std::uint32_t kAttrPermissions = 0x00000004;
inline constexpr std::uint32_t kAttrAcModTime = 0x00000008;
inline constexpr std::uint32_t kAttrExtended = 0x80000000;

// statvfs@openssh.com's f_flag bits.
inline constexpr std::uint64_t kStatvfsReadOnly = 0x1;
inline constexpr std::uint64_t kStatvfsNoSuid = 0x2;

// Extension names as they appear in VERSION and EXTENDED.
inline constexpr std::string_view kExtPosixRename = "posix-rename@openssh.com";
inline constexpr std::string_view kExtStatvfs = "statvfs@openssh.com";
inline constexpr std::string_view kExtFstatvfs = "fstatvfs@openssh.com";
inline constexpr std::string_view kExtHardlink = "hardlink@openssh.com";
inline constexpr std::string_view kExtFsync = "fsync@openssh.com";
inline constexpr std::string_view kExtLsetstat = "lsetstat@openssh.com";
inline constexpr std::string_view kExtLimits = "limits@openssh.com";
inline constexpr std::string_view kExtExpandPath = "expand-path@openssh.com";
inline constexpr std::string_view kExtCopyData = "copy-data";
inline constexpr std::string_view kExtHomeDirectory = "home-directory";
inline constexpr std::string_view kExtUsersGroupsById = "users-groups-by-id@openssh.com";

// File attributes (draft section 5). A field is present when its flag is set; the
// flags word is derived from which optionals hold a value, so the two cannot disagree.
struct FileAttributes {
  std::optional<std::uint64_t> size;
  std::optional<std::pair<std::uint32_t, std::uint32_t>> uid_gid;
  std::optional<std::uint32_t> permissions;  // st_mode: type bits and permission bits
  std::optional<std::pair<std::uint32_t, std::uint32_t>> atime_mtime;
  std::vector<std::pair<std::string, std::string>> extended;

  std::uint32_t flags() const noexcept;
  bool operator==(const FileAttributes&) const = default;
};

// Reads attributes; unknown flag bits are an error (a peer that sets them sends fields
// we cannot skip). At most limits::kMaxSftpExtensions extended pairs.
Result<FileAttributes> read_attributes(wire::Reader& r);
void write_attributes(wire::Writer& w, const FileAttributes& a);

// File type bits of st_mode (POSIX values, which SFTP v3 carries as they are).
inline constexpr std::uint32_t kModeTypeMask = 0170000;
inline constexpr std::uint32_t kModeDirectory = 0040000;
inline constexpr std::uint32_t kModeRegular = 0100000;
inline constexpr std::uint32_t kModeSymlink = 0120000;

// "drwxr-xr-x" as ls -l (and BSD strmode without its trailing space).
std::string mode_string(std::uint32_t mode);

// The long name of a READDIR entry as sftp-server writes it ("ls -l" style):
// "-rw-r--r--    1 alice    users        1234 Jan  2 10:11 name". The date text is made
// by the caller (it needs the local time zone, which the core does not read).
std::string format_long_name(std::string_view name, std::uint32_t mode, std::uint64_t nlink,
                             std::string_view user, std::string_view group, std::uint64_t size,
                             std::string_view date);

}  // namespace skiff::sftp
