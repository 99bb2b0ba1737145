// Tells the code generator which inline and template functions earlier objects of a dedup session
// already define, so it emits declarations for them instead of generating (and then discarding)
// their code again: the same mechanism modules use for code that lives in another object
// (ExternalASTSource::hasExternalDefinitions answering EK_Always makes a definition
// available_externally, which -O0 does not emit).
#ifndef WARMCC_SHIPPED_DECLS_H
#define WARMCC_SHIPPED_DECLS_H

#include "clang/Sema/MultiplexExternalSemaSource.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/IntrusiveRefCntPtr.h"

#include <vector>

namespace clang {
class ASTContext;
class Decl;
class FunctionDecl;
} // namespace clang

namespace warmcc {

// Sits in front of the PCH reader as the ASTContext's external source and forwards everything to
// it, answering only hasExternalDefinitions itself. (MultiplexExternalSemaSource alone cannot
// answer EK_Always: it is 0 and the multiplexer skips falsy answers.)
class ShippedDecls : public clang::MultiplexExternalSemaSource {
public:
  // Installs a ShippedDecls in front of C's external source; null when C has none (no PCH), in
  // which case dedup falls back to dropping re-emitted code after the fact.
  static llvm::IntrusiveRefCntPtr<ShippedDecls> install(clang::ASTContext &C);

  // Whether a function defined with linkonce_odr linkage can be left to the object that has it:
  // only when the function is its one symbol (no constructor/destructor variants, thunks or
  // multiversions).
  static bool eligible(const clang::FunctionDecl *FD);

  // FD's definition is in object Index.
  void add(const clang::FunctionDecl *FD, unsigned Index);
  // Objects Index and later were undone: their functions must be generated again where used.
  // Returns them so the code generator can be told about them again.
  std::vector<const clang::FunctionDecl *> forgetFrom(unsigned Index);

  ExtKind hasExternalDefinitions(const clang::Decl *D) override;

private:
  ShippedDecls(clang::ExternalSemaSource *Reader, clang::ExternalSemaSource *Empty);

  llvm::DenseMap<const clang::Decl *, unsigned> Shipped;
};

} // namespace warmcc

#endif
