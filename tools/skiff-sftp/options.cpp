#include "skiff-sftp/options.hpp"

#include <cctype>
#include <charconv>
#include <cstring>

namespace skiff::sftp_cli {
namespace {

constexpr std::string_view kOptstring = "1246AafhNpqrvCc:D:i:l:o:s:S:b:B:F:J:P:R:X:";

bool takes_argument(char c) {
  auto pos = kOptstring.find(c);
  return pos != std::string_view::npos && pos + 1 < kOptstring.size() && kOptstring[pos + 1] == ':';
}

std::optional<long long> to_number(std::string_view s, int base = 10) {
  long long v = 0;
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// a2port: 1..65535.
int to_port(std::string_view s) {
  auto v = to_number(s);
  if (!v || *v <= 0 || *v > 65535) return -1;
  return static_cast<int>(*v);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::optional<std::string> url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string clean_host(std::string h) {
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') return h.substr(1, h.size() - 2);
  return h;
}

// misc.c colon(): the ':' that ends the host part, or npos (a '/' first means a local path).
std::size_t host_colon(std::string_view s) {
  if (s.empty() || s[0] == ':') return std::string_view::npos;
  bool bracket = s[0] == '[';
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '@' && i + 1 < s.size() && s[i + 1] == '[') bracket = true;
    if (s[i] == ']' && i + 1 < s.size() && s[i + 1] == ':' && bracket) return i + 1;
    if (s[i] == ':' && !bracket) return i;
    if (s[i] == '/') return std::string_view::npos;
  }
  return std::string_view::npos;
}

// -D's command as argv_split() splits it: blanks separate, quotes and backslashes group.
std::vector<std::string> split_command(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  bool have = false;
  char quote = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
      else if (c == '\\' && i + 1 < s.size()) cur += s[++i];
      else cur += c;
    } else if (c == ' ' || c == '\t') {
      if (have) out.push_back(cur), cur.clear(), have = false;
    } else if (c == '"' || c == '\'') {
      quote = c, have = true;
    } else if (c == '\\' && i + 1 < s.size()) {
      cur += s[++i], have = true;
    } else {
      cur += c, have = true;
    }
  }
  if (have) out.push_back(cur);
  return out;
}

}  // namespace

std::string usage_text(const std::string& progname) {
  return "usage: " + progname +
         " [-46AaCfNpqrv] [-B buffer_size] [-b batchfile] [-c cipher]\n"
         "          [-D sftp_server_command] [-F ssh_config] [-i identity_file]\n"
         "          [-J destination] [-l limit] [-o ssh_option] [-P port]\n"
         "          [-R num_requests] [-S program] [-s subsystem | sftp_server]\n"
         "          [-X sftp_option] destination\n";
}

std::optional<Destination> parse_destination(const std::string& text) {
  Destination d;
  constexpr std::string_view scheme = "sftp://";
  if (text.compare(0, scheme.size(), scheme) == 0) {
    std::string rest = text.substr(scheme.size());
    if (auto at = rest.find('@'); at != std::string::npos) {
      std::string user = rest.substr(0, at);
      if (auto semi = user.find(';'); semi != std::string::npos) user.resize(semi);  // connection params ignored
      if (user.empty()) return std::nullopt;
      auto decoded = url_decode(user);
      if (!decoded) return std::nullopt;
      d.user = *decoded;
      rest = rest.substr(at + 1);
    }
    std::string host;
    std::size_t pos = 0;
    if (!rest.empty() && rest[0] == '[') {
      auto close = rest.find(']');
      if (close == std::string::npos) return std::nullopt;
      host = rest.substr(1, close - 1);
      pos = close + 1;
    } else {
      pos = rest.find_first_of(":/");
      if (pos == std::string::npos) pos = rest.size();
      host = rest.substr(0, pos);
    }
    if (host.empty()) return std::nullopt;
    for (char c : host) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == ':')) {
        return std::nullopt;
      }
    }
    d.host = host;
    if (pos < rest.size() && rest[pos] == ':') {
      auto slash = rest.find('/', pos + 1);
      d.port = to_port(std::string_view(rest).substr(pos + 1, slash == std::string::npos ? std::string::npos
                                                                                        : slash - pos - 1));
      if (d.port <= 0) return std::nullopt;
      pos = slash == std::string::npos ? rest.size() : slash;
    }
    if (pos < rest.size() && rest[pos] == '/' && pos + 1 < rest.size()) {
      auto decoded = url_decode(std::string_view(rest).substr(pos + 1));
      if (!decoded) return std::nullopt;
      d.path = *decoded;
    }
    return d;
  }
  std::string host_part = text;
  if (auto c = host_colon(text); c != std::string_view::npos) {
    std::string path = text.substr(c + 1);
    d.path = path.empty() ? "." : path;
    host_part = text.substr(0, c);
  }
  if (auto at = host_part.rfind('@'); at != std::string::npos) {
    if (at > 0) d.user = host_part.substr(0, at);
    d.host = clean_host(host_part.substr(at + 1));
  } else {
    d.host = clean_host(host_part);
  }
  return d;
}

