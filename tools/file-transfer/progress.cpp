#include "file-transfer/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace skiff::sftp_cli {
namespace {

constexpr char kUnits[] = " KMGT";
constexpr int kMaxWidth = 512;
constexpr double kStallTime = 5;
constexpr double kAgeFactor = 0.9;

int terminal_width() {
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != -1 && ws.ws_col != 0) return std::min<int>(ws.ws_col, kMaxWidth);
  return 80;
}

bool can_output() { return ::getpgrp() == ::tcgetpgrp(STDOUT_FILENO); }

}  // namespace

double monotonic_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::string format_size(std::uint64_t bytes) {
  int i = 0;
  for (; bytes >= 10000 && kUnits[i] != 'T'; ++i) bytes = (bytes + 512) / 1024;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%4llu%c%s", static_cast<unsigned long long>(bytes), kUnits[i], i ? "B" : " ");
  return buf;
}

std::string format_rate(std::uint64_t bytes) {
  bytes *= 100;
  int i = 0;
  for (; bytes >= 100 * 1000 && kUnits[i] != 'T'; ++i) bytes = (bytes + 512) / 1024;
  if (i == 0) {
    ++i;
    bytes = (bytes + 512) / 1024;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%3llu.%1llu%c%s", static_cast<unsigned long long>((bytes + 5) / 100),
                static_cast<unsigned long long>((bytes + 5) / 10 % 10), kUnits[i], i ? "B" : " ");
  return buf;
}

std::string meter_line(MeterState& s, std::uint64_t counter, double now) {
  std::uint64_t transferred = counter - (s.cur_pos ? s.cur_pos : s.start_pos);
  s.cur_pos = counter;
  const std::uint64_t bytes_left = s.end_pos > s.cur_pos ? s.end_pos - s.cur_pos : 0;
  double elapsed;
  if (bytes_left > 0) {
    elapsed = now - s.last_update;
  } else {
    elapsed = now - s.start;
    transferred = s.end_pos - s.start_pos;  // the true average once done
    s.bytes_per_second = 0;
  }
  const double cur_speed = elapsed != 0 ? static_cast<double>(transferred) / elapsed : static_cast<double>(transferred);
  // progressmeter.c keeps the rate in an int: truncate as it does.
  if (s.bytes_per_second != 0) {
    s.bytes_per_second = static_cast<int>(s.bytes_per_second * kAgeFactor + cur_speed * (1.0 - kAgeFactor));
  } else {
    s.bytes_per_second = static_cast<int>(cur_speed);
  }

  std::string line;
  const int win = s.width + 1;  // progressmeter.c counts the terminating NUL
  int file_len = win - 36;
  if (file_len > 0) {
    // "\r" then the name cut or padded to file_len columns.
    const auto len = static_cast<std::size_t>(file_len);
    line.assign(len + 1, ' ');
    line[0] = '\r';
    s.file.copy(line.data() + 1, std::min(len, s.file.size()));
  }
  const int percent = (s.end_pos == 0 || s.cur_pos == s.end_pos)
                          ? 100
                          : static_cast<int>(static_cast<float>(s.cur_pos) / static_cast<float>(s.end_pos) * 100);
  char buf[64];
  std::snprintf(buf, sizeof buf, " %3d%% ", percent);
  line += buf;
  line.append(format_size(s.cur_pos)).append(" ");
  line.append(format_rate(static_cast<std::uint64_t>(s.bytes_per_second))).append("/s ");
  if (!transferred) s.stalled += elapsed;
  else s.stalled = 0;
  if (s.stalled >= kStallTime) {
    line += "- stalled -";
  } else if (s.bytes_per_second == 0 && bytes_left) {
    line += "  --:-- ETA";
  } else {
    int seconds = bytes_left > 0 ? static_cast<int>(static_cast<double>(bytes_left) / s.bytes_per_second)
                                 : static_cast<int>(elapsed);
    const int hours = seconds / 3600;
    seconds -= hours * 3600;
    const int minutes = seconds / 60;
    seconds -= minutes * 60;
    if (hours != 0) std::snprintf(buf, sizeof buf, "%d:%02d:%02d", hours, minutes, seconds);
    else std::snprintf(buf, sizeof buf, "  %02d:%02d", minutes, seconds);
    line += buf;
    line += bytes_left > 0 ? " ETA" : "    ";
  }
  // Exactly the terminal's width: cut, or padded as the C buffer's write would be.
  line.resize(static_cast<std::size_t>(win - 1), ' ');
  s.last_update = now;
  return line;
}

ProgressMeter::ProgressMeter(bool enabled, std::string file, std::uint64_t size, std::uint64_t start_pos)
    : enabled_(enabled), counter_(start_pos) {
  if (!enabled_) return;
  state_.file = std::move(file);
  state_.start = state_.last_update = monotonic_seconds();
  state_.start_pos = start_pos;
  state_.end_pos = size;
  state_.width = terminal_width();
  if (can_output()) {
    auto line = meter_line(state_, counter_, state_.start);
    (void)!::write(STDOUT_FILENO, line.data(), line.size());
  }
}

ProgressMeter::~ProgressMeter() { finish(counter_); }

void ProgressMeter::update(std::uint64_t counter) {
  counter_ = counter;
  if (!enabled_ || finished_) return;
  const double now = monotonic_seconds();
  if (now - state_.last_update < 1.0 || !can_output()) return;
  auto line = meter_line(state_, counter, now);
  (void)!::write(STDOUT_FILENO, line.data(), line.size());
}

void ProgressMeter::finish(std::uint64_t counter) {
  if (!enabled_ || finished_) return;
  finished_ = true;
  counter_ = counter;
  if (!can_output()) return;
  std::string line;
  if (state_.cur_pos != state_.end_pos) line = meter_line(state_, counter, monotonic_seconds());
  line += "\n";
  (void)!::write(STDOUT_FILENO, line.data(), line.size());
}

}  // namespace skiff::sftp_cli
