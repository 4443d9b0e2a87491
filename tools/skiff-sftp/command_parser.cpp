#include "skiff-sftp/command_parser.hpp"

#include <cctype>
#include <charconv>
#include <cstring>
#include <strings.h>

namespace skiff::sftp_cli {
namespace {

constexpr std::string_view kWhitespace = " \t\r\n";
constexpr std::size_t kMaxArgs = 128;
constexpr std::size_t kMaxArgLen = 8192;

struct Entry {
  const char* name;
  Cmd cmd;
};
constexpr Entry kCommands[] = {
    {"bye", Cmd::quit},       {"cd", Cmd::chdir},        {"chdir", Cmd::chdir},    {"chgrp", Cmd::chgrp},
    {"chmod", Cmd::chmod},    {"chown", Cmd::chown},     {"copy", Cmd::copy},      {"cp", Cmd::copy},
    {"df", Cmd::df},          {"dir", Cmd::ls},          {"exit", Cmd::quit},      {"get", Cmd::get},
    {"help", Cmd::help},      {"lcd", Cmd::lchdir},      {"lchdir", Cmd::lchdir},  {"lls", Cmd::lls},
    {"lmkdir", Cmd::lmkdir},  {"ln", Cmd::link},         {"lpwd", Cmd::lpwd},      {"ls", Cmd::ls},
    {"lumask", Cmd::lumask},  {"mkdir", Cmd::mkdir},     {"mget", Cmd::get},       {"mput", Cmd::put},
    {"progress", Cmd::progress}, {"put", Cmd::put},      {"pwd", Cmd::pwd},        {"quit", Cmd::quit},
    {"reget", Cmd::reget},    {"rename", Cmd::rename},   {"reput", Cmd::reput},    {"rm", Cmd::rm},
    {"rmdir", Cmd::rmdir},    {"symlink", Cmd::symlink}, {"version", Cmd::version}, {"!", Cmd::shell},
    {"?", Cmd::help},
};

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_glob_char(char c) { return c == '?' || c == '[' || c == '*'; }

// OpenBSD getopt over a command's words, no flag taking an argument. Returns the index
// of the first operand, or nothing after setting the error for a flag not in `allowed`.
template <class OnFlag>
std::optional<std::size_t> parse_flags(Command& c, const std::vector<std::string>& argv, std::string_view allowed,
                                       std::string_view label, OnFlag on_flag) {
  std::size_t i = 1;
  for (; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--") return i + 1;
    if (a.size() < 2 || a[0] != '-') break;
    for (std::size_t k = 1; k < a.size(); ++k) {
      if (a[k] == ':' || allowed.find(a[k]) == std::string_view::npos) {
        c.error = std::string(label) + ": Invalid flag -" + std::string(1, a[k]);
        return std::nullopt;
      }
      on_flag(a[k]);
    }
  }
  return i;
}

}  // namespace

std::variant<std::vector<std::string>, std::string> split_words(std::string_view arg) {
  enum class State { start, squote, dquote, unquoted };
  std::vector<std::string> argv;
  if (arg.size() > kMaxArgLen - 1) return std::string("string too long");
  State state = State::start;
  std::string cur;
  auto at = [&](std::size_t i) { return i < arg.size() ? arg[i] : '\0'; };
  auto quoted = [&] { return state == State::squote || state == State::dquote; };
  for (std::size_t i = 0;; ++i) {
    if (argv.size() >= kMaxArgs + 1) return std::string("Too many arguments.");
    const char ch = at(i);
    if (ch != '\0' && is_space(ch)) {
      if (state == State::unquoted) {
        argv.push_back(std::move(cur));
        cur.clear();
        state = State::start;
      } else if (state != State::start) {
        cur += ch;
      }
    } else if (ch == '"' || ch == '\'') {
      const State q = ch == '"' ? State::dquote : State::squote;
      if (state == State::start || state == State::unquoted) state = q;
      else if (state == q) state = State::unquoted;
      else cur += ch;
    } else if (ch == '\\') {
      if (quoted()) {
        const char quote = state == State::squote ? '\'' : '"';
        const char next = at(i + 1);
        if (next == quote) {
          cur += next;
          ++i;
        } else if (is_glob_char(next)) {
          // Kept escaped twice: glob removes one level, the literal stays.
          cur += "\\\\\\";
          cur += next;
          ++i;
        } else {
          cur += ch;
          if (next != '\0') cur += next, ++i;
        }
      } else {
        if (state == State::start) state = State::unquoted;
        const char next = at(i + 1);
        if (is_glob_char(next) || next == '\\') {
          cur += ch;
          cur += next;
          ++i;
        } else if (next != '\0') {
          cur += next;  // every other escape is removed
          ++i;
        }
      }
    } else if (ch == '#' && !quoted()) {
      if (state == State::unquoted) argv.push_back(std::move(cur));
      break;
    } else if (ch == '\0') {
      if (quoted()) return std::string("Unterminated quoted argument");
      if (state == State::unquoted) argv.push_back(std::move(cur));
      break;
    } else {
      if (state == State::start) state = State::unquoted;
      if (quoted() && is_glob_char(ch)) cur += '\\';  // quoted wildcards are literal
      cur += ch;
    }
    if (cur.size() > kMaxArgLen) return std::string("string too long");
  }
  return argv;
}

std::string escape_glob(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::strchr("[]?*\\", c) != nullptr) out += '\\';
    out += c;
  }
  return out;
}

