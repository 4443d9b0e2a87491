#include "skiff-scp/options.hpp"

#include <cerrno>
#include <cstdlib>

namespace skiff::scp_cli {
namespace {

Exit usage() { return Exit{1, usage_text()}; }

bool parse_port(const std::string& s, int& port) {
  if (s.empty() || s.size() > 5) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  port = std::atoi(s.c_str());
  return port > 0 && port <= 65535;
}

}  // namespace

std::string usage_text() {
  return "usage: scp [-346ABCOpqRrsTv] [-c cipher] [-D sftp_server_path] [-F ssh_config]\n"
         "           [-i identity_file] [-J destination] [-l limit] [-o ssh_option]\n"
         "           [-P port] [-S program] source ... target\n";
}

std::variant<Options, Exit> parse_options(const std::vector<std::string>& args, const std::string& ssh_program_default) {
  Options o;
  o.ssh_program = ssh_program_default;
  // Flags taking an argument, as in scp's getopt string "12346ABCTdfOpqRrstvD:F:J:P:S:c:i:l:o:".
  const std::string with_arg = "DFJPScilo";
  const std::string plain = "12346ABCTdfOpqRrstv";
  std::size_t i = 1;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.size() < 2 || a[0] != '-') break;
    for (std::size_t k = 1; k < a.size(); ++k) {
      const char f = a[k];
      if (with_arg.find(f) != std::string::npos) {
        std::string value;
        if (k + 1 < a.size()) {
          value = a.substr(k + 1);
        } else if (i + 1 < args.size()) {
          value = args[++i];
        } else {
          return Exit{1, std::string("scp: option requires an argument -- ") + f + "\n" + usage_text()};
        }
        switch (f) {
          case 'D': o.sftp_direct = value; break;
          case 'S': o.ssh_program = value; break;
          case 'P':
            if (!parse_port(value, o.port)) return Exit{1, "scp: invalid port: " + value + "\n"};
            break;
          case 'l': {
            // scp: strtonum(optarg, 1, 100 * 1024 * 1024); anything else is a usage error.
            char* end = nullptr;
            errno = 0;
            unsigned long long v = std::strtoull(value.c_str(), &end, 10);
            if (value.empty() || value[0] == '-' || *end != '\0' || errno != 0 || v < 1 || v > 100ull * 1024 * 1024)
              return usage();
            o.limit_kbps = v;
            break;
          }
          default:  // c F i J o: straight to the SSH program
            o.ssh_args.push_back(std::string("-") + f);
            o.ssh_args.push_back(value);
        }
        break;  // the rest of this word was the value
      }
      if (plain.find(f) == std::string::npos) return Exit{1, std::string("scp: unknown option -- ") + f + "\n" + usage_text()};
      switch (f) {
        case '1': case '2': break;  // ignored, as scp does
        case '3': o.through_local = true; break;
        case '4': case '6': case 'A': case 'C': o.ssh_args.push_back(std::string("-") + f); break;
        case 'B': o.ssh_args.push_back("-oBatchmode=yes"); break;
        case 'O': o.mode = Mode::legacy; break;
        case 's': o.mode = Mode::sftp; break;
        case 'p': o.preserve = true; break;
        case 'q': o.quiet = true; break;
        case 'R': o.through_local = false; break;
        case 'r': o.recursive = true; break;
        case 'T': o.no_strict_names = true; break;
        case 'd': o.target_must_be_dir = true; break;
        case 'f': o.source_mode = true; o.mode = Mode::legacy; break;
        case 't': o.sink_mode = true; o.mode = Mode::legacy; break;
        case 'v': ++o.verbosity; o.ssh_args.push_back("-v"); break;
      }
    }
  }
  o.operands.assign(args.begin() + static_cast<std::ptrdiff_t>(std::min(i, args.size())), args.end());
  if (o.sink_mode && o.source_mode) return usage();
  if (o.sink_mode || o.source_mode) return o;  // the server side takes what it is given
  if (o.operands.size() < 2) return usage();
  return o;
}

