#include "config/sshd_config.hpp"

#include <array>
#include <cctype>

#include "config/ssh_keywords.hpp"
#include "keys/host_patterns.hpp"
#include "wire/limits.hpp"

namespace skiff::config {
namespace {

using detail::Keyword;
using detail::Kind;
using enum detail::Kind;
using AK = transport::AlgorithmKind;
constexpr std::string_view kYN = "yes|no";
constexpr long long kIntMax = 2147483647;

struct ServerKeyword {
  Keyword k;
  bool match_ok;  // SSHCFG_ALL in servconf.c
};

// sshd 9.2's keywords (Debian's build: UsePAM and GSSAPI known), aliases mapped.
constexpr std::array kServerKeywords = {
    ServerKeyword{{"usepam", "usepam", flag, kYN}, false},
    ServerKeyword{{"pamauthenticationviakbdint", "Deprecated", ignore}, false},
    ServerKeyword{{"port", "port", Kind::port}, false},
    ServerKeyword{{"hostkey", "hostkey", cumulative}, false},
    ServerKeyword{{"hostdsakey", "hostkey", cumulative}, false},
    ServerKeyword{{"hostkeyagent", "hostkeyagent", str}, false},
    ServerKeyword{{"pidfile", "pidfile", str}, false},
    ServerKeyword{{"modulifile", "modulifile", str}, false},
    ServerKeyword{{"serverkeybits", "Deprecated", ignore}, false},
    ServerKeyword{{"logingracetime", "logingracetime", Kind::time}, false},
    ServerKeyword{{"keyregenerationinterval", "Deprecated", ignore}, false},
    ServerKeyword{{"permitrootlogin", "permitrootlogin", choice,
                   "yes|no|without-password|prohibit-password|forced-commands-only"}, true},
    ServerKeyword{{"syslogfacility", "syslogfacility", choice,
                   "daemon|user|auth|authpriv|local0|local1|local2|local3|local4|local5|local6|local7"}, false},
    ServerKeyword{{"loglevel", "loglevel", loglevel}, true},
    ServerKeyword{{"logverbose", "logverbose", multi}, true},
    ServerKeyword{{"rhostsauthentication", "Deprecated", ignore}, false},
    ServerKeyword{{"rhostsrsaauthentication", "Deprecated", ignore}, true},
    ServerKeyword{{"hostbasedauthentication", "hostbasedauthentication", flag, kYN}, true},
    ServerKeyword{{"hostbasedusesnamefrompacketonly", "hostbasedusesnamefrompacketonly", flag, kYN}, true},
    ServerKeyword{{"hostbasedacceptedalgorithms", "hostbasedacceptedalgorithms", str}, true},
    ServerKeyword{{"hostbasedacceptedkeytypes", "hostbasedacceptedalgorithms", str}, true},
    ServerKeyword{{"hostkeyalgorithms", "hostkeyalgorithms", algo, {}, 0, 0, AK::host_key}, false},
    ServerKeyword{{"rsaauthentication", "Deprecated", ignore}, true},
    ServerKeyword{{"pubkeyauthentication", "pubkeyauthentication", flag, kYN}, true},
    ServerKeyword{{"pubkeyacceptedalgorithms", "pubkeyacceptedalgorithms", algo, {}, 0, 0, AK::host_key}, true},
    ServerKeyword{{"pubkeyacceptedkeytypes", "pubkeyacceptedalgorithms", algo, {}, 0, 0, AK::host_key}, true},
    ServerKeyword{{"pubkeyauthoptions", "pubkeyauthoptions", multi}, true},
    ServerKeyword{{"dsaauthentication", "pubkeyauthentication", flag, kYN}, false},
    ServerKeyword{{"kerberosauthentication", "", ignore}, true},
    ServerKeyword{{"kerberosorlocalpasswd", "", ignore}, false},
    ServerKeyword{{"kerberosticketcleanup", "", ignore}, false},
    ServerKeyword{{"kerberosgetafstoken", "Unsupported", ignore}, false},
    ServerKeyword{{"kerberostgtpassing", "Unsupported", ignore}, false},
    ServerKeyword{{"afstokenpassing", "Unsupported", ignore}, false},
    ServerKeyword{{"gssapiauthentication", "", ignore}, true},
    ServerKeyword{{"gssapicleanupcredentials", "", ignore}, false},
    ServerKeyword{{"gssapistrictacceptorcheck", "", ignore}, false},
    ServerKeyword{{"gssapikeyexchange", "", ignore}, false},
    ServerKeyword{{"gssapistorecredentialsonrekey", "", ignore}, false},
    ServerKeyword{{"gssapikexalgorithms", "", ignore}, false},
    ServerKeyword{{"passwordauthentication", "passwordauthentication", flag, kYN}, true},
    ServerKeyword{{"kbdinteractiveauthentication", "kbdinteractiveauthentication", flag, kYN}, true},
    ServerKeyword{{"challengeresponseauthentication", "kbdinteractiveauthentication", flag, kYN}, true},
    ServerKeyword{{"skeyauthentication", "kbdinteractiveauthentication", flag, kYN}, true},
    ServerKeyword{{"checkmail", "Deprecated", ignore}, false},
    ServerKeyword{{"listenaddress", "listenaddress", multi}, false},
    ServerKeyword{{"addressfamily", "addressfamily", choice, "inet|inet6|any"}, false},
    ServerKeyword{{"printmotd", "printmotd", flag, kYN}, false},
    ServerKeyword{{"printlastlog", "printlastlog", flag, kYN}, false},
    ServerKeyword{{"ignorerhosts", "ignorerhosts", choice, "yes|no|shosts-only"}, true},
    ServerKeyword{{"ignoreuserknownhosts", "ignoreuserknownhosts", flag, kYN}, false},
    ServerKeyword{{"x11forwarding", "x11forwarding", flag, kYN}, true},
    ServerKeyword{{"x11displayoffset", "x11displayoffset", integer, {}, 0, kIntMax}, true},
    ServerKeyword{{"x11uselocalhost", "x11uselocalhost", flag, kYN}, true},
    ServerKeyword{{"xauthlocation", "xauthlocation", str}, false},
    ServerKeyword{{"strictmodes", "strictmodes", flag, kYN}, false},
    ServerKeyword{{"permitemptypasswords", "permitemptypasswords", flag, kYN}, true},
    ServerKeyword{{"permituserenvironment", "permituserenvironment", str}, false},
    ServerKeyword{{"uselogin", "Deprecated", ignore}, false},
    ServerKeyword{{"compression", "compression", choice, "yes|no|delayed"}, false},
    ServerKeyword{{"rekeylimit", "rekeylimit", rekey}, true},
    ServerKeyword{{"tcpkeepalive", "tcpkeepalive", flag, kYN}, false},
    ServerKeyword{{"keepalive", "tcpkeepalive", flag, kYN}, false},
    ServerKeyword{{"allowtcpforwarding", "allowtcpforwarding", choice, "yes|all|no|local|remote"}, true},
    ServerKeyword{{"allowagentforwarding", "allowagentforwarding", flag, kYN}, true},
    ServerKeyword{{"allowusers", "allowusers", cumul_multi}, true},
    ServerKeyword{{"denyusers", "denyusers", cumul_multi}, true},
    ServerKeyword{{"allowgroups", "allowgroups", cumul_multi}, true},
    ServerKeyword{{"denygroups", "denygroups", cumul_multi}, true},
    ServerKeyword{{"ciphers", "ciphers", algo, {}, 0, 0, AK::cipher}, false},
    ServerKeyword{{"macs", "macs", algo, {}, 0, 0, AK::mac}, false},
    ServerKeyword{{"protocol", "", ignore}, false},
    ServerKeyword{{"gatewayports", "gatewayports", choice, "yes|no|clientspecified"}, true},
    ServerKeyword{{"subsystem", "subsystem", Kind::subsystem}, false},
    ServerKeyword{{"maxstartups", "maxstartups", Kind::maxstartups}, false},
    ServerKeyword{{"persourcemaxstartups", "persourcemaxstartups", str}, false},
    ServerKeyword{{"persourcenetblocksize", "persourcenetblocksize", str}, false},
    ServerKeyword{{"maxauthtries", "maxauthtries", integer, {}, 0, kIntMax}, true},
    ServerKeyword{{"maxsessions", "maxsessions", integer, {}, 0, kIntMax}, true},
    ServerKeyword{{"banner", "banner", str}, true},
    ServerKeyword{{"usedns", "usedns", flag, kYN}, false},
    ServerKeyword{{"verifyreversemapping", "Deprecated", ignore}, false},
    ServerKeyword{{"reversemappingcheck", "Deprecated", ignore}, false},
    ServerKeyword{{"clientaliveinterval", "clientaliveinterval", Kind::time}, true},
    ServerKeyword{{"clientalivecountmax", "clientalivecountmax", integer, {}, 0, kIntMax}, true},
    ServerKeyword{{"authorizedkeysfile", "authorizedkeysfile", multi}, true},
    ServerKeyword{{"authorizedkeysfile2", "Deprecated", ignore}, true},
    ServerKeyword{{"useprivilegeseparation", "Deprecated", ignore}, false},
    ServerKeyword{{"acceptenv", "acceptenv", cumul_multi}, true},
    ServerKeyword{{"setenv", "setenv", multi}, true},
    ServerKeyword{{"permittunnel", "permittunnel", choice, "yes|no|point-to-point|ethernet"}, true},
    ServerKeyword{{"permittty", "permittty", flag, kYN}, true},
    ServerKeyword{{"permituserrc", "permituserrc", flag, kYN}, true},
    ServerKeyword{{"match", "match", match}, true},
    ServerKeyword{{"permitopen", "permitopen", multi}, true},
    ServerKeyword{{"permitlisten", "permitlisten", multi}, true},
    ServerKeyword{{"forcecommand", "forcecommand", rest}, true},
    ServerKeyword{{"chrootdirectory", "chrootdirectory", str}, true},
    ServerKeyword{{"hostcertificate", "hostcertificate", cumulative}, false},
    ServerKeyword{{"revokedkeys", "revokedkeys", str}, true},
    ServerKeyword{{"trustedusercakeys", "trustedusercakeys", str}, true},
    ServerKeyword{{"authorizedprincipalsfile", "authorizedprincipalsfile", str}, true},
    ServerKeyword{{"kexalgorithms", "kexalgorithms", algo, {}, 0, 0, AK::kex}, false},
    ServerKeyword{{"include", "include", include}, true},
    ServerKeyword{{"ipqos", "ipqos", multi}, true},
    ServerKeyword{{"authorizedkeyscommand", "authorizedkeyscommand", rest}, true},
    ServerKeyword{{"authorizedkeyscommanduser", "authorizedkeyscommanduser", str}, true},
    ServerKeyword{{"authorizedprincipalscommand", "authorizedprincipalscommand", rest}, true},
    ServerKeyword{{"authorizedprincipalscommanduser", "authorizedprincipalscommanduser", str}, true},
    ServerKeyword{{"versionaddendum", "versionaddendum", rest}, false},
    ServerKeyword{{"authenticationmethods", "authenticationmethods", multi}, true},
    ServerKeyword{{"streamlocalbindmask", "streamlocalbindmask", str}, true},
    ServerKeyword{{"streamlocalbindunlink", "streamlocalbindunlink", flag, kYN}, true},
    ServerKeyword{{"allowstreamlocalforwarding", "allowstreamlocalforwarding", choice, "yes|all|no|local|remote"}, true},
    ServerKeyword{{"fingerprinthash", "fingerprinthash", choice, "md5|sha256"}, false},
    ServerKeyword{{"disableforwarding", "disableforwarding", flag, kYN}, true},
    ServerKeyword{{"exposeauthinfo", "exposeauthinfo", flag, kYN}, true},
    ServerKeyword{{"rdomain", "rdomain", str}, true},
    ServerKeyword{{"casignaturealgorithms", "casignaturealgorithms", str}, true},
    ServerKeyword{{"securitykeyprovider", "securitykeyprovider", str}, false},
    ServerKeyword{{"requiredrsasize", "requiredrsasize", integer, {}, 0, kIntMax}, true},
    ServerKeyword{{"channeltimeout", "channeltimeout", multi}, true},
    ServerKeyword{{"unusedconnectiontimeout", "unusedconnectiontimeout", Kind::time}, true},
};

const ServerKeyword* find_server_keyword(std::string_view lower) {
  for (const auto& k : kServerKeywords) {
    if (k.k.name == lower) return &k;
  }
  return nullptr;
}

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}


// One Match line's criteria against a connection (nullptr: the global pass, where
// nothing matches except "all").
}  // namespace

