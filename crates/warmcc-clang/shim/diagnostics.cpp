// Diagnostics collection for one session.
#include "diagnostics.h"

#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/SmallString.h"

namespace warmcc {

Collector::Collector(clang::DiagnosticOptions *Opts) : OS(Text), Printer(OS, Opts) {}

void Collector::BeginSourceFile(const clang::LangOptions &LO, const clang::Preprocessor *PP) {
  Printer.BeginSourceFile(LO, PP);
}

void Collector::EndSourceFile() { Printer.EndSourceFile(); }

void Collector::HandleDiagnostic(clang::DiagnosticsEngine::Level Level,
                                 const clang::Diagnostic &Info) {
  clang::DiagnosticConsumer::HandleDiagnostic(Level, Info);
  Printer.HandleDiagnostic(Level, Info);
  WarmDiag D;
  D.severity = static_cast<int>(Level);
  llvm::SmallString<256> Msg;
  Info.FormatDiagnostic(Msg);
  D.message = Msg.str().str();
  if (Info.hasSourceManager() && Info.getLocation().isValid()) {
    clang::PresumedLoc PL = Info.getSourceManager().getPresumedLoc(Info.getLocation());
    if (PL.isValid()) {
      D.file = PL.getFilename();
      D.line = PL.getLine();
      D.column = PL.getColumn();
    }
  }
  Diags.push_back(std::move(D));
}

void Collector::clear() {
  clang::DiagnosticConsumer::clear();
  OS.flush();
  Text.clear();
  Diags.clear();
}

void Collector::takeInto(warmcc_result &R) {
  OS.flush();
  R.text += Text;
  for (auto &D : Diags)
    R.diags.push_back(std::move(D));
  Text.clear();
  Diags.clear();
}

} // namespace warmcc
