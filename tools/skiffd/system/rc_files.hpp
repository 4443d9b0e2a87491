// What a session's child runs before the command, as sshd's do_rc_files: ~/.ssh/rc
// (through the user's shell, given "proto cookie" on stdin when X11 is forwarded), else
// the system's sshrc, else, with X11 forwarding, `xauth -q -` with "remove DISPLAY" and
// "add DISPLAY proto cookie". Which file exists is only known in the child (as the user,
// inside ChrootDirectory), so the plan is an ordered list of candidates: the child runs
// the first whose condition holds, and waits for it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "system/privileged.hpp"

namespace skiff::skiffd {

// skiffd's counterpart of /etc/ssh/sshrc.
inline constexpr std::string_view kSystemRcPath = "/etc/skiff/sshrc";

struct RcCandidate {
  std::string requires_path;  // run only if stat() of it succeeds; empty: always
  std::vector<std::string> argv;
  std::string input;  // written to its stdin, which is then closed
};

struct RcInput {
  std::string home, shell;
  std::string system_rc = std::string(kSystemRcPath);
  bool user_rc_allowed = true;  // not a subsystem, no ForceCommand, PermitUserRC and the key's user-rc
  std::optional<SessionRequest::X11> x11;
  std::string xauth_location = "/usr/bin/xauth";  // XAuthLocation; empty: none
};

std::vector<RcCandidate> plan_rc_files(const RcInput& in);

// sshd's xauth_valid_string: what x11-req's protocol and cookie may contain (letters,
// digits, ".:/-_"), since they end up on xauth's (or the rc file's) input.
bool xauth_valid_string(std::string_view s);

// The DISPLAY value and the name xauth stores the cookie under (sshd's display and
// auth_display): "localhost:N.S" and "unix:N.S" with X11UseLocalhost, else "host:N.S"
// for both.
struct X11DisplayNames {
  std::string display, auth_display;
};
X11DisplayNames x11_display_names(unsigned number, std::uint32_t screen, bool use_localhost,
                                  const std::string& hostname);

}  // namespace skiff::skiffd
