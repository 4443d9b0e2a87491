// skiff: ssh(1). Everything up to connecting: options, configuration, -G, -V, -Q,
// the session decisions and the identities; then connection.hpp runs the connection.
#include <fcntl.h>
#include <glob.h>
#include <strings.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <skiff/version.hpp>

#include "config/ssh_config.hpp"
#include "connection.hpp"
#include "mux_setup.hpp"
#include "crypto/library_version.hpp"
#include "forward_spec.hpp"
#include "identities.hpp"
#include "options.hpp"
#include "session_policy.hpp"
#include "transport/algorithms.hpp"

namespace {

using namespace skiff;

// ssh's log: stderr (or the -E file), lines ended by "\r\n", shown when their level
// is within LogLevel (QUIET < FATAL < ERROR < INFO < VERBOSE < DEBUG1..3).
enum Level { kQuiet, kFatal, kError, kInfo, kVerbose, kDebug1 };
struct Log {
  int fd = STDERR_FILENO;
  int level = kInfo;
} g_log;  // one per process, like ssh's; main() sets it up

int level_of(std::string_view name) {
  static constexpr std::string_view kNames[] = {"QUIET",   "FATAL",  "ERROR",  "INFO",
                                                "VERBOSE", "DEBUG1", "DEBUG2", "DEBUG3"};
  for (int i = 0; i < 8; ++i) {
    if (kNames[i] == name) return i;
  }
  return name == "DEBUG" ? kDebug1 : kInfo;
}

void log_at(int level, std::string_view text) {
  if (level > g_log.level) return;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string l(text.substr(0, nl));
    if (!l.empty() && l.back() == '\r') l.pop_back();
    l += "\r\n";
    [[maybe_unused]] auto n = write(g_log.fd, l.data(), l.size());
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  }
}

[[noreturn]] void fatal(std::string_view text) {
  log_at(kFatal, text);
  std::exit(255);
}

std::optional<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Result<std::vector<config::IncludedFile>> resolve_include(std::string_view pattern) {
  std::vector<config::IncludedFile> files;
  glob_t g{};
  std::string pat(pattern);
  int r = glob(pat.c_str(), GLOB_TILDE, nullptr, &g);
  if (r == 0) {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) {
      if (auto text = read_text_file(g.gl_pathv[i])) files.push_back({g.gl_pathv[i], std::move(*text)});
    }
  }
  globfree(&g);
  return files;
}

