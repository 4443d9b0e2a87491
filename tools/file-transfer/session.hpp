// The SFTP session of skiff-sftp: the child process (the SSH program, or -D's server)
// on two pipes, and the client engine driven over them one step at a time. Blocking
// from the caller's point of view: call() returns when its reply has come; a transfer's
// loop calls step() between its own work. Both directions are polled together, so a
// server that writes while we write never deadlocks us.
#pragma once

#include <sys/types.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sftp/client.hpp"

namespace skiff::sftp_cli {

class Session {
 public:
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Starts the child and runs INIT/VERSION (and limits@openssh.com). On failure the
  // message is sftp's ("Connection closed", ...).
  static Result<std::unique_ptr<Session>> start(const std::vector<std::string>& argv, sftp::ClientOptions options);

  sftp::Client& client() { return client_; }

  // Sends the request and waits for its reply. An error means the session is gone.
  Result<sftp::Reply> call(Result<sftp::RequestId> request);
  // One round of I/O: writes what is pending, then waits for input (at most
  // `timeout_ms`, -1 forever) and feeds it. Errors are final.
  Result<void> step(int timeout_ms);
  // The next event that no call() claimed (transfer chunks and ends).
  std::optional<sftp::Event> next_event();

  // Closes the pipes and waits for the child.
  void finish();
  pid_t child() const { return pid_; }
  // The child's exit status once finish() has waited for it.
  int exit_status() const { return exit_status_; }

 private:
  Session() = default;
  Result<void> flush_and_read(int timeout_ms);

  sftp::Client client_;
  int to_child_ = -1;
  int from_child_ = -1;
  pid_t pid_ = -1;
  int exit_status_ = 0;
  std::deque<sftp::Event> unclaimed_;
};

}  // namespace skiff::sftp_cli
