#include "options.hpp"

#include <cctype>
#include <charconv>
#include <map>

#include "config/config_text.hpp"
#include "config/ssh_config.hpp"
#include "transport/algorithms.hpp"

namespace skiff::cli {
namespace {

constexpr std::string_view kUsage =
    "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface]\n"
    "           [-b bind_address] [-c cipher_spec] [-D [bind_address:]port]\n"
    "           [-E log_file] [-e escape_char] [-F configfile] [-I pkcs11]\n"
    "           [-i identity_file] [-J [user@]host[:port]] [-L address]\n"
    "           [-l login_name] [-m mac_spec] [-O ctl_cmd] [-o option] [-p port]\n"
    "           [-Q query_option] [-R address] [-S ctl_path] [-W host:port]\n"
    "           [-w local_tun[:remote_tun]] destination [command [argument ...]]\n";

// ssh's getopt string: a letter followed by ':' takes an argument.
constexpr std::string_view kOptString = "1246ab:c:e:fgi:kl:m:no:p:qstvxAB:CD:E:F:GI:J:KL:MNO:PQ:R:S:TVw:W:XYy";

std::unexpected<Error> bad(std::string text) { return fail(Errc::invalid_argument, std::move(text)); }
std::unexpected<Error> usage(std::string before = {}) { return bad(before + std::string(kUsage)); }

// A value as one ssh_config argument: quoted, with the characters the line splitter
// treats specially escaped.
std::string quote(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// a2port: 1..65535, digits only.
std::optional<int> to_port(std::string_view s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || p != s.data() + s.size() || v <= 0 || v > 65535) return std::nullopt;
  return v;
}

std::optional<std::string> url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
      continue;
    }
    if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      return std::nullopt;
    }
    int v = std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16);
    if (v == 0) return std::nullopt;  // ssh refuses %00
    out.push_back(static_cast<char>(v));
    i += 2;
  }
  return out;
}

// ssh's valid_domain(): starts with a letter or digit; letters, digits, '-', '_' and
// single '.' separators.
bool valid_domain(std::string_view h) {
  if (h.empty() || !std::isalnum(static_cast<unsigned char>(h.front()))) return false;
  char last = 0;
  for (char c : h) {
    if (last == '.' && c == '.') return false;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') return false;
    last = c;
  }
  return true;
}

struct Uri {
  std::optional<std::string> user;
  std::string host;
  std::optional<int> port;
};

// ssh://[user[;params]@]host[:port]: nullopt when arg is not such a URI; an error when
// it is one but malformed or has a path (ssh then prints the usage).
Result<std::optional<Uri>> parse_ssh_uri(std::string_view arg) {
  if (!arg.starts_with("ssh://")) return std::optional<Uri>{};
  std::string_view rest = arg.substr(6);
  Uri uri;
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    std::string_view info = rest.substr(0, at);
    info = info.substr(0, info.find(';'));
    if (info.empty()) return usage();
    auto user = url_decode(info);
    if (!user) return usage();
    uri.user = *user;
    rest = rest.substr(at + 1);
  }
  std::string_view host;
  if (rest.starts_with("[")) {
    auto close = rest.find(']');
    if (close == std::string_view::npos) return usage();
    host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    if (!rest.empty() && rest.front() != ':' && rest.front() != '/') return usage();
  } else {
    auto end = rest.find_first_of(":/");
    host = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  }
  if (host.empty() || !valid_domain(host)) return usage();
  if (host.ends_with(".")) host.remove_suffix(1);  // as valid_domain() trims it
  uri.host = std::string(host);
  if (rest.starts_with(":")) {
    rest.remove_prefix(1);
    auto slash = rest.find('/');
    auto port = to_port(rest.substr(0, slash));
    if (!port) return usage();
    uri.port = *port;
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  }
  if (rest.starts_with("/")) rest.remove_prefix(1);
  if (!rest.empty()) return usage();  // a path: not for ssh
  return std::optional<Uri>{std::move(uri)};
}

