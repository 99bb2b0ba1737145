// The incremental loop: per snippet a new FileID and partial translation unit, parse with the
// code generator's callbacks held back, instantiate, then generate one module and one object.
#include "session.h"

#include "buffering_consumer.h"
#include "diagnostics.h"
#include "phase_timer.h"
#include "shipped_decls.h"
#include "undo_check.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "clang/AST/DeclContextInternals.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Basic/TargetInfo.h"
#include "clang/CodeGen/BackendUtil.h"
#include "clang/CodeGen/ModuleBuilder.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendAction.h"
#include "clang/Interpreter/Interpreter.h"
#include "clang/Lex/Preprocessor.h"
#include "clang/Parse/Parser.h"
#include "clang/Sema/Sema.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace warmcc {

using namespace clang;

// A TU_Incremental action that only sets up the preprocessor and Sema; parsing is driven by the
// session, one input at a time, and the source file is never ended while the session lives.
class IncrementalAction : public ASTFrontendAction {
public:
  IncrementalAction(llvm::LLVMContext &Ctx, BufferingConsumer **Out) : Ctx(Ctx), Out(Out) {}

  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance &CI, StringRef) override {
    std::unique_ptr<CodeGenerator> Gen(CreateLLVMCodeGen(
        CI.getDiagnostics(), "warmcc_0", CI.getFileManager().getVirtualFileSystemPtr(), CI.getHeaderSearchOpts(),
        CI.getPreprocessorOpts(), CI.getCodeGenOpts(), Ctx));
    auto C = std::make_unique<BufferingConsumer>(std::move(Gen));
    *Out = C.get();
    return C;
  }
  TranslationUnitKind getTranslationUnitKind() override { return TU_Incremental; }
  void ExecuteAction() override {
    CompilerInstance &CI = getCompilerInstance();
    CI.getPreprocessor().EnterMainSourceFile();
    if (!CI.hasSema())
      CI.createSema(getTranslationUnitKind(), nullptr);
  }
  void EndSourceFile() override {
    if (Terminating)
      ASTFrontendAction::EndSourceFile();
  }
  bool Terminating = false;

private:
  llvm::LLVMContext &Ctx;
  BufferingConsumer **Out;
};

namespace {

void initTargets() {
  static std::once_flag Once;
  std::call_once(Once, [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    llvm::InitializeAllAsmParsers();
  });
}

bool crashTriggerEnabled() {
  const char *V = std::getenv("WARMCC_TEST_CRASH");
  return V && std::strcmp(V, "1") == 0;
}

} // namespace

Session::Session(std::string Suffix, bool Dedup) : Ledger(std::move(Suffix), Dedup) {}

Session::~Session() {
  // The parser refers to Sema and the preprocessor: it goes first.
  P.reset();
  if (Act && CI) {
    Act->Terminating = true;
    Act->EndSourceFile();
  }
  Act.reset();
  CI.reset();
  LLVMCtx.reset();
}

std::unique_ptr<Session> Session::create(const warmcc_session_options &O, warmcc_result &R) {
  initTargets();
  std::vector<const char *> Args(O.args, O.args + O.nargs);
  IncrementalCompilerBuilder B;
  B.SetCompilerArgs(Args);
  if (O.triple && *O.triple)
    B.SetTargetTriple(O.triple);
  auto CIOr = B.CreateCpp();
  if (!CIOr) {
    R.error = "cannot create the compiler: " + llvm::toString(CIOr.takeError());
    return nullptr;
  }
  std::unique_ptr<Session> S(
      new Session(O.symbol_suffix ? O.symbol_suffix : ".warmcc", O.dedup != 0));
  S->CrashTrigger = crashTriggerEnabled();
  S->LLVMCtx = std::make_unique<llvm::LLVMContext>();
  S->CI = std::move(*CIOr);
  S->Diags = new Collector(&S->CI->getDiagnosticOpts());
  S->CI->getDiagnostics().setClient(S->Diags, /*ShouldOwnClient=*/true);
  S->Act = std::make_unique<IncrementalAction>(*S->LLVMCtx, &S->Consumer);
  bool Started = S->CI->ExecuteAction(*S->Act);
  if (!Started || !S->Consumer || !S->CI->hasSema()) {
    S->Diags->takeInto(R);
    R.error = "cannot start the session (prelude PCH or options rejected)";
    return nullptr;
  }
  CompilerInstance &Ci = *S->CI;
  S->Consumer->Initialize(Ci.getASTContext());
  S->P = std::make_unique<Parser>(Ci.getPreprocessor(), Ci.getSema(), /*SkipBodies=*/false);
  S->P->Initialize();
  // Declarations the PCH says must be emitted (file-scope asm, initialised globals) reach the
  // code generator only once the reader knows its consumer.
  if (ExternalASTSource *Ext = Ci.getASTContext().getExternalSource())
    Ext->StartTranslationUnit(S->Consumer);
  // After Sema exists: the PCH reader has registered itself with Sema, which keeps using it
  // directly; only the ASTContext (where code generation asks) sees the wrapper.
  if (S->Ledger.dedup()) {
    S->Shipped = ShippedDecls::install(Ci.getASTContext());
    S->Ledger.setShippedDecls(S->Shipped.get());
  }

  llvm::StringRef Prelude(O.prelude ? O.prelude : "", O.prelude ? O.prelude_len : 0);
  TranslationUnitDecl *TU = nullptr;
  if (!S->compileInput("<prelude>", Prelude, R, TU)) {
    if (R.error.empty())
      R.error = "the prelude does not compile";
    return nullptr;
  }
  R.ok = true;
  return S;
}

