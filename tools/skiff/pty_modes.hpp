// The pty-req of a session as ssh builds it (ttymodes.c tty_make_modes): the local
// terminal's modes encoded with RFC 4254's opcodes, its window size, and TERM.
#pragma once

#include <termios.h>

#include <vector>

#include <skiff/channel.hpp>

namespace skiff::cli {

// Speeds first, then the control characters (_POSIX_VDISABLE becomes 255), then the
// input, local, output and control flags, in ssh's order.
std::vector<TerminalMode> encode_terminal_modes(const struct termios& tio);

// The window size of the terminal on fd (zeros when it is not a terminal).
WindowSize terminal_size(int fd);

// TERM from the environment ("" when unset), the size and the modes of the terminal on
// fd (no modes when it is not a terminal).
PtyRequest make_pty_request(int fd);

}  // namespace skiff::cli
