// The text of listings, as pure functions (tested alone): sftp-common.c's ls_file long
// line, OpenBSD's fmt_scaled ("22.8G"), df's tables, "%-*s" padding.
#pragma once

#include <ctime>
#include <optional>
#include <string>

#include "sftp/messages.hpp"

namespace skiff::sftp_cli {

// "-rw-r--r--    ? alice    users        1234 Jan  2 10:11 name": names, or the numeric
// ids when a name is unknown; "?" links (SFTP does not carry them); the date as
// "%b %e %H:%M" within the last half year, else "%b %e  %Y", in local time.
std::string ls_long_line(const std::string& name, const sftp::FileAttributes& a, bool si_units,
                         const std::optional<std::string>& user, const std::optional<std::string>& group,
                         std::time_t now);

// fmt_scaled: at most three digits and a unit of B, K, M, G, T, P, E; nothing when the
// number is too large to format.
std::optional<std::string> fmt_scaled(long long number);

std::string df_table(const sftp::StatvfsReply& st, bool human, bool inodes);

// printf("%-*s", width, s).
std::string pad_right(const std::string& s, std::size_t width);

}  // namespace skiff::sftp_cli
