// Algorithm names skiff implements, its default preference lists for client and
// server, and OpenSSH's list syntax for overriding them (ssh_config / sshd_config
// Ciphers, MACs, KexAlgorithms, HostKeyAlgorithms):
//   "a,b"   replaces the default list (entries may be wildcards matched against the
//           supported names, e.g. "aes*-ctr");
//   "+a,b"  appends the named algorithms (from the supported list) to the defaults;
//   "-a,b"  removes matching algorithms from the defaults;
//   "^a,b"  puts them at the head of the defaults.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <skiff/error.hpp>

namespace skiff::transport {

enum class AlgorithmKind { kex, host_key, cipher, mac, compression };

// Everything skiff can do for a kind, including what is off by default (ssh-rsa with
// SHA-1, diffie-hellman-group14-sha1, group1-sha1, hmac-sha1...).
const std::vector<std::string>& supported_algorithms(AlgorithmKind kind);
// The default preference lists (same for client and server unless noted).
const std::vector<std::string>& default_algorithms(AlgorithmKind kind);
bool is_supported(AlgorithmKind kind, std::string_view name);

// Applies OpenSSH's list syntax to the defaults. Unknown plain names are an error
// (Errc::unsupported naming the algorithm); a wildcard matching nothing is allowed
// except that the result must not be empty.
Result<std::vector<std::string>> apply_algorithm_spec(AlgorithmKind kind, std::string_view spec);

}  // namespace skiff::transport
