#include "file-transfer/session.hpp"

#include "file-transfer/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace skiff::sftp_cli {

Session::~Session() { finish(); }

Result<std::unique_ptr<Session>> Session::start(const std::vector<std::string>& argv, sftp::ClientOptions options) {
  std::unique_ptr<Session> s(new Session());
  s->client_ = sftp::Client(options);
  auto child = spawn_child(argv);
  if (!child) return std::unexpected(child.error());
  s->pid_ = child->pid;
  s->to_child_ = child->to_child;
  s->from_child_ = child->from_child;
  ::fcntl(s->to_child_, F_SETFL, ::fcntl(s->to_child_, F_GETFL) | O_NONBLOCK);
  ::fcntl(s->from_child_, F_SETFL, ::fcntl(s->from_child_, F_GETFL) | O_NONBLOCK);
  // Room for a few full-size READ/WRITE messages in each pipe (the default 64 KiB holds
  // a quarter of one): fewer wake-ups on both sides. A refusal only costs speed.
  constexpr int kPipeBytes = 1024 * 1024;
  ::fcntl(s->to_child_, F_SETPIPE_SZ, kPipeBytes);
  ::fcntl(s->from_child_, F_SETPIPE_SZ, kPipeBytes);

  s->client_.start();
  while (!s->client_.ready()) {
    if (auto r = s->step(-1); !r) return std::unexpected(r.error());
  }
  // The Ready event is for us, not for the commands.
  while (auto e = s->client_.poll_event()) {
    if (!std::holds_alternative<sftp::Ready>(*e)) s->unclaimed_.push_back(std::move(*e));
  }
  return s;
}

Result<void> Session::flush_and_read(int timeout_ms) {
  if (auto& f = client_.failure()) return std::unexpected(*f);
  for (;;) {
    auto out = client_.pending_output();
    pollfd fds[2] = {{from_child_, POLLIN, 0}, {to_child_, static_cast<short>(out.empty() ? 0 : POLLOUT), 0}};
    int n = ::poll(fds, 2, out.empty() ? timeout_ms : (timeout_ms < 0 ? -1 : timeout_ms));
    if (n < 0) {
      if (errno == EINTR) return {};  // the caller looks at its interrupt flag
      return fail(Errc::io_error, std::string("poll: ") + std::strerror(errno));
    }
    if (n == 0) return {};
    if (!out.empty() && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = ::write(to_child_, out.data(), out.size());
      if (w < 0 && errno != EAGAIN && errno != EINTR) {
        client_.feed_eof();
        return fail(Errc::disconnected, "Connection closed");
      }
      if (w > 0) client_.consume_output(static_cast<std::size_t>(w));
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      std::uint8_t buf[256 * 1024];
      ssize_t r = ::read(from_child_, buf, sizeof buf);
      if (r == 0) {
        client_.feed_eof();
        return fail(Errc::disconnected, "Connection closed");
      }
      if (r < 0 && errno != EAGAIN && errno != EINTR) {
        client_.feed_eof();
        return fail(Errc::io_error, std::string("Couldn't read packet: ") + std::strerror(errno));
      }
      if (r > 0) {
        if (auto f = client_.feed(wire::ByteView(buf, static_cast<std::size_t>(r))); !f) return f;
        return {};
      }
    }
    // Wrote something and nothing came in yet: go round, unless the caller only
    // wanted a look.
    if (timeout_ms == 0) return {};
  }
}

Result<void> Session::step(int timeout_ms) { return flush_and_read(timeout_ms); }

Result<sftp::Reply> Session::call(Result<sftp::RequestId> request) {
  if (!request) return std::unexpected(request.error());
  for (;;) {
    while (auto e = client_.poll_event()) {
      if (auto* c = std::get_if<sftp::Completion>(&*e); c && c->id == *request) return std::move(c->reply);
      unclaimed_.push_back(std::move(*e));
    }
    if (auto r = flush_and_read(-1); !r) return std::unexpected(r.error());
  }
}

std::optional<sftp::Event> Session::next_event() {
  if (!unclaimed_.empty()) {
    auto e = std::move(unclaimed_.front());
    unclaimed_.pop_front();
    return e;
  }
  return client_.poll_event();
}

void Session::finish() {
  if (to_child_ >= 0) ::close(to_child_), to_child_ = -1;
  if (from_child_ >= 0) ::close(from_child_), from_child_ = -1;
  if (pid_ > 0) {
    exit_status_ = wait_child(pid_);
    pid_ = -1;
  }
}

}  // namespace skiff::sftp_cli