bool Session::parse(StringRef Name, StringRef Src, TranslationUnitDecl *&TU, unsigned &File) {
  CompilerInstance &Ci = *CI;
  Preprocessor &PP = Ci.getPreprocessor();
  Sema &S = Ci.getSema();
  ASTContext &C = Ci.getASTContext();
  SourceManager &SM = Ci.getSourceManager();

  std::string BufName = Name.empty() ? "snippet_" + std::to_string(Inputs) : Name.str();
  ++Inputs;
  // The parser needs a newline before the end of the buffer to finish the last declaration.
  std::unique_ptr<llvm::WritableMemoryBuffer> MB =
      llvm::WritableMemoryBuffer::getNewUninitMemBuffer(Src.size() + 1, BufName);
  std::memcpy(MB->getBufferStart(), Src.data(), Src.size());
  MB->getBufferStart()[Src.size()] = '\n';
  SourceLocation NewLoc = SM.getLocForStartOfFile(SM.getMainFileID());
  // No include location: diagnostics name the snippet, not a fake includer.
  FileID FID = SM.createFileID(std::move(MB), SrcMgr::C_User, 0, 0, SourceLocation());
  File = FID.getHashValue();
  if (PP.EnterSourceFile(FID, nullptr, NewLoc))
    return false;

  Sema::GlobalEagerInstantiationScope GlobalInstantiations(S, /*Enabled=*/true);
  Sema::LocalEagerInstantiationScope LocalInstantiations(S);

  C.addTranslationUnitDecl();
  TU = C.getTranslationUnitDecl();
  if (P->getCurToken().is(tok::annot_repl_input_end)) {
    P->ConsumeAnyToken();
    P->ExitScope();
    S.CurContext = nullptr;
    P->EnterScope(Scope::DeclScope);
    S.ActOnTranslationUnitScope(P->getCurScope());
  }

  Timer.phase("parse");
  Consumer->startBuffering();
  Parser::DeclGroupPtrTy ADecl;
  Sema::ModuleImportState ImportState;
  for (bool AtEOF = P->ParseFirstTopLevelDecl(ADecl, ImportState); !AtEOF;
       AtEOF = P->ParseTopLevelDecl(ADecl, ImportState)) {
    if (ADecl)
      Consumer->HandleTopLevelDecl(ADecl.get());
  }
  // Instantiations run even when the snippet failed: a declaration marked as instantiated but
  // never given a body would leave later objects with undefined references.
  Timer.phase("instantiate");
  LocalInstantiations.perform();
  GlobalInstantiations.perform();

  Token Tok;
  do {
    PP.Lex(Tok);
  } while (PP.getLangOpts().DelayedTemplateParsing && Tok.isNot(tok::annot_repl_input_end) &&
           Tok.isNot(tok::eof));
  return !Ci.getDiagnostics().hasErrorOccurred();
}

bool Session::emit(warmcc_result &R) {
  CompilerInstance &Ci = *CI;
  DiagnosticsEngine &DE = Ci.getDiagnostics();
  ASTContext &C = Ci.getASTContext();
  CodeGenerator &Gen = Consumer->gen();
  Timer.phase("deferred");
  Consumer->HandleTranslationUnit(C);
  std::unique_ptr<llvm::Module> M(Gen.ReleaseModule());
  Gen.StartModule("warmcc_" + std::to_string(Objects + 1), *LLVMCtx);
  if (DE.hasErrorOccurred() || !M)
    return false;
  Timer.phase("ledger");
  Ledger.prepare(*M, Gen);
  Timer.noteModule(*M);
  Timer.phase("backend");
  llvm::SmallVector<char, 0> Buf;
  EmitBackendOutput(DE, Ci.getHeaderSearchOpts(), Ci.getCodeGenOpts(), Ci.getTargetOpts(),
                    Ci.getLangOpts(), C.getTargetInfo().getDataLayoutString(), M.get(),
                    Backend_EmitObj, Ci.getFileManager().getVirtualFileSystemPtr(),
                    std::make_unique<llvm::raw_svector_ostream>(Buf));
  if (DE.hasErrorOccurred())
    return false;
  R.object.assign(Buf.begin(), Buf.end());
  Timer.phase("record");
  Ledger.record(R.object, M->getDataLayout().getGlobalPrefix(), Objects);
  ++Objects;
  return true;
}

