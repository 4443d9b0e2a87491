#include "system/authorized_keys_lookup.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "keys/fingerprint.hpp"
#include "keys/host_patterns.hpp"
#include "keys/ssh_key.hpp"
#include "system/strict_modes.hpp"
#include "system/user_identity.hpp"
#include "system/user_lookup.hpp"
#include "wire/base64.hpp"
#include "wire/limits.hpp"

namespace skiff::skiffd {

namespace {

using Status = UserFile::Status;

UserFile read_here(const std::string& path, const UserAccount& user, bool strict_modes, std::size_t max_bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return {Status::missing, {}};
    return {Status::failed, std::strerror(errno)};
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return {Status::failed, std::strerror(errno)};
  if (!S_ISREG(st.st_mode)) return {Status::refused, "not a regular file"};
  if (strict_modes) {
    if (auto ok = check_secure_path(path, st, user.home, user.uid); !ok) return {Status::refused, ok.error().message};
  }
  int flags = ::fcntl(fd.get(), F_GETFL);
  ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  UserFile out{Status::ok, {}};
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return {Status::failed, std::strerror(errno)};
    if (n == 0) break;
    if (out.text.size() + static_cast<std::size_t>(n) > max_bytes) return {Status::failed, "file too large"};
    out.text.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

bool take_identity(const UserAccount& u) {
  return ::setgroups(u.groups.size(), u.groups.data()) == 0 && ::setgid(u.gid) == 0 && ::setuid(u.uid) == 0;
}

// Reads fd to its end with a cap and, when deadline is set, a time limit. false on
// timeout or overflow.
bool read_bounded(int fd, std::string& out, std::size_t max_bytes,
                  std::optional<std::chrono::steady_clock::time_point> deadline) {
  char buf[65536];
  for (;;) {
    if (deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd, POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(left.count()));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
    }
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) return false;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

int wait_child(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

UserFile read_user_file(const std::string& path, const UserAccount& user, bool strict_modes, std::size_t max_bytes) {
  if (::geteuid() != 0 || user.uid == 0) return read_here(path, user, strict_modes, max_bytes);
  UserFileIdentity as_user(user);
  if (!as_user.ok()) return {Status::failed, "cannot take the user's identity"};
  return read_here(path, user, strict_modes, max_bytes);
}

Result<std::string> expand_key_command_token(std::string_view arg, const KeyTokens& t) {
  std::string out;
  for (std::size_t i = 0; i < arg.size(); ++i) {
    if (arg[i] != '%') {
      out.push_back(arg[i]);
      continue;
    }
    if (++i == arg.size()) return fail(Errc::bad_format, "AuthorizedKeysCommand: '%' at end of argument");
    switch (arg[i]) {
      case '%': out.push_back('%'); break;
      case 'u': out += t.user; break;
      case 'U': out += t.uid; break;
      case 'h': out += t.home; break;
      case 't': out += t.key_type; break;
      case 'f': out += t.fingerprint; break;
      case 'k': out += t.key_base64; break;
      default: return fail(Errc::bad_format, std::string("AuthorizedKeysCommand: unknown token %") + arg[i]);
    }
  }
  return out;
}

Result<std::vector<std::string>> split_command_line(std::string_view line) {
  std::vector<std::string> args;
  std::string cur;
  bool in_arg = false;
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote == 0 && (c == ' ' || c == '\t')) {
      if (in_arg) args.push_back(std::move(cur));
      cur.clear();
      in_arg = false;
      continue;
    }
    in_arg = true;
    if (c == '\\' && i + 1 < line.size() && quote != '\'') {
      cur.push_back(line[++i]);
    } else if (quote == 0 && (c == '"' || c == '\'')) {
      quote = c;
    } else if (quote != 0 && c == quote) {
      quote = 0;
    } else {
      cur.push_back(c);
    }
  }
  if (quote != 0) return fail(Errc::bad_format, "unterminated quote in command line");
  if (in_arg) args.push_back(std::move(cur));
  return args;
}

namespace {

// The first line of text that authorises key here, or nullopt; logs refusals by options.
std::optional<AuthorizedKeyMatch> match_in_text(const KeyLookupContext& ctx, const crypto::PublicKey& key,
                                                const wire::Bytes& blob, std::string_view text,
                                                const std::string& source) {
  auto parsed = keys::parse_authorized_keys(text, source);
  for (auto& k : parsed.keys) {
    if (keys::encode_public_blob(k.key) != blob) continue;
    std::string loc = source + ":" + std::to_string(k.line_number);
    if (k.options.cert_authority) continue;  // a CA line does not authorise the CA key itself
    if (k.options.expiry_time && ctx.now > *k.options.expiry_time) {
      ctx.log->debug(loc + ": entry expired");
      continue;
    }
    if (k.options.from) {
      auto m = keys::match_host_and_address(ctx.peer->host, ctx.peer->address, *k.options.from);
      if (!m || *m != keys::PatternMatch::match) {
        ctx.log->info(loc + ": Authentication tried for " + ctx.user->name.substr(0, 100) +
                      " with correct key but not from a permitted host (host=" + ctx.peer->host.substr(0, 200) +
                      ", ip=" + ctx.peer->address.substr(0, 200) + ", required=" + k.options.from->substr(0, 200) +
                      ").");
        continue;
      }
    }
    ctx.log->verbose("Accepted key " + std::string(keys::key_type_name(key.type())) + " " +
                     keys::fingerprint_sha256(blob) + " found at " + loc);
    return AuthorizedKeyMatch{std::move(k), loc};
  }
  return std::nullopt;
}

std::optional<std::string> run_key_command(const KeyLookupContext& ctx, const crypto::PublicKey& key,
                                           const wire::Bytes& blob) {
  const auto& c = *ctx.config;
  if (c.authorized_keys_command_user.empty()) {
    ctx.log->error("AuthorizedKeysCommand set without AuthorizedKeysCommandUser");
    return std::nullopt;
  }
  auto args = split_command_line(c.authorized_keys_command);
  if (!args || args->empty() || !args->front().starts_with('/')) {
    ctx.log->error("AuthorizedKeysCommand \"" + c.authorized_keys_command + "\" is not an absolute path");
    return std::nullopt;
  }
  KeyTokens t{ctx.user->name, ctx.user->home, std::to_string(ctx.user->uid), std::string(keys::key_type_name(key.type())),
              keys::fingerprint_sha256(blob), wire::base64_encode(blob)};
  std::vector<std::string> argv{args->front()};
  for (std::size_t i = 1; i < args->size(); ++i) {
    auto e = expand_key_command_token((*args)[i], t);
    if (!e) {
      ctx.log->error(e.error().message);
      return std::nullopt;
    }
    argv.push_back(*e);
  }
  if (argv.size() == 1) argv.push_back(ctx.user->name);  // sshd's default argument
  struct stat st {};
  if (::stat(argv[0].c_str(), &st) != 0) {
    ctx.log->error("Could not stat AuthorizedKeysCommand \"" + argv[0] + "\": " + std::strerror(errno));
    return std::nullopt;
  }
  if (auto ok = check_secure_path(argv[0], st, "", 0); !ok) {
    ctx.log->error("Unsafe AuthorizedKeysCommand \"" + argv[0] + "\": " + ok.error().message);
    return std::nullopt;
  }
  UserAccount runner;
  bool as_root = ::geteuid() == 0;
  if (as_root) {
    auto u = lookup_user(c.authorized_keys_command_user);
    if (!u || !*u) {
      ctx.log->error("AuthorizedKeysCommandUser \"" + c.authorized_keys_command_user + "\" not found");
      return std::nullopt;
    }
    runner = **u;
  }
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  char* empty_env[] = {nullptr};
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
  UniqueFd rd(fds[0]), wr(fds[1]);
  pid_t pid = ::fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDWR);
    if (devnull < 0 || ::dup2(devnull, 0) < 0 || ::dup2(wr.get(), 1) < 0 || ::dup2(devnull, 2) < 0) ::_exit(127);
    if (as_root && !take_identity(runner)) ::_exit(127);
    ::execve(cargv[0], cargv.data(), empty_env);
    ::_exit(127);
  }
  wr.reset();
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(limits::kAuthorizedKeysCommandTimeoutSeconds);
  bool complete = read_bounded(rd.get(), out, limits::kMaxAuthorizedKeysCommandOutput, deadline);
  rd.reset();
  if (!complete) {
    ::kill(pid, SIGKILL);
    ctx.log->error("AuthorizedKeysCommand " + argv[0] + " took too long or wrote too much; killed");
  }
  int status = wait_child(pid);
  if (!complete) return std::nullopt;
  if (WIFSIGNALED(status)) {
    ctx.log->error("AuthorizedKeysCommand " + argv[0] + " exited on signal " + std::to_string(WTERMSIG(status)));
    return std::nullopt;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    ctx.log->error("AuthorizedKeysCommand " + argv[0] + " failed, status " + std::to_string(WEXITSTATUS(status)));
    return std::nullopt;
  }
  return out;
}

}  // namespace

