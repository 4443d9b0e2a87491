// An SFTP FileSystem in memory, for the engine's unit tests and its fuzz target: files,
// directories, symbolic links and hard links, with caps on its size so that a fuzzed
// client cannot make it grow without bound, and failures injected per path.
// Paths are resolved lexically ("." and "..") from the current directory; a symbolic
// link is followed only as the last component (enough for what the engine asks).
#pragma once

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sftp/file_system.hpp"

namespace skiff::sftp::testing {

class MemoryFileSystem final : public FileSystem {
 public:
  static constexpr std::size_t kMaxBytes = 4 * 1024 * 1024;
  static constexpr std::size_t kMaxNodes = 2048;

  struct Node {
    std::uint32_t mode = kModeRegular | 0644;
    std::shared_ptr<std::string> data = std::make_shared<std::string>();  // shared by hard links
    std::string link_target;
    std::uint32_t uid = 1000, gid = 1000, atime = 0, mtime = 0;
    bool is_dir() const { return (mode & kModeTypeMask) == kModeDirectory; }
    bool is_link() const { return (mode & kModeTypeMask) == kModeSymlink; }
  };

  MemoryFileSystem() {
    nodes_["/"] = dir_node();
    nodes_["/home"] = dir_node();
    nodes_["/home/u"] = dir_node();
  }

  // Any call naming this path (after resolution) fails with this errno.
  std::map<std::string, int> failures;
  std::string cwd = "/home/u";

  std::map<std::string, Node>& nodes() { return nodes_; }
  void put_file(const std::string& path, std::string content) {
    Node n;
    *n.data = std::move(content);
    nodes_[normalize(path)] = n;
  }
  const std::string* file_content(const std::string& path) {
    auto it = nodes_.find(normalize(path));
    return it == nodes_.end() ? nullptr : it->second.data.get();
  }

  std::string normalize(const std::string& path) const {
    std::vector<std::string> parts;
    const std::string full = (!path.empty() && path[0] == '/') ? path : cwd + "/" + path;
    std::size_t start = 0;
    while (start <= full.size()) {
      std::size_t slash = full.find('/', start);
      if (slash == std::string::npos) slash = full.size();
      const std::string part = full.substr(start, slash - start);
      if (part == "..") {
        if (!parts.empty()) parts.pop_back();
      } else if (!part.empty() && part != ".") {
        parts.push_back(part);
      }
      start = slash + 1;
    }
    std::string out;
    for (const auto& p : parts) out += "/" + p;
    return out.empty() ? "/" : out;
  }

  class File final : public OpenFile {
   public:
    File(MemoryFileSystem& fs, std::string path, std::uint32_t pflags) : fs_(fs), path_(std::move(path)), pflags_(pflags) {}
    FsResult<std::size_t> read(std::uint64_t offset, std::span<std::uint8_t> into) override {
      if (!(pflags_ & kOpenRead)) return fs_error(EBADF);
      auto n = node();
      if (!n) return fs_error(EIO);
      const std::string& d = *n->data;
      if (offset >= d.size()) return std::size_t{0};
      const std::size_t len = std::min<std::size_t>(into.size(), d.size() - offset);
      std::copy_n(d.data() + offset, len, into.data());
      return len;
    }
    FsResult<void> write(std::uint64_t offset, wire::ByteView data) override {
      if (!(pflags_ & (kOpenWrite | kOpenAppend))) return fs_error(EBADF);
      auto n = node();
      if (!n) return fs_error(EIO);
      std::string& d = *n->data;
      if (pflags_ & kOpenAppend) offset = d.size();
      if (offset > kMaxBytes || data.size() > kMaxBytes - offset) return fs_error(EFBIG);
      if (fs_.total_bytes() + (offset + data.size() > d.size() ? offset + data.size() - d.size() : 0) > kMaxBytes) {
        return fs_error(ENOSPC);
      }
      if (d.size() < offset + data.size()) d.resize(offset + data.size());
      std::copy(data.begin(), data.end(), d.begin() + static_cast<std::ptrdiff_t>(offset));
      return {};
    }
    FsResult<FileAttributes> stat() override {
      auto n = node();
      if (!n) return fs_error(EIO);
      return attributes_of(*n);
    }
    FsResult<void> set_attributes(const FileAttributes& a) override { return fs_.apply(path_, a); }
    FsResult<StatvfsReply> statvfs() override { return fs_.statvfs(path_); }
    FsResult<void> sync() override { return {}; }
    FsResult<void> close() override { return {}; }