std::variant<Options, Exit> parse_options(const std::vector<std::string>& args, const std::string& ssh_program_default,
                                          const std::string& progname) {
  Options o;
  std::string ssh_program = ssh_program_default;
  std::vector<std::string> ssh_args = {"-oForwardX11 no", "-oPermitLocalCommand no", "-oClearAllForwardings yes"};
  std::optional<std::string> direct, server;
  bool noisy = false;
  int port = -1;
  auto usage = [&] { return Exit{1, usage_text(progname)}; };
  auto fatal = [&](const std::string& m) { return Exit{1, progname + ": " + m + "\n"}; };

  std::size_t i = 1;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.size() < 2 || a[0] != '-') break;  // no permutation: the first operand ends the options
    for (std::size_t k = 1; k < a.size(); ++k) {
      const char c = a[k];
      if (kOptstring.find(c) == std::string_view::npos || c == ':') {
        return Exit{1, progname + ": unknown option -- " + std::string(1, c) + "\n" + usage_text(progname)};
      }
      std::string arg;
      if (takes_argument(c)) {
        if (k + 1 < a.size()) {
          arg = a.substr(k + 1);
        } else if (i + 1 < args.size()) {
          arg = args[++i];
        } else {
          return Exit{1, progname + ": option requires an argument -- " + std::string(1, c) + "\n" +
                             usage_text(progname)};
        }
        k = a.size();
      }
      switch (c) {
        case 'A': case '4': case '6': case 'C':
          ssh_args.push_back(std::string("-") + c);
          break;
        case 'F': case 'J': case 'c': case 'i': case 'o':
          ssh_args.push_back(std::string("-") + c);
          ssh_args.push_back(arg);
          break;
        case 'q':
          o.quiet = o.log_quiet = true;
          o.show_progress = false;
          ssh_args.push_back("-q");
          break;
        case 'P':
          port = to_port(arg);
          if (port <= 0) return fatal("Bad port \"" + arg + "\"\n");
          break;
        case 'v':
          if (o.verbosity < 3) ssh_args.push_back("-v");
          ++o.verbosity;
          break;
        case '1': return fatal("SSH protocol v.1 is no longer supported");
        case '2': break;
        case 'a': o.global_resume = true; break;
        case 'B': {
          auto v = to_number(arg);
          if (!v || *v <= 0) return fatal("Invalid buffer size \"" + arg + "\"");
          o.buffer_size = static_cast<std::size_t>(*v);
          break;
        }
        case 'b':
          if (o.batch_file) return fatal("Batch file already specified.");
          o.batch_file = arg;
          o.show_progress = false;
          o.quiet = true;
          ssh_args.push_back("-obatchmode yes");
          break;
        case 'f': o.global_fsync = true; break;
        case 'N': noisy = true; break;
        case 'p': o.global_preserve = true; break;
        case 'D': direct = arg; break;
        case 'l': {
          auto v = to_number(arg);
          if (!v || *v < 1 || *v > 100LL * 1024 * 1024) return usage();
          o.limit_bits_per_second = static_cast<unsigned long long>(*v) * 1024;
          break;
        }
        case 'r': o.global_recursive = true; break;
        case 'R': {
          auto v = to_number(arg);
          if (!v || *v <= 0) return fatal("Invalid number of requests \"" + arg + "\"");
          o.num_requests = static_cast<std::size_t>(*v);
          break;
        }
        case 's': server = arg; break;
        case 'S': ssh_program = arg; break;
        case 'X':
          if (arg.rfind("buffer=", 0) == 0) {
            auto v = to_number(std::string_view(arg).substr(7));
            if (!v || *v <= 0 || *v > 256 * 1024) return fatal("Invalid buffer size \"" + arg.substr(7) + "\"");
            o.buffer_size = static_cast<std::size_t>(*v);
          } else if (arg.rfind("nrequests=", 0) == 0) {
            auto v = to_number(std::string_view(arg).substr(10));
            if (!v || *v < 1 || *v > 256 * 1024) return fatal("Invalid number of requests \"" + arg.substr(10) + "\"");
            o.num_requests = static_cast<std::size_t>(*v);
          } else {
            return fatal("Invalid -X option");
          }
          break;
        case 'h':
        default: return usage();
      }
    }
  }
  ssh_args.push_back("-oForwardAgent no");  // last, so that -o can still set it first
  if (noisy) o.quiet = false;

  if (direct) {
    o.direct = true;
    o.child_argv = split_command(*direct);
    if (o.child_argv.empty()) return fatal("No sftp server specified via -D");
    o.target_label = *direct;
    return o;
  }
  if (i == args.size() || args.size() > i + 2) return usage();
  auto dest = parse_destination(args[i]);
  if (!dest) return usage();
  if (dest->host.empty()) return Exit{1, "Missing hostname\n" + usage_text(progname)};
  if (dest->port != -1) port = dest->port;
  o.file1 = dest->path;
  if (i + 1 < args.size()) o.file2 = args[i + 1];
  o.child_argv.push_back(ssh_program);
  o.child_argv.insert(o.child_argv.end(), ssh_args.begin(), ssh_args.end());
  if (port != -1) o.child_argv.push_back("-oPort " + std::to_string(port));
  if (dest->user) {
    o.child_argv.push_back("-l");
    o.child_argv.push_back(*dest->user);
  }
  // A server given as a path runs as a command; anything else is a subsystem name.
  if (!server || server->find('/') == std::string::npos) o.child_argv.push_back("-s");
  o.child_argv.push_back("--");
  o.child_argv.push_back(dest->host);
  o.child_argv.push_back(server ? *server : "sftp");
  o.target_label = dest->host;
  return o;
}

}  // namespace skiff::sftp_cli
