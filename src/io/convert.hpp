// Conversions between the public API's plain types and the core's message types.
#pragma once

#include <optional>

#include <skiff/auth.hpp>
#include <skiff/channel.hpp>
#include <skiff/secret.hpp>

#include "auth/messages.hpp"
#include "connection/messages.hpp"

namespace skiff::io {

connection::PtyReq to_core(const PtyRequest& pty);
connection::WindowChangeReq to_core(const WindowSize& size);
auth::InfoRequest to_core(const KeyboardInteractiveRequest& request);
auth::SecretString to_core(const Secret& secret);
std::vector<auth::SecretString> to_core(const std::vector<Secret>& secrets);

Secret to_public(const auth::SecretString& secret);
std::vector<Secret> to_public(const std::vector<auth::SecretString>& secrets);
KeyboardInteractiveRequest to_public(const auth::InfoRequest& request);
// A session request the server application handles; nullopt for those the runtime refuses
// (keepalives, and any it does not know).
std::optional<SessionRequestBody> to_public(const connection::RequestBody& body);
connection::OpenBody to_core(const ChannelOpenBody& body);
// nullopt for "session" and unknown types.
std::optional<ChannelOpenBody> to_public(const connection::OpenBody& body);

}  // namespace skiff::io
