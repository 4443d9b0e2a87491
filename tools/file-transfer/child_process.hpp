// A child program on two pipes (its stdin and stdout), as sftp and scp run ssh: used by
// the SFTP session and by skiff-scp's legacy protocol. The parent's ends are
// close-on-exec, so a second child never holds the first one's pipes open.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "skiff/error.hpp"

namespace skiff::sftp_cli {

struct ChildPipes {
  pid_t pid = -1;
  int to_child = -1;    // write end: the child's stdin
  int from_child = -1;  // read end: the child's stdout
};

// Starts argv[0] (looked up in PATH) with its stdin and stdout on new pipes; its stderr
// is ours. `stdin_fd`/`stdout_fd` >= 0 give the child those descriptors instead of a
// pipe (that end of ChildPipes is then -1). The child ignores SIGINT: interrupts are
// the parent's to handle.
Result<ChildPipes> spawn_child(const std::vector<std::string>& argv, int stdin_fd = -1, int stdout_fd = -1);

// Waits for the child; its exit status, or 255 when a signal ended it.
int wait_child(pid_t pid);

}  // namespace skiff::sftp_cli
