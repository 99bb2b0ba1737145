// One incremental compilation session: a prelude parsed once, then snippet after snippet, each
// turned into an object of its own.
#ifndef WARMCC_SESSION_H
#define WARMCC_SESSION_H

#include "linkage.h"
#include "phase_timer.h"
#include "result.h"
#include "warmcc_shim.h"

#include "llvm/ADT/IntrusiveRefCntPtr.h"
#include "llvm/ADT/StringRef.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm
namespace clang {
class CompilerInstance;
class Parser;
class TranslationUnitDecl;
class Decl;
} // namespace clang

namespace warmcc {

class BufferingConsumer;
class Collector;
class IncrementalAction;
class ShippedDecls;

class Session {
public:
  static std::unique_ptr<Session> create(const warmcc_session_options &O, warmcc_result &R);
  ~Session();

  void compile(llvm::StringRef Name, llvm::StringRef Src, warmcc_result &R);
  bool undo(unsigned N, std::string &Why);
  unsigned snippets() const { return static_cast<unsigned>(Snippets.size()); }

private:
  Session(std::string Suffix, bool Dedup);

  // Parses one input as a new partial translation unit; returns false on errors.
  bool parse(llvm::StringRef Name, llvm::StringRef Src, clang::TranslationUnitDecl *&TU,
             unsigned &File);
  // Generates the object of the code the consumer was handed; returns false on errors.
  bool emit(warmcc_result &R);
  void discardFailed(clang::TranslationUnitDecl *TU, unsigned FailedFile);
  // Compiles one input; the prelude is one too, but it cannot be undone.
  bool compileInput(llvm::StringRef Name, llvm::StringRef Src, warmcc_result &R,
                    clang::TranslationUnitDecl *&TU);
  void removeFromLookup(clang::TranslationUnitDecl *TU);

  struct Snippet {
    clang::TranslationUnitDecl *TU;
    std::string Name;
    std::string WhyNotUndoable;
    unsigned Object;
  };

  std::unique_ptr<llvm::LLVMContext> LLVMCtx;
  std::unique_ptr<clang::CompilerInstance> CI;
  std::unique_ptr<IncrementalAction> Act;
  std::unique_ptr<clang::Parser> P;
  BufferingConsumer *Consumer = nullptr;
  Collector *Diags = nullptr;
  SymbolLedger Ledger;
  // Dedup with a PCH: functions earlier objects define are not generated again.
  llvm::IntrusiveRefCntPtr<ShippedDecls> Shipped;
  PhaseTimer Timer;
  std::vector<Snippet> Snippets;
  unsigned Inputs = 0;
  unsigned Objects = 0;
  bool CrashTrigger = false;
};

} // namespace warmcc

#endif
