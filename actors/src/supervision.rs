//! Containment: a supervisor whose one job is to keep a child's failure from spreading. ractor's
//! default would stop the parent when a child fails, and with it every sibling; this one logs,
//! counts (`chat_actor_failures_total{actor=<label>}`) and lets the rest of the node keep serving.
//! The failed child is not restarted blindly: sessions end (their socket closes with 1011),
//! conversations are started afresh from the database on their next event.

use ractor::{Actor, ActorProcessingErr, ActorRef, SupervisionEvent};

pub struct Contain(pub &'static str);

impl Actor for Contain {
    type Msg = ();
    type State = ();
    type Arguments = ();

    async fn pre_start(&self, _me: ActorRef<()>, _: ()) -> Result<(), ActorProcessingErr> {
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        _me: ActorRef<()>,
        evt: SupervisionEvent,
        _st: &mut (),
    ) -> Result<(), ActorProcessingErr> {
        if let SupervisionEvent::ActorFailed(cell, err) = evt {
            tracing::error!(label = self.0, actor = %cell.get_id(), name = ?cell.get_name(), error = %err, "actor failed; contained");
            metrics::counter!("chat_actor_failures_total", "actor" => self.0).increment(1);
        }
        Ok(())
    }
}
