// An ASTConsumer in front of the code generator that can hold back a snippet's callbacks until
// the snippet is known to be free of errors, so a failed snippet leaves no IR behind.
#ifndef WARMCC_BUFFERING_CONSUMER_H
#define WARMCC_BUFFERING_CONSUMER_H

#include "clang/AST/ASTConsumer.h"
#include "clang/AST/DeclGroup.h"
#include "clang/CodeGen/ModuleBuilder.h"

#include <functional>
#include <memory>
#include <vector>

namespace warmcc {

class BufferingConsumer : public clang::ASTConsumer {
public:
  explicit BufferingConsumer(std::unique_ptr<clang::CodeGenerator> Gen);

  clang::CodeGenerator &gen() { return *Gen; }

  // From now on, callbacks are recorded instead of forwarded.
  void startBuffering();
  // Forwards every recorded callback in order and stops buffering.
  void replayAll();
  // Forwards only the recorded callbacks whose declarations Keep accepts, drops the rest.
  void replayFiltered(const std::function<bool(const clang::Decl *)> &Keep);

  void Initialize(clang::ASTContext &Ctx) override;
  bool HandleTopLevelDecl(clang::DeclGroupRef D) override;
  void HandleInlineFunctionDefinition(clang::FunctionDecl *D) override;
  void HandleInterestingDecl(clang::DeclGroupRef D) override;
  void HandleTranslationUnit(clang::ASTContext &Ctx) override;
  void HandleTagDeclDefinition(clang::TagDecl *D) override;
  void HandleTagDeclRequiredDefinition(const clang::TagDecl *D) override;
  void HandleCXXImplicitFunctionInstantiation(clang::FunctionDecl *D) override;
  void CompleteTentativeDefinition(clang::VarDecl *D) override;
  void CompleteExternalDeclaration(clang::DeclaratorDecl *D) override;
  void AssignInheritanceModel(clang::CXXRecordDecl *RD) override;
  void HandleCXXStaticMemberVarInstantiation(clang::VarDecl *D) override;
  void HandleVTable(clang::CXXRecordDecl *RD) override;
  clang::ASTMutationListener *GetASTMutationListener() override;
  clang::ASTDeserializationListener *GetASTDeserializationListener() override;

  bool initialized() const { return Initialized; }

private:
  enum class Kind {
    TopLevel,
    Inline,
    Interesting,
    TagDef,
    TagRequired,
    ImplicitInst,
    Tentative,
    ExternalDecl,
    Inheritance,
    StaticMemberInst,
    VTable
  };
  struct Event {
    Kind K;
    clang::DeclGroupRef Group;
    clang::Decl *D;
  };

  void forward(const Event &E);
  bool record(Kind K, clang::DeclGroupRef G, clang::Decl *D);

  std::unique_ptr<clang::CodeGenerator> Gen;
  std::vector<Event> Buffer;
  bool Buffering = false;
  bool Initialized = false;
};

} // namespace warmcc

#endif
