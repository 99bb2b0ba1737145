// Keeps every object of a session linkable together: one copy of each internal-linkage entity,
// no strong symbol defined twice, and (opt-in) no inline/template code shipped twice.
#ifndef WARMCC_LINKAGE_H
#define WARMCC_LINKAGE_H

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace llvm {
class GlobalValue;
class Module;
} // namespace llvm
namespace clang {
class CodeGenerator;
class FunctionDecl;
} // namespace clang

namespace warmcc {

class ShippedDecls;

class SymbolLedger {
public:
  SymbolLedger(std::string Suffix, bool Dedup) : Suffix(std::move(Suffix)), Dedup(Dedup) {}

  // Rewrites M before the backend runs; Index is the object M will become.
  void prepare(llvm::Module &M, clang::CodeGenerator &Gen);
  // Records the global symbols the finished object defines.
  void record(llvm::StringRef Object, char GlobalPrefix, unsigned Index);
  // Forgets what objects Index and later defined (they were undone).
  void forgetFrom(unsigned Index);
  // Dedup: also tell Decls which functions the objects define, so later snippets do not
  // generate them at all.
  void setShippedDecls(ShippedDecls *D) { Decls = D; }
  bool dedup() const { return Dedup; }

private:
  void dropShipped(llvm::Module &M, const std::vector<llvm::GlobalValue *> &Drop);

  struct Candidate {
    const clang::FunctionDecl *FD;
    std::string Name;
  };
  std::string Suffix;
  bool Dedup;
  llvm::StringSet<> Promoted;
  llvm::StringMap<unsigned> Shipped;
  std::vector<std::vector<std::string>> PerObject;
  ShippedDecls *Decls = nullptr;
  // Functions the module being prepared defines for ShippedDecls, confirmed by record().
  std::vector<Candidate> Pending;
};

} // namespace warmcc

#endif
