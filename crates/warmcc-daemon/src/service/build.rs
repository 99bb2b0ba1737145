//! The build service: a project build streamed action by action.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};
use warmcc_proto::v1 as pb;

use crate::state::State;

/// Serves `warmcc.v1.Builder`.
pub struct BuilderService {
    /// Shared daemon state.
    pub state: Arc<State>,
}

#[tonic::async_trait]
impl pb::builder_server::Builder for BuilderService {
    type BuildStream = ReceiverStream<Result<pb::BuildEvent, Status>>;

    async fn build(
        &self,
        request: Request<pb::BuildRequest>,
    ) -> Result<Response<Self::BuildStream>, Status> {
        let guard = self.state.begin();
        let req = request.into_inner();
        let (tx, rx) = tokio::sync::mpsc::channel(1024);
        let st = self.state.clone();
        let cancelled = Arc::new(AtomicBool::new(false));
        let flag = cancelled.clone();
        let closed = tx.clone();
        // A client that goes away ends watch mode; a build under way still finishes and
        // saves its log, so nothing half-done is taken for up to date later.
        // It holds a sender: it must end with the build, or the stream would never end.
        let watcher = tokio::spawn(async move {
            closed.closed().await;
            flag.store(true, Ordering::SeqCst);
        });
        tokio::task::spawn_blocking(move || {
            let _guard = guard;
            let send = |e: pb::BuildEvent| {
                let _ = tx.blocking_send(Ok(e));
            };
            crate::project::build(&st, req, &send, &cancelled);
            watcher.abort();
        });
        Ok(Response::new(ReceiverStream::new(rx)))
    }
}
