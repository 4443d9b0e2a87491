#include "system/terminal_modes.hpp"

#include <unistd.h>

#include <array>
#include <utility>

namespace skiff::skiffd {

namespace {

constexpr std::array<std::pair<std::uint32_t, speed_t>, 31> kSpeeds{{
    {0, B0},           {50, B50},         {75, B75},         {110, B110},       {134, B134},
    {150, B150},       {200, B200},       {300, B300},       {600, B600},       {1200, B1200},
    {1800, B1800},     {2400, B2400},     {4800, B4800},     {9600, B9600},     {19200, B19200},
    {38400, B38400},   {57600, B57600},   {115200, B115200}, {230400, B230400}, {460800, B460800},
    {500000, B500000}, {576000, B576000}, {921600, B921600}, {1000000, B1000000}, {1152000, B1152000},
    {1500000, B1500000}, {2000000, B2000000}, {2500000, B2500000}, {3000000, B3000000},
    {3500000, B3500000}, {4000000, B4000000},
}};

speed_t speed_of_baud(std::uint32_t baud) {
  speed_t best = B0;
  for (const auto& [b, s] : kSpeeds)
    if (b <= baud) best = s;
  return best;
}

struct CharMode {
  std::uint8_t opcode;
  int index;
};
// 11 VDSUSP, 15 VFLUSH, 16 VSWTCH (unused by Linux' tty layer), 17 VSTATUS: not on Linux.
constexpr std::array<CharMode, 14> kChars{{
    {1, VINTR}, {2, VQUIT}, {3, VERASE}, {4, VKILL}, {5, VEOF}, {6, VEOL}, {7, VEOL2},
    {8, VSTART}, {9, VSTOP}, {10, VSUSP}, {12, VREPRINT}, {13, VWERASE}, {14, VLNEXT}, {18, VDISCARD},
}};

enum class Field : std::uint8_t { iflag, lflag, oflag, cflag };
struct FlagMode {
  std::uint8_t opcode;
  Field field;
  tcflag_t bit;
};
constexpr std::array<FlagMode, 36> kFlags{{
    {30, Field::iflag, IGNPAR},  {31, Field::iflag, PARMRK},  {32, Field::iflag, INPCK},
    {33, Field::iflag, ISTRIP},  {34, Field::iflag, INLCR},   {35, Field::iflag, IGNCR},
    {36, Field::iflag, ICRNL},   {37, Field::iflag, IUCLC},   {38, Field::iflag, IXON},
    {39, Field::iflag, IXANY},   {40, Field::iflag, IXOFF},   {41, Field::iflag, IMAXBEL},
    {42, Field::iflag, IUTF8},   {50, Field::lflag, ISIG},    {51, Field::lflag, ICANON},
    {52, Field::lflag, XCASE},   {53, Field::lflag, ECHO},    {54, Field::lflag, ECHOE},
    {55, Field::lflag, ECHOK},   {56, Field::lflag, ECHONL},  {57, Field::lflag, NOFLSH},
    {58, Field::lflag, TOSTOP},  {59, Field::lflag, IEXTEN},  {60, Field::lflag, ECHOCTL},
    {61, Field::lflag, ECHOKE},  {62, Field::lflag, PENDIN},  {70, Field::oflag, OPOST},
    {71, Field::oflag, OLCUC},   {72, Field::oflag, ONLCR},   {73, Field::oflag, OCRNL},
    {74, Field::oflag, ONOCR},   {75, Field::oflag, ONLRET},  {90, Field::cflag, CS7},
    {91, Field::cflag, CS8},     {92, Field::cflag, PARENB},  {93, Field::cflag, PARODD},
}};

tcflag_t& field_of(struct termios& t, Field f) {
  switch (f) {
    case Field::iflag: return t.c_iflag;
    case Field::lflag: return t.c_lflag;
    case Field::oflag: return t.c_oflag;
    case Field::cflag: break;
  }
  return t.c_cflag;
}

}  // namespace

std::uint32_t baud_of_speed(speed_t speed) {
  for (const auto& [b, s] : kSpeeds)
    if (s == speed) return b;
  return 0;
}

void apply_terminal_modes(struct termios& tio, std::span<const connection::TerminalMode> modes) {
  for (const auto& m : modes) {
    if (m.opcode == 128) {
      cfsetispeed(&tio, speed_of_baud(m.value));
      continue;
    }
    if (m.opcode == 129) {
      cfsetospeed(&tio, speed_of_baud(m.value));
      continue;
    }
    bool done = false;
    for (const auto& c : kChars) {
      if (c.opcode != m.opcode) continue;
      tio.c_cc[c.index] = m.value == 255 ? static_cast<cc_t>(_POSIX_VDISABLE) : static_cast<cc_t>(m.value);
      done = true;
    }
    if (done) continue;
    for (const auto& f : kFlags) {
      if (f.opcode != m.opcode) continue;
      tcflag_t& field = field_of(tio, f.field);
      // CS7 and CS8 are values of the CSIZE field, not independent bits.
      if (f.field == Field::cflag && (f.bit == CS7 || f.bit == CS8)) {
        if (m.value != 0) field = (field & ~static_cast<tcflag_t>(CSIZE)) | f.bit;
      } else if (m.value != 0) {
        field |= f.bit;
      } else {
        field &= ~f.bit;
      }
    }
  }
}

}  // namespace skiff::skiffd
