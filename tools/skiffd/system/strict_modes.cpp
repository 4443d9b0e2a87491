#include "system/strict_modes.hpp"

#include <climits>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <cerrno>

namespace skiff::skiffd {

namespace {

Result<std::string> real_path(const std::string& p) {
  char buf[PATH_MAX];
  if (::realpath(p.c_str(), buf) == nullptr)
    return fail(Errc::invalid_argument, "realpath " + p + " failed: " + std::strerror(errno));
  return std::string(buf);
}

bool owner_ok(uid_t owner, uid_t uid) { return owner == 0 || owner == uid; }

std::string parent_of(const std::string& p) {
  auto slash = p.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return p.substr(0, slash);
}

}  // namespace

Result<void> check_secure_path(const std::string& path, const struct stat& file_stat, const std::string& home,
                               uid_t uid) {
  auto buf = real_path(path);
  if (!buf) return std::unexpected(buf.error());
  std::optional<std::string> home_real;
  if (!home.empty()) {
    if (auto h = real_path(home)) home_real = *h;
  }
  if (!S_ISREG(file_stat.st_mode)) return fail(Errc::invalid_argument, *buf + " is not a regular file");
  if (!owner_ok(file_stat.st_uid, uid) || (file_stat.st_mode & 022) != 0)
    return fail(Errc::invalid_argument, "bad ownership or modes for file " + *buf);
  std::string dir = *buf;
  for (;;) {
    dir = parent_of(dir);
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !owner_ok(st.st_uid, uid) || (st.st_mode & 022) != 0)
      return fail(Errc::invalid_argument, "bad ownership or modes for directory " + dir);
    if (home_real && *home_real == dir) break;
    if (dir == "/" || dir == ".") break;
  }
  return {};
}

Result<void> check_chroot_path(const std::string& path) {
  if (path.empty() || path[0] != '/') return fail(Errc::invalid_argument, "chroot path does not begin at root");
  // Each prefix ending at a '/' ("/", "/a/"), then the whole path, as sshd descends it.
  std::size_t from = 0;
  for (;;) {
    auto slash = path.find('/', from);
    bool last = slash == std::string::npos;
    std::string component = last ? path : path.substr(0, slash + 1);
    std::string kind = last ? "" : "component ";
    struct stat st {};
    if (::stat(component.c_str(), &st) != 0)
      return fail(Errc::invalid_argument, "stat(\"" + component + "\"): " + std::strerror(errno));
    if (st.st_uid != 0 || (st.st_mode & 022) != 0)
      return fail(Errc::invalid_argument, "bad ownership or modes for chroot directory " + kind + "\"" + component + "\"");
    if (!S_ISDIR(st.st_mode))
      return fail(Errc::invalid_argument, "chroot path " + kind + "\"" + component + "\" is not a directory");
    if (last) break;
    from = slash + 1;
  }
  return {};
}

}  // namespace skiff::skiffd
