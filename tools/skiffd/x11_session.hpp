// The x11-req of a skiffd session: the checks sshd makes, then the display
// (x11_display.hpp) and what the session's process needs (DISPLAY, the cookie).
#pragma once

#include <memory>

#include <asio/any_io_executor.hpp>

#include <skiff/channel.hpp>

#include "auth_hooks.hpp"
#include "system/privileged.hpp"
#include "x11_display.hpp"

namespace skiffd {

// session.cpp's x11-req (sshd's session_x11_req / session_setup_x11fwd): checks the
// request and the permissions, opens the display into `display` and starts it, and puts
// DISPLAY and the cookie into spawn (for the environment and xauth). False: refused
// (the reason logged as sshd does).
bool setup_x11_forwarding(const skiff::X11Request& request, skiff::skiffd::SessionRequest& spawn,
                          std::shared_ptr<X11Display>& display, skiff::Session& session, Login& login,
                          const asio::any_io_executor& ex);

}  // namespace skiffd
