// Collects diagnostics both as clang's text and as structured records, per snippet.
#ifndef WARMCC_DIAGNOSTICS_H
#define WARMCC_DIAGNOSTICS_H

#include "result.h"

#include "clang/Basic/Diagnostic.h"
#include "clang/Frontend/TextDiagnosticPrinter.h"
#include "llvm/Support/raw_ostream.h"

namespace warmcc {

class Collector : public clang::DiagnosticConsumer {
public:
  explicit Collector(clang::DiagnosticOptions *Opts);

  void BeginSourceFile(const clang::LangOptions &LO, const clang::Preprocessor *PP) override;
  void EndSourceFile() override;
  void HandleDiagnostic(clang::DiagnosticsEngine::Level Level,
                        const clang::Diagnostic &Info) override;
  void clear() override;

  // Moves what was collected since the last take into R.
  void takeInto(warmcc_result &R);

private:
  std::string Text;
  llvm::raw_string_ostream OS;
  // Declared after OS: the printer writes into it.
  clang::TextDiagnosticPrinter Printer;
  std::vector<WarmDiag> Diags;
};

} // namespace warmcc

#endif
