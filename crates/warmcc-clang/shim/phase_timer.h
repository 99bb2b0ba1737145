// Per-phase timing of one snippet, printed to stderr when WARMCC_SHIM_TIMING=1, so the cost of a
// snippet can be attributed (parse, instantiation, code generation, ledger, backend) without a
// profiler. Off, it costs one branch per phase.
#ifndef WARMCC_PHASE_TIMER_H
#define WARMCC_PHASE_TIMER_H

#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace llvm {
class Module;
}

namespace warmcc {

class PhaseTimer {
public:
  PhaseTimer();

  bool enabled() const { return Enabled; }
  // Starts timing a snippet (clears earlier phases).
  void begin(llvm::StringRef Name);
  // Ends the running phase (if any) and names the next one.
  void phase(const char *Name);
  // Counts what the module holds before the backend runs (functions with bodies, instructions);
  // with WARMCC_SHIM_DUMP_IR=DIR also writes it there as DIR/<snippet>.ll.
  void noteModule(const llvm::Module &M);
  // Ends the last phase and prints one line.
  void end(size_t ObjectBytes);

private:
  struct Entry {
    const char *Name;
    double WallMs;
    double CpuMs;
  };
  void close();

  bool Enabled;
  bool Print;
  std::string DumpDir;
  std::string Snippet;
  std::vector<Entry> Phases;
  const char *Current = nullptr;
  double Wall0 = 0, Cpu0 = 0;
  unsigned Functions = 0, Instructions = 0;
};

} // namespace warmcc

#endif
