#include "config/ssh_config.hpp"

#include <cctype>

#include "config/ssh_keywords.hpp"
#include "keys/host_patterns.hpp"
#include "wire/glob.hpp"
#include "wire/limits.hpp"

namespace skiff::config {
namespace {

using detail::Kind;

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string join(const std::vector<std::string>& v, std::string_view sep = " ") {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

bool cumulative(Kind k) { return k == Kind::cumulative || k == Kind::cumul_multi || k == Kind::forward; }

}  // namespace

std::optional<std::string> ClientConfig::get(std::string_view keyword) const {
  auto it = other.find(std::string(keyword));
  if (it == other.end() || it->second.empty()) return std::nullopt;
  return it->second.front();
}

std::string expand_tilde(std::string_view path, std::string_view home) {
  if (path == "~") return std::string(home);
  if (path.starts_with("~/")) return std::string(home) + std::string(path.substr(1));
  return std::string(path);
}

// Walks the lines of one file for ClientConfigBuilder (a friend), with the active state
// of Host/Match blocks.
struct ClientParser {
  ClientConfigBuilder& b;
  Diagnostics& diag;
  bool user_file;
  int depth;
  // Set for files included from an inactive block: their Host and Match lines never
  // match (ssh's SSHCONF_NEVERMATCH), though they are still checked.
  bool never_match = false;

  std::string current_user() const {
    auto it = b.set_.find("user");
    return it != b.set_.end() ? it->second.front().args[0] : b.ctx_.local_user;
  }
  std::string current_host() const {
    auto it = b.set_.find("hostname");
    if (it == b.set_.end()) return lowered(b.ctx_.host);
    ClientConfig tmp;
    tmp.host = b.ctx_.host;
    tmp.hostname = lowered(b.ctx_.host);
    auto e = expand_tokens(it->second.front().args[0], tmp, b.ctx_);
    return e ? lowered(*e) : b.ctx_.host;
  }

  void bad_match(std::string_view file, int line, const std::string& why) {
    diag.note(why);
    diag.add(file, line, "Bad Match condition");
  }

  // Match criteria; nullopt after a diagnostic.
  std::optional<bool> match(const std::vector<std::string>& args, std::string_view file, int line) {
    bool result = true;
    bool all_seen = false;
    std::size_t n_crit = 0;
    for (std::size_t i = 0; i < args.size(); ++i) {
      std::string attr = lowered(args[i]);
      const bool negate = attr.starts_with("!");
      if (negate) attr.erase(0, 1);
      ++n_crit;
      if (attr == "all") {
        all_seen = true;
        if (negate) result = false;
        continue;
      }
      if (attr == "canonical" || attr == "final") {
        if (attr == "final" && !negate) b.want_final_ = true;
        if (b.final_pass_ == negate) result = false;
        continue;
      }
      if (i + 1 >= args.size() || args[i + 1].empty()) {
        bad_match(file, line, "Missing Match criteria for " + attr);
        return std::nullopt;
      }
      const std::string& arg = args[++i];
      bool r = false;
      if (attr == "host") {
        r = keys::match_host_pattern_list(current_host(), arg) == keys::PatternMatch::match;
      } else if (attr == "originalhost") {
        r = keys::match_host_pattern_list(b.ctx_.host, arg) == keys::PatternMatch::match;
      } else if (attr == "user") {
        r = keys::match_pattern_list(current_user(), arg, false) == keys::PatternMatch::match;
      } else if (attr == "localuser") {
        r = keys::match_pattern_list(b.ctx_.local_user, arg, false) == keys::PatternMatch::match;
      } else if (attr == "exec") {
        if (!result) continue;  // ssh runs no command once the line cannot match
        ClientConfig tmp;
        tmp.host = b.ctx_.host;
        tmp.hostname = current_host();
        tmp.user = current_user();
        if (auto it = b.set_.find("port"); it != b.set_.end()) {
          tmp.port = static_cast<std::uint16_t>(*parse_int(it->second.front().args[0], 1, 65535));
        }
        auto cmd = expand_tokens(arg, tmp, b.ctx_);
        if (!cmd) {
          diag.add(file, line, "Match exec: " + cmd.error().message);
          return std::nullopt;
        }
        r = b.exec_ && b.exec_(*cmd);
      } else {
        bad_match(file, line, "Unsupported Match attribute " + attr);
        return std::nullopt;
      }
      if (r == negate) result = false;
    }
    if (n_crit == 0) {
      diag.add(file, line, "One or more attributes required for Match");
      return std::nullopt;
    }
    if (all_seen) {
      for (const auto& a : args) {
        std::string l = lowered(a);
        if (l.starts_with("!")) l.erase(0, 1);
        if (l != "all" && l != "canonical" && l != "final") {
          diag.add(file, line, "'all' cannot be combined with other Match attributes");
          return std::nullopt;
        }
      }
    }
    return result;
  }

  bool host_matches(const std::vector<std::string>& patterns) const {
    const std::string host = lowered(b.ctx_.host);
    bool any = false;
    for (const auto& p : patterns) {
      const bool neg = p.starts_with("!");
      const std::string pat = lowered(neg ? std::string_view(p).substr(1) : std::string_view(p));
      if (wire::match_glob(host, pat)) {
        if (neg) return false;
        any = true;
      }
    }
    return any;
  }