   private:
    Node* node() {
      auto it = fs_.nodes_.find(path_);
      return it == fs_.nodes_.end() ? nullptr : &it->second;
    }
    MemoryFileSystem& fs_;
    std::string path_;
    std::uint32_t pflags_;
  };

  class Dir final : public OpenDirectory {
   public:
    explicit Dir(std::vector<DirEntry> entries) : entries_(std::move(entries)) {}
    FsResult<std::vector<DirEntry>> read(std::size_t max_entries) override {
      std::vector<DirEntry> out;
      while (next_ < entries_.size() && out.size() < max_entries) out.push_back(entries_[next_++]);
      return out;
    }
    FsResult<void> close() override { return {}; }

   private:
    std::vector<DirEntry> entries_;
    std::size_t next_ = 0;
  };

  FsResult<std::unique_ptr<OpenFile>> open(const std::string& path, std::uint32_t pflags, std::uint32_t mode) override {
    auto p = follow(path);
    if (!p) return std::unexpected(p.error());
    auto it = nodes_.find(*p);
    if (it != nodes_.end()) {
      if ((pflags & kOpenCreate) && (pflags & kOpenExclusive)) return fs_error(EEXIST);
      if (it->second.is_dir() && (pflags & (kOpenWrite | kOpenAppend))) return fs_error(EISDIR);
      if (pflags & kOpenTruncate) it->second.data->clear();
    } else {
      if (!(pflags & kOpenCreate)) return fs_error(ENOENT);
      if (auto e = check_new(*p); !e) return std::unexpected(e.error());
      Node n;
      n.mode = kModeRegular | (mode & 07777);
      nodes_[*p] = n;
    }
    return std::make_unique<File>(*this, *p, pflags);
  }
  FsResult<std::unique_ptr<OpenDirectory>> open_directory(const std::string& path) override {
    auto p = follow(path);
    if (!p) return std::unexpected(p.error());
    auto it = nodes_.find(*p);
    if (it == nodes_.end()) return fs_error(ENOENT);
    if (!it->second.is_dir()) return fs_error(ENOTDIR);
    std::vector<DirEntry> entries;
    entries.push_back(entry(".", it->second));
    entries.push_back(entry("..", it->second));
    const std::string prefix = *p == "/" ? "/" : *p + "/";
    for (auto& [name, node] : nodes_) {
      if (name.size() > prefix.size() && name.starts_with(prefix) && name.find('/', prefix.size()) == std::string::npos) {
        entries.push_back(entry(name.substr(prefix.size()), node));
      }
    }
    return std::make_unique<Dir>(std::move(entries));
  }
  FsResult<FileAttributes> stat(const std::string& path) override {
    auto p = follow(path);
    if (!p) return std::unexpected(p.error());
    auto it = nodes_.find(*p);
    if (it == nodes_.end()) return fs_error(ENOENT);
    return attributes_of(it->second);
  }
  FsResult<FileAttributes> lstat(const std::string& path) override {
    auto p = checked(path);
    if (!p) return std::unexpected(p.error());
    auto it = nodes_.find(*p);
    if (it == nodes_.end()) return fs_error(ENOENT);
    return attributes_of(it->second);
  }
  FsResult<void> set_attributes(const std::string& path, const FileAttributes& a, bool follow_links) override {
    auto p = follow_links ? follow(path) : checked(path);
    if (!p) return std::unexpected(p.error());
    return apply(*p, a);
  }
  FsResult<void> remove(const std::string& path) override {
    auto p = checked(path);
    if (!p) return std::unexpected(p.error());
    auto it = nodes_.find(*p);
    if (it == nodes_.end()) return fs_error(ENOENT);
    if (it->second.is_dir()) return fs_error(EISDIR);
    nodes_.erase(it);
    return {};
  }
  FsResult<void> make_directory(const std::string& path, std::uint32_t mode) override {
    auto p = checked(path);
    if (!p) return std::unexpected(p.error());
    if (nodes_.contains(*p)) return fs_error(EEXIST);
    if (auto e = check_new(*p); !e) return e;
    Node n = dir_node();
    n.mode = kModeDirectory | (mode & 07777);
    nodes_[*p] = n;
    return {};
  }
  FsResult<void> remove_directory(const std::string& path) override {
    auto p = checked(path);
    if (!p) return std::unexpected(p.error());
    auto it = nodes_.find(*p);
    if (it == nodes_.end()) return fs_error(ENOENT);
    if (!it->second.is_dir()) return fs_error(ENOTDIR);
    if (*p == "/") return fs_error(EBUSY);
    auto next = std::next(it);
    if (next != nodes_.end() && next->first.starts_with(*p + "/")) return fs_error(ENOTEMPTY);
    nodes_.erase(it);
    return {};
  }
  FsResult<void> rename(const std::string& old_path, const std::string& new_path) override {
    auto to = checked(new_path);
    if (!to) return std::unexpected(to.error());
    if (nodes_.contains(*to)) return fs_error(EEXIST);
    return posix_rename(old_path, new_path);
  }
  FsResult<void> posix_rename(const std::string& old_path, const std::string& new_path) override {
    auto from = checked(old_path);
    if (!from) return std::unexpected(from.error());
    auto to = checked(new_path);
    if (!to) return std::unexpected(to.error());
    auto it = nodes_.find(*from);
    if (it == nodes_.end()) return fs_error(ENOENT);
    if (*to == *from) return {};
    if (to->starts_with(*from + "/")) return fs_error(EINVAL);
    if (auto e = check_new(*to, false); !e) return e;
    // Move the node and, for a directory, everything below it.
    std::vector<std::pair<std::string, Node>> moved;
    for (auto i = it; i != nodes_.end() && (i->first == *from || i->first.starts_with(*from + "/")); ++i) {
      moved.emplace_back(*to + i->first.substr(from->size()), i->second);
    }
    for (const auto& m : moved) nodes_.erase(*from + m.first.substr(to->size()));
    for (auto& m : moved) nodes_[m.first] = std::move(m.second);
    return {};
  }
  FsResult<std::string> read_link(const std::string& path) override {
    auto p = checked(path);
    if (!p) return std::unexpected(p.error());
    auto it = nodes_.find(*p);
    if (it == nodes_.end()) return fs_error(ENOENT);
    if (!it->second.is_link()) return fs_error(EINVAL);
    return it->second.link_target;
  }
  FsResult<void> symlink(const std::string& target_path, const std::string& link_path) override {
    auto p = checked(link_path);
    if (!p) return std::unexpected(p.error());
    if (nodes_.contains(*p)) return fs_error(EEXIST);
    if (auto e = check_new(*p); !e) return e;
    if (target_path.size() > 4096) return fs_error(ENAMETOOLONG);
    Node n;
    n.mode = kModeSymlink | 0777;
    n.link_target = target_path;
    nodes_[*p] = n;
    return {};
  }
  FsResult<void> hard_link(const std::string& old_path, const std::string& new_path) override {
    auto from = checked(old_path);
    if (!from) return std::unexpected(from.error());
    auto to = checked(new_path);
    if (!to) return std::unexpected(to.error());
    auto it = nodes_.find(*from);
    if (it == nodes_.end()) return fs_error(ENOENT);
    if (it->second.is_dir()) return fs_error(EPERM);
    if (nodes_.contains(*to)) return fs_error(EEXIST);
    if (auto e = check_new(*to); !e) return e;
    nodes_[*to] = it->second;  // shares the data
    return {};
  }
  FsResult<StatvfsReply> statvfs(const std::string& path) override {
    auto p = follow(path);
    if (!p) return std::unexpected(p.error());
    if (!nodes_.contains(*p)) return fs_error(ENOENT);
    StatvfsReply r;
    r.bsize = r.frsize = 4096;
    r.blocks = kMaxBytes / 4096;
    r.bfree = r.bavail = (kMaxBytes - total_bytes()) / 4096;
    r.files = kMaxNodes;
    r.ffree = r.favail = kMaxNodes - nodes_.size();
    r.namemax = 255;
    return r;
  }
  FsResult<std::string> current_directory() override { return cwd; }
  FsResult<std::string> home_directory(const std::string& user) override {
    if (user.empty() || user == "u") return std::string("/home/u");
    if (user == "root") return std::string("/root");
    return fs_error(ENOENT);
  }
  std::optional<std::string> user_name(std::uint32_t uid) override {
    if (uid == 0) return "root";
    if (uid == 1000) return "u";
    return std::nullopt;
  }
  std::optional<std::string> group_name(std::uint32_t gid) override {
    if (gid == 0) return "root";
    if (gid == 1000) return "users";
    return std::nullopt;
  }

