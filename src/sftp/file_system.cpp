#include "sftp/file_system.hpp"

#include <algorithm>
#include <cerrno>
#include <deque>

namespace skiff::sftp {

StatusCode status_from_errno(int error_number) noexcept {
  switch (error_number) {
    case 0: return StatusCode::ok;
    case ENOENT:
    case ENOTDIR:
    case EBADF:
    case ELOOP: return StatusCode::no_such_file;
    case EPERM:
    case EACCES:
    case EFAULT: return StatusCode::permission_denied;
    case ENAMETOOLONG:
    case EINVAL: return StatusCode::bad_message;
    case ENOSYS: return StatusCode::op_unsupported;
    default: return StatusCode::failure;
  }
}

namespace {

// PATH_MAX on Linux: longer results are refused as the kernel would refuse them.
constexpr std::size_t kMaxResolvedPath = 4096;

void split_components(std::string_view path, std::deque<std::string>& into, bool at_front) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    if (end > start) parts.emplace_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (at_front) {
    into.insert(into.begin(), parts.begin(), parts.end());
  } else {
    into.insert(into.end(), parts.begin(), parts.end());
  }
}

void strip_last_component(std::string& resolved) {
  if (resolved.size() <= 1) return;  // "/" stays "/"
  const std::size_t slash = resolved.rfind('/');
  resolved.resize(slash == 0 ? 1 : slash);
}

std::string join(const std::string& dir, const std::string& name) {
  std::string out;
  out.reserve(dir.size() + 1 + name.size());
  out.append(dir);
  if (dir != "/") out.push_back('/');
  out.append(name);
  return out;
}

}  // namespace

FsResult<std::string> resolve_real_path(FileSystem& fs, const std::string& path) {
  if (path.empty()) return fs_error(ENOENT);
  std::string resolved = "/";
  if (path[0] != '/') {
    auto cwd = fs.current_directory();
    if (!cwd) return std::unexpected(cwd.error());
    resolved = *cwd;
    if (resolved.empty() || resolved[0] != '/') return fs_error(ENOENT);
  }
  std::deque<std::string> left;
  split_components(path, left, false);
  int hops = 0;
  while (!left.empty()) {
    std::string token = std::move(left.front());
    left.pop_front();
    if (token == ".") continue;
    if (token == "..") {
      strip_last_component(resolved);
      continue;
    }
    std::string candidate = join(resolved, token);
    if (candidate.size() >= kMaxResolvedPath) return fs_error(ENAMETOOLONG);
    auto attrs = fs.lstat(candidate);
    if (!attrs) {
      // A missing last component is allowed: REALPATH names files about to be created.
      if (attrs.error().error_number == ENOENT && left.empty()) return candidate;
      return std::unexpected(attrs.error());
    }
    const bool is_link = attrs->permissions && (*attrs->permissions & kModeTypeMask) == kModeSymlink;
    if (!is_link) {
      resolved = std::move(candidate);
      continue;
    }
    if (++hops > limits::kMaxSftpSymlinkHops) return fs_error(ELOOP);
    auto target = fs.read_link(candidate);
    if (!target) return std::unexpected(target.error());
    if (target->empty()) return fs_error(ENOENT);
    // assign(1, ...): g++ 12 reports a false -Wrestrict for = "/" here (GCC bug 105329).
    if ((*target)[0] == '/') resolved.assign(1, '/');
    if (left.size() + target->size() > kMaxResolvedPath) return fs_error(ENAMETOOLONG);
    split_components(*target, left, true);
  }
  return resolved;
}

FsResult<std::string> FileSystem::real_path(const std::string& path) { return resolve_real_path(*this, path); }

FsResult<std::uint64_t> FileSystem::copy_data(OpenFile& from, std::uint64_t read_offset, std::uint64_t length,
                                              OpenFile& to, std::uint64_t write_offset) {
  std::vector<std::uint8_t> buf(limits::kSftpCopyChunk);
  const bool until_eof = length == 0;
  std::uint64_t copied = 0;
  while (until_eof || copied < length) {
    std::size_t want = buf.size();
    if (!until_eof) want = static_cast<std::size_t>(std::min<std::uint64_t>(want, length - copied));
    auto got = from.read(read_offset, std::span(buf.data(), want));
    if (!got) return std::unexpected(got.error());
    if (*got == 0) break;
    if (write_offset > UINT64_MAX - *got) return fs_error(EFBIG);
    if (auto w = to.write(write_offset, wire::ByteView(buf.data(), *got)); !w) return std::unexpected(w.error());
    read_offset += *got;
    write_offset += *got;
    copied += *got;
  }
  return copied;
}

}  // namespace skiff::sftp
