// The progress meter, as OpenSSH's progressmeter.c draws it: one line rewritten with
// '\r' about once a second: the file name padded to the terminal's width less 36
// columns, the percentage, the bytes so far, the rate (aged, 0.9 old + 0.1 new) and
// the ETA (or the elapsed time once done, or "- stalled -").
#pragma once

#include <cstdint>
#include <string>

namespace skiff::sftp_cli {

// "1234 " / "  12KB" style pieces, exposed for tests.
std::string format_size(std::uint64_t bytes);
std::string format_rate(std::uint64_t bytes_per_second);

struct MeterState {
  std::string file;
  std::uint64_t start_pos = 0, end_pos = 0, cur_pos = 0;
  double start = 0, last_update = 0;
  double bytes_per_second = 0;
  double stalled = 0;
  int width = 80;  // terminal columns
};

// One line of the meter at time `now` (seconds) with `counter` bytes done; updates the
// state as refresh_progress_meter does. Starts with '\r', exactly width columns.
std::string meter_line(MeterState& s, std::uint64_t counter, double now);

class ProgressMeter {
 public:
  // `enabled`: the user wants it and stdout is a terminal; it still draws only while
  // we are the terminal's foreground process group.
  ProgressMeter(bool enabled, std::string file, std::uint64_t size, std::uint64_t start_pos);
  ~ProgressMeter();
  // Redraws when a second has passed since the last line.
  void update(std::uint64_t counter);
  // Draws the final line and ends it with a newline.
  void finish(std::uint64_t counter);

 private:
  bool enabled_;
  bool finished_ = false;
  MeterState state_;
  std::uint64_t counter_ = 0;
};

// Wall-clock seconds from a monotonic clock.
double monotonic_seconds();

}  // namespace skiff::sftp_cli
