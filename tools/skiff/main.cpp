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
#include "crypto/library_version.hpp"
#include "identities.hpp"
#include "options.hpp"
#include "session_policy.hpp"
#include "transport/algorithms.hpp"

namespace {

using namespace skiff;

// ssh's log lines on stderr end with "\r\n"; a multi-line message is one line each.
void log_lines(std::string_view text) {
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view l = text.substr(0, nl);
    if (l.ends_with('\r')) l.remove_suffix(1);
    std::fprintf(stderr, "%.*s\r\n", static_cast<int>(l.size()), l.data());
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  }
}

[[noreturn]] void fatal(std::string_view text) {
  log_lines(text);
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
  } else if (what == "key" || what == "key-plain" || what == "key-sig" || what == "sig" ||
             what == "HostKeyAlgorithms" || what == "PubkeyAcceptedAlgorithms") {
    list = transport::supported_algorithms(AlgorithmKind::host_key);
  } else if (what == "compression") {
    list = transport::supported_algorithms(AlgorithmKind::compression);
  } else if (what == "protocol-version") {
    list = {"2"};
  } else if (what == "help") {
    list = {"cipher", "compression", "kex", "key", "key-plain", "key-sig", "mac", "protocol-version", "sig"};
  } else {
    fatal("Unsupported query \"" + std::string(what) + "\"");
  }
  for (const auto& a : list) std::printf("%s\n", a.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  struct passwd* pw = getpwuid(getuid());
  if (pw == nullptr) fatal("No user exists for uid " + std::to_string(getuid()));
  const std::string home = pw->pw_dir, local_user = pw->pw_name, shell = pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh";

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
  if (cl->use_syslog && cl->log_file) fatal("Can't specify both -y and -E");
  // -E moves the log, not the session's stderr: keep the user's for the remote stderr.
  const int session_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
  if (cl->log_file && !std::freopen(cl->log_file->c_str(), "a", stderr)) {
    fatal("Couldn't open logfile " + *cl->log_file + ": " + std::strerror(errno));
  }

  // As ssh: the version at INFO once -v was given (a later -q can silence it).
  if (cl->debug_level > 0 && cl->log_level != "QUIET" && cl->log_level != "FATAL" && cl->log_level != "ERROR") {
    log_lines(version);
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
      fatal(msg);
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

  cli::SessionFacts facts;
  facts.has_command = cl->has_command;
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
  if (tty.warn_not_terminal && cfg->log_level != "QUIET" && cfg->log_level != "FATAL" && cfg->log_level != "ERROR") {
    log_lines(cli::kNoPtyMessage);
  }

  if (cl->print_config) {
    std::fputs(config::dump_client_config(*cfg).c_str(), stdout);
    return 0;
  }

  auto ids = cli::collect_identities(*cfg, ctx, cli::system_identity_sources());
  for (const auto& w : ids.warnings) log_lines(w);

  std::optional<std::string> command;
  if (cl->has_command) {
    command = cl->command;
  } else if (auto rc = cfg->get("remotecommand")) {
    auto expanded = config::expand_tokens(*rc, *cfg, ctx);
    if (!expanded) fatal("remote command: " + expanded.error().message);
    command = *expanded;
  }
  return cli::run_connection({*cfg, ctx, ids, command, tty.request_pty, session_stderr});
}
