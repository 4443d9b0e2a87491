#include "system/account.hpp"

#include <sys/stat.h>

#include <algorithm>

#include "keys/host_patterns.hpp"
#include "wire/glob.hpp"

namespace skiff::skiffd {

bool match_user_entry(std::string_view user, std::string_view host, std::string_view address,
                      std::string_view entry) {
  auto at = entry.find('@');
  if (at == std::string_view::npos) return wire::match_glob(user, entry);
  if (!wire::match_glob(user, entry.substr(0, at))) return false;
  auto r = keys::match_host_and_address(host, address, entry.substr(at + 1));
  return r && *r == keys::PatternMatch::match;
}

namespace {

bool any_group_matches(const UserAccount& a, const std::vector<std::string>& patterns) {
  return std::ranges::any_of(a.group_names, [&](const std::string& g) {
    return std::ranges::any_of(patterns, [&](const std::string& p) { return wire::match_glob(g, p); });
  });
}

std::string not_allowed(const UserAccount& a, const Peer& p, std::string_view why) {
  return "User " + a.name.substr(0, 100) + " from " + p.host.substr(0, 100) + " not allowed because " +
         std::string(why);
}

}  // namespace

std::optional<std::string> account_refusal(const AccountCheckInput& in) {
  const UserAccount& a = *in.account;
  const config::ServerConfig& c = *in.config;
  const Peer& p = *in.peer;
  if (!in.use_pam && in.locked) return "User " + a.name.substr(0, 100) + " not allowed because account is locked";

  if (c.chroot_directory.empty() || c.chroot_directory == "none") {
    std::string shell = a.shell.empty() ? "/bin/sh" : a.shell;
    struct stat st {};
    if (::stat(shell.c_str(), &st) != 0)
      return "User " + a.name.substr(0, 100) + " not allowed because shell " + shell.substr(0, 100) +
             " does not exist";
    if (!S_ISREG(st.st_mode) || (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0)
      return "User " + a.name.substr(0, 100) + " not allowed because shell " + shell.substr(0, 100) +
             " is not executable";
  }
  for (const auto& e : c.deny_users)
    if (match_user_entry(a.name, p.host, p.address, e)) return not_allowed(a, p, "listed in DenyUsers");
  if (!c.allow_users.empty() && std::ranges::none_of(c.allow_users, [&](const std::string& e) {
        return match_user_entry(a.name, p.host, p.address, e);
      }))
    return not_allowed(a, p, "not listed in AllowUsers");
  if (!c.deny_groups.empty() || !c.allow_groups.empty()) {
    if (a.group_names.empty()) return not_allowed(a, p, "not in any group");
    if (any_group_matches(a, c.deny_groups)) return not_allowed(a, p, "a group is listed in DenyGroups");
    if (!c.allow_groups.empty() && !any_group_matches(a, c.allow_groups))
      return not_allowed(a, p, "none of user's groups are listed in AllowGroups");
  }
  return std::nullopt;
}

std::optional<std::string> root_login_refusal(config::PermitRootLogin permit, AuthMethod method,
                                              bool forced_command, const Peer& peer) {
  using config::PermitRootLogin;
  switch (permit) {
    case PermitRootLogin::yes:
      return std::nullopt;
    case PermitRootLogin::prohibit_password:
      if (method == AuthMethod::publickey) return std::nullopt;
      break;
    case PermitRootLogin::forced_commands_only:
      if (forced_command) return std::nullopt;
      break;
    case PermitRootLogin::no:
      break;
  }
  return "ROOT LOGIN REFUSED FROM " + peer.address.substr(0, 200) + " port " + std::to_string(peer.port);
}

bool password_field_locked(std::string_view field) {
  return field.starts_with('!') || field.starts_with("*LK*");
}

}  // namespace skiff::skiffd
