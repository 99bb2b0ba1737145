// Builds a prelude PCH in-process with exactly the session's driver arguments, so the session can
// load it (a PCH is only accepted by a compiler configured like the one that wrote it).
#include "diagnostics.h"
#include "result.h"
#include "warmcc_shim.h"

#include "clang/Driver/Compilation.h"
#include "clang/Driver/Driver.h"
#include "clang/Driver/Job.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/CompilerInvocation.h"
#include "clang/Frontend/FrontendActions.h"
#include "clang/Frontend/TextDiagnosticBuffer.h"
#include "clang/Lex/PreprocessorOptions.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/TargetParser/Host.h"

#include <string>
#include <vector>

using namespace clang;

extern "C" warmcc_result *warmcc_build_pch(const warmcc_session_options *O, const char *OutPath) {
  auto *R = new warmcc_result();
  std::string Tmp = std::string(OutPath) + ".tmp." + std::to_string(llvm::sys::Process::getProcessId());
  std::string Exe = llvm::sys::fs::getMainExecutable(nullptr, nullptr);
  const char *Input = "warmcc-prelude.hpp";
  std::vector<const char *> Argv{Exe.c_str()};
  for (size_t I = 0; I < O->nargs; ++I)
    Argv.push_back(O->args[I]);
  for (const char *A : {"-Xclang", "-fincremental-extensions", "-fpch-instantiate-templates", "-o"})
    Argv.push_back(A);
  Argv.push_back(Tmp.c_str());
  Argv.push_back(Input);

  IntrusiveRefCntPtr<DiagnosticIDs> IDs(new DiagnosticIDs());
  IntrusiveRefCntPtr<DiagnosticOptions> DiagOpts(new DiagnosticOptions());
  auto *Buffer = new TextDiagnosticBuffer;
  DiagnosticsEngine DriverDiags(IDs, &*DiagOpts, Buffer);
  std::string Triple =
      O->triple && *O->triple ? std::string(O->triple) : llvm::sys::getDefaultTargetTriple();
  driver::Driver D(Exe, Triple, DriverDiags);
  D.setCheckInputsExist(false);
  std::unique_ptr<driver::Compilation> C(D.BuildCompilation(Argv));
  if (!C || C->getJobs().empty() || !isa<driver::Command>(*C->getJobs().begin())) {
    R->error = "cannot build the prelude PCH: the driver made no compile job";
    return R;
  }
  const auto &Cmd = cast<driver::Command>(*C->getJobs().begin());
  const llvm::opt::ArgStringList &CC1 = Cmd.getArguments();

  auto CI = std::make_unique<CompilerInstance>();
  bool Parsed = CompilerInvocation::CreateFromArgs(CI->getInvocation(), CC1, DriverDiags);
  auto *Col = new warmcc::Collector(&CI->getDiagnosticOpts());
  CI->createDiagnostics(Col, /*ShouldOwnClient=*/true);
  Buffer->FlushDiagnostics(CI->getDiagnostics());
  if (!Parsed) {
    Col->takeInto(*R);
    R->error = "cannot build the prelude PCH: options rejected";
    return R;
  }
  std::string Text(O->prelude ? O->prelude : "", O->prelude ? O->prelude_len : 0);
  CI->getPreprocessorOpts().addRemappedFile(Input,
                                            llvm::MemoryBuffer::getMemBufferCopy(Text, Input).release());
  GeneratePCHAction Act;
  bool Ok = CI->ExecuteAction(Act);
  Col->takeInto(*R);
  if (!Ok) {
    llvm::sys::fs::remove(Tmp);
    R->error = "the prelude does not compile";
    return R;
  }
  if (std::error_code EC = llvm::sys::fs::rename(Tmp, OutPath)) {
    llvm::sys::fs::remove(Tmp);
    R->error = "cannot write " + std::string(OutPath) + ": " + EC.message();
    return R;
  }
  R->ok = true;
  return R;
}
