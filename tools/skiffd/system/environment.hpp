// The environment of a session process, as sshd's do_setup_env() builds it: a pure
// function of the user, the connection, the request and the configuration.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/sshd_config.hpp"
#include "connection/messages.hpp"
#include "system/privileged.hpp"

namespace skiff::skiffd {

// Debian's sshd (_PATH_STDPATH and SUPERUSER_PATH as Debian builds them).
inline constexpr std::string_view kUserPath = "/usr/local/bin:/usr/bin:/bin:/usr/games";
inline constexpr std::string_view kRootPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct EnvironmentInput {
  const UserAccount* user = nullptr;
  const Peer* peer = nullptr;
  const config::ServerConfig* config = nullptr;
  std::string shell;  // what will be exec'd (the login shell, or /bin/sh when empty)
  std::string term;   // pty-req's terminal type; empty: no TERM
  std::string tty;    // "/dev/pts/N" with a pty; empty: none
  std::string display;  // X11 forwarding's DISPLAY; empty: none
  std::string auth_sock;  // agent forwarding's SSH_AUTH_SOCK; empty: none
  std::optional<std::string> original_command;  // with ForceCommand / command=
  std::vector<connection::EnvReq> client_env;    // the client's env requests, unfiltered
  std::vector<std::string> key_environment;      // authorized_keys environment="N=V"
  std::string user_environment_file;             // text of ~/.ssh/environment, if read
  std::vector<std::string> pam_environment;      // pam_getenvlist(), "N=V"
  bool use_pam = false;
  std::optional<std::string> tz;  // the server's own TZ, passed on as sshd does
};

// Whether the client's variable may be set (AcceptEnv patterns; a name with '=' never).
bool accept_client_env(std::string_view name, const std::vector<std::string>& accept_env);

// "NAME=value" strings in sshd's order: accepted client variables, USER, LOGNAME, HOME,
// PATH (root or user), MAIL (without PAM), SHELL, TZ, TERM, DISPLAY, SSH_AUTH_SOCK, environment= and
// ~/.ssh/environment under PermitUserEnvironment (yes or a pattern list), PAM's
// variables (never SSH_AUTH_INFO* or SSH_CONNECTION*), SetEnv, SSH_CLIENT,
// SSH_CONNECTION, SSH_TTY, SSH_ORIGINAL_COMMAND. A later value replaces an earlier one
// in place. At most kMaxSessionEnvironment entries; later additions are dropped.
std::vector<std::string> build_session_environment(const EnvironmentInput& in);

}  // namespace skiff::skiffd