bool block_matches_for(const std::vector<std::string>& crit, const ConnectionInfo* c, const GroupLookup* groups) {
  bool result = true;
  for (std::size_t i = 0; i < crit.size(); ++i) {
    const std::string attr = lowered(crit[i]);
    if (attr == "all") continue;
    const std::string& arg = crit[++i];  // presence checked at parse time
    if (c == nullptr) return false;
    bool r = false;
    if (attr == "user") {
      r = !c->user.empty() && keys::match_pattern_list(c->user, arg, false) == keys::PatternMatch::match;
    } else if (attr == "group") {
      if (!c->user.empty() && groups != nullptr && *groups) {
        bool neg = false;
        for (const auto& g : (*groups)(c->user)) {
          auto m = keys::match_pattern_list(g, arg, false);
          if (m == keys::PatternMatch::negated) neg = true;
          if (m == keys::PatternMatch::match) r = true;
        }
        if (neg) r = false;
      }
    } else if (attr == "host") {
      r = !c->host.empty() && keys::match_host_pattern_list(c->host, arg) == keys::PatternMatch::match;
    } else if (attr == "address" || attr == "localaddress") {
      const std::string& a = attr == "address" ? c->address : c->local_address;
      auto m = a.empty() ? Result<keys::PatternMatch>(keys::PatternMatch::none) : keys::match_address_list(a, arg);
      r = m && *m == keys::PatternMatch::match;
    } else if (attr == "localport") {
      r = c->local_port >= 0 && parse_int(arg, 1, 65535) == c->local_port;
    }
    if (!r) result = false;
  }
  return result;
}

