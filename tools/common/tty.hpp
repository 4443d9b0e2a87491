// Reading a line from the user's terminal, as OpenSSH's read_passphrase() (readpass.c)
// with readpassphrase(3): shared by skiff-keygen and skiff.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace skiff::tools {

struct ReadPassOptions {
  bool echo = false;  // RP_ECHO: questions such as "yes/no" are echoed
  // Without it (RP_ALLOW_STDIN), no terminal means stdin with the prompt on stderr;
  // with it (ssh's passphrase and host key prompts), no terminal means no answer.
  bool require_tty = false;
};

// The line typed (up to 1023 bytes, ended by '\n' or '\r'; EOF ends it too), or nullopt
// when a terminal was required and /dev/tty cannot be opened. With echo off, the
// terminal is restored before returning and when SIGINT, SIGTERM, SIGQUIT or SIGHUP
// arrives (then the signal is re-raised); ^Z at the prompt stops with the terminal
// restored and turns echo off again on continue.
std::optional<std::string> read_passphrase(std::string_view prompt, ReadPassOptions options = {});

}  // namespace skiff::tools
