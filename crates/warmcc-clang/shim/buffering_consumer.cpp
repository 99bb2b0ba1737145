// Buffering in front of the code generator.
#include "buffering_consumer.h"

#include "clang/AST/Decl.h"
#include "clang/AST/DeclCXX.h"

namespace warmcc {

using namespace clang;

BufferingConsumer::BufferingConsumer(std::unique_ptr<CodeGenerator> G) : Gen(std::move(G)) {}

void BufferingConsumer::startBuffering() {
  Buffer.clear();
  Buffering = true;
}

void BufferingConsumer::replayAll() {
  Buffering = false;
  std::vector<Event> Events;
  Events.swap(Buffer);
  for (const Event &E : Events)
    forward(E);
}

void BufferingConsumer::replayFiltered(const std::function<bool(const Decl *)> &Keep) {
  Buffering = false;
  std::vector<Event> Events;
  Events.swap(Buffer);
  for (const Event &E : Events) {
    if (E.D) {
      if (Keep(E.D))
        forward(E);
      continue;
    }
    llvm::SmallVector<Decl *, 4> Kept;
    for (Decl *D : E.Group)
      if (Keep(D))
        Kept.push_back(D);
    if (Kept.empty())
      continue;
    Event Copy = E;
    Copy.Group = Kept.size() == 1
                     ? DeclGroupRef(Kept.front())
                     : DeclGroupRef(DeclGroup::Create(Kept.front()->getASTContext(), Kept.data(),
                                                      Kept.size()));
    forward(Copy);
  }
}

void BufferingConsumer::forward(const Event &E) {
  switch (E.K) {
  case Kind::TopLevel:
    Gen->HandleTopLevelDecl(E.Group);
    break;
  case Kind::Interesting:
    Gen->HandleInterestingDecl(E.Group);
    break;
  case Kind::Inline:
    Gen->HandleInlineFunctionDefinition(cast<FunctionDecl>(E.D));
    break;
  case Kind::TagDef:
    Gen->HandleTagDeclDefinition(cast<TagDecl>(E.D));
    break;
  case Kind::TagRequired:
    Gen->HandleTagDeclRequiredDefinition(cast<TagDecl>(E.D));
    break;
  case Kind::ImplicitInst:
    Gen->HandleCXXImplicitFunctionInstantiation(cast<FunctionDecl>(E.D));
    break;
  case Kind::Tentative:
    Gen->CompleteTentativeDefinition(cast<VarDecl>(E.D));
    break;
  case Kind::ExternalDecl:
    Gen->CompleteExternalDeclaration(cast<DeclaratorDecl>(E.D));
    break;
  case Kind::Inheritance:
    Gen->AssignInheritanceModel(cast<CXXRecordDecl>(E.D));
    break;
  case Kind::StaticMemberInst:
    Gen->HandleCXXStaticMemberVarInstantiation(cast<VarDecl>(E.D));
    break;
  case Kind::VTable:
    Gen->HandleVTable(cast<CXXRecordDecl>(E.D));
    break;
  }
}

bool BufferingConsumer::record(Kind K, DeclGroupRef G, Decl *D) {
  Event E{K, G, D};
  if (Buffering)
    Buffer.push_back(E);
  else
    forward(E);
  return true;
}

void BufferingConsumer::Initialize(ASTContext &Ctx) {
  if (Initialized)
    return;
  Initialized = true;
  Gen->Initialize(Ctx);
}

bool BufferingConsumer::HandleTopLevelDecl(DeclGroupRef D) {
  return record(Kind::TopLevel, D, nullptr);
}
void BufferingConsumer::HandleInlineFunctionDefinition(FunctionDecl *D) {
  record(Kind::Inline, DeclGroupRef(), D);
}
void BufferingConsumer::HandleInterestingDecl(DeclGroupRef D) {
  record(Kind::Interesting, D, nullptr);
}
void BufferingConsumer::HandleTranslationUnit(ASTContext &Ctx) { Gen->HandleTranslationUnit(Ctx); }
void BufferingConsumer::HandleTagDeclDefinition(TagDecl *D) {
  record(Kind::TagDef, DeclGroupRef(), D);
}
void BufferingConsumer::HandleTagDeclRequiredDefinition(const TagDecl *D) {
  record(Kind::TagRequired, DeclGroupRef(), const_cast<TagDecl *>(D));
}
void BufferingConsumer::HandleCXXImplicitFunctionInstantiation(FunctionDecl *D) {
  record(Kind::ImplicitInst, DeclGroupRef(), D);
}
void BufferingConsumer::CompleteTentativeDefinition(VarDecl *D) {
  record(Kind::Tentative, DeclGroupRef(), D);
}
void BufferingConsumer::CompleteExternalDeclaration(DeclaratorDecl *D) {
  record(Kind::ExternalDecl, DeclGroupRef(), D);
}
void BufferingConsumer::AssignInheritanceModel(CXXRecordDecl *RD) {
  record(Kind::Inheritance, DeclGroupRef(), RD);
}
void BufferingConsumer::HandleCXXStaticMemberVarInstantiation(VarDecl *D) {
  record(Kind::StaticMemberInst, DeclGroupRef(), D);
}
void BufferingConsumer::HandleVTable(CXXRecordDecl *RD) { record(Kind::VTable, DeclGroupRef(), RD); }

ASTMutationListener *BufferingConsumer::GetASTMutationListener() {
  return Gen->GetASTMutationListener();
}
ASTDeserializationListener *BufferingConsumer::GetASTDeserializationListener() {
  return Gen->GetASTDeserializationListener();
}

} // namespace warmcc
