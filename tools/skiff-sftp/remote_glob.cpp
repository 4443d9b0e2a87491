#include "skiff-sftp/remote_glob.hpp"

#include <fnmatch.h>

#include <algorithm>

#include "skiff-sftp/command_parser.hpp"

namespace skiff::sftp_cli {

std::string path_append(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

std::string make_absolute(const std::string& path, const std::string& pwd) {
  if (!path.empty() && path[0] == '/') return path;
  return path_append(pwd, path);
}

std::string base_name(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (p == "/") return p;
  auto slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

namespace {

std::vector<std::string> components(const std::string& pattern) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < pattern.size()) {
    auto slash = pattern.find('/', i);
    if (slash == std::string::npos) slash = pattern.size();
    if (slash > i) out.push_back(pattern.substr(i, slash - i));
    i = slash + 1;
  }
  return out;
}

bool is_dir(const sftp::FileAttributes& a) {
  return a.permissions && (*a.permissions & sftp::kModeTypeMask) == sftp::kModeDirectory;
}
bool is_link(const sftp::FileAttributes& a) {
  return a.permissions && (*a.permissions & sftp::kModeTypeMask) == sftp::kModeSymlink;
}

}  // namespace

GlobResult remote_glob(RemoteLookup& fs, const std::string& pattern, bool nocheck, bool mark) {
  GlobResult result;
  std::vector<GlobMatch> candidates{{pattern.starts_with("/") ? "/" : "", std::nullopt}};
  for (const auto& comp : components(pattern)) {
    if (!has_glob_magic(comp)) {
      const std::string literal = undo_glob_escape(comp);
      for (auto& c : candidates) {
        c.path = path_append(c.path, literal);
        c.attrs.reset();
      }
      continue;
    }
    std::vector<GlobMatch> next;
    const int flags = FNM_PERIOD;
    for (const auto& c : candidates) {
      auto entries = fs.list(c.path.empty() ? "." : c.path);
      if (!entries) continue;
      std::sort(entries->begin(), entries->end(), [](const auto& a, const auto& b) { return a.name < b.name; });
      for (auto& e : *entries) {
        if (e.name.find('/') != std::string::npos) continue;  // a lying server's "../x"
        if (::fnmatch(comp.c_str(), e.name.c_str(), flags) != 0) continue;
        if (next.size() >= kMaxGlobMatches) {
          result.status = GlobResult::Status::too_many;
          return result;
        }
        next.push_back({path_append(c.path, e.name), std::move(e.attrs)});
      }
    }
    candidates = std::move(next);
  }
  const bool trailing_slash = pattern.size() > 1 && pattern.back() == '/';
  std::vector<GlobMatch> found;
  for (auto& c : candidates) {
    if (c.path.empty()) continue;
    if (!c.attrs) c.attrs = fs.stat(c.path, false);
    if (!c.attrs) continue;  // does not exist
    if (trailing_slash && !is_dir(*c.attrs) && !(is_link(*c.attrs) && fs.stat(c.path, true).transform(is_dir).value_or(false))) {
      continue;
    }
    if (mark && !c.path.ends_with("/")) {
      bool dir = is_dir(*c.attrs);
      if (!dir && is_link(*c.attrs)) dir = fs.stat(c.path, true).transform(is_dir).value_or(false);
      if (dir) c.path += '/';
    }
    if (trailing_slash && !c.path.ends_with("/")) c.path += '/';
    found.push_back(std::move(c));
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  result.match_count = found.size();
  result.paths = std::move(found);
  if (result.paths.empty()) {
    if (!nocheck) {
      result.status = GlobResult::Status::no_match;
      return result;
    }
    // GLOB_NOCHECK: the pattern itself, escapes removed as glob does.
    result.paths.push_back({undo_glob_escape(pattern), std::nullopt});
  }
  return result;
}

}  // namespace skiff::sftp_cli
