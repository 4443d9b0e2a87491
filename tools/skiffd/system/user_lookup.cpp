#include "system/user_lookup.hpp"

#include <crypt.h>
#include <grp.h>
#include <pwd.h>
#include <shadow.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "crypto/secure.hpp"
#include "wire/limits.hpp"

namespace skiff::skiffd {

namespace {

// The buffers of the *_r calls grow until the entry fits (large group lists do not fit
// sysconf's suggestion), up to 1 MiB.
constexpr std::size_t kMaxNssBuffer = 1024 * 1024;

UserAccount from_passwd(const passwd& pw) {
  UserAccount a;
  a.name = pw.pw_name;
  a.uid = pw.pw_uid;
  a.gid = pw.pw_gid;
  a.gecos = pw.pw_gecos != nullptr ? pw.pw_gecos : "";
  a.home = pw.pw_dir != nullptr ? pw.pw_dir : "";
  a.shell = pw.pw_shell != nullptr ? pw.pw_shell : "";
  a.valid = true;
  int n = 64;
  std::vector<gid_t> groups(static_cast<std::size_t>(n));
  while (getgrouplist(a.name.c_str(), a.gid, groups.data(), &n) < 0) {
    if (static_cast<std::size_t>(n) > limits::kMaxUserGroups) {
      n = static_cast<int>(limits::kMaxUserGroups);
      break;
    }
    groups.resize(static_cast<std::size_t>(n));
  }
  groups.resize(static_cast<std::size_t>(n));
  a.groups = groups;
  for (gid_t g : groups) {
    std::vector<char> buf(4096);
    group gr{};
    group* out = nullptr;
    int rc;
    while ((rc = getgrgid_r(g, &gr, buf.data(), buf.size(), &out)) == ERANGE && buf.size() < kMaxNssBuffer)
      buf.resize(buf.size() * 2);
    if (rc == 0 && out != nullptr) a.group_names.emplace_back(gr.gr_name);
  }
  return a;
}

template <class Call>
Result<std::optional<UserAccount>> passwd_lookup(Call call) {
  std::vector<char> buf(4096);
  passwd pw{};
  passwd* out = nullptr;
  int rc;
  while ((rc = call(&pw, buf.data(), buf.size(), &out)) == ERANGE && buf.size() < kMaxNssBuffer)
    buf.resize(buf.size() * 2);
  if (out == nullptr) {
    if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM) return std::nullopt;
    return fail(Errc::io_error, std::string("getpwnam: ") + std::strerror(rc));
  }
  return from_passwd(pw);
}

}  // namespace

Result<std::optional<UserAccount>> lookup_user(std::string_view name) {
  std::string n(name);
  if (n.empty() || n.find('\0') != std::string::npos) return std::nullopt;
  return passwd_lookup([&](passwd* pw, char* b, std::size_t len, passwd** out) {
    return getpwnam_r(n.c_str(), pw, b, len, out);
  });
}

Result<std::optional<UserAccount>> lookup_uid(uid_t uid) {
  return passwd_lookup(
      [&](passwd* pw, char* b, std::size_t len, passwd** out) { return getpwuid_r(uid, pw, b, len, out); });
}

UserAccount fake_user(std::string_view name) {
  UserAccount a;
  a.name = std::string(name);
  a.gecos = "NOUSER";
  a.home = "/nonexist";
  a.shell = "/nonexist";
  a.valid = false;
  return a;
}

config::GroupLookup system_group_lookup() {
  return [](std::string_view user) -> std::vector<std::string> {
    auto a = lookup_user(user);
    if (!a || !*a) return {};
    return (*a)->group_names;
  };
}

config::GroupLookup known_groups_lookup(const UserAccount& account) {
  return [name = account.name, names = account.group_names](std::string_view user) -> std::vector<std::string> {
    if (user == name) return names;
    return system_group_lookup()(user);
  };
}

std::optional<gid_t> lookup_group(const std::string& name) {
  std::vector<char> buf(4096);
  group gr{};
  group* out = nullptr;
  int rc;
  while ((rc = getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &out)) == ERANGE && buf.size() < kMaxNssBuffer)
    buf.resize(buf.size() * 2);
  if (rc != 0 || out == nullptr) return std::nullopt;
  return gr.gr_gid;
}

std::optional<ShadowEntry> read_shadow(const std::string& user, long today_days) {
  std::vector<char> buf(4096);
  spwd sp{};
  spwd* out = nullptr;
  int rc;
  while ((rc = getspnam_r(user.c_str(), &sp, buf.data(), buf.size(), &out)) == ERANGE && buf.size() < kMaxNssBuffer)
    buf.resize(buf.size() * 2);
  if (rc != 0 || out == nullptr) return std::nullopt;
  ShadowEntry e;
  e.hash = sp.sp_pwdp != nullptr ? sp.sp_pwdp : "";
  e.locked = e.hash.starts_with('!') || e.hash.starts_with("*LK*");
  e.expired = sp.sp_expire > 0 && today_days > sp.sp_expire;
  crypto::wipe(buf.data(), buf.size());
  return e;
}

bool crypt_matches(const SecretString& password, const SecretString& hash) {
  // A stand-in setting keeps the work of a missing or locked hash like a real check.
  static constexpr const char* kStandIn = "$y$j9T$Y2xlYXJseS5ub3QuYS5oYXNo$";
  bool usable = hash.size() > 1 && hash[0] == '$';
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_r(password.c_str(), usable ? hash.c_str() : kStandIn, data.get());
  bool ok = usable && out != nullptr && out[0] != '*' &&
            crypto::equal_constant_time({reinterpret_cast<const std::uint8_t*>(out), std::strlen(out)},
                                        {reinterpret_cast<const std::uint8_t*>(hash.data()), hash.size()});
  crypto::wipe(data.get(), sizeof(crypt_data));
  return ok;
}

}  // namespace skiff::skiffd
