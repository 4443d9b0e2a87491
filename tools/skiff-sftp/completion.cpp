#include "skiff-sftp/completion.hpp"

#include <algorithm>

namespace skiff::sftp_cli {

namespace {

enum class Arg { none, remote, local };

struct CommandArgs {
  std::string_view name;
  Arg first, second;
};

// sftp.c's cmds[] table: what the first and second file arguments name.
constexpr CommandArgs kCommands[] = {
    {"bye", Arg::none, Arg::none},       {"cd", Arg::remote, Arg::none},      {"chdir", Arg::remote, Arg::none},
    {"chgrp", Arg::remote, Arg::none},   {"chmod", Arg::remote, Arg::none},   {"chown", Arg::remote, Arg::none},
    {"copy", Arg::remote, Arg::local},   {"cp", Arg::remote, Arg::local},     {"df", Arg::remote, Arg::none},
    {"dir", Arg::remote, Arg::none},     {"exit", Arg::none, Arg::none},      {"get", Arg::remote, Arg::local},
    {"help", Arg::none, Arg::none},      {"lcd", Arg::local, Arg::none},      {"lchdir", Arg::local, Arg::none},
    {"lls", Arg::local, Arg::none},      {"lmkdir", Arg::local, Arg::none},   {"ln", Arg::remote, Arg::remote},
    {"lpwd", Arg::local, Arg::none},     {"ls", Arg::remote, Arg::none},      {"lumask", Arg::none, Arg::none},
    {"mkdir", Arg::remote, Arg::none},   {"mget", Arg::remote, Arg::local},   {"mput", Arg::local, Arg::remote},
    {"progress", Arg::none, Arg::none},  {"put", Arg::local, Arg::remote},    {"pwd", Arg::remote, Arg::none},
    {"quit", Arg::none, Arg::none},      {"reget", Arg::remote, Arg::local},  {"rename", Arg::remote, Arg::remote},
    {"reput", Arg::local, Arg::remote},  {"rm", Arg::remote, Arg::none},      {"rmdir", Arg::remote, Arg::none},
    {"symlink", Arg::remote, Arg::remote}, {"version", Arg::none, Arg::none},
};

// The words before the cursor, with backslash escapes and quotes taken away; whether
// the last one is still being typed.
struct Words {
  std::vector<std::string> words;
  bool open = false;  // the line does not end in an unquoted blank
};

Words split(std::string_view line) {
  Words w;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < line.size()) {
        cur += line[++i];
      } else {
        cur += c;
      }
      continue;
    }
    if (c == ' ' || c == '\t') {
      if (in_word) w.words.push_back(std::move(cur));
      cur.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\' && i + 1 < line.size()) {
      cur += line[++i];
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else {
      cur += c;
    }
  }
  if (in_word || quote) {
    w.words.push_back(std::move(cur));
    w.open = true;
  }
  return w;
}

std::string escape(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == ' ' || c == '\t' || c == '\\' || c == '"' || c == '\'' || c == '*' || c == '?' || c == '[' ||
        c == ']') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

std::string common_prefix(const std::vector<std::string>& names) {
  if (names.empty()) return {};
  std::string p = names.front();
  for (const auto& n : names) {
    std::size_t i = 0;
    while (i < p.size() && i < n.size() && p[i] == n[i]) ++i;
    p.resize(i);
  }
  return p;
}

Completion complete_command(const std::string& prefix) {
  std::vector<std::string> names;
  for (const auto& c : kCommands) {
    if (c.name.starts_with(prefix)) names.emplace_back(c.name);
  }
  Completion r;
  if (names.empty()) return r;
  if (names.size() == 1) {
    r.insert = names.front().substr(prefix.size()) + " ";
    return r;
  }
  r.insert = common_prefix(names).substr(prefix.size());
  r.shown = std::move(names);
  return r;
}

Completion complete_path(const std::string& partial, bool remote, const DirLister& list) {
  const auto slash = partial.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : partial.substr(0, slash + 1);
  const std::string prefix = slash == std::string::npos ? partial : partial.substr(slash + 1);
  std::vector<DirEntry> matches;
  for (auto& e : list(dir, remote)) {
    if (e.name == "." || e.name == "..") continue;
    // Hidden names only when asked for, as glob(3) without GLOB_PERIOD.
    if (e.name.starts_with('.') && !prefix.starts_with('.')) continue;
    if (e.name.starts_with(prefix)) matches.push_back(std::move(e));
  }
  Completion r;
  if (matches.empty()) return r;
  if (matches.size() == 1) {
    r.insert = escape(std::string_view(matches.front().name).substr(prefix.size())) +
               (matches.front().is_dir ? "/" : " ");
    return r;
  }
  std::vector<std::string> names;
  for (const auto& m : matches) names.push_back(m.name + (m.is_dir ? "/" : ""));
  std::sort(names.begin(), names.end());
  std::vector<std::string> bare;
  for (const auto& m : matches) bare.push_back(m.name);
  r.insert = escape(std::string_view(common_prefix(bare)).substr(prefix.size()));
  r.shown = std::move(names);
  return r;
}

}  // namespace

Completion complete_line(std::string_view line, const DirLister& list) {
  Words w = split(line);
  if (w.words.empty()) return complete_command("");
  if (w.words.size() == 1 && w.open) return complete_command(w.words.front());
  const std::string& cmd = w.words.front();
  const CommandArgs* args = nullptr;
  for (const auto& c : kCommands) {
    if (c.name == cmd) args = &c;
  }
  if (args == nullptr) return {};
  // Which file argument the cursor is in: words after the command that are not flags.
  std::size_t index = 0;
  const std::size_t complete_words = w.open ? w.words.size() - 1 : w.words.size();
  for (std::size_t i = 1; i < complete_words; ++i) {
    if (!w.words[i].starts_with('-')) ++index;
  }
  const std::string partial = w.open ? w.words.back() : std::string();
  if (partial.starts_with('-')) return {};
  const Arg kind = index == 0 ? args->first : index == 1 ? args->second : Arg::none;
  if (kind == Arg::none) return {};
  return complete_path(partial, kind == Arg::remote, list);
}

}  // namespace skiff::sftp_cli
