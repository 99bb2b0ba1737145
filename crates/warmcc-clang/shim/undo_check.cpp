// Undo soundness check.
#include "undo_check.h"

#include "clang/AST/Decl.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"

namespace warmcc {

using namespace clang;

namespace {

std::string nameOf(const Decl *D) {
  if (const auto *ND = dyn_cast<NamedDecl>(D))
    return ND->getQualifiedNameAsString();
  return D->getDeclKindName();
}

std::string check(Decl *D, TranslationUnitDecl *TU) {
  if (isa<LinkageSpecDecl>(D) || isa<ExportDecl>(D)) {
    for (Decl *Inner : cast<DeclContext>(D)->decls()) {
      std::string Why = check(Inner, TU);
      if (!Why.empty())
        return Why;
    }
    return {};
  }
  if (isa<ClassTemplateSpecializationDecl>(D) || isa<VarTemplateSpecializationDecl>(D))
    return "it specializes or instantiates template '" + nameOf(D) + "'";
  if (const auto *FD = dyn_cast<FunctionDecl>(D)) {
    TemplateSpecializationKind K = FD->getTemplateSpecializationKind();
    if (K == TSK_ExplicitSpecialization || K == TSK_ExplicitInstantiationDeclaration ||
        K == TSK_ExplicitInstantiationDefinition)
      return "it specializes or instantiates template '" + nameOf(D) + "'";
  }
  if (const Decl *Prev = D->getPreviousDecl()) {
    if (Prev->getTranslationUnitDecl() != TU)
      return "it redeclares '" + nameOf(D) + "' from an earlier snippet";
  }
  return {};
}

} // namespace

std::string whyNotUndoable(TranslationUnitDecl *TU) {
  for (Decl *D : TU->decls()) {
    std::string Why = check(D, TU);
    if (!Why.empty())
      return Why;
  }
  return {};
}

} // namespace warmcc
