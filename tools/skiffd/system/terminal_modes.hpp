// RFC 4254 section 8 terminal modes applied to a termios, as sshd's tty_parse_modes():
// a pure function so that every opcode can be tested without a terminal.
#pragma once

#include <termios.h>

#include <cstdint>
#include <span>
#include <string>

#include "connection/messages.hpp"

namespace skiff::skiffd {

// Applies each mode in order. Control characters: 255 disables the character (RFC 4254
// "not applicable"); flags: non-zero sets, zero clears; TTY_OP_ISPEED/OSPEED (128/129)
// take a baud rate, mapped to the nearest Bxxx not above it. Opcodes this system lacks or
// does not know are skipped, as sshd does.
void apply_terminal_modes(struct termios& tio, std::span<const connection::TerminalMode> modes);

// The baud rate of a speed_t, or 0 for an unknown one (used to test speeds).
std::uint32_t baud_of_speed(speed_t speed);

}  // namespace skiff::skiffd
