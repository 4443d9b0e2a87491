// The process of a session, as sshd's do_exec_pty / do_exec_no_pty and do_child: fork; in
// the child a new session (and the pty as controlling terminal), the user's identity when
// skiffd is root, ChrootDirectory, the home directory, the environment, then the login
// shell ("-sh") or `shell -c command`.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "system/privileged.hpp"
#include "system/pty.hpp"
#include "system/rc_files.hpp"

namespace skiff::skiffd {

struct SpawnPlan {
  const UserAccount* user = nullptr;
  std::string shell;                   // empty: /bin/sh
  std::optional<std::string> command;  // nullopt: the login shell
  std::vector<std::string> env;        // "N=V", the whole environment
  bool change_identity = false;        // setgroups/setgid/setuid to the user (needs root)
  std::string chroot;                  // expanded ChrootDirectory, checked; empty: none
  // Written to the session's output before the exec (Last login, motd).
  std::string banner;
  // internal-sftp: the child runs this (as the user, inside the chroot, in the home
  // directory) instead of execve, and _exits with what it returns; shell and command are
  // not used. It gets the descriptor of a log pipe (see with_log_pipe) or -1.
  std::function<int(int log_fd)> run_in_child;
  // sshd's do_rc_files: the child runs the first candidate whose condition holds (as the
  // user, in the home directory, with the session's environment) and waits for it before
  // the command. Not for run_in_child.
  std::vector<RcCandidate> rc;
  // A pipe whose read end becomes SessionProcess::log_fd and whose write end the child
  // keeps as its only descriptor past stdio (internal-sftp's log lines).
  bool with_log_pipe = false;
};

// Whether this process has one thread only (counts /proc/self/task). run_in_child
// runs arbitrary code after fork, which is only sound in the child of a single-threaded
// parent: spawn_process refuses such a plan otherwise.
bool single_threaded();

// With pty (from open_pty), the child gets its slave as controlling terminal and stdio,
// and the result holds the master; without, three pipes whose parent ends are
// close-on-exec and non-blocking.
Result<SessionProcess> spawn_process(const SpawnPlan& plan, std::optional<Pty> pty);

// The exit of a wait status, for exit-status / exit-signal.
SessionExit decode_wait_status(int status);
// RFC 4254 6.10 names without "SIG" ("HUP", "SEGV"); others "<number>@openssh.com"-style
// names are not portable, so like OpenSSH anything else is "SIG@openssh.com".
std::string signal_name(int signal);

// The signal of an RFC 4254 name ("TERM"), nullopt for a name outside the RFC's list.
std::optional<int> signal_number(std::string_view name);

// SIGHUP and SIGTERM to the process group of pid (a session leader), then SIGCONT so a
// stopped group sees them.
void terminate_process_group(pid_t pid);

// waitpid(WNOHANG): nullopt while it runs (or is not our child any more).
std::optional<int> try_reap(pid_t pid);

}  // namespace skiff::skiffd
