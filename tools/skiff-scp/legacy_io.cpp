#include "skiff-scp/legacy_io.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <variant>

#include "file-transfer/progress.hpp"

namespace skiff::scp_cli {
namespace {

constexpr std::size_t kChunk = 64 * 1024;
// Directory nesting a sink follows: deeper trees from a peer are refused rather than
// letting it exhaust our stack or descriptors.
constexpr int kMaxDepth = 64;

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool set_times(const std::string& path, const TimeRecord& t) {
  struct timeval tv[2] = {{static_cast<time_t>(t.atime), 0}, {static_cast<time_t>(t.mtime), 0}};
  return ::utimes(path.c_str(), tv) == 0;
}

void print_err(const std::string& s) { (void)!::write(STDERR_FILENO, s.data(), s.size()); }

}  // namespace

LegacyPeer::LegacyPeer(int in_fd, int out_fd, LegacySettings settings)
    : in_fd_(in_fd), out_fd_(out_fd), settings_(settings), limit_(settings.limit_kbps), buf_(kChunk) {
  const mode_t m = ::umask(0);
  ::umask(m);
  umask_ = m;
}

bool LegacyPeer::read_byte(std::uint8_t& b) {
  if (buf_pos_ == buf_len_) {
    ssize_t r;
    do r = ::read(in_fd_, buf_.data(), buf_.size());
    while (r < 0 && errno == EINTR);
    if (r <= 0) return false;
    buf_pos_ = 0;
    buf_len_ = static_cast<std::size_t>(r);
  }
  b = buf_[buf_pos_++];
  return true;
}

bool LegacyPeer::read_exact(std::uint8_t* dst, std::size_t n) {
  while (n > 0) {
    if (buf_pos_ == buf_len_) {
      std::uint8_t b;
      if (!read_byte(b)) return false;
      --buf_pos_;  // read_byte refilled the buffer; take from it below
    }
    const std::size_t take = std::min(n, buf_len_ - buf_pos_);
    std::memcpy(dst, buf_.data() + buf_pos_, take);
    buf_pos_ += take;
    dst += take;
    n -= take;
  }
  return true;
}

bool LegacyPeer::read_line_rest(std::string& line, bool& too_long) {
  too_long = false;
  for (;;) {
    std::uint8_t b;
    if (!read_byte(b)) return false;
    if (b == '\n') return true;
    if (line.size() >= kMaxControlLine) {
      too_long = true;
      return true;
    }
    line.push_back(static_cast<char>(b));
  }
}

bool LegacyPeer::write_all(const void* data, std::size_t n) {
  auto p = static_cast<const std::uint8_t*>(data);
  while (n > 0) {
    ssize_t w = ::write(out_fd_, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

void LegacyPeer::lost_connection() {
  if (!fatal_ && !settings_.remote_side) print_err("lost connection\n");
  fatal_ = true;
}

void LegacyPeer::protocol_error(const std::string& why) {
  run_err("protocol error: " + why);
  fatal_ = true;
}

void LegacyPeer::run_err(const std::string& message) {
  ++errors_;
  std::string line = "\1scp: " + message + "\n";
  (void)write_all(line);
  if (!settings_.remote_side) print_err(message + "\n");
}

void LegacyPeer::send_ack() {
  if (!write_all("", 1)) lost_connection();
}

bool LegacyPeer::response() {
  std::uint8_t kind;
  if (!read_byte(kind)) {
    lost_connection();
    return false;
  }
  if (kind == 0) return true;
  std::string text;
  if (kind != 1 && kind != 2) text.push_back(static_cast<char>(kind));  // scp prints it too
  bool too_long = false;
  if (!read_line_rest(text, too_long)) {
    lost_connection();
    return false;
  }
  if (!settings_.remote_side) print_err(text + "\n");
  ++errors_;
  if (kind != 1 || too_long) fatal_ = true;
  return false;
}

// ---------------------------------------------------------------- source

void LegacyPeer::source(const std::vector<std::string>& paths) {
  for (auto name : paths) {
    if (fatal_) return;
    while (name.size() > 1 && name.back() == '/') name.pop_back();
    if (name.find('\n') != std::string::npos) {
      run_err(name + ": skipping, filename contains a newline");
      continue;
    }
    send_file(name);
  }
}

void LegacyPeer::send_file(const std::string& name) {
  int fd = ::open(name.c_str(), O_RDONLY | O_NONBLOCK);
  struct stat st{};
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    run_err(name + ": " + std::strerror(errno));
    if (fd >= 0) ::close(fd);
    return;
  }
  if (S_ISDIR(st.st_mode) && settings_.recursive) {
    ::close(fd);
    send_dir(name, st.st_mode, st.st_mtime, st.st_atime);
    return;
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    run_err(name + ": not a regular file");
    return;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  const std::string last = base_name(name);
  if (settings_.preserve) {
    if (!write_all(time_line(st.st_mtime, st.st_atime))) return (void)::close(fd), lost_connection();
    if (!response()) return (void)::close(fd);
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (!write_all(file_line(st.st_mode, size, last))) return (void)::close(fd), lost_connection();
  if (!response()) return (void)::close(fd);
  int read_errno = 0;
  std::vector<std::uint8_t> chunk(kChunk);
  std::uint64_t sent = 0;
  {
    sftp_cli::ProgressMeter meter(settings_.show_progress, last, size, 0);
    while (sent < size) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, size - sent));
      std::size_t have = 0;
      // After a read error (or a file that shrank) zeros keep the stream in step: the
      // peer was promised `size` bytes.
      if (read_errno == 0) {
        while (have < want) {
          ssize_t r = ::read(fd, chunk.data() + have, want - have);
          if (r < 0 && errno == EINTR) continue;
          if (r <= 0) {
            read_errno = r < 0 ? errno : EIO;
            break;
          }
          have += static_cast<std::size_t>(r);
        }
      }
      std::memset(chunk.data() + have, 0, want - have);
      if (!write_all(chunk.data(), want)) {
        ::close(fd);
        return lost_connection();
      }
      sent += want;
      limit_.account(want);
      meter.update(sent);
    }
    meter.finish(sent);
  }
  ::close(fd);
  if (read_errno == 0) send_ack();
  else run_err(name + ": " + std::strerror(read_errno));
  (void)response();
}

void LegacyPeer::send_dir(const std::string& name, std::uint32_t mode, std::int64_t mtime, std::int64_t atime) {
  DIR* d = ::opendir(name.c_str());
  if (!d) return run_err(name + ": " + std::strerror(errno));
  const std::string last = base_name(name);
  if (settings_.preserve) {
    if (!write_all(time_line(mtime, atime))) return (void)::closedir(d), lost_connection();
    if (!response()) return (void)::closedir(d);
  }
  if (!write_all(dir_line(mode, last))) return (void)::closedir(d), lost_connection();
  if (!response()) return (void)::closedir(d);
  while (auto* e = ::readdir(d)) {
    if (fatal_) break;
    const std::string entry = e->d_name;
    if (entry == "." || entry == "..") continue;
    if (name.size() + 1 + entry.size() >= PATH_MAX) {
      run_err(name + "/" + entry + ": name too long");
      continue;
    }
    source({name == "/" ? "/" + entry : name + "/" + entry});
  }
  ::closedir(d);
  if (fatal_) return;
  if (!write_all(std::string("E\n"))) return lost_connection();
  (void)response();
}

// ---------------------------------------------------------------- sink

void LegacyPeer::sink(const std::string& target, const SinkRules& rules, bool must_be_dir) {
  struct stat st{};
  const bool target_is_dir = ::stat(target.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  if (must_be_dir && !target_is_dir) {
    run_err(target + ": " + std::strerror(::stat(target.c_str(), &st) == 0 ? ENOTDIR : errno));
    fatal_ = true;
    return;
  }
  send_ack();
  sink_level(target, rules, true);
}

void LegacyPeer::sink_level(const std::string& target, const SinkRules& rules, bool top) {
  bool have_times = false, first = true;
  TimeRecord times;
  while (!fatal_) {
    std::uint8_t kind;
    if (!read_byte(kind)) {
      if (!top) lost_connection();  // the source may end only at the top level
      return;
    }
    if (kind == '\n') return protocol_error("unexpected <newline>");
    std::string line(1, static_cast<char>(kind));
    bool too_long = false;
    if (!read_line_rest(line, too_long)) return lost_connection();
    if (too_long) return protocol_error("control record too long");
    auto parsed = parse_control_line(line);
    if (auto* err = std::get_if<ProtocolError>(&parsed)) {
      // The first line not being a record is most likely the remote's own complaint
      // (a shell's message): scp prints it as it is.
      if (first && err->reason == "expected control record") {
        run_err(line);
        fatal_ = true;
        return;
      }
      return protocol_error(err->reason);
    }
    first = false;
    auto& rec = std::get<ControlRecord>(parsed);
    if (auto* pe = std::get_if<PeerError>(&rec)) {
      if (!settings_.remote_side) print_err(pe->message + "\n");
      ++errors_;
      if (pe->fatal) fatal_ = true;
      continue;
    }
    if (std::holds_alternative<EndDir>(rec)) {
      send_ack();
      return;
    }
    if (auto* t = std::get_if<TimeRecord>(&rec)) {
      times = *t;
      have_times = true;
      send_ack();
      continue;
    }
    const bool is_dir = std::holds_alternative<DirRecord>(rec);
    const std::string& name = is_dir ? std::get<DirRecord>(rec).name : std::get<FileRecord>(rec).name;
    SinkRules level_rules = rules;
    if (!top) level_rules.patterns.clear();  // the request names the top level only
    if (auto refusal = sink_refusal(level_rules, is_dir, name)) {
      run_err(*refusal);
      fatal_ = true;
      return;
    }
    struct stat st{};
    const bool target_is_dir = ::stat(target.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    const std::string path = target_is_dir ? (target == "/" ? "/" : target + "/") + name : target;
    if (is_dir) {
      std::uint32_t mode = std::get<DirRecord>(rec).mode;
      if (!settings_.preserve) mode &= ~umask_;
      bool created = false;
      if (::stat(path.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
          run_err(path + ": " + std::strerror(ENOTDIR));
          continue;
        }
        if (settings_.preserve) ::chmod(path.c_str(), mode);
      } else {
        if (::mkdir(path.c_str(), mode | S_IRWXU) != 0) {
          run_err(path + ": " + std::strerror(errno));
          continue;
        }
        created = true;
      }
      if (depth_ >= kMaxDepth) return protocol_error("directories nested too deeply");
      ++depth_;
      send_ack();  // scp's sink() acknowledges as it starts on the new directory
      sink_level(path, level_rules, false);
      --depth_;
      if (fatal_) return;
      if (have_times && !set_times(path, times)) run_err(path + ": set times: " + std::strerror(errno));
      if (created) ::chmod(path.c_str(), mode);
      have_times = false;
      continue;
    }
    receive_file(path, std::get<FileRecord>(rec), have_times, times);
    have_times = false;
  }
}

void LegacyPeer::receive_file(const std::string& path, const FileRecord& rec, bool have_times,
                              const TimeRecord& times) {
  std::uint32_t mode = rec.mode;
  if (!settings_.preserve) mode &= ~umask_;
  struct stat st{};
  const bool existed = ::stat(path.c_str(), &st) == 0;
  const bool was_regular = existed && S_ISREG(st.st_mode);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, mode | S_IWUSR);
  if (fd < 0) return run_err(path + ": " + std::strerror(errno));
  send_ack();
  int write_errno = 0;
  std::vector<std::uint8_t> chunk(kChunk);
  std::uint64_t done = 0;
  {
    sftp_cli::ProgressMeter meter(settings_.show_progress, rec.name, rec.size, 0);
    while (done < rec.size) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, rec.size - done));
      if (!read_exact(chunk.data(), n)) {
        ::close(fd);
        return lost_connection();
      }
      // After a write error the rest is read and dropped, to stay in step with the source.
      if (write_errno == 0) {
        std::size_t off = 0;
        while (off < n) {
          ssize_t w = ::write(fd, chunk.data() + off, n - off);
          if (w < 0 && errno == EINTR) continue;
          if (w <= 0) {
            write_errno = w < 0 ? errno : ENOSPC;
            break;
          }
          off += static_cast<std::size_t>(w);
        }
      }
      done += n;
      limit_.account(n);
      meter.update(done);
    }
    meter.finish(done);
  }
  if (write_errno == 0 && (!existed || was_regular) && ::ftruncate(fd, static_cast<off_t>(rec.size)) != 0)
    write_errno = errno;
  if (settings_.preserve && ::fchmod(fd, mode) != 0 && write_errno == 0) write_errno = errno;
  if (::close(fd) != 0 && write_errno == 0) write_errno = errno;
  // The source's own verdict on what it sent.
  if (!response() && fatal_) return;
  if (have_times && write_errno == 0 && !set_times(path, times)) {
    run_err(path + ": set times: " + std::strerror(errno));
    return;
  }
  if (write_errno != 0) return run_err(path + ": " + std::strerror(write_errno));
  send_ack();
}

}  // namespace skiff::scp_cli
