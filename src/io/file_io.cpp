#include "io/file_io.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace skiff::io {

namespace {

std::unexpected<Error> system_error(std::string_view what, const std::filesystem::path& path, int err) {
  std::string message(what);
  message += ' ';
  message += path.string();
  message += ": ";
  message += std::strerror(err);
  return fail(err == ENOENT ? Errc::not_found : Errc::io_error, std::move(message));
}

// Closes on every path out, so that an early return cannot leak the descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // close() can report a delayed write error, so the writer checks it.
  int release_and_close() {
    int r = ::close(fd_);
    fd_ = -1;
    return r;
  }

 private:
  int fd_;
};

}  // namespace

Result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) return system_error("cannot open", path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return system_error("cannot stat", path, errno);
  if (S_ISDIR(st.st_mode)) return system_error("cannot read", path, EISDIR);
  if (S_ISREG(st.st_mode) && static_cast<std::uintmax_t>(st.st_size) > max_bytes) {
    return fail(Errc::too_large, path.string() + ": larger than " + std::to_string(max_bytes) + " bytes");
  }
  // The size may change under us (or be unknown, for a pipe): read until end of file,
  // but never more than one byte past the cap.
  // Reserved from the size so that a key file's text is not left behind in freed buffers
  // when the string grows (callers wipe what they hold).
  std::string content;
  if (S_ISREG(st.st_mode)) content.reserve(static_cast<std::size_t>(st.st_size) + 1);
  char buf[16384];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return system_error("cannot read", path, errno);
    }
    if (n == 0) break;
    if (content.size() + static_cast<std::size_t>(n) > max_bytes) {
      return fail(Errc::too_large, path.string() + ": larger than " + std::to_string(max_bytes) + " bytes");
    }
    content.append(buf, static_cast<std::size_t>(n));
  }
  return content;
}

Result<void> write_file_atomic(const std::filesystem::path& link_or_path, std::string_view content, unsigned mode) {
  // A symbolic link is written through: its target is replaced, as ssh-keygen's
  // open(O_TRUNC) would. Renaming onto the link itself would leave the old content (say,
  // an unencrypted key after -p) at the target while the user believes it replaced.
  // Followed by hand because a dangling link (its target not made yet) must be followed too.
  std::filesystem::path path = link_or_path;
  for (int hops = 0;; ++hops) {
    std::error_code ec;
    if (!std::filesystem::is_symlink(path, ec)) break;
    if (hops == 40) return system_error("cannot resolve the link", link_or_path, ELOOP);
    auto target = std::filesystem::read_symlink(path, ec);
    if (ec) return system_error("cannot resolve the link", link_or_path, ec.value());
    path = target.is_absolute() ? target : path.parent_path() / target;
  }
  std::string tmp = path.string() + ".XXXXXXXXXX";
  Fd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (fd.get() < 0) return system_error("cannot create a temporary file for", path, errno);
  auto give_up = [&](std::string_view what, int err) {
    ::unlink(tmp.c_str());
    return system_error(what, path, err);
  };
  if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) return give_up("cannot chmod the temporary file for", errno);
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return give_up("cannot write the temporary file for", errno);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return give_up("cannot fsync the temporary file for", errno);
  if (fd.release_and_close() != 0) return give_up("cannot close the temporary file for", errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return give_up("cannot rename the temporary file onto", errno);
  // Make the rename itself durable; the file is already in place, so a failure here
  // is not reported as a failed write.
  std::filesystem::path dir = path.parent_path();
  Fd dir_fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() >= 0) ::fsync(dir_fd.get());
  return {};
}

}  // namespace skiff::io