std::string undo_glob_escape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (i + 1 == s.size()) {
      out += '\\';
      break;
    }
    const char n = s[++i];
    if (n == '?' || n == '[' || n == '*' || n == '\\') {
      out += n;
    } else {
      out += '\\';
      out += n;
    }
  }
  return out;
}

bool has_glob_magic(std::string_view p) {
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\') {
      ++i;
      continue;
    }
    if (is_glob_char(p[i])) return true;
  }
  return false;
}

Command parse_command(std::string_view line) {
  Command c;
  std::size_t pos = line.find_first_not_of(kWhitespace);
  if (pos == std::string_view::npos) return c;
  // '-' (ignore failure) and '@' (no echo) prefixes, in any number and order.
  for (; pos < line.size(); ++pos) {
    if (line[pos] == '-') c.ignore_errors = true;
    else if (line[pos] == '@') c.no_echo = true;
    else break;
  }
  pos = line.find_first_not_of(kWhitespace, pos);
  if (pos == std::string_view::npos || line[pos] == '#') return c;
  std::string_view cp = line.substr(pos);

  auto words = split_words(cp);
  if (auto* err = std::get_if<std::string>(&words)) {
    c.cmd = Cmd::blank;
    c.error = *err;
    return c;
  }
  auto& argv = std::get<std::vector<std::string>>(words);
  const Entry* found = nullptr;
  for (const auto& e : kCommands) {
    if (!argv.empty() && strcasecmp(e.name, argv[0].c_str()) == 0) {
      found = &e;
      break;
    }
  }
  if (cp[0] == '!') {
    c.cmd = Cmd::shell;
    c.name = "!";
    c.rest = std::string(cp.substr(1));
    return c;
  }
  if (!found) {
    c.error = "Invalid command.";
    return c;
  }
  c.cmd = found->cmd;
  c.name = found->name;
  const std::string& cmd = c.name;
  std::optional<std::size_t> optidx;
  const std::size_t argc = argv.size();

  auto two_paths = [&](std::size_t idx) {
    if (argc - idx < 2) {
      c.error = "You must specify two paths after a " + cmd + " command.";
      return;
    }
    c.path1 = undo_glob_escape(argv[idx]);
    c.path2 = undo_glob_escape(argv[idx + 1]);
  };

  switch (c.cmd) {
    case Cmd::get: case Cmd::reget: case Cmd::put: case Cmd::reput:
      optidx = parse_flags(c, argv, "afPpRr", cmd, [&](char f) {
        if (f == 'a') c.aflag = true;
        else if (f == 'f') c.fflag = true;
        else if (f == 'p' || f == 'P') c.pflag = true;
        else c.rflag = true;
      });
      if (!optidx) break;
      if (argc - *optidx < 1) {
        c.error = "You must specify at least one path after a " + cmd + " command.";
        break;
      }
      c.path1 = argv[*optidx];
      if (argc - *optidx > 1) c.path2 = undo_glob_escape(argv[*optidx + 1]);  // the destination is not globbed
      break;
    case Cmd::link:
      optidx = parse_flags(c, argv, "s", cmd, [&](char) { c.sflag = true; });
      if (optidx) two_paths(*optidx);
      break;
    case Cmd::rename:
      optidx = parse_flags(c, argv, "l", cmd, [&](char) { c.legacy_rename = true; });
      if (optidx) two_paths(*optidx);
      break;
    case Cmd::copy: case Cmd::symlink:
      optidx = parse_flags(c, argv, "", cmd, [](char) {});
      if (optidx) two_paths(*optidx);
      break;
    case Cmd::rm: case Cmd::mkdir: case Cmd::rmdir: case Cmd::lmkdir: case Cmd::chdir: case Cmd::lchdir: {
      const bool mandatory = c.cmd != Cmd::chdir && c.cmd != Cmd::lchdir;
      optidx = parse_flags(c, argv, "", cmd, [](char) {});
      if (!optidx) break;
      if (argc - *optidx < 1) {
        if (mandatory) c.error = "You must specify a path after a " + cmd + " command.";
        break;
      }
      c.path1 = c.cmd == Cmd::rm ? argv[*optidx] : undo_glob_escape(argv[*optidx]);  // only rm globs
      break;
    }
    case Cmd::df:
      optidx = parse_flags(c, argv, "hi", cmd, [&](char f) { (f == 'h' ? c.hflag : c.iflag) = true; });
      if (optidx && argc - *optidx >= 1) c.path1 = undo_glob_escape(argv[*optidx]);
      break;
    case Cmd::ls:
      c.ls_flags = kLsNameSort;
      optidx = parse_flags(c, argv, "1Safhlnrt", "ls", [&](char f) {
        int& l = c.ls_flags;
        switch (f) {
          case '1': l = (l & ~(kLsLong | kLsShort | kLsNumeric | kLsSiUnits)) | kLsShort; break;
          case 'S': l = (l & ~kLsSortFlags) | kLsSizeSort; break;
          case 'a': l |= kLsAll; break;
          case 'f': l &= ~kLsSortFlags; break;
          case 'h': l |= kLsSiUnits; break;
          case 'l': l = (l & ~kLsShort) | kLsLong; break;
          case 'n': l = (l & ~kLsShort) | kLsNumeric | kLsLong; break;
          case 'r': l |= kLsReverse; break;
          case 't': l = (l & ~kLsSortFlags) | kLsTimeSort; break;
        }
      });
      if (optidx && argc - *optidx > 0) c.path1 = argv[*optidx];
      break;
    case Cmd::lls: {
      // The rest of the line after the command word goes to ls(1).
      std::size_t skip = std::strlen(found->name);
      skip = cp.find_first_not_of(kWhitespace, skip);
      c.rest = skip == std::string_view::npos ? "" : std::string(cp.substr(skip));
      break;
    }
    case Cmd::lumask: case Cmd::chmod: case Cmd::chown: case Cmd::chgrp: {
      const int base = (c.cmd == Cmd::lumask || c.cmd == Cmd::chmod) ? 8 : 10;
      optidx = parse_flags(c, argv, "h", cmd, [&](char) { c.hflag = true; });
      if (!optidx) break;
      auto need_num = [&] { c.error = "You must supply a numeric argument to the " + cmd + " command."; };
      if (argc - *optidx < 1) {
        need_num();
        break;
      }
      const std::string& s = argv[*optidx];
      long long v = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
      if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < 0 || v > 0xffffffffLL) {
        need_num();
        break;
      }
      c.number = static_cast<std::uint32_t>(v);
      if (c.cmd == Cmd::lumask) break;
      if (argc - *optidx < 2) {
        c.error = "You must specify a path after a " + cmd + " command.";
        break;
      }
      c.path1 = argv[*optidx + 1];
      break;
    }
    case Cmd::quit: case Cmd::pwd: case Cmd::lpwd: case Cmd::help: case Cmd::version: case Cmd::progress:
      parse_flags(c, argv, "", cmd, [](char) {});
      break;
    case Cmd::blank: case Cmd::shell: break;
  }
  return c;
}

