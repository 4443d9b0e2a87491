#include "skiff-sftp/listing_format.hpp"

#include <cinttypes>
#include <climits>
#include <cstdio>
#include <cstdlib>

#include "sftp/protocol.hpp"

namespace skiff::sftp_cli {

std::string pad_right(const std::string& s, std::size_t width) {
  if (s.size() >= width) return s;
  return s + std::string(width - s.size(), ' ');
}

std::optional<std::string> fmt_scaled(long long number) {
  static constexpr char kScale[] = "BKMGTPE";
  static constexpr long long kFactors[] = {1LL,
                                           1024LL,
                                           1024LL * 1024,
                                           1024LL * 1024 * 1024,
                                           1024LL * 1024 * 1024 * 1024,
                                           1024LL * 1024 * 1024 * 1024 * 1024,
                                           1024LL * 1024 * 1024 * 1024 * 1024 * 1024};
  constexpr int kLen = 7;
  if (number == LLONG_MIN) return std::nullopt;
  const long long abval = std::llabs(number);
  if (abval / 1024 >= kFactors[kLen - 1]) return std::nullopt;
  long long fract = 0;
  int unit = 0;
  for (int i = 0; i < kLen; ++i) {
    if (abval / 1024 < kFactors[i]) {
      unit = i;
      fract = i == 0 ? 0 : abval % kFactors[i];
      number /= kFactors[i];
      if (i > 0) fract /= kFactors[i - 1];
      break;
    }
  }
  fract = (10 * fract + 512) / 1024;
  if (fract >= 10) {
    number += number >= 0 ? 1 : -1;
    fract = 0;
  } else if (fract < 0) {
    fract = 0;
  }
  char buf[32];
  if (number == 0) {
    return std::string("0B");
  } else if (unit == 0 || number >= 100 || number <= -100) {
    if (fract >= 5) number += number >= 0 ? 1 : -1;
    std::snprintf(buf, sizeof buf, "%lld%c", number, kScale[unit]);
  } else {
    std::snprintf(buf, sizeof buf, "%lld.%1lld%c", number, fract, kScale[unit]);
  }
  return std::string(buf);
}

std::string ls_long_line(const std::string& name, const sftp::FileAttributes& a, bool si_units,
                         const std::optional<std::string>& user, const std::optional<std::string>& group,
                         std::time_t now) {
  const std::string mode = sftp::mode_string(a.permissions.value_or(0));
  const std::string u = user ? *user : std::to_string(a.uid_gid ? a.uid_gid->first : 0);
  const std::string g = group ? *group : std::to_string(a.uid_gid ? a.uid_gid->second : 0);
  const std::time_t mtime = a.atime_mtime ? static_cast<std::time_t>(a.atime_mtime->second) : 0;
  char date[32] = "";
  std::tm tm{};
  if (::localtime_r(&mtime, &tm)) {
    const bool recent = now - (365 * 24 * 60 * 60) / 2 < mtime && now >= mtime;
    if (std::strftime(date, sizeof date, recent ? "%b %e %H:%M" : "%b %e  %Y", &tm) == 0) date[0] = '\0';
  }
  const int ulen = static_cast<int>(std::max<std::size_t>(u.size(), 8));
  const int glen = static_cast<int>(std::max<std::size_t>(g.size(), 8));
  char buf[2048];
  // strmode's eleventh character (a space for "no ACL") comes before the link count.
  if (si_units) {
    const std::string sz = fmt_scaled(static_cast<long long>(a.size.value_or(0))).value_or("");
    std::snprintf(buf, sizeof buf, "%s  %3s %-*s %-*s %8s %s ", mode.c_str(), "?", ulen, u.c_str(), glen, g.c_str(),
                  sz.c_str(), date);
  } else {
    std::snprintf(buf, sizeof buf, "%s  %3s %-*s %-*s %8llu %s ", mode.c_str(), "?", ulen, u.c_str(), glen,
                  g.c_str(), static_cast<unsigned long long>(a.size.value_or(0)), date);
  }
  return buf + name;
}

std::string df_table(const sftp::StatvfsReply& st, bool human, bool inodes) {
  using ull = unsigned long long;
  char icap[16], dcap[16], buf[512];
  if (st.files == 0) std::snprintf(icap, sizeof icap, "ERR");
  else std::snprintf(icap, sizeof icap, "%3llu%%", static_cast<ull>(100 * (st.files - st.ffree) / st.files));
  if (st.blocks == 0) std::snprintf(dcap, sizeof dcap, "ERR");
  else std::snprintf(dcap, sizeof dcap, "%3llu%%", static_cast<ull>(100 * (st.blocks - st.bfree) / st.blocks));
  std::string out;
  if (inodes) {
    out = "     Inodes        Used       Avail      (root)    %Capacity\n";
    std::snprintf(buf, sizeof buf, "%11llu %11llu %11llu %11llu         %s\n", static_cast<ull>(st.files),
                  static_cast<ull>(st.files - st.ffree), static_cast<ull>(st.favail), static_cast<ull>(st.ffree), icap);
  } else if (human) {
    auto scaled = [](std::uint64_t v) { return fmt_scaled(static_cast<long long>(v)).value_or("error"); };
    out = "    Size     Used    Avail   (root)    %Capacity\n";
    std::snprintf(buf, sizeof buf, "%7sB %7sB %7sB %7sB         %s\n", scaled(st.blocks * st.frsize).c_str(),
                  scaled((st.blocks - st.bfree) * st.frsize).c_str(), scaled(st.bavail * st.frsize).c_str(),
                  scaled(st.bfree * st.frsize).c_str(), dcap);
  } else {
    out = "        Size         Used        Avail       (root)    %Capacity\n";
    std::snprintf(buf, sizeof buf, "%12llu %12llu %12llu %12llu         %s\n",
                  static_cast<ull>(st.frsize * st.blocks / 1024), static_cast<ull>(st.frsize * (st.blocks - st.bfree) / 1024),
                  static_cast<ull>(st.frsize * st.bavail / 1024), static_cast<ull>(st.frsize * st.bfree / 1024), dcap);
  }
  return out + buf;
}

}  // namespace skiff::sftp_cli
