// LocalPrivileged: the Privileged interface done in the connection process itself (no
// monitor yet). Run as root it serves any user; run as an ordinary user it serves only
// that user (begin_user of another name yields a refused account).
#pragma once

#include <map>
#include <memory>

#include "config/sshd_config.hpp"
#include "system/privileged.hpp"
#include "system/server_log.hpp"

namespace skiff::skiffd {

struct LocalPrivilegedOptions {
  // The parsed configuration; per-user settings (Match User/Group/Host/Address) are
  // evaluated by begin_user() for the peer.
  std::shared_ptr<const config::ServerConfigFile> config;
  Peer peer;
  bool use_pam = true;  // effective only when built with PAM (SKIFF_HAVE_PAM)
  std::string pam_service = "skiffd";
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
  Result<void> authenticated(AuthMethod method, const crypto::PublicKey* key) override;
  Result<SessionProcess> spawn_session(const SessionRequest& request) override;
  Result<std::optional<SessionExit>> reap_session(pid_t pid) override;
  void terminate_session(pid_t pid) override;

  // The configuration for this connection: global() before begin_user(), the Match-
  // evaluated one after.
  const config::ServerConfig& config() const { return config_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  config::ServerConfig config_;
};

}  // namespace skiff::skiffd
