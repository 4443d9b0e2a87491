// StrictModes: a file sshd reads on the user's behalf (authorized_keys, ~/.ssh/environment)
// and every directory above it must be owned by the user or root and not writable by
// group or others, as OpenSSH's safe_path(). The walk stops after the home directory, or
// at '/'. ChrootDirectory has its own, stricter rule (root-owned all the way).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <string>

#include <skiff/error.hpp>

namespace skiff::skiffd {

// file_stat: of the file already opened (fstat), so that the check is about what is read.
// On refusal Errc::invalid_argument with sshd's text: "bad ownership or modes for file
// /x", "bad ownership or modes for directory /x", "/x is not a regular file", "realpath
// ... failed: ...". The caller logs "Authentication refused: <message>".
Result<void> check_secure_path(const std::string& path, const struct stat& file_stat, const std::string& home,
                               uid_t uid);

// ChrootDirectory (session.c safely_chroot): every component of the absolute path must be
// a directory owned by root and not writable by group or others. Errc::invalid_argument
// with sshd's message ("bad ownership or modes for chroot directory component \"/x/\"").
Result<void> check_chroot_path(const std::string& path);

}  // namespace skiff::skiffd