void Session::discardFailed(TranslationUnitDecl *TU, unsigned File) {
  CompilerInstance &Ci = *CI;
  DiagnosticsEngine &DE = Ci.getDiagnostics();
  SourceManager &SM = Ci.getSourceManager();
  DE.Reset(/*soft=*/true);
  // Code from the prelude or earlier snippets that this snippet pulled in (PCH declarations,
  // template instantiations) stays known to the code generator; the snippet's own does not.
  Consumer->replayFiltered([&](const Decl *D) {
    if (D->isInvalidDecl())
      return false;
    SourceLocation L = SM.getExpansionLoc(D->getLocation());
    return !L.isValid() || SM.getFileID(L).getHashValue() != File;
  });
  Consumer->HandleTranslationUnit(Ci.getASTContext());
  std::unique_ptr<llvm::Module> Dropped(Consumer->gen().ReleaseModule());
  Consumer->gen().StartModule("warmcc_" + std::to_string(Objects + 1), *LLVMCtx);
  DE.Reset(/*soft=*/true);
  Diags->clear();
  removeFromLookup(TU);
}

void Session::removeFromLookup(TranslationUnitDecl *TU) {
  if (StoredDeclsMap *Map = TU->getPrimaryContext()->getLookupPtr()) {
    for (auto &&[Key, List] : *Map) {
      DeclContextLookupResult Found = List.getLookupResult();
      std::vector<NamedDecl *> Remove;
      bool All = true;
      for (NamedDecl *D : Found) {
        if (D->getTranslationUnitDecl() == TU)
          Remove.push_back(D);
        else
          All = false;
      }
      if (All)
        Map->erase(Key);
      else
        for (NamedDecl *D : Remove)
          List.remove(D);
    }
  }
  Sema &S = CI->getSema();
  for (Decl *D : TU->decls()) {
    auto *ND = dyn_cast<NamedDecl>(D);
    if (ND && ND->getDeclName().getFETokenInfo() && !D->getLangOpts().ObjC &&
        !D->getLangOpts().CPlusPlus)
      S.IdResolver.RemoveDecl(ND);
  }
}

bool Session::compileInput(StringRef Name, StringRef Src, warmcc_result &R,
                           TranslationUnitDecl *&TU) {
  Diags->clear();
  Timer.begin(Name);
  Timer.phase("enter");
  unsigned File = 0;
  bool Parsed = parse(Name, Src, TU, File);
  if (!Parsed) {
    Diags->takeInto(R);
    if (TU)
      discardFailed(TU, File);
    return false;
  }
  Timer.phase("codegen");
  Consumer->replayAll();
  bool Emitted = emit(R);
  Timer.phase("diags");
  Diags->takeInto(R);
  Timer.end(R.object.size());
  if (!Emitted) {
    CI->getDiagnostics().Reset(/*soft=*/true);
    removeFromLookup(TU);
    return false;
  }
  return true;
}

void Session::compile(StringRef Name, StringRef Src, warmcc_result &R) {
  if (CrashTrigger && Src.contains("#pragma warmcc_test_crash")) {
    // Test-only: behave like a compiler crash so process isolation can be checked.
    std::raise(SIGSEGV);
    std::abort();
  }
  TranslationUnitDecl *TU = nullptr;
  unsigned Object = Objects;
  if (!compileInput(Name, Src, R, TU))
    return;
  R.ok = true;
  Snippets.push_back(Snippet{TU, Name.str(), whyNotUndoable(TU), Object});
}

bool Session::undo(unsigned N, std::string &Why) {
  if (N > Snippets.size()) {
    Why = "cannot undo " + std::to_string(N) + " snippets: only " +
          std::to_string(Snippets.size()) + " are in effect";
    return false;
  }
  for (size_t I = Snippets.size() - N; I < Snippets.size(); ++I) {
    if (!Snippets[I].WhyNotUndoable.empty()) {
      Why = "snippet '" + Snippets[I].Name + "' cannot be undone: " + Snippets[I].WhyNotUndoable;
      return false;
    }
  }
  for (unsigned I = 0; I < N; ++I) {
    Snippet &Last = Snippets.back();
    removeFromLookup(Last.TU);
    Ledger.forgetFrom(Last.Object);
    if (Shipped) {
      // The code generator forgets functions it was told live elsewhere; make them known again
      // so the next snippet that uses one generates it.
      for (const FunctionDecl *FD : Shipped->forgetFrom(Last.Object))
        if (const FunctionDecl *Def = FD->getDefinition())
          Consumer->gen().HandleTopLevelDecl(DeclGroupRef(const_cast<FunctionDecl *>(Def)));
    }
    Snippets.pop_back();
  }
  return true;
}

} // namespace warmcc
