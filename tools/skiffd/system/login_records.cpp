#include "system/login_records.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <lastlog.h>
#include <unistd.h>
#include <utmp.h>
#include <utmpx.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "io/file_io.hpp"
#include "wire/limits.hpp"

namespace skiff::skiffd {

namespace {

template <std::size_t N>
void copy_field(char (&field)[N], std::string_view s) {
  std::memset(field, 0, N);
  std::memcpy(field, s.data(), std::min(N, s.size()));
}

utmpx make_entry(const LoginRecord& r, short type) {
  utmpx ut{};
  ut.ut_type = type;
  ut.ut_pid = r.pid;
  std::string line = tty_line(r.tty);
  copy_field(ut.ut_line, line);
  // sshd's line_abbrevname: the last four characters of the line name.
  copy_field(ut.ut_id, line.size() > sizeof ut.ut_id ? line.substr(line.size() - sizeof ut.ut_id) : line);
  if (type == USER_PROCESS) {
    copy_field(ut.ut_user, r.user);
    copy_field(ut.ut_host, r.host);
    in6_addr a6{};
    in_addr a4{};
    if (::inet_pton(AF_INET, r.address.c_str(), &a4) == 1)
      std::memcpy(ut.ut_addr_v6, &a4, sizeof a4);
    else if (::inet_pton(AF_INET6, r.address.c_str(), &a6) == 1)
      std::memcpy(ut.ut_addr_v6, &a6, sizeof a6);
  }
  ut.ut_tv.tv_sec = static_cast<decltype(ut.ut_tv.tv_sec)>(r.time);
  return ut;
}

void write_utmp(const utmpx& ut, const LoginFiles& files) {
  // utmpxname() is process-wide state; a connection process serves one login at a time.
  if (::utmpxname(files.utmp.c_str()) != 0) {
    ::setutxent();
    ::pututxline(&ut);
    ::endutxent();
  }
  ::updwtmpx(files.wtmp.c_str(), &ut);
}

}  // namespace

std::string tty_line(const std::string& tty) {
  return tty.starts_with("/dev/") ? tty.substr(5) : tty;
}

void record_login(const LoginRecord& r, const LoginFiles& files) {
  if (::geteuid() == 0) write_utmp(make_entry(r, USER_PROCESS), files);
  int fd = ::open(files.lastlog.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;
  struct lastlog ll {};
  ll.ll_time = static_cast<decltype(ll.ll_time)>(r.time);
  copy_field(ll.ll_line, tty_line(r.tty));
  copy_field(ll.ll_host, r.host);
  off_t off = static_cast<off_t>(r.uid) * static_cast<off_t>(sizeof ll);
  // A short write leaves lastlog as it was for this user; nothing else depends on it.
  [[maybe_unused]] ssize_t n = ::pwrite(fd, &ll, sizeof ll, off);
  ::close(fd);
}

void record_logout(const LoginRecord& r, const LoginFiles& files) {
  if (::geteuid() == 0) write_utmp(make_entry(r, DEAD_PROCESS), files);
}

std::optional<std::string> last_login_message(uid_t uid, const std::string& lastlog_path) {
  int fd = ::open(lastlog_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct lastlog ll {};
  off_t off = static_cast<off_t>(uid) * static_cast<off_t>(sizeof ll);
  ssize_t n = ::pread(fd, &ll, sizeof ll, off);
  ::close(fd);
  if (n != static_cast<ssize_t>(sizeof ll) || ll.ll_time == 0) return std::nullopt;
  std::time_t t = ll.ll_time;
  char buf[64];
  struct tm tm {};
  if (::localtime_r(&t, &tm) == nullptr || std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", &tm) == 0)
    return std::nullopt;
  std::string host(ll.ll_host, ::strnlen(ll.ll_host, sizeof ll.ll_host));
  std::string msg = "Last login: " + std::string(buf);
  if (!host.empty()) msg += " from " + host;
  return msg + "\r\n";
}

std::string read_motd(const std::string& path) {
  auto text = io::read_file(path, limits::kMaxMotdBytes);
  return text ? *text : std::string{};
}

}  // namespace skiff::skiffd
