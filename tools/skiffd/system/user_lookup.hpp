// Users and groups from the system's databases (NSS), and the shadow file for skiffd built
// without PAM.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/sshd_config.hpp"
#include "system/privileged.hpp"

namespace skiff::skiffd {

// getpwnam_r() and the user's groups (getgrouplist, at most limits::kMaxUserGroups).
// nullopt when there is no such user; Errc::io_error when the lookup itself failed.
Result<std::optional<UserAccount>> lookup_user(std::string_view name);
// The same by uid (skiffd run as an ordinary user serves only that user).
Result<std::optional<UserAccount>> lookup_uid(uid_t uid);

// sshd's fakepw for a name that does not exist: valid == false, uid/gid -1, home and
// shell "/nonexist", no groups. The name is kept for the logs.
UserAccount fake_user(std::string_view name);

// Match Group for the configuration: the names of the user's groups.
config::GroupLookup system_group_lookup();
// The same, but the groups of `account` come from it (looked up once already, with
// getgrouplist: on a system whose NSS asks systemd's userdb that costs a millisecond or
// more per call); other names are looked up.
config::GroupLookup known_groups_lookup(const UserAccount& account);

// A group's gid by name ("tty"), nullopt when it does not exist.
std::optional<gid_t> lookup_group(const std::string& name);

struct ShadowEntry {
  SecretString hash;
  bool locked = false;   // '!' or "*LK*" password field
  bool expired = false;  // the account's expiry date has passed
};
// The user's shadow entry (getspnam_r, readable by root only); nullopt when unreadable.
std::optional<ShadowEntry> read_shadow(const std::string& user, long today_days);

// crypt(3) of password with hash's setting, compared in constant time. An empty or
// unusable hash never matches (but the hashing work is still done with a stand-in).
bool crypt_matches(const SecretString& password, const SecretString& hash);

}  // namespace skiff::skiffd