std::string_view help_text() {
  return "Available commands:\n"
         "bye                                Quit sftp\n"
         "cd path                            Change remote directory to 'path'\n"
         "chgrp [-h] grp path                Change group of file 'path' to 'grp'\n"
         "chmod [-h] mode path               Change permissions of file 'path' to 'mode'\n"
         "chown [-h] own path                Change owner of file 'path' to 'own'\n"
         "copy oldpath newpath               Copy remote file\n"
         "cp oldpath newpath                 Copy remote file\n"
         "df [-hi] [path]                    Display statistics for current directory or\n"
         "                                   filesystem containing 'path'\n"
         "exit                               Quit sftp\n"
         "get [-afpR] remote [local]         Download file\n"
         "help                               Display this help text\n"
         "lcd path                           Change local directory to 'path'\n"
         "lls [ls-options [path]]            Display local directory listing\n"
         "lmkdir path                        Create local directory\n"
         "ln [-s] oldpath newpath            Link remote file (-s for symlink)\n"
         "lpwd                               Print local working directory\n"
         "ls [-1afhlnrSt] [path]             Display remote directory listing\n"
         "lumask umask                       Set local umask to 'umask'\n"
         "mkdir path                         Create remote directory\n"
         "progress                           Toggle display of progress meter\n"
         "put [-afpR] local [remote]         Upload file\n"
         "pwd                                Display remote working directory\n"
         "quit                               Quit sftp\n"
         "reget [-fpR] remote [local]        Resume download file\n"
         "rename oldpath newpath             Rename remote file\n"
         "reput [-fpR] local [remote]        Resume upload file\n"
         "rm path                            Delete remote file\n"
         "rmdir path                         Remove remote directory\n"
         "symlink oldpath newpath            Symlink remote file\n"
         "version                            Show SFTP version\n"
         "!command                           Execute 'command' in local shell\n"
         "!                                  Escape to local shell\n"
         "?                                  Synonym for help\n";
}

}  // namespace skiff::sftp_cli
