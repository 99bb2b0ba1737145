// See phase_timer.h.
#include "phase_timer.h"

#include "llvm/IR/Function.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace warmcc {

namespace {

double wallMs() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

// Thread CPU time: under a loaded machine, wall time says more about the scheduler than us.
double cpuMs() {
  timespec T{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &T);
  return static_cast<double>(T.tv_sec) * 1e3 + static_cast<double>(T.tv_nsec) / 1e6;
}

} // namespace

PhaseTimer::PhaseTimer() {
  const char *V = std::getenv("WARMCC_SHIM_TIMING");
  Print = V && std::strcmp(V, "1") == 0;
  if (const char *D = std::getenv("WARMCC_SHIM_DUMP_IR"))
    DumpDir = D;
  Enabled = Print || !DumpDir.empty();
}

void PhaseTimer::begin(llvm::StringRef Name) {
  if (!Enabled)
    return;
  Snippet = Name.str();
  Phases.clear();
  Current = nullptr;
  Functions = Instructions = 0;
}

void PhaseTimer::close() {
  if (Current)
    Phases.push_back({Current, wallMs() - Wall0, cpuMs() - Cpu0});
  Current = nullptr;
}

void PhaseTimer::phase(const char *Name) {
  if (!Enabled)
    return;
  close();
  Current = Name;
  Wall0 = wallMs();
  Cpu0 = cpuMs();
}

void PhaseTimer::noteModule(const llvm::Module &M) {
  if (!Enabled)
    return;
  for (const llvm::Function &F : M) {
    if (F.isDeclaration())
      continue;
    ++Functions;
    Instructions += F.getInstructionCount();
  }
  if (DumpDir.empty())
    return;
  std::error_code EC;
  llvm::raw_fd_ostream OS(DumpDir + "/" + Snippet + ".ll", EC, llvm::sys::fs::OF_Text);
  if (!EC)
    M.print(OS, nullptr);
}

void PhaseTimer::end(size_t ObjectBytes) {
  if (!Print)
    return;
  close();
  double Wall = 0, Cpu = 0;
  std::string Line;
  for (const Entry &E : Phases) {
    Wall += E.WallMs;
    Cpu += E.CpuMs;
    char Buf[96];
    std::snprintf(Buf, sizeof Buf, " %s=%.1f/%.1f", E.Name, E.CpuMs, E.WallMs);
    Line += Buf;
  }
  std::fprintf(stderr,
               "warmcc-shim-timing %s: cpu/wall ms total=%.1f/%.1f%s functions=%u "
               "instructions=%u object=%zu\n",
               Snippet.c_str(), Cpu, Wall, Line.c_str(), Functions, Instructions, ObjectBytes);
}

} // namespace warmcc
