#include "skiff-sftp/shell.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace skiff::sftp_cli {

volatile int Shell::interrupted = 0;

namespace {
// A directory listing larger than this is refused rather than held in memory.
constexpr std::size_t kMaxDirectoryEntries = 1000000;

std::string tilde_expand(const std::string& path) {
  if (path.empty() || path[0] != '~') return path;
  if (path.size() == 1 || path[1] == '/') {
    const char* home = std::getenv("HOME");
    return std::string(home ? home : "/") + path.substr(1);
  }
  return path;
}

bool is_dir(const sftp::FileAttributes& a) {
  return a.permissions && (*a.permissions & sftp::kModeTypeMask) == sftp::kModeDirectory;
}
}  // namespace

Shell::Shell(Session& session, ShellSettings settings)
    : session_(session), client_(session.client()), settings_(settings), limit_(settings.limit_kbps) {}

void Shell::error(const std::string& message) const {
  std::fflush(stdout);
  std::fprintf(stderr, "%s\r\n", message.c_str());  // log.c ends stderr lines with CR LF
}
void Shell::info(const std::string& message) const {
  if (settings_.log_info) error(message);
}
void Shell::out(const std::string& text) const { std::fwrite(text.data(), 1, text.size(), stdout); }

bool Shell::begin() {
  auto p = do_realpath(".");
  if (!p) {
    error("Need cwd");
    return false;
  }
  pwd_ = start_dir_ = *p;
  return true;
}

std::optional<sftp::FileAttributes> Shell::do_stat(const std::string& path, bool follow, bool quiet) {
  auto r = session_.call(follow ? client_.stat(path) : client_.lstat(path));
  if (!r) {
    error(r.error().message);
    return std::nullopt;
  }
  if (auto* a = std::get_if<sftp::AttrsResult>(&*r)) return a->attrs;
  if (auto* s = std::get_if<sftp::StatusResult>(&*r); s && !quiet) {
    error(std::string(follow ? "stat" : "lstat") + " remote: " + std::string(sftp::status_text(s->code)));
  }
  return std::nullopt;
}

std::optional<std::string> Shell::do_realpath(const std::string& path) {
  auto r = session_.call(client_.realpath(path));
  if (!r) {
    error(r.error().message);
    return std::nullopt;
  }
  if (auto* n = std::get_if<sftp::NameResult>(&*r)) return n->entries.at(0).name;
  if (auto* s = std::get_if<sftp::StatusResult>(&*r)) {
    error("realpath " + path + ": " + std::string(sftp::status_text(s->code)));
  }
  return std::nullopt;
}

bool Shell::do_status(Result<sftp::RequestId> request, const std::string& what) {
  auto r = session_.call(std::move(request));
  if (!r) {
    error(r.error().message);
    return false;
  }
  auto* s = std::get_if<sftp::StatusResult>(&*r);
  if (s && s->code == sftp::StatusCode::ok) return true;
  if (!what.empty()) error(what + ": " + std::string(sftp::status_text(s ? s->code : sftp::StatusCode::failure)));
  return false;
}

std::optional<std::string> Shell::open_handle(const std::string& path, std::uint32_t pflags,
                                              const sftp::FileAttributes& attrs, const std::string& what) {
  auto r = session_.call(client_.open(path, pflags, attrs));
  if (!r) {
    error(r.error().message);
    return std::nullopt;
  }
  if (auto* h = std::get_if<sftp::HandleResult>(&*r)) return h->handle;
  auto* s = std::get_if<sftp::StatusResult>(&*r);
  error(what + ": " + std::string(sftp::status_text(s ? s->code : sftp::StatusCode::failure)));
  return std::nullopt;
}

bool Shell::close_handle(const std::string& handle) { return do_status(client_.close(handle), "close remote"); }

bool Shell::remote_is_dir(const std::string& path) {
  auto a = do_stat(path, true, true);
  return a && is_dir(*a);
}

std::optional<std::vector<sftp::NameEntry>> Shell::read_directory(const std::string& path, bool quiet) {
  auto r = session_.call(client_.opendir(path));
  if (!r) {
    error(r.error().message);
    return std::nullopt;
  }
  auto* h = std::get_if<sftp::HandleResult>(&*r);
  if (!h) {
    auto* s = std::get_if<sftp::StatusResult>(&*r);
    if (!quiet) {
      error("remote readdir(\"" + path + "\"): " +
            std::string(sftp::status_text(s ? s->code : sftp::StatusCode::failure)));
    }
    return std::nullopt;
  }
  const std::string handle = h->handle;
  std::vector<sftp::NameEntry> entries;
  bool ok = true;
  while (!interrupted) {
    auto rr = session_.call(client_.readdir(handle));
    if (!rr) {
      error(rr.error().message);
      return std::nullopt;
    }
    if (auto* s = std::get_if<sftp::StatusResult>(&*rr)) {
      if (s->code != sftp::StatusCode::eof) {
        error("Couldn't read directory: " + std::string(sftp::status_text(s->code)));
        ok = false;
      }
      break;
    }
    for (auto& e : std::get<sftp::NameResult>(*rr).entries) {
      // Names with '/' could walk a recursive download out of its directory.
      if (e.name.find('/') != std::string::npos) {
        error("Server sent suspect path \"" + e.name + "\" during readdir of \"" + path + "\"");
        continue;
      }
      if (entries.size() >= kMaxDirectoryEntries) {
        error("Too many entries in \"" + path + "\"");
        ok = false;
        break;
      }
      entries.push_back(std::move(e));
    }
    if (!ok) break;
  }
  close_handle(handle);
  if (!ok) return std::nullopt;
  return entries;
}

