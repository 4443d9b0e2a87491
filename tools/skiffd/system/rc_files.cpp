#include "system/rc_files.hpp"

#include <cctype>

namespace skiff::skiffd {

std::vector<RcCandidate> plan_rc_files(const RcInput& in) {
  std::vector<RcCandidate> out;
  const std::string x11_line = in.x11 ? in.x11->protocol + " " + in.x11->cookie + "\n" : std::string();
  const std::string shell = in.shell.empty() ? "/bin/sh" : in.shell;
  if (in.user_rc_allowed) {
    const std::string rc = in.home + "/.ssh/rc";
    // sshd: `shell -c '/bin/sh ~/.ssh/rc'`.
    out.push_back({rc, {shell, "-c", "/bin/sh " + rc}, x11_line});
  }
  if (!in.system_rc.empty()) out.push_back({in.system_rc, {"/bin/sh", in.system_rc}, x11_line});
  if (in.x11 && !in.xauth_location.empty()) {
    const auto& x = *in.x11;
    out.push_back({{},
                   {in.xauth_location, "-q", "-"},
                   "remove " + x.auth_display + "\nadd " + x.auth_display + " " + x.protocol + " " + x.cookie + "\n"});
  }
  return out;
}

bool xauth_valid_string(std::string_view s) {
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view(".:/-_").find(c) == std::string_view::npos)
      return false;
  }
  return true;
}

X11DisplayNames x11_display_names(unsigned number, std::uint32_t screen, bool use_localhost,
                                  const std::string& hostname) {
  const std::string suffix = std::to_string(number) + "." + std::to_string(screen);
  if (use_localhost) return {"localhost:" + suffix, "unix:" + suffix};
  const std::string d = hostname.substr(0, 400) + ":" + suffix;
  return {d, d};
}

}  // namespace skiff::skiffd
