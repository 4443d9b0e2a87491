// ls and df as sftp prints them: columns sized from the terminal, the long format of
// sftp-common.c's ls_file (owner names from users-groups-by-id@openssh.com when the
// server offers it), sort orders, and df's three tables.
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <ctime>

#include "skiff-sftp/listing_format.hpp"
#include "skiff-sftp/shell.hpp"

namespace skiff::sftp_cli {
namespace {

unsigned terminal_columns() {
  winsize ws{};
  if (::ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) != -1) return ws.ws_col;
  return 80;
}

// sftp's path_strip: `path` without the leading `strip` directory.
std::string path_strip(const std::string& path, const std::optional<std::string>& strip) {
  if (!strip || strip->empty()) return path;
  const std::size_t len = strip->size();
  if (path.compare(0, len, *strip) != 0) return path;
  std::size_t cut = len;
  if ((*strip)[len - 1] != '/' && cut < path.size() && path[cut] == '/') ++cut;
  return path.substr(cut);
}

// sdirent_comp / sglob_comp: names ascending, times and sizes descending, -r reverses.
template <class Get>
void sort_entries(std::vector<std::size_t>& idx, int flags, Get get) {
  if (!(flags & kLsSortFlags)) return;
  const int rmul = (flags & kLsReverse) ? -1 : 1;
  auto ncmp = [](std::uint64_t a, std::uint64_t b) { return a == b ? 0 : (a < b ? 1 : -1); };
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t x, std::size_t y) {
    const auto& [nx, ax] = get(x);
    const auto& [ny, ay] = get(y);
    int c = 0;
    if (flags & kLsNameSort) {
      c = nx.compare(ny) < 0 ? -1 : (nx == ny ? 0 : 1);
    } else if (flags & kLsTimeSort) {
      c = ncmp(ax.atime_mtime ? ax.atime_mtime->second : 0, ay.atime_mtime ? ay.atime_mtime->second : 0);
    } else {
      c = ncmp(ax.size.value_or(0), ay.size.value_or(0));
    }
    return rmul * c < 0;
  });
}

}  // namespace

void Shell::lookup_names(const std::vector<const sftp::FileAttributes*>& attrs) {
  if (!client_.supports(sftp::kExtUsersGroupsById)) return;
  std::vector<std::uint32_t> uids, gids;
  for (const auto* a : attrs) {
    if (!a->uid_gid) continue;
    auto [uid, gid] = *a->uid_gid;
    if (!user_names_.contains(uid) && std::find(uids.begin(), uids.end(), uid) == uids.end()) uids.push_back(uid);
    if (!group_names_.contains(gid) && std::find(gids.begin(), gids.end(), gid) == gids.end()) gids.push_back(gid);
  }
  if (uids.empty() && gids.empty()) return;
  auto r = session_.call(client_.users_groups_by_id(uids, gids));
  if (!r) return;
  auto* ext = std::get_if<sftp::ExtendedResult>(&*r);
  if (!ext) return;
  auto names = sftp::decode_users_groups_reply(ext->body);
  if (!names || names->user_names.names.size() != uids.size() || names->group_names.names.size() != gids.size()) {
    return;
  }
  for (std::size_t i = 0; i < uids.size(); ++i) {
    if (!names->user_names.names[i].empty()) user_names_[uids[i]] = names->user_names.names[i];
  }
  for (std::size_t i = 0; i < gids.size(); ++i) {
    if (!names->group_names.names[i].empty()) group_names_[gids[i]] = names->group_names.names[i];
  }
}

std::string Shell::long_line(const std::string& name, const sftp::FileAttributes& a, int flags) {
  std::optional<std::string> user, group;
  if (a.uid_gid) {
    if (auto it = user_names_.find(a.uid_gid->first); it != user_names_.end()) user = it->second;
    if (auto it = group_names_.find(a.uid_gid->second); it != group_names_.end()) group = it->second;
  }
  return ls_long_line(name, a, (flags & kLsSiUnits) != 0, user, group, std::time(nullptr));
}

