// skiff-sftp: OpenSSH sftp's command line on skiff's SFTP client engine. The SSH
// program (skiff by default) runs as a child on two pipes, as sftp runs ssh.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "skiff-sftp/options.hpp"
#include "file-transfer/session.hpp"
#include "file-transfer/ssh_program.hpp"
#include "skiff-sftp/line_editor.hpp"
#include "skiff-sftp/shell.hpp"

#include <dirent.h>

namespace {

using namespace skiff::sftp_cli;

// Longer lines are refused (sftp reads into a 2048-byte buffer; makeargv allows 8192).
constexpr std::size_t kMaxLine = 8192;

void on_interrupt(int) { Shell::interrupted = 1; }

// skiff installed beside us (or beside us in the build tree), else "skiff" from PATH.
std::string default_ssh_program() { return sibling_program("skiff"); }

// One line without its newline; nothing at the end of input. Over-long lines are
// consumed and reported as errors (an empty optional string is never returned for them).
std::optional<std::string> read_line(std::FILE* in, bool& too_long) {
  std::string line;
  too_long = false;
  int ch;
  for (;;) {
    ch = std::fgetc(in);
    if (ch == EOF) {
      // ^C at the prompt: a fresh prompt, as sftp's read_interrupt, not the end.
      if (std::ferror(in) && errno == EINTR) {
        std::clearerr(in);
        std::printf("\n");
        return std::string();
      }
      break;
    }
    if (ch == '\n') return line;
    if (line.size() < kMaxLine) line += static_cast<char>(ch);
    else too_long = true;
  }
  if (line.empty() && !too_long) return std::nullopt;
  return line;
}

// What tab completion lists: the remote directory through the session, a local one
// through readdir.
DirLister completion_lister(Shell& shell) {
  return [&shell](const std::string& dir, bool remote) {
    std::vector<DirEntry> out;
    if (remote) {
      const std::string path = make_absolute(dir.empty() ? "." : dir, shell.pwd());
      auto entries = shell.list(path);
      if (!entries) return out;
      for (auto& e : *entries) {
        const bool is_dir = e.attrs.permissions &&
                            (*e.attrs.permissions & skiff::sftp::kModeTypeMask) == skiff::sftp::kModeDirectory;
        out.push_back({std::move(e.name), is_dir});
      }
      return out;
    }
    const std::string path = dir.empty() ? "." : dir;
    DIR* d = ::opendir(path.c_str());
    if (!d) return out;
    while (const dirent* e = ::readdir(d)) {
      bool is_dir = e->d_type == DT_DIR;
      if (e->d_type == DT_UNKNOWN || e->d_type == DT_LNK) {
        struct stat st {};
        is_dir = ::stat((path + "/" + e->d_name).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
      }
      out.push_back({e->d_name, is_dir});
    }
    ::closedir(d);
    return out;
  };
}

int interactive_loop(Shell& shell, const Options& o, bool batch, std::FILE* in) {
  if (!shell.begin()) return -1;
  if (o.file1) {
    // A directory to start in, or a file to fetch (to file2, if given) and quit.
    const std::string dir = make_absolute(*o.file1, shell.pwd());
    auto a = shell.stat(dir, true);
    const bool is_dir =
        a && a->permissions && (*a->permissions & skiff::sftp::kModeTypeMask) == skiff::sftp::kModeDirectory;
    if (!is_dir || o.file2) {
      std::string cmd = std::string("get") + (o.global_resume ? " -a" : "") + " " + dir;
      if (o.file2) cmd += " " + *o.file2;
      return shell.dispatch(cmd, true, false);
    }
    if (!o.quiet) std::printf("Changing to: %s\n", dir.c_str());
    if (shell.dispatch("cd \"" + dir + "\"", true, false) != 0) return -1;
  }
  const bool interactive = !batch && ::isatty(STDIN_FILENO);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  // On a terminal, as sftp: line editing, history and completion through libedit.
  std::unique_ptr<LineEditor> editor;
  if (interactive) editor = LineEditor::open("skiff-sftp", completion_lister(shell));
  int err = 0;
  for (;;) {
    Shell::interrupted = 0;
    bool too_long = false;
    std::optional<std::string> line;
    if (editor) {
      line = editor->read_line();
      if (line && line->size() > kMaxLine) too_long = true;
    } else {
      if (interactive) {
        std::printf("sftp> ");
        std::fflush(stdout);
      }
      line = read_line(in, too_long);
    }
    if (!line) {
      if (interactive) std::printf("\n");
      break;
    }
    if (too_long) {
      std::fprintf(stderr, "Error: input line too long\n");
      continue;
    }
    err = shell.dispatch(*line, batch, !interactive);
    if (err != 0) break;
  }
  return err >= 0 ? 0 : -1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  const std::string progname = std::filesystem::path(args.empty() ? "skiff-sftp" : args[0]).filename().string();
  auto parsed = parse_options(args, default_ssh_program(), progname);
  if (auto* exit = std::get_if<Exit>(&parsed)) {
    std::fputs(exit->message.c_str(), stderr);
    return exit->status;
  }
  Options o = std::get<Options>(std::move(parsed));
  std::FILE* in = stdin;
  if (o.batch_file && *o.batch_file != "-") {
    in = std::fopen(o.batch_file->c_str(), "r");
    if (!in) {
      std::fprintf(stderr, "%s: %s (%s).\n", progname.c_str(), std::strerror(errno), o.batch_file->c_str());
      return 255;
    }
  }
  if (!::isatty(STDERR_FILENO)) o.show_progress = false;

  ::signal(SIGPIPE, SIG_IGN);
  struct sigaction sa{};
  sa.sa_handler = on_interrupt;
  ::sigaction(SIGINT, &sa, nullptr);  // no SA_RESTART: a blocked poll() returns and sees the flag

  skiff::sftp::ClientOptions client_options{o.buffer_size, o.num_requests};
  auto session = Session::start(o.child_argv, client_options);
  if (!session) {
    std::fprintf(stderr, "%s\r\n", session.error().message.c_str());
    return 255;
  }
  if (!o.quiet) {
    std::fprintf(stderr, o.direct ? "Attached to %s.\n" : "Connected to %s.\n", o.target_label.c_str());
  }
  ShellSettings settings;
  settings.quiet = o.quiet;
  settings.log_info = !o.log_quiet;
  settings.show_progress = o.show_progress;
  settings.global_resume = o.global_resume;
  settings.global_fsync = o.global_fsync;
  settings.global_preserve = o.global_preserve;
  settings.global_recursive = o.global_recursive;
  settings.limit_kbps = o.limit_bits_per_second / 1024;
  Shell shell(**session, settings);
  const int err = interactive_loop(shell, o, o.batch_file.has_value(), in);
  (*session)->finish();
  if (in != stdin) std::fclose(in);
  return err == 0 ? 0 : 1;
}
