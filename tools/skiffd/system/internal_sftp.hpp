// internal-sftp: the SFTP server engine run inside skiffd, as sshd's, for
// "Subsystem sftp internal-sftp [flags]" and "ForceCommand internal-sftp [flags]". The
// session child (forked by spawn_process, with the user's identity and chroot) runs the
// function made here instead of executing a program, so a ChrootDirectory needs no
// binaries or libraries inside it.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "system/privileged.hpp"

namespace skiff::skiffd {

// Whether a command line names internal-sftp: the word itself, alone or followed by a
// space or tab and its flags (sshd's IS_INTERNAL_SFTP).
bool is_internal_sftp(std::string_view command);

// What the session child runs for "internal-sftp [flags]": sftp-server's flags (-d -e -f
// -h -l -P -p -R -u; -f is accepted and ignored, the lines go to skiffd's log) are parsed
// here, before the fork. In the child it serves the session on stdin/stdout and writes
// its log lines to log_fd (SessionProcess::log_fd's other end); the result is the exit
// status. Bad flags end the session with sftp-server's message and status.
std::function<int(int log_fd)> internal_sftp_child(std::string_view command, const UserAccount& user,
                                                   const Peer& peer);

// ForceCommand internal-sftp answering a shell or exec request: sshd's refusal (the
// message to the client, "Connection from A port P: refusing non-sftp session" logged),
// exit status 1.
std::function<int(int log_fd)> refuse_non_sftp_child(const Peer& peer);

}  // namespace skiff::skiffd