struct ServerParser {
  ServerConfigFile& f;
  Diagnostics& diag;
  std::size_t files = 0;

  bool bad_match(std::string_view file, int line, const std::string& why) {
    diag.note(why);
    diag.add(file, line, "Bad Match condition");
    return false;
  }

  // Checks a Match line's syntax; the criteria are kept for evaluation later.
  bool check_match(const std::vector<std::string>& args, std::string_view file, int line) {
    if (args.empty()) {
      diag.add(file, line, "One or more attributes required for Match");
      return false;
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string attr = lowered(args[i]);
      if (attr == "all") {
        if (args.size() != 1) return bad_match(file, line, "'all' cannot be combined with other Match attributes");
        continue;
      }
      if (attr != "user" && attr != "group" && attr != "host" && attr != "address" && attr != "localaddress" &&
          attr != "localport" && attr != "rdomain") {
        return bad_match(file, line, "Unsupported Match attribute " + args[i]);
      }
      if (i + 1 >= args.size() || args[i + 1].empty()) {
        return bad_match(file, line, "Missing Match criteria for " + args[i]);
      }
      const std::string& arg = args[++i];
      if (attr == "address" || attr == "localaddress") {
        if (!keys::match_address_list("127.0.0.1", arg)) {
          // sshd stops at once (fatal) with this line alone.
          diag.note("Invalid Match address argument '" + arg + "' at line " + std::to_string(line));
          ++diag.bad;
          return false;
        }
      } else if (attr == "localport" && !parse_int(arg, 1, 65535)) {
        return bad_match(file, line, "Invalid LocalPort '" + arg + "' on Match line");
      }
    }
    return true;
  }

