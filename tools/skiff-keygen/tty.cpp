// Terminal interaction: passphrases without echo (common/tty), yes/no and file name
// questions.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/tty.hpp"
#include "keygen.hpp"

namespace skiff::keygen {

std::string read_passphrase(const char* prompt) { return tools::read_passphrase(prompt).value_or(""); }

std::optional<std::string> prompt_line(const std::string& prompt) {
  std::fputs(prompt.c_str(), stdout);
  std::fflush(stdout);
  std::string line;
  int c;
  bool any = false;
  while ((c = std::getchar()) != EOF) {
    any = true;
    if (c == '\n') break;
    line.push_back(static_cast<char>(c));
  }
  if (!any) return std::nullopt;
  return line;
}

void ask_filename(Options& o, const User& user, const char* prompt) {
  const char* name = ".ssh/id_rsa";  // ssh-keygen 9.2's default type is rsa
  if (o.key_type) {
    name = key_type_from_name(*o.key_type).default_file;
  }
  o.identity_file = user.home + "/" + name;
  auto answer = prompt_line(std::string(prompt) + " (" + o.identity_file + "): ");
  if (!answer) std::exit(1);
  if (!answer->empty()) o.identity_file = *answer;
  o.have_identity = true;
}

}  // namespace skiff::keygen