int Shell::ls_dir(const std::string& path, const std::optional<std::string>& strip, int flags) {
  auto entries = read_directory(path, false);
  if (!entries) return -1;
  auto shown = [&](const sftp::NameEntry& e) { return e.name[0] != '.' || (flags & kLsAll); };
  unsigned columns = 1, colspace = 0;
  if (!(flags & kLsShort)) {
    std::size_t m = 0;
    for (const auto& e : *entries) {
      if (shown(e)) m = std::max(m, e.name.size());
    }
    m += path_strip(path, strip).size();
    const unsigned width = terminal_columns();
    columns = std::max(1u, static_cast<unsigned>(width / (m + 2)));
    colspace = std::min(width / columns, width);
  }
  std::vector<std::size_t> idx(entries->size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  sort_entries(idx, flags, [&](std::size_t i) { return std::tie((*entries)[i].name, (*entries)[i].attrs); });
  std::vector<const sftp::FileAttributes*> all;
  for (const auto& e : *entries) all.push_back(&e.attrs);
  lookup_names(all);
  unsigned c = 1;
  const bool own_format = (flags & (kLsNumeric | kLsSiUnits)) || client_.supports(sftp::kExtUsersGroupsById);
  for (std::size_t i : idx) {
    if (interrupted) break;
    const auto& e = (*entries)[i];
    if (!shown(e)) continue;
    const std::string fname = path_strip(path_append(path, e.name), strip);
    if (flags & kLsLong) {
      out((own_format ? long_line(fname, e.attrs, flags) : e.long_name) + "\n");
    } else {
      out(pad_right(fname, colspace));
      if (c >= columns) {
        out("\n");
        c = 1;
      } else {
        ++c;
      }
    }
  }
  if (!(flags & kLsLong) && c != 1) out("\n");
  return 0;
}

int Shell::ls_glob(const std::string& pattern, const std::optional<std::string>& strip, int flags) {
  auto g = remote_glob(*this, pattern, true, true);
  if (g.status != GlobResult::Status::ok || g.match_count == 0) {
    error(g.status == GlobResult::Status::too_many ? "Can't ls: Too many matches for \"" + pattern + "\""
                                                    : "Can't ls: \"" + undo_glob_escape(pattern) + "\" not found");
    return -1;
  }
  if (g.match_count == 1 && g.paths[0].attrs) {
    auto& a = *g.paths[0].attrs;
    bool dir = a.permissions && (*a.permissions & sftp::kModeTypeMask) == sftp::kModeDirectory;
    if (dir) return ls_dir(g.paths[0].path, strip, flags);
  }
  unsigned columns = 1, colspace = 0;
  const unsigned width = terminal_columns();
  if (!(flags & kLsShort)) {
    std::size_t m = 0;
    for (const auto& p : g.paths) m = std::max(m, p.path.size());
    columns = std::max(1u, static_cast<unsigned>(width / (m + 2)));
    colspace = width / columns;
  }
  std::vector<std::size_t> idx(g.paths.size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  static const sftp::FileAttributes kNone;
  sort_entries(idx, flags, [&](std::size_t i) {
    return std::tie(g.paths[i].path, g.paths[i].attrs ? *g.paths[i].attrs : kNone);
  });
  std::vector<const sftp::FileAttributes*> all;
  for (const auto& p : g.paths) {
    if (p.attrs) all.push_back(&*p.attrs);
  }
  lookup_names(all);
  unsigned c = 1;
  for (std::size_t i : idx) {
    if (interrupted) break;
    const std::string fname = path_strip(g.paths[i].path, strip);
    if (flags & kLsLong) {
      if (!g.paths[i].attrs) {
        error("no stat information for " + fname);
        continue;
      }
      out(long_line(fname, *g.paths[i].attrs, flags) + "\n");
    } else {
      out(pad_right(fname, colspace));
      if (c >= columns) {
        out("\n");
        c = 1;
      } else {
        ++c;
      }
    }
  }
  if (!(flags & kLsLong) && c != 1) out("\n");
  return 0;
}

int Shell::do_ls(const Command& c) {
  if (!c.path1) {
    ls_dir(pwd_, pwd_, c.ls_flags);
    return 0;  // as sftp: a listing of the working directory never fails a batch
  }
  std::optional<std::string> strip;
  if ((*c.path1)[0] != '/') strip = pwd_;
  return ls_glob(make_absolute(*c.path1, escape_glob(pwd_)), strip, c.ls_flags);
}

int Shell::do_df(const std::string& path, bool human, bool inodes) {
  auto req = client_.statvfs(path);
  if (!req && req.error().code == Errc::unsupported) {
    error("Server does not support statvfs@openssh.com extension");
    return -1;
  }
  auto r = session_.call(std::move(req));
  if (!r) {
    error(r.error().message);
    return -1;
  }
  if (auto* s = std::get_if<sftp::StatusResult>(&*r)) {
    error("remote statvfs: " + std::string(sftp::status_text(s->code)));
    return -1;
  }
  auto st = sftp::decode_statvfs_reply(std::get<sftp::ExtendedResult>(*r).body);
  if (!st) {
    error("remote statvfs: " + st.error().message);
    return -1;
  }
  out(df_table(*st, human, inodes));
  return 0;
}

}  // namespace skiff::sftp_cli