  void run(std::string_view file, std::string_view text, int& block, int depth) {
    for_each_config_line(file, text, files, diag,
                         [&](int lineno, std::string_view line) { process(file, lineno, line, block, depth); });
  }

  void process(std::string_view file, int lineno, std::string_view line, int& block, int depth) {
    auto split = split_line(line);
    if (!split) {
      diag.add(file, lineno, split.error().message);
      return;
    }
    if (!*split) return;
    auto& s = **split;
    const ServerKeyword* sk = find_server_keyword(s.lower);
    if (sk == nullptr) {
      diag.add(file, lineno, "Bad configuration option: " + s.keyword, true);
      return;
    }
    const Keyword& k = sk->k;
    if (block >= 0 && !sk->match_ok) {
      diag.add(file, lineno, "Directive '" + s.keyword + "' is not allowed within a Match block");
      return;
    }
    if (s.args.empty()) {
      diag.add(file, lineno, "no argument after keyword \"" + s.keyword + "\"");
      return;
    }
    if (k.kind == Kind::match) {
      if (depth < 0) {
        diag.add(file, lineno, "Match not allowed here");
        return;
      }
      if (!check_match(s.args, file, lineno)) return;
      f.blocks_.push_back(s.args);
      block = static_cast<int>(f.blocks_.size()) - 1;
      return;
    }
    if (k.kind == Kind::ignore) {
      // sshd logs these at info level and goes on.
      if (!k.canon.empty() && f.warnings_.size() < limits::kMaxConfigDiagnostics) {
        f.warnings_.push_back(std::string(file) + " line " + std::to_string(lineno) + ": " + std::string(k.canon) +
                              " option " + s.keyword);
      }
      return;
    }
    if (k.kind == Kind::include) {
      if (depth < 0 || include_ == nullptr || !*include_) return;
      for (const auto& a : s.args) {
        const std::string pattern = a.starts_with("/") ? a : "/etc/ssh/" + a;
        auto got = (*include_)(pattern);
        if (!got) {
          diag.add(file, lineno, "Include " + pattern + ": " + got.error().message);
          continue;
        }
        for (const auto& inc : *got) {
          if (depth + 1 > limits::kMaxIncludeDepth) {
            diag.add(file, lineno, "Include depth limit exceeded");
            return;
          }
          int inner = block;
          run(inc.name, inc.text, inner, depth + 1);
        }
      }
      return;
    }
    if (auto err = detail::check_args(k, s.keyword, s.args); !err.empty()) {
      // sshd words a few of these differently from ssh.
      if (!err.starts_with("keyword ")) {
        if (k.kind == Kind::port) err = "Badly formatted port number.";
        if (k.kind == Kind::integer) err = s.keyword + " integer value invalid.";
        if (k.canon == "syslogfacility") err = "unsupported log facility '" + s.args[0] + "'";
      }
      diag.add(file, lineno, err);
      return;
    }
    if (f.lines_.size() >= limits::kMaxConfigArgs * 16) {
      diag.add(file, lineno, "too many lines");
      return;
    }
    if (k.kind == Kind::subsystem) {
      for (const auto& l : f.lines_) {
        if (l.keyword == "subsystem" && l.args[0] == s.args[0]) {
          diag.add(file, lineno, "Subsystem '" + s.args[0] + "' already defined.");
          return;
        }
      }
    }
    if (k.canon == "port" && depth >= 0 && f.ports_from_command_line_) return;
    const bool cumul = k.kind == Kind::cumulative || k.kind == Kind::cumul_multi || k.kind == Kind::subsystem ||
                       k.canon == "port" || k.canon == "listenaddress";
    std::string rest;
    if (k.kind == Kind::rest) rest = rest_of_line(line);
    f.lines_.push_back({std::string(k.canon), s.args, std::move(rest), block, cumul});
  }

