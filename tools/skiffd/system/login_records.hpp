// Login accounting for pty sessions, as sshd's loginrec.c: utmp (who), wtmp (last) and
// lastlog (the "Last login:" line), plus the motd. All of it needs root to write; it is
// skipped quietly otherwise, like sshd run as an ordinary user.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace skiff::skiffd {

struct LoginRecord {
  pid_t pid = 0;
  std::string tty;   // "/dev/pts/N"
  std::string user;
  uid_t uid = 0;
  std::string host;  // the client's name or address
  std::string address;
  std::int64_t time = 0;  // seconds since the epoch
};

// Where the records go (tests point them into a temporary directory).
struct LoginFiles {
  std::string utmp = "/var/run/utmp";
  std::string wtmp = "/var/log/wtmp";
  std::string lastlog = "/var/log/lastlog";
};

// utmp USER_PROCESS, the same in wtmp, and the user's lastlog entry.
void record_login(const LoginRecord& r, const LoginFiles& files);
// utmp DEAD_PROCESS for the line, and the same in wtmp.
void record_logout(const LoginRecord& r, const LoginFiles& files);

// The user's previous login from lastlog, as sshd prints it before the new one is
// recorded: "Last login: Sun Nov 22 01:44:27 2026 from 10.0.0.1\r\n" (no " from" when
// the host is empty); nullopt when there is none.
std::optional<std::string> last_login_message(uid_t uid, const std::string& lastlog_path = "/var/log/lastlog");

// The motd (PrintMotd), capped at limits::kMaxMotdBytes; empty when unreadable. It is
// written to the pty, whose ONLCR adds the carriage returns.
std::string read_motd(const std::string& path = "/etc/motd");

// "pts/3" from "/dev/pts/3" (utmp's ut_line).
std::string tty_line(const std::string& tty);

}  // namespace skiff::skiffd
