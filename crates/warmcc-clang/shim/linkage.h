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
class Module;
}
namespace clang {
class CodeGenerator;
}

namespace warmcc {

class SymbolLedger {
public:
  SymbolLedger(std::string Suffix, bool Dedup) : Suffix(std::move(Suffix)), Dedup(Dedup) {}

  // Rewrites M before the backend runs; Index is the object M will become.
  void prepare(llvm::Module &M, clang::CodeGenerator &Gen);
  // Records the global symbols the finished object defines.
  void record(llvm::StringRef Object, char GlobalPrefix, unsigned Index);
  // Forgets what objects Index and later defined (they were undone).
  void forgetFrom(unsigned Index);

private:
  std::string Suffix;
  bool Dedup;
  llvm::StringSet<> Promoted;
  llvm::StringMap<unsigned> Shipped;
  std::vector<std::vector<std::string>> PerObject;
};

} // namespace warmcc

#endif