// A -L/-R spec's fields, split on ':' outside brackets (ssh's hpdelim).
std::vector<std::string> forward_fields(std::string_view spec) {
  std::vector<std::string> f(1);
  int depth = 0;
  for (char c : spec) {
    if (c == '[') depth++;
    if (c == ']' && depth > 0) depth--;
    if (c == ':' && depth == 0) {
      f.emplace_back();
    } else {
      f.back().push_back(c);
    }
  }
  return f;
}

// -L/-R "[bind:]port:host:hostport" as the two arguments of LocalForward/RemoteForward;
// -R with one or two fields is a remote dynamic forward ("RemoteForward [bind:]port").
std::optional<std::string> forward_line(std::string_view keyword, std::string_view spec, bool allow_dynamic) {
  auto f = forward_fields(spec);
  for (const auto& x : f) {
    if (x.empty()) return std::nullopt;
  }
  std::string line = std::string(keyword) + " ";
  // "port:/remote/path" and "/local/path:/remote/path" (Unix socket forms).
  if (f.size() == 2 && (f[0].find('/') != std::string::npos || f[1].find('/') != std::string::npos)) {
    return line + quote(f[0]) + " " + quote(f[1]);
  }
  if (allow_dynamic && f.size() <= 2) return line + quote(spec);
  if (f.size() == 3) return line + quote(f[0]) + " " + quote(f[1] + ":" + f[2]);
  if (f.size() == 4) return line + quote(f[0] + ":" + f[1]) + " " + quote(f[2] + ":" + f[3]);
  return std::nullopt;
}

// Options ssh sets outright from flags, keyed by keyword, in first-seen order.
class Overrides {
 public:
  void set(std::string_view keyword, std::string value) {
    for (auto& [k, v] : items_) {
      if (k == keyword) {
        v = std::move(value);
        return;
      }
    }
    items_.emplace_back(std::string(keyword), std::move(value));
  }
  std::optional<std::string> get(std::string_view keyword) const {
    for (const auto& [k, v] : items_) {
      if (k == keyword) return v;
    }
    return std::nullopt;
  }
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// ssh's SyslogLevel order.
constexpr const char* kLogLevels[] = {"QUIET", "FATAL", "ERROR", "INFO", "VERBOSE", "DEBUG1", "DEBUG2", "DEBUG3"};
constexpr int kDebug1 = 5;

// Whether an ordered line (an -o or a flag's) sets keyword already.
bool sets(const std::vector<std::string>& lines, std::string_view keyword) {
  for (const auto& l : lines) {
    auto split = config::split_line(l);
    if (split && *split && (*split)->lower == keyword) return true;
  }
  return false;
}

}  // namespace

std::string_view usage_text() { return kUsage; }

