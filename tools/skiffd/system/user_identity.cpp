#include "system/user_identity.hpp"

#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace skiff::skiffd {

UserFileIdentity::UserFileIdentity(const UserAccount& u) {
  const int n = ::getgroups(0, nullptr);
  if (n < 0) return;
  saved_groups_.resize(static_cast<std::size_t>(n));
  if (::getgroups(n, saved_groups_.data()) != n) return;
  saved_gid_ = static_cast<gid_t>(::setfsgid(static_cast<gid_t>(-1)));
  saved_uid_ = static_cast<uid_t>(::setfsuid(static_cast<uid_t>(-1)));
  changed_ = true;
  if (::syscall(SYS_setgroups, u.groups.size(), u.groups.data()) != 0) return;
  ::setfsgid(u.gid);
  ::setfsuid(u.uid);
  // setfsuid reports no error; asking with an invalid id returns the current one.
  ok_ = static_cast<gid_t>(::setfsgid(static_cast<gid_t>(-1))) == u.gid &&
        static_cast<uid_t>(::setfsuid(static_cast<uid_t>(-1))) == u.uid;
}

UserFileIdentity::~UserFileIdentity() {
  if (!changed_) return;
  ::setfsuid(saved_uid_);
  ::setfsgid(saved_gid_);
  const bool restored = ::syscall(SYS_setgroups, saved_groups_.size(), saved_groups_.data()) == 0 &&
                        static_cast<uid_t>(::setfsuid(static_cast<uid_t>(-1))) == saved_uid_ &&
                        static_cast<gid_t>(::setfsgid(static_cast<gid_t>(-1))) == saved_gid_;
  if (!restored) ::_exit(255);
}

}  // namespace skiff::skiffd
