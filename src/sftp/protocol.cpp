#include "sftp/protocol.hpp"

#include <cstdio>

namespace skiff::sftp {

std::string_view status_message(StatusCode code) noexcept {
  switch (code) {
    case StatusCode::ok: return "Success";
    case StatusCode::eof: return "End of file";
    case StatusCode::no_such_file: return "No such file";
    case StatusCode::permission_denied: return "Permission denied";
    case StatusCode::failure: return "Failure";
    case StatusCode::bad_message: return "Bad message";
    case StatusCode::no_connection: return "No connection";
    case StatusCode::connection_lost: return "Connection lost";
    case StatusCode::op_unsupported: return "Operation unsupported";
  }
  return "Unknown error";
}

std::string open_flags_text(std::uint32_t pflags) {
  static constexpr std::pair<std::uint32_t, const char*> kNames[] = {
      {kOpenRead, "READ"},        {kOpenWrite, "WRITE"},       {kOpenAppend, "APPEND"},
      {kOpenCreate, "CREATE"},    {kOpenTruncate, "TRUNCATE"}, {kOpenExclusive, "EXCL"},
  };
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if (!(pflags & bit)) continue;
    if (!out.empty()) out += ',';
    out += name;
  }
  return out;
}

std::uint32_t FileAttributes::flags() const noexcept {
  std::uint32_t f = 0;
  if (size) f |= kAttrSize;
  if (uid_gid) f |= kAttrUidGid;
  if (permissions) f |= kAttrPermissions;
  if (atime_mtime) f |= kAttrAcModTime;
  if (!extended.empty()) f |= kAttrExtended;
  return f;
}

Result<FileAttributes> read_attributes(wire::Reader& r) {
  auto flags = r.u32();
  if (!flags) return std::unexpected(flags.error());
  constexpr std::uint32_t kKnown = kAttrSize | kAttrUidGid | kAttrPermissions | kAttrAcModTime | kAttrExtended;
  if (*flags & ~kKnown) return fail(Errc::bad_format, "attributes with unknown flag bits");
  FileAttributes a;
  if (*flags & kAttrSize) {
    auto v = r.u64();
    if (!v) return std::unexpected(v.error());
    a.size = *v;
  }
  if (*flags & kAttrUidGid) {
    auto uid = r.u32();
    if (!uid) return std::unexpected(uid.error());
    auto gid = r.u32();
    if (!gid) return std::unexpected(gid.error());
    a.uid_gid = {*uid, *gid};
  }
  if (*flags & kAttrPermissions) {
    auto v = r.u32();
    if (!v) return std::unexpected(v.error());
    a.permissions = *v;
  }
  if (*flags & kAttrAcModTime) {
    auto at = r.u32();
    if (!at) return std::unexpected(at.error());
    auto mt = r.u32();
    if (!mt) return std::unexpected(mt.error());
    a.atime_mtime = {*at, *mt};
  }
  if (*flags & kAttrExtended) {
    auto count = r.u32();
    if (!count) return std::unexpected(count.error());
    if (*count > limits::kMaxSftpExtensions) return fail(Errc::too_large, "too many extended attributes");
    for (std::uint32_t i = 0; i < *count; ++i) {
      auto type = r.text(limits::kMaxSftpMessage);
      if (!type) return std::unexpected(type.error());
      auto data = r.text(limits::kMaxSftpMessage);
      if (!data) return std::unexpected(data.error());
      a.extended.emplace_back(std::string(*type), std::string(*data));
    }
    // A flag with no pairs behind it cannot be represented (flags() derives it): the
    // attributes are equivalent without the flag, so nothing is lost.
  }
  return a;
}

void write_attributes(wire::Writer& w, const FileAttributes& a) {
  w.u32(a.flags());
  if (a.size) w.u64(*a.size);
  if (a.uid_gid) w.u32(a.uid_gid->first).u32(a.uid_gid->second);
  if (a.permissions) w.u32(*a.permissions);
  if (a.atime_mtime) w.u32(a.atime_mtime->first).u32(a.atime_mtime->second);
  if (!a.extended.empty()) {
    w.u32(static_cast<std::uint32_t>(a.extended.size()));
    for (const auto& [type, data] : a.extended) w.string(type).string(data);
  }
}

std::string mode_string(std::uint32_t mode) {
  std::string s(10, '-');
  switch (mode & kModeTypeMask) {
    case kModeDirectory: s[0] = 'd'; break;
    case kModeSymlink: s[0] = 'l'; break;
    case 0020000: s[0] = 'c'; break;
    case 0060000: s[0] = 'b'; break;
    case 0010000: s[0] = 'p'; break;
    case 0140000: s[0] = 's'; break;
    default: break;
  }
  static constexpr char kRwx[] = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i) {
    if (mode & (0400u >> i)) s[1 + i] = kRwx[i];
  }
  // setuid, setgid, sticky: lower case when the execute bit beneath is set.
  if (mode & 04000) s[3] = (mode & 0100) ? 's' : 'S';
  if (mode & 02000) s[6] = (mode & 0010) ? 's' : 'S';
  if (mode & 01000) s[9] = (mode & 0001) ? 't' : 'T';
  return s;
}

std::string format_long_name(std::string_view name, std::uint32_t mode, std::uint64_t nlink,
                             std::string_view user, std::string_view group, std::uint64_t size,
                             std::string_view date) {
  // sftp-server's ls_file: strmode's 11 characters (the mode and a space), then
  // "%3s %-*s %-*s %8llu %s %s" with user and group padded to at least 8.
  char links[32];
  std::snprintf(links, sizeof links, "%3llu", static_cast<unsigned long long>(nlink));
  char bytes[32];
  std::snprintf(bytes, sizeof bytes, "%8llu", static_cast<unsigned long long>(size));
  std::string out = mode_string(mode);
  out += "  ";
  out += links;
  out += ' ';
  out += user;
  if (user.size() < 8) out.append(8 - user.size(), ' ');
  out += ' ';
  out += group;
  if (group.size() < 8) out.append(8 - group.size(), ' ');
  out += ' ';
  out += bytes;
  out += ' ';
  out += date;
  out += ' ';
  out += name;
  return out;
}

}  // namespace skiff::sftp