  const IncludeResolver* include_ = nullptr;
};

Result<ServerConfigFile> ServerConfigFile::parse(std::string_view name, std::string_view text,
                                                 const IncludeResolver& include,
                                                 const std::vector<std::string>& command_line,
                                                 bool ports_from_command_line) {
  ServerConfigFile f;
  f.ports_from_command_line_ = ports_from_command_line;
  Diagnostics diag;
  ServerParser p{f, diag};
  p.include_ = &include;
  int block = -1;
  for (const auto& o : command_line) p.process("command-line", 0, o, block, -1);
  if (diag.bad) return std::unexpected(diag.to_error("command-line"));
  p.run(name, text, block, 0);
  if (diag.bad) return std::unexpected(diag.to_error(name));
  return f;
}

bool ServerConfigFile::sets(std::string_view keyword) const {
  for (const auto& l : lines_) {
    if (l.block < 0 && l.keyword == keyword) return true;
  }
  return false;
}

Result<ServerConfig> ServerConfigFile::global() const { return evaluate(nullptr, nullptr); }

Result<ServerConfig> ServerConfigFile::for_connection(const ConnectionInfo& conn, const GroupLookup& groups) const {
  return evaluate(&conn, &groups);
}

std::optional<std::string> ServerConfig::get(std::string_view keyword) const {
  auto it = other.find(std::string(keyword));
  if (it == other.end() || it->second.empty()) return std::nullopt;
  return it->second.front();
}

}  // namespace skiff::config
