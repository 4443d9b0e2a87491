// ssh's read_passphrase() (readpass.c): where a password, a keyboard-interactive answer
// or a key passphrase comes from. /dev/tty when it can be opened; the SSH_ASKPASS
// program when there is no terminal and DISPLAY is set, or always with
// SSH_ASKPASS_REQUIRE=force ("prefer": when DISPLAY is set, "never": never).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "log.hpp"

namespace skiff::cli {

struct ReadPassFlags {
  bool echo = false;       // RP_ECHO: the answer is shown (keyboard-interactive prompts that ask so)
  bool allow_eof = false;  // RP_ALLOW_EOF: nullopt instead of "" when nothing could be read
};

// The answer without its line end. As ssh, a failure to read gives "" unless allow_eof.
std::optional<std::string> read_passphrase(std::string_view prompt, ReadPassFlags flags, const Log& log);

}  // namespace skiff::cli