std::optional<AuthorizedKeyMatch> lookup_authorized_key(const KeyLookupContext& ctx, const crypto::PublicKey& key) {
  const auto& c = *ctx.config;
  const auto& u = *ctx.user;
  if (!u.valid) return std::nullopt;
  wire::Bytes blob = keys::encode_public_blob(key);
  for (const auto& pattern : c.authorized_keys_files) {
    if (pattern == "none") continue;
    auto path = config::expand_authorized_keys_path(pattern, u.name, u.home, u.uid);
    if (!path) {
      ctx.log->error("AuthorizedKeysFile " + pattern + ": " + path.error().message);
      continue;
    }
    UserFile f = read_user_file(*path, u, c.strict_modes, limits::kMaxKeyListFileBytes);
    switch (f.status) {
      case Status::missing:
        ctx.log->debug("Could not open user '" + u.name + "' authorized keys '" + *path + "': No such file or directory");
        continue;
      case Status::refused:
        if (f.text == "not a regular file")
          ctx.log->info("User '" + u.name + "' authorized keys '" + *path + "' is not a regular file");
        else
          ctx.log->info("Authentication refused: " + f.text);
        continue;
      case Status::failed:
        ctx.log->info("Could not open user '" + u.name + "' authorized keys '" + *path + "': " + f.text);
        continue;
      case Status::ok:
        break;
    }
    if (auto m = match_in_text(ctx, key, blob, f.text, *path)) return m;
  }
  if (!c.authorized_keys_command.empty() && c.authorized_keys_command != "none") {
    if (auto out = run_key_command(ctx, key, blob)) {
      if (auto m = match_in_text(ctx, key, blob, *out, "AuthorizedKeysCommand")) return m;
    }
  }
  return std::nullopt;
}

}  // namespace skiff::skiffd
