// LocalPrivileged: the Privileged interface done in the connection process itself (no
// monitor yet). Run as root it serves any user; run as an ordinary user it serves only
// that user (begin_user of another name yields a refused account).
#pragma once

#include <map>
#include <memory>

#include "config/sshd_config.hpp"
#include "system/login_records.hpp"
#include "system/privileged.hpp"
#include "system/server_log.hpp"

namespace skiff::skiffd {

struct LocalPrivilegedOptions {
  // The parsed configuration; per-user settings (Match User/Group/Host/Address) are
  // evaluated by begin_user() for the peer.
  std::shared_ptr<const config::ServerConfigFile> config;
  Peer peer;
  // PAM is used when the configuration says UsePAM yes and skiffd was built with it
  // (SKIFF_HAVE_PAM); otherwise passwords are checked against the shadow file.
  std::string pam_service = "skiffd";
  LoginFiles login_files;  // utmp, wtmp, lastlog
  std::string motd_path = "/etc/motd";
};

class LocalPrivileged final : public Privileged {
 public:
  // log must outlive the object.
  LocalPrivileged(LocalPrivilegedOptions options, ServerLog& log);
  ~LocalPrivileged() override;

  Result<UserCheck> begin_user(std::string_view name) override;
  Result<std::unique_ptr<AuthConversation>> start_password(SecretString password,
                                                           std::optional<SecretString> new_password) override;
  Result<std::unique_ptr<AuthConversation>> start_keyboard_interactive() override;
  Result<std::optional<AuthorizedKeyMatch>> find_authorized_key(const crypto::PublicKey& key) override;
  Result<void> authenticated(AuthMethod method, std::span<const crypto::PublicKey> verified_keys) override;
  Result<SessionProcess> spawn_session(const SessionRequest& request) override;
  Result<std::optional<SessionExit>> reap_session(pid_t pid) override;
  void terminate_session(pid_t pid) override;
  Result<void> signal_session(pid_t pid, std::string_view name) override;

  // The configuration for this connection: global() before begin_user(), the Match-
  // evaluated one after.
  const config::ServerConfig& config() const;
  // The options of the authorized_keys line of the key that authenticated, if any.
  const std::optional<keys::AuthorizedKeyOptions>& key_options() const override;
  Result<UniqueFd> listen_tcp(const sockaddr* address, socklen_t length) override;
  Result<UniqueFd> listen_unix(std::string_view path, unsigned mask, bool unlink_first) override;
  Result<UniqueFd> connect_unix(std::string_view path) override;
  Result<void> agent_forwarding_permitted() const override;
  Result<AgentSocket> create_agent_socket() override;
  void remove_agent_socket(const std::string& path) override;
  bool keyboard_interactive_available() const override;
  bool pty_permitted() const override;
  Result<void> x11_permitted() const override;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace skiff::skiffd
