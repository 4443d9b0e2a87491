#include "sftp/request_policy.hpp"

#include <algorithm>

namespace skiff::sftp {

namespace {
constexpr RequestInfo kRequests[] = {
    {"open", {}, false},
    {"close", {}, false},
    {"read", {}, false},
    {"write", {}, true},
    {"lstat", {}, false},
    {"fstat", {}, false},
    {"setstat", {}, true},
    {"fsetstat", {}, true},
    {"opendir", {}, false},
    {"readdir", {}, false},
    {"remove", {}, true},
    {"mkdir", {}, true},
    {"rmdir", {}, true},
    {"realpath", {}, false},
    {"stat", {}, false},
    {"rename", {}, true},
    {"readlink", {}, false},
    {"symlink", {}, true},
    {"posix-rename", kExtPosixRename, true},
    {"statvfs", kExtStatvfs, false},
    {"fstatvfs", kExtFstatvfs, false},
    {"hardlink", kExtHardlink, true},
    {"fsync", kExtFsync, true},
    {"lsetstat", kExtLsetstat, true},
    {"limits", kExtLimits, false},
    {"expand-path", kExtExpandPath, false},
    {"copy-data", kExtCopyData, true},
    {"home-directory", kExtHomeDirectory, false},
    {"users-groups-by-id", kExtUsersGroupsById, false},
};

bool listed(const std::vector<std::string>& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}
}  // namespace

std::span<const RequestInfo> request_table() noexcept { return kRequests; }

const RequestInfo* find_request(std::string_view name) noexcept {
  for (const auto& r : kRequests) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

std::optional<std::string> RequestPolicy::refusal(const RequestInfo& request) const {
  const std::string name(request.name);
  if (read_only && request.writes) return "Refusing " + name + " request in read-only mode";
  if (denied && listed(*denied, request.name)) return "Refusing denylisted " + name + " request";
  if (allowed && !listed(*allowed, request.name)) return "Refusing non-allowlisted " + name + " request";
  return std::nullopt;
}

std::vector<std::string> split_request_list(std::string_view list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = list.find(',', start);
    const std::size_t end = comma == std::string_view::npos ? list.size() : comma;
    if (end > start) out.emplace_back(list.substr(start, end - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace skiff::sftp