Result<CommandLine> parse_command_line(std::span<const std::string> args, std::string_view home,
                                       const FileCheck& check_identity_file) {
  CommandLine cl;
  Overrides over;
  std::vector<std::string> ordered;
  bool have_host = false;
  bool terminated = false;
  std::optional<std::string> session_type;
  bool debug_flag = false;
  int log_level = 3;  // INFO
  std::size_t i = 0;

  // One getopt(3) run from args[i], OpenBSD style (no permutation).
  auto run_getopt = [&]() -> Result<void> {
    while (i < args.size()) {
      const std::string& a = args[i];
      if (a == "--") {
        ++i;
        terminated = true;
        return {};
      }
      if (a.size() < 2 || a[0] != '-') return {};
      ++i;
      for (std::size_t k = 1; k < a.size(); ++k) {
        char opt = a[k];
        auto pos = kOptString.find(opt);
        if (opt == ':' || pos == std::string_view::npos) {
          return usage("unknown option -- " + std::string(1, opt) + "\r\n");
        }
        std::string arg;
        bool takes_arg = pos + 1 < kOptString.size() && kOptString[pos + 1] == ':';
        if (takes_arg) {
          if (k + 1 < a.size()) {
            arg = a.substr(k + 1);
          } else if (i < args.size()) {
            arg = args[i++];
          } else {
            return usage("option requires an argument -- " + std::string(1, opt) + "\r\n");
          }
          k = a.size();
        }
        switch (opt) {
          case '1':
            return bad("SSH protocol v.1 is no longer supported\r\n");
          case '2':
          case 'P':
            break;
          case '4':
            over.set("AddressFamily", "inet");
            break;
          case '6':
            over.set("AddressFamily", "inet6");
            break;
          case 'n':
            over.set("StdinNull", "yes");
            break;
          case 'f':
            over.set("ForkAfterAuthentication", "yes");
            over.set("StdinNull", "yes");
            break;
          case 'x':
            over.set("ForwardX11", "no");
            break;
          case 'X':
            over.set("ForwardX11", "yes");
            break;
          case 'Y':
            over.set("ForwardX11", "yes");
            over.set("ForwardX11Trusted", "yes");
            break;
          case 'y':
            cl.use_syslog = true;
            break;
          case 'E':
            cl.log_file = arg;
            break;
          case 'G':
            cl.print_config = true;
            break;
          case 'g':
            over.set("GatewayPorts", "yes");
            break;
          case 'O': {
            if (cl.stdio_forward) return bad("Cannot specify multiplexing command with -W\r\n");
            if (cl.mux_command) return bad("Multiplexing command already specified\r\n");
            static constexpr std::string_view kMux[] = {"check", "forward", "exit", "stop", "cancel", "proxy"};
            bool ok = false;
            for (auto m : kMux) ok = ok || arg == m;
            if (!ok) return bad("Invalid multiplex command.\r\n");
            cl.mux_command = arg;
            break;
          }
          case 'Q':
            cl.query = arg;  // answered at once, as ssh does
            return {};
          case 'a':
            over.set("ForwardAgent", "no");
            break;
          case 'A':
            over.set("ForwardAgent", "yes");
            break;
          case 'k':
            over.set("GSSAPIDelegateCredentials", "no");
            break;
          case 'K':
            over.set("GSSAPIAuthentication", "yes");
            over.set("GSSAPIDelegateCredentials", "yes");
            break;
          case 'i': {
            std::string p = config::expand_tilde(arg, home);
            if (auto why = check_identity_file(p)) {
              cl.warnings.push_back("Warning: Identity file " + p + " not accessible: " + *why + ".\n");
            } else {
              ordered.push_back("IdentityFile " + quote(p));
            }
            break;
          }
          case 'I':
            over.set("PKCS11Provider", quote(arg));
            break;
          case 'J':
            if (over.get("ProxyJump")) {
              return bad("Only a single -J option is permitted (use commas to separate multiple jump hops)\r\n");
            }
            over.set("ProxyJump", quote(arg));
            break;
          case 't':
            over.set("RequestTTY", over.get("RequestTTY") == "yes" ? "force" : "yes");
            break;
          case 'v':
            // ssh's arithmetic on its level: a -q between two -v leaves FATAL.
            if (!debug_flag) {
              debug_flag = true;
              cl.debug_level = 1;
              log_level = kDebug1;
            } else if (log_level < kDebug1 + 2) {
              cl.debug_level++;
              log_level++;
            }
            over.set("LogLevel", kLogLevels[log_level]);
            break;
          case 'V':
            cl.print_version = true;
            return {};
          case 'w':
            cl.tunnel = arg;
            over.set("Tunnel", "yes");
            over.set("TunnelDevice", quote(arg));
            break;
          case 'W':
            if (cl.stdio_forward) return bad("stdio forward already specified\r\n");
            if (cl.mux_command) return bad("Cannot specify stdio forward with -O\r\n");
            if (forward_fields(arg).size() != 2 || arg.starts_with(":") || arg.ends_with(":")) {
              return bad("Bad stdio forwarding specification '" + arg + "'\n");
            }
            cl.stdio_forward = arg;
            over.set("RequestTTY", "no");
            session_type = "none";
            break;
          case 'q':
            log_level = 0;
            over.set("LogLevel", "QUIET");
            break;
          case 'e':
            if (!(arg.size() == 2 && arg[0] == '^' && static_cast<unsigned char>(arg[1]) >= 64 &&
                  static_cast<unsigned char>(arg[1]) < 128) &&
                arg.size() != 1 && arg != "none") {
              return bad("Bad escape character '" + arg + "'.\n");
            }
            over.set("EscapeChar", quote(arg));
            break;
          case 'c': {
            std::string_view list = arg;
            if (list.starts_with("+") || list.starts_with("^")) list.remove_prefix(1);
            if (list.starts_with("-") || !transport::apply_algorithm_spec(transport::AlgorithmKind::cipher, list)) {
              return bad("Unknown cipher type '" + arg + "'\n");
            }
            over.set("Ciphers", quote(arg));
            break;
          }
          case 'm':
            if (arg.starts_with("-") || !transport::apply_algorithm_spec(transport::AlgorithmKind::mac, arg)) {
              return bad("Unknown mac type '" + arg + "'\n");
            }
            over.set("MACs", quote(arg));
            break;
          case 'M':
            over.set("ControlMaster", over.get("ControlMaster") == "yes" ? "ask" : "yes");
            break;
          case 'p':
            // ssh ignores (without checking) a -p after the port was set.
            if (!sets(ordered, "port")) {
              if (!to_port(arg)) return bad("Bad port '" + arg + "'\n");
              ordered.push_back("Port " + arg);
            }
            break;
          case 'l':
            ordered.push_back("User " + quote(arg));
            break;
          case 'L':
            if (auto line = forward_line("LocalForward", arg, false)) {
              ordered.push_back(*line);
            } else {
              return bad("Bad local forwarding specification '" + arg + "'\n");
            }
            break;
          case 'R':
            if (auto line = forward_line("RemoteForward", arg, true)) {
              ordered.push_back(*line);
            } else {
              return bad("Bad remote forwarding specification '" + arg + "'\n");
            }
            break;
          case 'D':
            if (forward_fields(arg).size() > 2 || arg.empty() || arg.ends_with(":")) {
              return bad("Bad dynamic forwarding specification '" + arg + "'\n");
            }
            ordered.push_back("DynamicForward " + quote(arg));
            break;
          case 'C':
            over.set("Compression", "yes");
            break;
          case 'N':
            if (session_type && session_type != "none") return bad("Cannot specify -N with -s/SessionType\r\n");
            session_type = "none";
            over.set("RequestTTY", "no");
            break;
          case 'T':
            over.set("RequestTTY", "no");
            break;
          case 'o':
            ordered.push_back(arg);
            break;
          case 's':
            if (session_type && session_type != "subsystem") return bad("Cannot specify -s with -N/SessionType\r\n");
            session_type = "subsystem";
            break;
          case 'S':
            over.set("ControlPath", quote(arg));
            break;
          case 'b':
            over.set("BindAddress", quote(arg));
            break;
          case 'B':
            over.set("BindInterface", quote(arg));
            break;
          case 'F':
            cl.config_file = arg;
            break;
        }
      }
    }
    return {};
  };

  for (;;) {
    if (auto r = run_getopt(); !r) return std::unexpected(r.error());
    if (cl.print_version || cl.query) return cl;
    if (have_host || i >= args.size()) break;
    // The destination.
    const std::string& dest = args[i++];
    auto uri = parse_ssh_uri(dest);
    if (!uri) return std::unexpected(uri.error());
    if (*uri) {
      cl.host = (*uri)->host;
      if ((*uri)->user) ordered.push_back("User " + quote(*(*uri)->user));
      if ((*uri)->port) ordered.push_back("Port " + std::to_string(*(*uri)->port));
    } else if (auto at = dest.rfind('@'); at != std::string::npos) {
      if (at == 0) return usage();
      ordered.push_back("User " + quote(dest.substr(0, at)));
      cl.host = dest.substr(at + 1);
    } else {
      cl.host = dest;
    }
    have_host = true;
    if (terminated) break;
  }
  if (!have_host) return usage();

  for (; i < args.size(); ++i) {
    if (cl.has_command) cl.command.push_back(' ');
    cl.command += args[i];
    cl.has_command = true;
  }
  if (!cl.has_command && session_type == "subsystem") {
    return usage("You must specify a subsystem to invoke.\n");
  }
  if (session_type) over.set("SessionType", *session_type);
  cl.log_level = kLogLevels[log_level];

  for (const auto& [k, v] : over.items()) cl.config_lines.push_back(k + " " + v);
  for (auto& l : ordered) cl.config_lines.push_back(std::move(l));
  return cl;
}

}  // namespace skiff::cli
