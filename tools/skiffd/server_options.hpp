// sshd_config -> skiff::ServerOptions: what the library enforces for one connection
// (methods, AuthenticationMethods, MaxAuthTries, Banner, LoginGraceTime, algorithms,
// RekeyLimit, MaxSessions, ClientAlive*), from the settings that hold for the client's
// address. The hooks are left empty: auth_hooks and session fill them.
#pragma once

#include <cstdint>
#include <vector>

#include <skiff/server.hpp>

#include "config/sshd_config.hpp"
#include "setup.hpp"

namespace skiffd {

skiff::ServerOptions make_server_options(const Setup& setup, const skiff::config::ServerConfig& config);

// The methods a configuration offers (PubkeyAuthentication, KbdInteractiveAuthentication
// with UsePAM, PasswordAuthentication, AuthenticationMethods): for the connection, then
// again with the user's Match blocks once the client names a user.
skiff::UserAuthMethods offered_methods(const skiff::config::ServerConfig& config);

// sshd's timing secret (the per-user failure delay) must be the same in every connection
// process, or a client could tell existing from unknown users by comparing connections.
// The re-executed children share nothing but the host keys, so it is derived from them:
// secret, stable while the keys are, and nothing to pass between processes. It hashes the
// key files' bytes as read (encoding the keys again, as PKCS#8, cost every connection
// OpenSSL's encoder set-up).
std::vector<std::uint8_t> timing_secret_from(const std::vector<std::string>& host_key_file_texts);

}  // namespace skiffd
