// libFuzzer target: known_hosts text, as the client reads it (parse_known_hosts,
// check_host_key with a fixed key and names) and as skiff-keygen edits it (-F, -R, -H).
//
// Invariants: nothing crashes; parsed entries and problems name lines in order; the
// look-up verdict points at an entry that says so; -R drops exactly the lines it counts
// and a second -R finds nothing; -H is idempotent; -F finds at least what -R removes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "keys/known_hosts.hpp"
#include "keys/ssh_key.hpp"
#include "wire/base64.hpp"

using namespace skiff;
using namespace skiff::keys;

namespace {

[[noreturn]] void die(const char* why) {
  std::fprintf(stderr, "fuzz_known_hosts: invariant violated: %s\n", why);
  std::abort();
}

const crypto::PublicKey& fixed_key() {
  static const crypto::PublicKey key = [] {
    auto blob = wire::base64_decode("AAAAC3NzaC1lZDI1NTE5AAAAIBCu9SseCCIDeX7gZPrRHchDUMDAO7/XcswvdebasMax");
    if (!blob) die("fixture base64");
    auto k = decode_public_blob(*blob);
    if (!k) die("fixture key");
    return *k;
  }();
  return key;
}

std::size_t count_lines(std::string_view text) {
  std::size_t n = 0;
  while (!text.empty()) {
    ++n;
    auto nl = text.find('\n');
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  }
  return n;
}

void check_parse(std::string_view text) {
  KnownHostsFile f = parse_known_hosts(text, "kh");
  const std::size_t lines = count_lines(text);
  std::size_t last = 0;
  for (const auto& e : f.entries) {
    if (e.line_number <= last || e.line_number > lines) die("entry line numbers out of order");
    last = e.line_number;
    if (e.hashed != e.hosts.starts_with("|")) die("hashed flag disagrees with the host field");
  }
  for (const auto& p : f.problems) {
    if (p.line_number == 0 || p.line_number > lines) die("problem on a line that does not exist");
    if (!p.message.starts_with("kh:" + std::to_string(p.line_number) + ": ")) die("problem without file:line");
  }
  if (f.entries.size() + f.problems.size() > lines) die("more results than lines");

  static const std::vector<std::string> names = {"example.com", "[example.com]:2222", "192.0.2.1"};
  const crypto::PublicKey& key = fixed_key();
  HostKeyCheck c = check_host_key(f, names, key);
  const KnownHostEntry* at = nullptr;
  for (const auto& e : f.entries) {
    if (e.line_number == c.line_number) at = &e;
  }
  const auto blob = encode_public_blob(key);
  switch (c.status) {
    case HostKeyStatus::match:
    case HostKeyStatus::revoked:
      if (!at || encode_public_blob(at->key) != blob) die("verdict points at a line without the key");
      if ((c.status == HostKeyStatus::revoked) != (at->marker == KnownHostMarker::revoked)) die("wrong marker");
      break;
    case HostKeyStatus::mismatch:
      if (!at || !c.other_key || encode_public_blob(*c.other_key) != encode_public_blob(at->key) ||
          at->key.type() != key.type() || encode_public_blob(at->key) == blob) {
        die("mismatch does not name a differing key of the same type");
      }
      break;
    case HostKeyStatus::unknown:
      if (c.line_number != 0) die("unknown with a line number");
      break;
  }
}

void check_edits(std::string_view text) {
  const std::size_t lines = count_lines(text);
  KnownHostsEdit removed = remove_known_host(text, "example.com", "kh");
  if (count_lines(removed.text) + removed.changed != lines) die("-R lost or added lines");
  if (!removed.text.empty() && removed.text.back() != '\n') die("-R output without final newline");
  if (!removed.invalid) {
    KnownHostsEdit again = remove_known_host(removed.text, "example.com", "kh");
    if (again.changed != 0 || again.text != removed.text) die("second -R changed something");
  }

  KnownHostsEdit found = find_known_host(text, "example.com", false, false);
  if (found.changed < removed.changed) die("-F found less than -R removed");
  std::size_t headers = 0;
  for (std::size_t pos = 0; (pos = found.report.find("# Host example.com found: line ", pos)) != std::string::npos;
       ++pos) {
    ++headers;
  }
  if (headers < found.changed) die("-F report misses found lines");
  KnownHostsEdit quiet = find_known_host(text, "example.com", true, true);
  if (quiet.changed != found.changed) die("-F -H -q found a different number of lines");

  KnownHostsEdit hashed = hash_known_hosts(text, "kh");
  if (!hashed.invalid) {
    KnownHostsEdit again = hash_known_hosts(hashed.text, "kh");
    if (again.changed != 0 || again.text != hashed.text || again.invalid) die("-H is not idempotent");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  check_parse(text);
  check_edits(text);
  return 0;
}
