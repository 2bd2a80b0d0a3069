//! The transports' shared half: applying client frames through the service (the same calls REST
//! makes), encoding events for each subprotocol, and the SSE resume cursor.

pub mod codec;
pub mod cursor;
pub mod frames;