// Match exec runs the command with the user's shell, as ssh does, stdin and stdout
// kept away from the command.
bool run_match_exec(std::string_view command, const std::string& shell) {
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, STDIN_FILENO);
      dup2(devnull, STDOUT_FILENO);
    }
    std::string cmd(command);
    execl(shell.c_str(), shell.c_str(), "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return false;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int print_query(std::string_view what) {
  using transport::AlgorithmKind;
  std::vector<std::string> list;
  if (what == "cipher" || what == "Ciphers") {
    list = transport::supported_algorithms(AlgorithmKind::cipher);
  } else if (what == "mac" || what == "MACs") {
    list = transport::supported_algorithms(AlgorithmKind::mac);
  } else if (what == "kex" || what == "KexAlgorithms") {
    list = transport::supported_algorithms(AlgorithmKind::kex);
  } else if (what == "key" || what == "key-plain") {
    // Key types, not signature algorithms: RSA's SHA-2 signatures are not types.
    for (const auto& a : transport::supported_algorithms(AlgorithmKind::host_key)) {
      if (!a.starts_with("rsa-sha2-")) list.push_back(a);
    }
  } else if (what == "key-cert") {
    // skiff has no certificates.
  } else if (what == "key-sig" || what == "sig" || what == "HostKeyAlgorithms" || what == "PubkeyAcceptedAlgorithms" ||
             what == "PubkeyAcceptedKeyTypes" || what == "HostbasedAcceptedAlgorithms") {
    list = transport::supported_algorithms(AlgorithmKind::host_key);
  } else if (what == "compression") {
    list = transport::supported_algorithms(AlgorithmKind::compression);
  } else if (what == "protocol-version") {
    list = {"2"};
  } else if (what == "help") {
    list = {"cipher", "cipher-auth", "compression", "kex", "key", "key-cert", "key-plain", "key-sig", "mac",
            "protocol-version", "sig"};
  } else if (what == "cipher-auth") {
    for (const auto& a : transport::supported_algorithms(AlgorithmKind::cipher)) {
      if (a.find("gcm") != std::string::npos || a.starts_with("chacha20-poly1305")) list.push_back(a);
    }
  } else {
    fatal("Unsupported query \"" + std::string(what) + "\"");
  }
  for (const auto& a : list) std::printf("%s\n", a.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  skiff::crypto::skip_cleanup_at_exit();  // the process ends with the connection
  std::vector<std::string> args(argv + 1, argv + argc);
  struct passwd* pw = getpwuid(getuid());
  if (pw == nullptr) fatal("No user exists for uid " + std::to_string(getuid()));
  const std::string home = pw->pw_dir, local_user = pw->pw_name;
  const std::string shell = pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh";

  auto cl = cli::parse_command_line(args, home, [](const std::string& path) -> std::optional<std::string> {
    struct stat st {};
    if (stat(path.c_str(), &st) == 0) return std::nullopt;
    return std::strerror(errno);
  });
  if (!cl) {
    std::fputs(cl.error().message.c_str(), stderr);
    return 255;
  }
  const std::string version = std::string("skiff_") + kVersion + ", " + crypto::library_version();
  if (cl->print_version) {
    std::fprintf(stderr, "%s\n", version.c_str());
    return 0;
  }
  if (cl->query) return print_query(*cl->query);
  for (const auto& w : cl->warnings) std::fputs(w.c_str(), stderr);
  g_log.level = level_of(cl->log_level);
  if (cl->use_syslog && cl->log_file) fatal("Can't specify both -y and -E");
  if (cl->log_file) {
    // Only the log goes there; the session's stderr stays stderr.
    int fd = open(cl->log_file->c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
      // Before the log exists: a plain line and status 1, as ssh's log_redirect_stderr_to().
      std::fprintf(stderr, "Couldn't open logfile %s: %s\n", cl->log_file->c_str(), std::strerror(errno));
      return 1;
    }
    g_log.fd = fd;
  }

  // As ssh: the version at INFO once -v was given (a later -q can silence it).
  if (cl->debug_level > 0) {
    log_at(kInfo, version);
  }

  char hostbuf[256] = {};
  if (gethostname(hostbuf, sizeof hostbuf - 1) != 0) fatal(std::string("gethostname: ") + std::strerror(errno));
  config::ClientContext ctx;
  ctx.host = cl->host;
  ctx.local_user = local_user;
  ctx.home = home;
  ctx.local_host = hostbuf;
  ctx.local_short = ctx.local_host.substr(0, ctx.local_host.find('.'));
  ctx.uid = getuid();
  config::ClientConfigBuilder builder(ctx, resolve_include,
                                      [&](std::string_view command) { return run_match_exec(command, shell); });
  for (const auto& line : cl->config_lines) {
    if (auto r = builder.apply_line(line); !r) {
      // ssh stops at the first bad -o, printing its line without the "terminating" one.
      std::string_view msg = r.error().message;
      if (auto t = msg.find(": terminating,"); t != std::string_view::npos) msg = msg.substr(0, msg.rfind('\n', t));
      // ssh reads -o while parsing its flags, before its log level applies: always shown.
      log_at(kQuiet, msg);
      return 255;
    }
  }
  auto read_config = [&](const std::string& path, bool user_file, bool check_perm) -> bool {
    auto text = read_text_file(path);
    if (!text) return false;
    if (check_perm) {
      struct stat st {};
      if (stat(path.c_str(), &st) == 0 && ((st.st_uid != 0 && st.st_uid != getuid()) || (st.st_mode & 022) != 0)) {
        fatal("Bad owner or permissions on " + path);
      }
    }
    if (auto r = builder.read_file(path, *text, user_file); !r) fatal(r.error().message);
    return true;
  };
  if (cl->config_file) {
    if (strcasecmp(cl->config_file->c_str(), "none") != 0 && !read_config(*cl->config_file, true, false)) {
      fatal("Can't open user config file " + cl->config_file->substr(0, 100) + ": " + std::strerror(errno));
    }
  } else {
    read_config(home + "/.ssh/config", true, true);
    read_config("/etc/ssh/ssh_config", false, false);
  }
  auto cfg = builder.finish();
  if (!cfg) fatal(cfg.error().message);
  g_log.level = level_of(cfg->log_level);

  // What ssh expands once the configuration is known (and -G shows expanded).
  auto expand_kept = [&](std::string_view key, bool tilde) {
    auto it = cfg->other.find(std::string(key));
    if (it == cfg->other.end() || it->second.empty() || it->second.front() == "none") return;
    std::string v = tilde ? config::expand_tilde(it->second.front(), home) : it->second.front();
    auto e = config::expand_tokens(v, *cfg, ctx);
    if (!e) fatal(std::string(key) + ": " + e.error().message);
    it->second.front() = *e;
  };
  expand_kept("remotecommand", false);
  expand_kept("identityagent", true);
  cli::SessionFacts facts;
  facts.has_command = cl->has_command;
  // RemoteCommand none clears it, as ssh's CLEAR_ON_NONE.
  if (auto rc = cfg->get("remotecommand"); rc && *rc == "none") cfg->other.erase("remotecommand");
  facts.has_remote_command = cfg->get("remotecommand").has_value();
  facts.session_none = cfg->get("sessiontype") == "none";
  facts.fork_after_auth = cfg->get("forkafterauthentication") == "yes";
  facts.stdin_null = cfg->get("stdinnull") == "yes";
  facts.mux_non_proxy = cl->mux_command && *cl->mux_command != "proxy";
  facts.stdin_is_tty = isatty(STDIN_FILENO) != 0;
  if (cfg->connection_attempts <= 0) fatal("Invalid number of ConnectionAttempts");
  if (auto r = cli::check_session(facts); !r) fatal(r.error().message);
  cli::adjust_config(*cfg, facts, cl->stdio_forward.has_value());
  auto tty = cli::decide_tty(cfg->request_tty, facts);
  if (tty.warn_not_terminal) log_at(kInfo, cli::kNoPtyMessage);
  if (auto fwd = cfg->get("forwardagent"); fwd && !cli::is_yes_no(*fwd)) {
    expand_kept("forwardagent", true);
    const std::string sock = *cfg->get("forwardagent");
    struct stat st {};
    if (stat(sock.c_str(), &st) != 0) {
      log_at(kError, "Cannot forward agent socket path \"" + sock + "\": " + std::strerror(errno));
      if (cfg->get("exitonforwardfailure") == "yes") return 255;
    }
  }

  if (cl->print_config) {
    std::fputs(config::dump_client_config(*cfg).c_str(), stdout);
    return 0;
  }

  // ssh.c: ProxyJump becomes a ProxyCommand running this program with -W to the last hop.
  if (auto jump = cfg->get("proxyjump")) {
    char self[4096] = {};
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    cli::JumpInput j{*jump, n > 0 ? std::string(self, static_cast<std::size_t>(n)) : argv[0], cl->config_file,
                     cl->debug_level, cfg->hostname, cfg->port, cfg->user};
    auto command = cli::jump_proxy_command(j);
    if (!command) fatal(command.error().message);
    if (*command) {
      if (auto pc = cfg->get("proxycommand"); pc && strcasecmp(pc->c_str(), "none") != 0) {
        fatal("inconsistent options: ProxyCommand+ProxyJump");
      }
      log_at(kDebug1, "debug1: Setting implicit ProxyCommand from ProxyJump: " + **command);
      cfg->other["proxycommand"] = {**command};
    }
  }
  std::optional<cli::ForwardSpec> stdio_forward;
  if (cl->stdio_forward) {
    stdio_forward = cli::parse_forward(*cl->stdio_forward, true, false);
    if (!stdio_forward) fatal("Bad stdio forwarding specification '" + *cl->stdio_forward + "'");
  }

  auto ids = cli::collect_identities(*cfg, ctx, cli::system_identity_sources());
  for (const auto& w : ids.warnings) log_at(kError, w);

  std::optional<std::string> command;
  if (cl->has_command) {
    command = cl->command;
  } else if (auto rc = cfg->get("remotecommand")) {
    auto expanded = config::expand_tokens(*rc, *cfg, ctx);
    if (!expanded) fatal("remote command: " + expanded.error().message);
    command = *expanded;
  }
  // Connection sharing: a master at ControlPath does the work (mux_setup.hpp).
  const auto control_path = cli::control_path_of(*cfg);
  if (cl->mux_command && !control_path) fatal("No ControlPath specified for \"-O\" command");
  if (control_path) {
    const auto mode = cli::control_master_of(*cfg);
    if (cl->mux_command || mode == cli::ControlMaster::no || mode == cli::ControlMaster::automatic ||
        mode == cli::ControlMaster::autoask) {
      if (mode == cli::ControlMaster::automatic || mode == cli::ControlMaster::autoask) {
        log_at(kDebug1, "auto-mux: Trying existing master at '" + *control_path + "'");
      }
      cli::Log mux_log(cli::level_from_name(cfg->log_level), g_log.fd);
      // The forwards of this command line are asked of the master (-O forward / cancel,
      // or before a passenger's session), as mux.c's mux_client_forwards.
      auto forwards = cli::forwarding_from_config(*cfg);
      if (!forwards) fatal(forwards.error().message);
      const cli::SharedSessionInput shared{*cfg, cl->mux_command, stdio_forward, command, tty.request_pty,
                                           cli::mux_forwards(*forwards)};
      if (auto status = cli::run_mux_client(cli::shared_session_request(shared), mux_log)) return *status;
    }
  }
  return cli::run_connection({*cfg, ctx, ids, command, tty.request_pty, g_log.fd, stdio_forward});
}
