// See shipped_decls.h.
#include "shipped_decls.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "clang/AST/DeclCXX.h"

namespace warmcc {

using namespace clang;

ShippedDecls::ShippedDecls(ExternalSemaSource *Reader, ExternalSemaSource *Empty)
    : MultiplexExternalSemaSource(Reader, Empty) {}

llvm::IntrusiveRefCntPtr<ShippedDecls> ShippedDecls::install(ASTContext &C) {
  auto *Reader = llvm::dyn_cast_or_null<ExternalSemaSource>(C.getExternalSource());
  if (!Reader)
    return nullptr;
  // The multiplexer wants two sources; the second answers nothing. Both stay referenced by the
  // ASTContext through the multiplexer (and the reader by the CompilerInstance and Sema too).
  llvm::IntrusiveRefCntPtr<ExternalSemaSource> Keep(Reader);
  llvm::IntrusiveRefCntPtr<ExternalSemaSource> Empty(new ExternalSemaSource());
  llvm::IntrusiveRefCntPtr<ShippedDecls> S(new ShippedDecls(Reader, Empty.get()));
  C.setExternalSource(S);
  return S;
}

bool ShippedDecls::eligible(const FunctionDecl *FD) {
  if (!FD || FD->isMultiVersion())
    return false;
  // Constructors and destructors have several symbols (C1/C2, D0/D1/D2), of which an object may
  // define only some (C1 is often just replaced by C2); virtual functions may need thunks.
  if (isa<CXXConstructorDecl>(FD) || isa<CXXDestructorDecl>(FD))
    return false;
  if (const auto *MD = dyn_cast<CXXMethodDecl>(FD); MD && MD->isVirtual())
    return false;
  return true;
}

void ShippedDecls::add(const FunctionDecl *FD, unsigned Index) {
  Shipped.try_emplace(FD->getCanonicalDecl(), Index);
}

std::vector<const FunctionDecl *> ShippedDecls::forgetFrom(unsigned Index) {
  std::vector<const FunctionDecl *> Removed;
  for (auto It = Shipped.begin(); It != Shipped.end();) {
    auto Cur = It++;
    if (Cur->second >= Index) {
      Removed.push_back(cast<FunctionDecl>(Cur->first));
      Shipped.erase(Cur);
    }
  }
  return Removed;
}

ExternalASTSource::ExtKind ShippedDecls::hasExternalDefinitions(const Decl *D) {
  if (isa<FunctionDecl>(D) && Shipped.count(D->getCanonicalDecl()))
    return EK_Always;
  return MultiplexExternalSemaSource::hasExternalDefinitions(D);
}

} // namespace warmcc
