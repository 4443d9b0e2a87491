// A session channel of skiffd: its requests (pty-req, env, shell, exec, subsystem,
// window-change, signal, break), the process Privileged::spawn_session starts for it,
// and the bytes between the two, with the channel's window as the only buffer.
#pragma once

#include <asio/awaitable.hpp>

#include <skiff/channel.hpp>

#include "agent_forwarding.hpp"
#include "auth_hooks.hpp"

namespace skiffd {

// Serves one session channel until the command has ended and its exit was reported, or
// the channel closed first (the session's process group is ended then). session must
// stay alive meanwhile (the hook's own parameter).
asio::awaitable<void> serve_session(skiff::Session& session, Login& login, AgentForwarding& agent);

}  // namespace skiffd
