#include "system/environment.hpp"

#include <algorithm>

#include "keys/host_patterns.hpp"
#include "wire/limits.hpp"

namespace skiff::skiffd {

namespace {

class EnvBuilder {
 public:
  void set(std::string_view name, std::string_view value) {
    if (name.empty() || name.find('=') != std::string_view::npos) return;
    for (auto& e : env_) {
      if (e.size() > name.size() && e.compare(0, name.size(), name) == 0 && e[name.size()] == '=') {
        e = std::string(name) + "=" + std::string(value);
        return;
      }
    }
    if (env_.size() >= limits::kMaxSessionEnvironment) return;
    env_.push_back(std::string(name) + "=" + std::string(value));
  }
  // "N=V"; entries without '=' are ignored.
  void set_pair(std::string_view pair) {
    auto eq = pair.find('=');
    if (eq == std::string_view::npos) return;
    set(pair.substr(0, eq), pair.substr(eq + 1));
  }
  std::vector<std::string> take() { return std::move(env_); }

 private:
  std::vector<std::string> env_;
};

// PermitUserEnvironment: "no", "yes", or a pattern list the names must match.
bool user_env_allowed(const std::string& permit, std::string_view name) {
  if (permit == "no") return false;
  if (permit == "yes") return true;
  return keys::match_pattern_list(name, permit, false) == keys::PatternMatch::match;
}

}  // namespace

bool accept_client_env(std::string_view name, const std::vector<std::string>& accept_env) {
  if (name.empty() || name.find('=') != std::string_view::npos) return false;
  return std::ranges::any_of(accept_env, [&](const std::string& p) {
    return keys::match_pattern_list(name, p, false) == keys::PatternMatch::match;
  });
}

std::vector<std::string> build_session_environment(const EnvironmentInput& in) {
  const UserAccount& u = *in.user;
  const config::ServerConfig& c = *in.config;
  const Peer& p = *in.peer;
  EnvBuilder env;
  for (const auto& e : in.client_env)
    if (accept_client_env(e.name, c.accept_env)) env.set(e.name, e.value);
  env.set("USER", u.name);
  env.set("LOGNAME", u.name);
  env.set("HOME", u.home);
  env.set("PATH", u.uid == 0 ? kRootPath : kUserPath);
  if (!in.use_pam) env.set("MAIL", "/var/mail/" + u.name.substr(0, 50));
  env.set("SHELL", in.shell.empty() ? "/bin/sh" : in.shell);
  if (in.tz) env.set("TZ", *in.tz);
  if (!in.term.empty()) env.set("TERM", in.term);
  if (!in.display.empty()) env.set("DISPLAY", in.display);
  if (!in.auth_sock.empty()) env.set("SSH_AUTH_SOCK", in.auth_sock);
  if (c.permit_user_environment != "no") {
    for (const auto& kv : in.key_environment) {
      auto eq = kv.find('=');
      if (eq != std::string::npos && user_env_allowed(c.permit_user_environment, kv.substr(0, eq))) env.set_pair(kv);
    }
    std::string_view text = in.user_environment_file;
    while (!text.empty()) {
      auto nl = text.find('\n');
      std::string_view line = text.substr(0, nl);
      text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
      while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty() || line.front() == '#') continue;
      auto eq = line.find('=');
      if (eq == std::string_view::npos || eq == 0) continue;  // sshd: "Bad line", skipped
      if (user_env_allowed(c.permit_user_environment, line.substr(0, eq))) env.set_pair(line);
    }
  }
  if (in.use_pam) {
    for (const auto& kv : in.pam_environment) {
      if (kv.starts_with("SSH_AUTH_INFO") || kv.starts_with("SSH_CONNECTION")) continue;
      env.set_pair(kv);
    }
  }
  for (const auto& kv : c.set_env) env.set_pair(kv);
  env.set("SSH_CLIENT", p.address.substr(0, 50) + " " + std::to_string(p.port) + " " + std::to_string(p.local_port));
  env.set("SSH_CONNECTION", p.address.substr(0, 50) + " " + std::to_string(p.port) + " " +
                                p.local_address.substr(0, 50) + " " + std::to_string(p.local_port));
  if (!in.tty.empty()) env.set("SSH_TTY", in.tty);
  if (in.original_command) env.set("SSH_ORIGINAL_COMMAND", *in.original_command);
  return env.take();
}

}  // namespace skiff::skiffd
