// Account checks before any secret is looked at, as sshd's allowed_user() and
// auth_root_allowed(): each refusal comes with the line sshd logs for it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/sshd_config.hpp"
#include "system/privileged.hpp"

namespace skiff::skiffd {

struct AccountCheckInput {
  const UserAccount* account = nullptr;
  const config::ServerConfig* config = nullptr;
  const Peer* peer = nullptr;
  // The shadow entry says the account is locked ('!' or "*LK*" password) or expired;
  // ignored under UsePAM, where the PAM account stage decides.
  bool locked = false;
  bool use_pam = false;
};

// nullopt when the user may try to log in; else the log line ("User U from H not allowed
// because not listed in AllowUsers", ...). The login shell must exist and be executable
// (unless ChrootDirectory is set), which is the one check that reads the file system.
std::optional<std::string> account_refusal(const AccountCheckInput& in);

// One AllowUsers/DenyUsers entry: "user" or "user@host" (host part: names, addresses
// and CIDR as from=). OpenSSH's match_user().
bool match_user_entry(std::string_view user, std::string_view host, std::string_view address,
                      std::string_view entry);

// PermitRootLogin for a login by root with this method. forced_command: the key that
// authenticated carries command=. Returns the log line when refused ("ROOT LOGIN REFUSED
// FROM A port P").
std::optional<std::string> root_login_refusal(config::PermitRootLogin permit, AuthMethod method,
                                              bool forced_command, const Peer& peer);

// A shadow password field that locks the account (Linux: a leading '!', Solaris "*LK*").
bool password_field_locked(std::string_view field);

}  // namespace skiff::skiffd
