// A thread's file-system identity (fsuid, fsgid, supplementary groups) switched to a
// user's while the object lives, so that files opened and Unix sockets bound or connected
// meanwhile are checked and created as that user: while fsuid is not 0 the kernel also
// drops the capabilities that override file permissions. Raw system calls, because
// glibc's setgroups changes every thread's groups (the PAM conversation may be running on
// another). Forking a helper per action would do the same at the cost of a fork of the
// whole connection process. Only meaningful in a process that is root.
#pragma once

#include <sys/types.h>

#include <vector>

#include "system/privileged.hpp"

namespace skiff::skiffd {

class UserFileIdentity {
 public:
  explicit UserFileIdentity(const UserAccount& u);
  // Restores the saved identity; a failure to do so ends the process (going on with a
  // user's identity half in place is worse than ending the connection).
  ~UserFileIdentity();
  UserFileIdentity(const UserFileIdentity&) = delete;
  UserFileIdentity& operator=(const UserFileIdentity&) = delete;
  bool ok() const noexcept { return ok_; }

 private:
  std::vector<gid_t> saved_groups_;
  uid_t saved_uid_ = 0;
  gid_t saved_gid_ = 0;
  bool changed_ = false;
  bool ok_ = false;
};

}  // namespace skiff::skiffd