  void include(const std::vector<std::string>& args, std::string_view file, int line, bool active) {
    for (const auto& a : args) {
      std::string pattern;
      if (a.starts_with("/") || a.starts_with("~")) {
        pattern = expand_tilde(a, b.ctx_.home);
      } else {
        pattern = user_file ? b.ctx_.home + "/.ssh/" + a : "/etc/ssh/" + a;
      }
      if (!b.include_) continue;
      auto files = b.include_(pattern);
      if (!files) {
        diag.add(file, line, "Include " + pattern + ": " + files.error().message);
        continue;
      }
      for (const auto& f : *files) {
        if (depth + 1 > limits::kMaxIncludeDepth) {
          diag.add(file, line, "Include depth limit exceeded");
          return;
        }
        ClientParser sub{b, diag, user_file, depth + 1, never_match || !active};
        sub.run(f.name, f.text, active);
      }
    }
  }

  void run(std::string_view file, std::string_view text, bool active) {
    for_each_config_line(file, text, b.files_read_, diag,
                         [&](int lineno, std::string_view line) { process(file, lineno, line, active); });
  }

  void process(std::string_view file, int lineno, std::string_view line, bool& active) {
    auto split = split_line(line);
    if (!split) {
      diag.add(file, lineno, split.error().message);
      return;
    }
    if (!*split) return;
    auto& s = **split;
    if (s.args.empty()) {
      diag.add(file, lineno, "no argument after keyword \"" + s.lower + "\"");
      return;
    }
    const detail::Keyword* k = detail::find_client_keyword(s.lower);
    if (k == nullptr) {
      auto ign = b.set_.find("ignoreunknown");
      if (ign != b.set_.end() &&
          keys::match_pattern_list(s.lower, ign->second.front().args[0], true) == keys::PatternMatch::match) {
        return;
      }
      diag.add(file, lineno, "Bad configuration option: " + s.lower, true);
      return;
    }
    switch (k->kind) {
      case Kind::ignore: return;
      case Kind::host: active = host_matches(s.args) && !never_match; return;
      case Kind::match: {
        auto m = match(s.args, file, lineno);
        active = m.value_or(false) && !never_match;
        return;
      }
      case Kind::include:
        if (depth < 0) {
          diag.add(file, lineno, "Include not allowed here");
          return;
        }
        include(s.args, file, lineno, active);
        return;
      case Kind::ignore_unknown:
        if (active && !b.set_.contains("ignoreunknown")) b.set_["ignoreunknown"].push_back({{join(s.args, ",")}, {}});
        return;
      default: break;
    }
    if (auto err = detail::check_args(*k, s.lower, s.args); !err.empty()) {
      diag.add(file, lineno, err);
      return;
    }
    if (!active) return;
    // ProxyCommand and ProxyJump exclude each other: the first one seen wins.
    if ((k->canon == "proxycommand" && b.set_.contains("proxyjump")) ||
        (k->canon == "proxyjump" && b.set_.contains("proxycommand"))) {
      return;
    }
    auto& slot = b.set_[std::string(k->canon)];
    if (!slot.empty() && !cumulative(k->kind)) return;
    if (cumulative(k->kind) && slot.size() >= limits::kMaxConfigArgs) {
      diag.add(file, lineno, "too many " + std::string(k->canon) + " entries");
      return;
    }
    slot.push_back({s.args, k->kind == Kind::rest ? rest_of_line(line) : std::string{}});
  }
};

ClientConfigBuilder::ClientConfigBuilder(ClientContext ctx, IncludeResolver include, ExecResolver exec)
    : ctx_(std::move(ctx)), include_(std::move(include)), exec_(std::move(exec)) {}

Result<void> ClientConfigBuilder::apply_line(std::string_view line) {
  Diagnostics diag;
  ClientParser p{*this, diag, true, -1};
  auto split = split_line(line);
  if (split && *split) {
    const auto* k = detail::find_client_keyword((*split)->lower);
    // ssh's wording, "Host" for Match too.
    if (k && (k->kind == Kind::host || k->kind == Kind::match)) {
      return fail(Errc::bad_format, "Host directive not supported as a command-line option");
    }
    if (k && k->kind == Kind::include) {
      return fail(Errc::bad_format, "Include directive not supported as a command-line option");
    }
  }
  bool active = true;
  p.process("command-line", 0, line, active);
  if (diag.bad) return std::unexpected(diag.to_error("command-line"));
  return {};
}

Result<void> ClientConfigBuilder::read_file(std::string_view name, std::string_view text, bool user_file) {
  files_.emplace_back(std::string(name), std::string(text));
  files_user_.push_back(user_file);
  Diagnostics diag;
  ClientParser p{*this, diag, user_file, 0};
  p.run(name, text, true);
  if (diag.bad) return std::unexpected(diag.to_error(name));
  return {};
}

Result<void> ClientConfigBuilder::run_final_pass() {
  final_pass_ = true;
  files_read_ = 0;
  for (std::size_t i = 0; i < files_.size(); ++i) {
    Diagnostics diag;
    ClientParser p{*this, diag, files_user_[i], 0};
    p.run(files_[i].first, files_[i].second, true);
    if (diag.bad) return std::unexpected(diag.to_error(files_[i].first));
  }
  return {};
}

}  // namespace skiff::config
