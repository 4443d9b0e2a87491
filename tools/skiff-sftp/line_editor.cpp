#include "skiff-sftp/line_editor.hpp"

#include <histedit.h>

#include <cerrno>

namespace skiff::sftp_cli {

struct LineEditor::Impl {
  EditLine* el = nullptr;
  History* history = nullptr;
  DirLister lister;
  ~Impl() {
    if (el) el_end(el);
    if (history) history_end(history);
  }
};

namespace {

char* prompt(EditLine*) {
  static char text[] = "sftp> ";
  return text;
}

// Bound to TAB: completes the word before the cursor, listing the candidates when there
// are several (then the line is drawn again).
unsigned char complete(EditLine* el, int) {
  void* data = nullptr;
  el_get(el, EL_CLIENTDATA, &data);
  auto* impl = static_cast<LineEditor::Impl*>(data);
  const LineInfo* li = el_line(el);
  if (impl == nullptr || li == nullptr) return CC_ERROR;
  const std::string before(li->buffer, static_cast<std::size_t>(li->cursor - li->buffer));
  Completion c = complete_line(before, impl->lister);
  if (c.insert.empty() && c.shown.empty()) return CC_ERROR;
  unsigned char result = CC_REFRESH;
  if (!c.shown.empty()) {
    std::string text = "\n";
    std::size_t width = 0;
    for (const auto& s : c.shown) width = std::max(width, s.size());
    const std::size_t columns = std::max<std::size_t>(1, 80 / (width + 2));
    for (std::size_t i = 0; i < c.shown.size(); ++i) {
      text += c.shown[i];
      text += (i + 1) % columns == 0 || i + 1 == c.shown.size() ? std::string("\n")
                                                                 : std::string(width + 2 - c.shown[i].size(), ' ');
    }
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
    result = CC_REDISPLAY;
  }
  if (!c.insert.empty() && el_insertstr(el, c.insert.c_str()) == -1) return CC_ERROR;
  return result;
}

}  // namespace

LineEditor::LineEditor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LineEditor::~LineEditor() = default;

std::unique_ptr<LineEditor> LineEditor::open(const char* program, DirLister lister) {
  auto impl = std::make_unique<Impl>();
  impl->lister = std::move(lister);
  impl->history = history_init();
  if (impl->history == nullptr) return nullptr;
  HistEvent ev;
  history(impl->history, &ev, H_SETSIZE, 100);
  impl->el = el_init(program, stdin, stdout, stderr);
  if (impl->el == nullptr) return nullptr;
  el_set(impl->el, EL_HIST, history, impl->history);
  el_set(impl->el, EL_PROMPT, prompt);
  el_set(impl->el, EL_EDITOR, "emacs");
  el_set(impl->el, EL_TERMINAL, nullptr);
  el_set(impl->el, EL_SIGNAL, 1);
  el_set(impl->el, EL_CLIENTDATA, impl.get());
  el_set(impl->el, EL_ADDFN, "ftp-complete", "Context sensitive argument completion", complete);
  el_set(impl->el, EL_BIND, "^I", "ftp-complete", nullptr);
  el_source(impl->el, nullptr);  // ~/.editrc, as sftp
  return std::unique_ptr<LineEditor>(new LineEditor(std::move(impl)));
}

std::optional<std::string> LineEditor::read_line() {
  int count = 0;
  errno = 0;
  const char* line = el_gets(impl_->el, &count);
  if (line == nullptr || count <= 0) {
    if (count == -1 && errno == EINTR) {
      // ^C at the prompt: a fresh one, as sftp.
      std::printf("\n");
      return std::string();
    }
    return std::nullopt;
  }
  std::string s(line, static_cast<std::size_t>(count));
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  if (!s.empty()) {
    HistEvent ev;
    history(impl_->history, &ev, H_ENTER, s.c_str());
  }
  return s;
}

}  // namespace skiff::sftp_cli
