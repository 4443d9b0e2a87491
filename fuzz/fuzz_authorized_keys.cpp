// libFuzzer target: authorized_keys files, and the pattern lists their from= option uses.
//
// The whole input is parsed as a file; every line is also parsed on its own and must get
// the same verdict. Then the first three lines are taken as host, address and pattern
// list for the matchers, whose results must agree with each other.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "keys/authorized_keys.hpp"
#include "keys/host_patterns.hpp"
#include "keys/ssh_key.hpp"
#include "wire/limits.hpp"

using namespace skiff;
using namespace skiff::keys;

namespace {

[[noreturn]] void die(const char* why) {
  std::fprintf(stderr, "fuzz_authorized_keys: invariant violated: %s\n", why);
  std::abort();
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
  }
  return lines;
}

void check_key(const AuthorizedKey& k) {
  const auto& o = k.options;
  for (const auto& e : o.environment) {
    if (e.find('=') == std::string::npos || e.front() == '=') die("environment without a name");
  }
  for (const auto& p : o.permitopen) {
    if (p.find_first_of(":/") == std::string::npos) die("permitopen without a port");
  }
  for (const auto& p : o.permitlisten) {
    if (p.find_first_of(":/") == std::string::npos) die("permitlisten without a port");
  }
  if (o.expiry_time && *o.expiry_time <= 0) die("expiry time not after the epoch");
  if (o.from && !match_host_and_address("h", "192.0.2.1", *o.from)) die("accepted a from= list that fails");
  auto again = decode_public_blob(encode_public_blob(k.key));
  if (!again || again->type() != k.key.type()) die("key does not round-trip");
  if (k.comment.find('\n') != std::string::npos) die("newline in comment");
}

void check_file(std::string_view text) {
  const auto file = parse_authorized_keys(text, "f");
  const auto lines = split_lines(text);
  std::size_t next_key = 0;
  std::size_t next_problem = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::size_t number = i + 1;
    const bool is_key = next_key < file.keys.size() && file.keys[next_key].line_number == number;
    const bool is_problem = next_problem < file.problems.size() && file.problems[next_problem].line_number == number;
    if (is_key && is_problem) die("a line is both a key and a problem");
    if (is_problem) {
      const std::string prefix = "f:" + std::to_string(number) + ": ";
      if (file.problems[next_problem].message.rfind(prefix, 0) != 0) die("problem without file and line");
      ++next_problem;
    }
    std::string_view line = lines[i];
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > limits::kMaxKeyFileLine) {
      if (!is_problem) die("overlong line not reported");
      continue;
    }
    const auto alone = parse_authorized_key_line(line);
    if (is_key) {
      if (!alone) die("line parsed alone disagrees with the file");
      check_key(file.keys[next_key]);
      ++next_key;
    } else if (alone) {
      die("line accepted alone but not in the file");
    } else if (is_problem == (alone.error().code == Errc::not_found)) {
      die("blank or comment line reported, or bad line not reported");
    }
  }
  if (next_key != file.keys.size() || next_problem != file.problems.size()) die("results for lines that do not exist");
}

void check_patterns(std::string_view text) {
  const auto lines = split_lines(text);
  if (lines.size() < 3) return;
  const std::string_view host = lines[0];
  const std::string_view address = lines[1];
  const std::string_view list = lines[2];
  const auto by_address = match_address_list(address, list);
  const auto by_host = match_host_pattern_list(host, list);
  if (by_host != match_pattern_list(host, list, true)) die("host list is not the case-insensitive pattern list");
  const auto both = match_host_and_address(host, address, list);
  if (by_address.has_value() != both.has_value()) die("address list error not passed on");
  if (!both) {
    if (both.error().code != Errc::bad_format) die("pattern error is not bad_format");
    return;
  }
  const bool negated = *by_address == PatternMatch::negated || by_host == PatternMatch::negated;
  const bool any = *by_address == PatternMatch::match || by_host == PatternMatch::match;
  const PatternMatch expected = negated ? PatternMatch::negated : any ? PatternMatch::match : PatternMatch::none;
  if (*both != expected) die("host and address results do not combine");
  // Upper case in the host never changes the verdict.
  std::string upper(host);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  if (match_host_pattern_list(upper, list) != by_host) die("host matching depends on case");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_file(text);
  check_patterns(text);
  return 0;
}
