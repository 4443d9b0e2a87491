#include "x11_session.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "config/config_text.hpp"
#include "system/rc_files.hpp"

namespace skiffd {

bool setup_x11_forwarding(const skiff::X11Request& request, skiff::skiffd::SessionRequest& spawn,
                          std::shared_ptr<X11Display>& display, skiff::Session& session, Login& login,
                          const asio::any_io_executor& ex) {
  auto& log = login.log();
  const auto& config = login.config();
  if (spawn.x11 || display) {
    log.error("session_x11_req: session " + std::to_string(session.id()) + ": x11 forwarding already active");
    return false;
  }
  if (!skiff::skiffd::xauth_valid_string(request.auth_protocol) ||
      !skiff::skiffd::xauth_valid_string(request.auth_cookie)) {
    log.error("Invalid X11 forwarding data");
    return false;
  }
  if (auto ok = login.privileged().x11_permitted(); !ok) {
    log.debug(ok.error().message);
    return false;
  }
  const std::string xauth = config.get("xauthlocation").value_or("/usr/bin/xauth");
  struct stat st {};
  if (xauth.empty() || ::stat(xauth.c_str(), &st) != 0) {
    log.debug("No xauth program; cannot forward X11.");
    return false;
  }
  X11DisplayOptions o;
  o.offset = static_cast<unsigned>(
      skiff::config::parse_int(config.get("x11displayoffset").value_or("10"), 0, 65535).value_or(10));
  o.use_localhost = config.get("x11uselocalhost").value_or("yes") != "no";
  o.family = config.address_family;
  o.single_connection = request.single_connection;
  auto d = X11Display::open(ex, o, log);
  if (!d) {
    log.debug("x11_create_display_inet failed.");
    return false;
  }
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "localhost");
  const auto names = skiff::skiffd::x11_display_names((*d)->number(), request.screen, o.use_localhost, host);
  spawn.x11 = skiff::skiffd::SessionRequest::X11{names.display, names.auth_display, request.auth_protocol,
                                                 request.auth_cookie};
  display = std::move(*d);
  display->start(session.link());
  return true;
}

}  // namespace skiffd