std::optional<std::vector<sftp::NameEntry>> Shell::list(const std::string& dir) { return read_directory(dir, true); }

std::optional<sftp::FileAttributes> Shell::stat(const std::string& path, bool follow) {
  return do_stat(path, follow, true);
}

int Shell::dispatch(const std::string& line, bool err_abort, bool echo) {
  Command c = parse_command(line);
  if (c.ignore_errors) err_abort = false;
  if (echo && !c.no_echo) {
    out("sftp> " + line + "\n");
    std::fflush(stdout);
  }
  int err = 0;
  if (c.error) {
    error(*c.error);
    err = -1;
  } else {
    err = run(c, err_abort);
  }
  std::fflush(stdout);
  if (err_abort && err != 0) return -1;
  if (c.cmd == Cmd::quit) return 1;
  return 0;
}

int Shell::run(const Command& c, bool err_abort) {
  using sftp::FileAttributes;
  switch (c.cmd) {
    case Cmd::blank: case Cmd::quit: return 0;
    case Cmd::reget: case Cmd::get: return process_get(c);
    case Cmd::reput: case Cmd::put: return process_put(c);
    case Cmd::copy: return do_copy(make_absolute(*c.path1, pwd_), make_absolute(*c.path2, pwd_));
    case Cmd::rename: {
      const std::string from = make_absolute(*c.path1, pwd_), to = make_absolute(*c.path2, pwd_);
      return do_status(client_.rename(from, to, c.legacy_rename), "remote rename \"" + from + "\" to \"" + to + "\"")
                 ? 0 : -1;
    }
    case Cmd::symlink: case Cmd::link: {
      const bool soft = c.cmd == Cmd::symlink || c.sflag;
      // A symbolic link's target is stored as typed; a hard link's is a path now.
      const std::string from = soft ? *c.path1 : make_absolute(*c.path1, pwd_);
      const std::string to = make_absolute(*c.path2, pwd_);
      if (soft) {
        return do_status(client_.symlink(from, to), "remote symlink file \"" + from + "\" to \"" + to + "\"") ? 0 : -1;
      }
      auto req = client_.hardlink(from, to);
      if (!req && req.error().code == Errc::unsupported) {
        error(req.error().message);
        return -1;
      }
      return do_status(std::move(req), "remote link \"" + from + "\" to \"" + to + "\"") ? 0 : -1;
    }
    case Cmd::rm: {
      auto g = remote_glob(*this, make_absolute(*c.path1, escape_glob(pwd_)), true, false);
      int err = 0;
      for (const auto& m : g.paths) {
        if (interrupted) break;
        if (!settings_.quiet) out("Removing " + m.path + "\n");
        err = do_status(client_.remove(m.path), "remote delete " + m.path) ? 0 : -1;
        if (err != 0 && err_abort) break;
      }
      return err;
    }
    case Cmd::mkdir: {
      const std::string p = make_absolute(*c.path1, pwd_);
      FileAttributes a;
      a.permissions = 0777;
      return do_status(client_.mkdir(p, a), "remote mkdir \"" + p + "\"") ? 0 : -1;
    }
    case Cmd::rmdir: {
      const std::string p = make_absolute(*c.path1, pwd_);
      return do_status(client_.rmdir(p), "remote rmdir \"" + p + "\"") ? 0 : -1;
    }
    case Cmd::chdir: {
      std::string p = (!c.path1 || c.path1->empty()) ? start_dir_ : *c.path1;
      auto real = do_realpath(make_absolute(p, pwd_));
      if (!real) return 1;
      auto a = do_stat(*real, true, false);
      if (!a) return 1;
      if (!a->permissions) {
        error("Can't change directory: Can't check target");
        return 1;
      }
      if (!is_dir(*a)) {
        error("Can't change directory: \"" + *real + "\" is not a directory");
        return 1;
      }
      pwd_ = *real;
      return 0;
    }
    case Cmd::ls: return do_ls(c);
    case Cmd::df: return do_df(make_absolute(c.path1.value_or(pwd_), pwd_), c.hflag, c.iflag);
    case Cmd::lchdir: {
      std::string p = tilde_expand((!c.path1 || c.path1->empty()) ? "~" : *c.path1);
      if (::chdir(p.c_str()) != 0) {
        error("Couldn't change local directory to \"" + p + "\": " + std::strerror(errno));
        return 1;
      }
      return 0;
    }
    case Cmd::lmkdir:
      if (::mkdir(c.path1->c_str(), 0777) != 0) {
        error("Couldn't create local directory \"" + *c.path1 + "\": " + std::strerror(errno));
        return 1;
      }
      return 0;
    case Cmd::lls: case Cmd::shell: {
      std::fflush(stdout);
      std::string cmd = c.cmd == Cmd::lls ? (c.rest.empty() ? "ls" : "ls " + c.rest) : c.rest;
      const char* shell = std::getenv("SHELL");
      std::string sh = (shell && *shell) ? shell : "/bin/sh";
      pid_t pid = ::fork();
      if (pid < 0) {
        error(std::string("Couldn't fork: ") + std::strerror(errno));
        return -1;
      }
      if (pid == 0) {
        if (cmd.empty()) ::execl(sh.c_str(), sh.c_str(), static_cast<char*>(nullptr));
        else ::execl(sh.c_str(), sh.c_str(), "-c", cmd.c_str(), static_cast<char*>(nullptr));
        std::fprintf(stderr, "Couldn't execute \"%s\": %s\n", sh.c_str(), std::strerror(errno));
        _exit(1);
      }
      int status = 0;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      if (!WIFEXITED(status)) error("Shell exited abnormally");
      else if (WEXITSTATUS(status)) error("Shell exited with status " + std::to_string(WEXITSTATUS(status)));
      return 0;  // as sftp: a failing local command does not stop a batch
    }
    case Cmd::lumask: {
      ::umask(static_cast<mode_t>(c.number));
      char buf[64];
      std::snprintf(buf, sizeof buf, "Local umask: %03o\n", c.number);
      out(buf);
      return 0;
    }
    case Cmd::chmod: {
      auto g = remote_glob(*this, make_absolute(*c.path1, escape_glob(pwd_)), true, false);
      FileAttributes a;
      a.permissions = c.number;
      int err = 0;
      for (const auto& m : g.paths) {
        if (interrupted) break;
        if (!settings_.quiet) out("Changing mode on " + m.path + "\n");
        if (c.hflag) {
          auto req = client_.lsetstat(m.path, a);
          if (!req && req.error().code == Errc::unsupported) {
            error(req.error().message);
            err = -1;
          } else {
            err = do_status(std::move(req), "remote lsetstat \"" + m.path + "\"") ? 0 : -1;
          }
        } else {
          err = do_status(client_.setstat(m.path, a), "remote setstat \"" + m.path + "\"") ? 0 : -1;
        }
        if (err != 0 && err_abort) break;
      }
      return err;
    }
    case Cmd::chown: case Cmd::chgrp: {
      auto g = remote_glob(*this, make_absolute(*c.path1, escape_glob(pwd_)), true, false);
      int err = 0;
      for (const auto& m : g.paths) {
        if (interrupted) break;
        auto a = do_stat(m.path, !c.hflag, false);
        if (!a) {
          if (err_abort) return -1;
          continue;
        }
        if (!a->uid_gid) {
          error("Can't get current ownership of remote file \"" + m.path + "\"");
          if (err_abort) return -1;
          continue;
        }
        FileAttributes set;
        set.uid_gid = a->uid_gid;
        if (c.cmd == Cmd::chown) {
          if (!settings_.quiet) out("Changing owner on " + m.path + "\n");
          set.uid_gid->first = c.number;
        } else {
          if (!settings_.quiet) out("Changing group on " + m.path + "\n");
          set.uid_gid->second = c.number;
        }
        auto req = c.hflag ? client_.lsetstat(m.path, set) : client_.setstat(m.path, set);
        if (!req && req.error().code == Errc::unsupported) {
          error(req.error().message);
          err = -1;
        } else {
          err = do_status(std::move(req), std::string(c.hflag ? "remote lsetstat" : "remote setstat") + " \"" +
                                               m.path + "\"") ? 0 : -1;
        }
        if (err != 0 && err_abort) break;
      }
      return err;
    }
    case Cmd::pwd: out("Remote working directory: " + pwd_ + "\n"); return 0;
    case Cmd::lpwd: {
      char buf[PATH_MAX];
      if (!::getcwd(buf, sizeof buf)) {
        error(std::string("Couldn't get local cwd: ") + std::strerror(errno));
        return -1;
      }
      out(std::string("Local working directory: ") + buf + "\n");
      return 0;
    }
    case Cmd::help: out(std::string(help_text())); return 0;
    case Cmd::version: out("SFTP protocol version " + std::to_string(client_.server_version()) + "\n"); return 0;
    case Cmd::progress:
      settings_.show_progress = !settings_.show_progress;
      out(settings_.show_progress ? "Progress meter enabled\n" : "Progress meter disabled\n");
      return 0;
  }
  return 0;
}

}  // namespace skiff::sftp_cli