std::variant<std::monostate, Remote, BadLocation> parse_location(const std::string& operand) {
  Remote r;
  static const std::string scheme = "scp://";
  if (operand.compare(0, scheme.size(), scheme) == 0) {
    std::string rest = operand.substr(scheme.size());
    auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    r.path = slash == std::string::npos ? "" : rest.substr(slash + 1);
    if (auto at = authority.rfind('@'); at != std::string::npos) {
      r.user = authority.substr(0, at);
      authority = authority.substr(at + 1);
      if (r.user->empty() || r.user->find(';') != std::string::npos) return BadLocation{"scp: invalid uri \"" + operand + "\""};
    }
    std::string port_text;
    if (!authority.empty() && authority[0] == '[') {
      auto close = authority.find(']');
      if (close == std::string::npos) return BadLocation{"scp: invalid uri \"" + operand + "\""};
      r.host = authority.substr(1, close - 1);
      if (close + 1 < authority.size()) {
        if (authority[close + 1] != ':') return BadLocation{"scp: invalid uri \"" + operand + "\""};
        port_text = authority.substr(close + 2);
      }
    } else if (auto colon = authority.find(':'); colon != std::string::npos) {
      r.host = authority.substr(0, colon);
      port_text = authority.substr(colon + 1);
    } else {
      r.host = authority;
    }
    if (r.host.empty() || (!port_text.empty() && !parse_port(port_text, r.port)))
      return BadLocation{"scp: invalid uri \"" + operand + "\""};
    return r;
  }
  // colon(): "[addr]:" or the first ':' before any '/'.
  std::size_t colon = std::string::npos;
  if (!operand.empty() && operand[0] == ':') return std::monostate{};
  if (!operand.empty() && operand[0] == '[') {
    auto close = operand.find(']');
    if (close != std::string::npos && close + 1 < operand.size() && operand[close + 1] == ':') colon = close + 1;
  }
  if (colon == std::string::npos) {
    for (std::size_t k = 0; k < operand.size(); ++k) {
      if (operand[k] == '/') return std::monostate{};
      if (operand[k] == ':') {
        colon = k;
        break;
      }
    }
  }
  if (colon == std::string::npos) return std::monostate{};
  std::string host = operand.substr(0, colon);
  r.path = operand.substr(colon + 1);
  if (auto at = host.rfind('@'); at != std::string::npos) {
    r.user = host.substr(0, at);
    host = host.substr(at + 1);
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  r.host = host;
  return r;
}

std::vector<std::string> ssh_argv(const Options& o, const Remote& remote, const std::string& command, bool subsystem) {
  std::vector<std::string> argv{o.ssh_program, "-x", "-oPermitLocalCommand=no", "-oClearAllForwardings=yes",
                                "-oRequestTTY=no", "-oForwardAgent=no"};
  argv.insert(argv.end(), o.ssh_args.begin(), o.ssh_args.end());
  const int port = remote.port != -1 ? remote.port : o.port;
  if (port != -1) {
    argv.push_back("-p");
    argv.push_back(std::to_string(port));
  }
  if (remote.user) {
    argv.push_back("-l");
    argv.push_back(*remote.user);
  }
  if (subsystem) argv.push_back("-s");
  argv.push_back("--");
  argv.push_back(remote.host);
  argv.push_back(subsystem ? "sftp" : command);
  return argv;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string remote_scp_command(const Options& o, bool to_sink, bool target_dir, const std::string& path) {
  std::string cmd = "scp";
  if (o.verbosity > 0) cmd += " -v";
  if (o.recursive) cmd += " -r";
  if (o.preserve) cmd += " -p";
  if (target_dir) cmd += " -d";
  cmd += to_sink ? " -t" : " -f";
  // scp leaves the path to the remote shell (globs work), and guards a leading '-'.
  cmd += " -- ";
  cmd += path.empty() ? "." : path;
  return cmd;
}

}  // namespace skiff::scp_cli