  std::size_t total_bytes() const {
    std::size_t n = 0;
    for (const auto& [p, node] : nodes_) n += node.data->size() + node.link_target.size() + p.size();
    return n;
  }

 private:
  static Node dir_node() {
    Node n;
    n.mode = kModeDirectory | 0755;
    return n;
  }
  static FileAttributes attributes_of(const Node& n) {
    FileAttributes a;
    a.size = n.is_link() ? n.link_target.size() : n.data->size();
    a.uid_gid = {n.uid, n.gid};
    a.permissions = n.mode;
    a.atime_mtime = {n.atime, n.mtime};
    return a;
  }
  static DirEntry entry(const std::string& name, const Node& n) {
    const auto a = attributes_of(n);
    return DirEntry{name, format_long_name(name, n.mode, 1, "u", "users", *a.size, "Jan  1  1970"), a};
  }
  FsResult<std::string> checked(const std::string& path) const {
    if (path.empty()) return fs_error(ENOENT);
    std::string p = normalize(path);
    if (auto f = failures.find(p); f != failures.end()) return fs_error(f->second);
    return p;
  }
  FsResult<std::string> follow(const std::string& path) const {
    auto p = checked(path);
    for (int hops = 0; p; ++hops) {
      auto it = nodes_.find(*p);
      if (it == nodes_.end() || !it->second.is_link()) return p;
      if (hops >= 8) return fs_error(ELOOP);
      const std::string& t = it->second.link_target;
      const std::string dir = p->substr(0, p->rfind('/'));
      p = checked(!t.empty() && t[0] == '/' ? t : (dir.empty() ? "/" : dir) + "/" + t);
    }
    return p;
  }
  FsResult<void> check_new(const std::string& p, bool count = true) const {
    if (count && nodes_.size() >= kMaxNodes) return fs_error(ENOSPC);
    if (total_bytes() + p.size() > kMaxBytes) return fs_error(ENOSPC);
    const std::string parent = p.substr(0, p.rfind('/'));
    auto it = nodes_.find(parent.empty() ? "/" : parent);
    if (it == nodes_.end()) return fs_error(ENOENT);
    if (!it->second.is_dir()) return fs_error(ENOTDIR);
    return {};
  }
  FsResult<void> apply(const std::string& p, const FileAttributes& a) {
    auto it = nodes_.find(p);
    if (it == nodes_.end()) return fs_error(ENOENT);
    Node& n = it->second;
    if (a.size) {
      if (*a.size > kMaxBytes || total_bytes() + *a.size > kMaxBytes + n.data->size()) return fs_error(EFBIG);
      n.data->resize(*a.size);
    }
    if (a.permissions) n.mode = (n.mode & kModeTypeMask) | (*a.permissions & 07777);
    if (a.atime_mtime) std::tie(n.atime, n.mtime) = *a.atime_mtime;
    if (a.uid_gid) std::tie(n.uid, n.gid) = *a.uid_gid;
    return {};
  }

  std::map<std::string, Node> nodes_;
};

}  // namespace skiff::sftp::testing
