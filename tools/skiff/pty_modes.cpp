#include "pty_modes.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>

namespace skiff::cli {
namespace {

struct Flag {
  std::uint8_t opcode;
  tcflag_t bit;
};

// ttymodes.h's tables for what Linux has (VDSUSP, VSWTCH, VSTATUS, VFLUSH are absent).
constexpr struct {
  std::uint8_t opcode;
  int index;
} kChars[] = {{1, VINTR}, {2, VQUIT},   {3, VERASE},    {4, VKILL},   {5, VEOF},   {6, VEOL},    {7, VEOL2},
              {8, VSTART}, {9, VSTOP}, {10, VSUSP}, {12, VREPRINT}, {13, VWERASE}, {14, VLNEXT}, {18, VDISCARD}};
constexpr Flag kInput[] = {{30, IGNPAR}, {31, PARMRK}, {32, INPCK}, {33, ISTRIP}, {34, INLCR},  {35, IGNCR}, {36, ICRNL},
                           {37, IUCLC},  {38, IXON},   {39, IXANY}, {40, IXOFF},  {41, IMAXBEL}, {42, IUTF8}};
constexpr Flag kLocal[] = {{50, ISIG},   {51, ICANON}, {52, XCASE},   {53, ECHO},    {54, ECHOE},
                           {55, ECHOK},  {56, ECHONL}, {57, NOFLSH},  {58, TOSTOP},  {59, IEXTEN},
                           {60, ECHOCTL}, {61, ECHOKE}, {62, PENDIN}};
constexpr Flag kOutput[] = {{70, OPOST}, {71, OLCUC}, {72, ONLCR}, {73, OCRNL}, {74, ONOCR}, {75, ONLRET}};
constexpr Flag kControl[] = {{90, CS7}, {91, CS8}, {92, PARENB}, {93, PARODD}};

constexpr std::uint8_t kIspeed = 128, kOspeed = 129;

std::uint32_t baud(speed_t s) {
  constexpr struct {
    speed_t speed;
    std::uint32_t baud;
  } kSpeeds[] = {{B0, 0},         {B50, 50},         {B75, 75},         {B110, 110},       {B134, 134},
                 {B150, 150},     {B200, 200},       {B300, 300},       {B600, 600},       {B1200, 1200},
                 {B1800, 1800},   {B2400, 2400},     {B4800, 4800},     {B9600, 9600},     {B19200, 19200},
                 {B38400, 38400}, {B57600, 57600},   {B115200, 115200}, {B230400, 230400}, {B460800, 460800},
                 {B500000, 500000}, {B921600, 921600}, {B1000000, 1000000}, {B2000000, 2000000}, {B4000000, 4000000}};
  for (const auto& e : kSpeeds) {
    if (e.speed == s) return e.baud;
  }
  return 9600;
}

void add_flags(std::vector<TerminalMode>& out, tcflag_t field, std::span<const Flag> flags) {
  // CS7 and CS8 are values of the CSIZE field, not single bits.
  for (const auto& f : flags) {
    bool on = (f.bit == CS7 || f.bit == CS8) ? (field & CSIZE) == f.bit : (field & f.bit) != 0;
    out.push_back({f.opcode, on ? 1u : 0u});
  }
}

}  // namespace

std::vector<TerminalMode> encode_terminal_modes(const struct termios& tio) {
  std::vector<TerminalMode> out;
  out.push_back({kIspeed, baud(cfgetispeed(&tio))});
  out.push_back({kOspeed, baud(cfgetospeed(&tio))});
  for (const auto& c : kChars) {
    cc_t v = tio.c_cc[c.index];
    out.push_back({c.opcode, v == _POSIX_VDISABLE ? 255u : static_cast<std::uint32_t>(v)});
  }
  add_flags(out, tio.c_iflag, kInput);
  add_flags(out, tio.c_lflag, kLocal);
  add_flags(out, tio.c_oflag, kOutput);
  add_flags(out, tio.c_cflag, kControl);
  return out;
}

WindowSize terminal_size(int fd) {
  struct winsize ws {};
  if (ioctl(fd, TIOCGWINSZ, &ws) != 0) return WindowSize{0, 0, 0, 0};
  return WindowSize{ws.ws_col, ws.ws_row, ws.ws_xpixel, ws.ws_ypixel};
}

PtyRequest make_pty_request(int fd) {
  PtyRequest r;
  const char* term = std::getenv("TERM");
  r.term = term ? term : "";
  r.size = terminal_size(fd);
  struct termios tio {};
  if (tcgetattr(fd, &tio) == 0) r.modes = encode_terminal_modes(tio);
  return r;
}

}  // namespace skiff::cli
