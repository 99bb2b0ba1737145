// The C++ side of warmcc_result: what one session step produced.
#ifndef WARMCC_RESULT_H
#define WARMCC_RESULT_H

#include <string>
#include <vector>

struct WarmDiag {
  int severity = 0;
  std::string file;
  unsigned line = 0;
  unsigned column = 0;
  std::string message;
};

struct warmcc_result {
  bool ok = false;
  std::string object;
  std::string text;  // diagnostics as clang prints them
  std::string error; // a failure that is not a diagnostic (setup, crash guard, refusal)
  std::vector<WarmDiag> diags;
};

#endif
