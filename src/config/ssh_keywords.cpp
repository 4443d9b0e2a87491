#include "config/ssh_keywords.hpp"

#include <array>
#include <cctype>
#include <string>
#include <vector>

#include "config/config_text.hpp"

namespace skiff::config::detail {
namespace {

using enum Kind;
using AK = transport::AlgorithmKind;
constexpr std::string_view kYesNo = "yes|no|true|false";
constexpr long long kIntMax = 2147483647;

// The names readconf.c knows in OpenSSH 9.2 (Debian's GSSAPI names included, which ssh
// accepts), with aliases mapped to the option they set.
constexpr std::array kKeywords = {
    Keyword{"protocol", "protocol", ignore},
    Keyword{"cipher", "cipher", ignore},
    Keyword{"fallbacktorsh", "fallbacktorsh", ignore},
    Keyword{"globalknownhostsfile2", "globalknownhostsfile2", ignore},
    Keyword{"rhostsauthentication", "rhostsauthentication", ignore},
    Keyword{"userknownhostsfile2", "userknownhostsfile2", ignore},
    Keyword{"useroaming", "useroaming", ignore},
    Keyword{"usersh", "usersh", ignore},
    Keyword{"useprivilegedport", "useprivilegedport", ignore},
    Keyword{"afstokenpassing", "afstokenpassing", ignore},
    Keyword{"kerberosauthentication", "kerberosauthentication", ignore},
    Keyword{"kerberostgtpassing", "kerberostgtpassing", ignore},
    Keyword{"rsaauthentication", "rsaauthentication", ignore},
    Keyword{"rhostsrsaauthentication", "rhostsrsaauthentication", ignore},
    Keyword{"compressionlevel", "compressionlevel", ignore},
    Keyword{"gssapiauthentication", "gssapiauthentication", flag, kYesNo},
    Keyword{"gssapidelegatecredentials", "gssapidelegatecredentials", flag, kYesNo},
    Keyword{"gssapikeyexchange", "gssapikeyexchange", flag, kYesNo},
    Keyword{"gssapiclientidentity", "gssapiclientidentity", ignore},
    Keyword{"gssapiserveridentity", "gssapiserveridentity", ignore},
    Keyword{"gssapirenewalforcesrekey", "gssapirenewalforcesrekey", flag, kYesNo},
    Keyword{"gssapitrustdns", "gssapitrustdns", flag, kYesNo},
    Keyword{"gssapikexalgorithms", "gssapikexalgorithms", str},
    Keyword{"smartcarddevice", "smartcarddevice", ignore},
    Keyword{"pkcs11provider", "pkcs11provider", str},
    Keyword{"forwardagent", "forwardagent", str},
    Keyword{"forwardx11", "forwardx11", flag, kYesNo},
    Keyword{"forwardx11trusted", "forwardx11trusted", flag, kYesNo},
    Keyword{"forwardx11timeout", "forwardx11timeout", time},
    Keyword{"exitonforwardfailure", "exitonforwardfailure", flag, kYesNo},
    Keyword{"xauthlocation", "xauthlocation", str},
    Keyword{"gatewayports", "gatewayports", flag, kYesNo},
    Keyword{"passwordauthentication", "passwordauthentication", flag, kYesNo},
    Keyword{"kbdinteractiveauthentication", "kbdinteractiveauthentication", flag, kYesNo},
    Keyword{"kbdinteractivedevices", "kbdinteractivedevices", str},
    Keyword{"challengeresponseauthentication", "kbdinteractiveauthentication", flag, kYesNo},
    Keyword{"skeyauthentication", "kbdinteractiveauthentication", flag, kYesNo},
    Keyword{"tisauthentication", "kbdinteractiveauthentication", flag, kYesNo},
    Keyword{"pubkeyauthentication", "pubkeyauthentication", choice, "yes|no|true|false|unbound|host-bound"},
    Keyword{"dsaauthentication", "pubkeyauthentication", choice, "yes|no|true|false|unbound|host-bound"},
    Keyword{"hostbasedauthentication", "hostbasedauthentication", flag, kYesNo},
    Keyword{"identityfile", "identityfile", cumulative},
    Keyword{"identityfile2", "identityfile", cumulative},
    Keyword{"identitiesonly", "identitiesonly", flag, kYesNo},
    Keyword{"certificatefile", "certificatefile", cumulative},
    Keyword{"addkeystoagent", "addkeystoagent", str},
    Keyword{"identityagent", "identityagent", str},
    Keyword{"hostname", "hostname", str},
    Keyword{"hostkeyalias", "hostkeyalias", str},
    Keyword{"proxycommand", "proxycommand", rest},
    Keyword{"port", "port", port},
    Keyword{"ciphers", "ciphers", algo, {}, 0, 0, AK::cipher},
    Keyword{"macs", "macs", algo, {}, 0, 0, AK::mac},
    Keyword{"remoteforward", "remoteforward", forward},
    Keyword{"localforward", "localforward", forward},
    Keyword{"permitremoteopen", "permitremoteopen", multi},
    Keyword{"user", "user", str},
    Keyword{"host", "host", host},
    Keyword{"match", "match", match},
    Keyword{"escapechar", "escapechar", escape},
    Keyword{"globalknownhostsfile", "globalknownhostsfile", multi},
    Keyword{"userknownhostsfile", "userknownhostsfile", multi},
    Keyword{"connectionattempts", "connectionattempts", integer, {}, 0, kIntMax},
    Keyword{"batchmode", "batchmode", flag, kYesNo},
    Keyword{"checkhostip", "checkhostip", flag, kYesNo},
    Keyword{"stricthostkeychecking", "stricthostkeychecking", choice, "yes|no|true|false|ask|accept-new|off"},
    Keyword{"compression", "compression", flag, kYesNo},
    Keyword{"tcpkeepalive", "tcpkeepalive", flag, kYesNo},
    Keyword{"keepalive", "tcpkeepalive", flag, kYesNo},
    Keyword{"numberofpasswordprompts", "numberofpasswordprompts", integer, {}, 0, kIntMax},
    Keyword{"syslogfacility", "syslogfacility", str},
    Keyword{"loglevel", "loglevel", loglevel},
    Keyword{"logverbose", "logverbose", multi},
    Keyword{"dynamicforward", "dynamicforward", forward},
    Keyword{"preferredauthentications", "preferredauthentications", str},
    Keyword{"hostkeyalgorithms", "hostkeyalgorithms", algo, {}, 0, 0, AK::host_key},
    Keyword{"casignaturealgorithms", "casignaturealgorithms", str},
    Keyword{"bindaddress", "bindaddress", str},
    Keyword{"bindinterface", "bindinterface", str},
    Keyword{"clearallforwardings", "clearallforwardings", flag, kYesNo},
    Keyword{"enablesshkeysign", "enablesshkeysign", flag, kYesNo},
    Keyword{"verifyhostkeydns", "verifyhostkeydns", choice, "yes|no|true|false|ask"},
    Keyword{"nohostauthenticationforlocalhost", "nohostauthenticationforlocalhost", flag, kYesNo},
    Keyword{"rekeylimit", "rekeylimit", rekey},
    Keyword{"connecttimeout", "connecttimeout", time},
    Keyword{"addressfamily", "addressfamily", choice, "inet|inet6|any"},
    Keyword{"serveraliveinterval", "serveraliveinterval", time},
    Keyword{"serveralivecountmax", "serveralivecountmax", integer, {}, 0, kIntMax},
    Keyword{"sendenv", "sendenv", cumul_multi},
    Keyword{"setenv", "setenv", multi},
    Keyword{"controlpath", "controlpath", str},
    Keyword{"controlmaster", "controlmaster", choice, "yes|no|true|false|auto|ask|autoask"},
    Keyword{"controlpersist", "controlpersist", str},
    Keyword{"hashknownhosts", "hashknownhosts", flag, kYesNo},
    Keyword{"include", "include", include},
    Keyword{"tunnel", "tunnel", choice, "yes|no|true|false|point-to-point|ethernet"},
    Keyword{"tunneldevice", "tunneldevice", str},
    Keyword{"localcommand", "localcommand", rest},
    Keyword{"permitlocalcommand", "permitlocalcommand", flag, kYesNo},
    Keyword{"remotecommand", "remotecommand", rest},
    Keyword{"visualhostkey", "visualhostkey", flag, kYesNo},
    Keyword{"kexalgorithms", "kexalgorithms", algo, {}, 0, 0, AK::kex},
    Keyword{"ipqos", "ipqos", multi},
    Keyword{"requesttty", "requesttty", choice, "yes|no|true|false|force|auto"},
    Keyword{"sessiontype", "sessiontype", choice, "none|subsystem|default"},
    Keyword{"stdinnull", "stdinnull", flag, kYesNo},
    Keyword{"forkafterauthentication", "forkafterauthentication", flag, kYesNo},
    Keyword{"proxyusefdpass", "proxyusefdpass", flag, kYesNo},
    Keyword{"canonicaldomains", "canonicaldomains", multi},
    Keyword{"canonicalizefallbacklocal", "canonicalizefallbacklocal", flag, kYesNo},
    Keyword{"canonicalizehostname", "canonicalizehostname", choice, "yes|no|true|false|always"},
    Keyword{"canonicalizemaxdots", "canonicalizemaxdots", integer, {}, 0, kIntMax},
    Keyword{"canonicalizepermittedcnames", "canonicalizepermittedcnames", multi},
    Keyword{"streamlocalbindmask", "streamlocalbindmask", str},
    Keyword{"streamlocalbindunlink", "streamlocalbindunlink", flag, kYesNo},
    Keyword{"revokedhostkeys", "revokedhostkeys", str},
    Keyword{"fingerprinthash", "fingerprinthash", choice, "md5|sha256"},
    Keyword{"updatehostkeys", "updatehostkeys", choice, "yes|no|true|false|ask"},
    Keyword{"hostbasedacceptedalgorithms", "hostbasedacceptedalgorithms", str},
    Keyword{"hostbasedkeytypes", "hostbasedacceptedalgorithms", str},
    Keyword{"pubkeyacceptedalgorithms", "pubkeyacceptedalgorithms", algo, {}, 0, 0, AK::host_key},
    Keyword{"pubkeyacceptedkeytypes", "pubkeyacceptedalgorithms", algo, {}, 0, 0, AK::host_key},
    Keyword{"ignoreunknown", "ignoreunknown", ignore_unknown},
    Keyword{"proxyjump", "proxyjump", str},
    Keyword{"securitykeyprovider", "securitykeyprovider", str},
    Keyword{"knownhostscommand", "knownhostscommand", rest},
    Keyword{"requiredrsasize", "requiredrsasize", integer, {}, 0, kIntMax},
    Keyword{"enableescapecommandline", "enableescapecommandline", flag, kYesNo},
};

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

}  // namespace

const Keyword* find_client_keyword(std::string_view lower) {
  for (const auto& k : kKeywords) {
    if (k.name == lower) return &k;
  }
  return nullptr;
}

bool parse_choice(std::string_view arg, std::string_view choices) {
  while (!choices.empty()) {
    const auto bar = choices.find('|');
    if (iequal(arg, choices.substr(0, bar))) return true;
    if (bar == std::string_view::npos) break;
    choices.remove_prefix(bar + 1);
  }
  return false;
}

bool valid_log_level(std::string_view arg) {
  return parse_choice(arg, "quiet|fatal|error|info|verbose|debug|debug1|debug2|debug3");
}

// The error message for a bad argument of keyword k, or empty when valid.
std::string check_args(const Keyword& k, std::string_view written, const std::vector<std::string>& args) {
  const std::string& a = args[0];
  const bool one = k.kind != Kind::multi && k.kind != Kind::cumul_multi && k.kind != Kind::rest &&
                   k.kind != Kind::forward && k.kind != Kind::rekey && k.kind != Kind::subsystem;
  if (one && args.size() > 1) return "keyword " + std::string(written) + " extra arguments at end of line";
  switch (k.kind) {
    case Kind::flag:
    case Kind::choice:
      if (!parse_choice(a, k.choices)) return "unsupported option \"" + a + "\".";
      break;
    case Kind::integer:
      if (!parse_int(a, k.lo, k.hi)) return "integer value invalid.";
      break;
    case Kind::port:
      if (!parse_int(a, 1, 65535)) return "Bad port '" + a + "'.";
      break;
    case Kind::time:
      if (a != "none" && !parse_time(a)) return "invalid time value.";
      break;
    case Kind::escape:
      if (!(a == "none" || a.size() == 1 ||
            (a.size() == 2 && a[0] == '^' && static_cast<unsigned char>(a[1]) >= 64 &&
             static_cast<unsigned char>(a[1]) < 128))) {
        return "Bad escape character.";
      }
      break;
    case Kind::rekey:
      if (args.size() > 2) return "keyword " + std::string(written) + " extra arguments at end of line";
      if (a != "default" && !parse_size(a)) return "Bad number '" + a + "': Invalid argument";
      if (args.size() == 2 && args[1] != "none" && !parse_time(args[1])) return "invalid time value.";
      break;
    case Kind::loglevel:
      if (!valid_log_level(a)) return "unsupported log level '" + a + "'";
      break;
    case Kind::algo:
      if (!transport::apply_algorithm_spec(k.algo, a)) {
        return (k.algo == transport::AlgorithmKind::cipher ? "Bad SSH2 cipher spec '"
                : k.algo == transport::AlgorithmKind::mac  ? "Bad SSH2 MAC spec '"
                : k.algo == transport::AlgorithmKind::kex  ? "Bad SSH2 KexAlgorithms '"
                                                           : "Bad key types '") +
               a + "'.";
      }
      break;
    case Kind::multi:
      if (k.canon == "setenv") {
        for (const auto& s : args) {
          if (s.find('=') == std::string::npos) return "Invalid SetEnv.";
        }
      }
      break;
    case Kind::forward:
      if (args.size() > (k.canon == "dynamicforward" ? 1u : 2u)) return "Bad forwarding specification.";
      // RemoteForward with one argument is a remote dynamic forward (ssh's readconf).
      if (k.canon == "localforward" && args.size() < 2) return "Missing target argument.";
      break;
    case Kind::subsystem:
      if (args.size() < 2) return "Missing subsystem command.";
      break;
    case Kind::maxstartups: {
      std::vector<std::string> parts;
      std::size_t from = 0;
      while (true) {
        const auto colon = a.find(':', from);
        parts.push_back(a.substr(from, colon - from));
        if (colon == std::string::npos) break;
        from = colon + 1;
      }
      if (parts.size() != 1 && parts.size() != 3) return "Invalid MaxStartups spec.";
      for (const auto& p : parts) {
        if (!parse_int(p, 0, 2147483647)) return "Invalid MaxStartups spec.";
      }
      if (parts.size() == 3 && (*parse_int(parts[0], 0, 2147483647) > *parse_int(parts[2], 0, 2147483647) ||
                                *parse_int(parts[1], 0, 2147483647) > 100 || *parse_int(parts[1], 0, 2147483647) < 1)) {
        return "Invalid MaxStartups spec.";
      }
      break;
    }
    default:
      break;
  }
  return {};
}


}  // namespace skiff::config::detail
