// tests/pkg/shell.h — runs a command through /bin/sh for the packaging tests (the sundial CLI,
// docker, systemd-analyze, the cron script), capturing what it printed and its exit code.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace sundial::testing {

struct ShellResult {
  int exit_code = -1;  // -1: did not exit normally
  std::string output;  // stdout and stderr, interleaved
};

inline ShellResult RunShell(const std::string& command) {
  ShellResult r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) r.output.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// `s` as one single-quoted shell word.
inline std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace sundial::testing
