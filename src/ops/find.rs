//! Which entry a reference names: in the user's own registry, then in the read-only
//! layers. The reference rules themselves are the store's ([`crate::store::resolve`]);
//! every operation that takes a reference finds its entry here.

use crate::store::Registry;
use crate::Resolved;
use crate::{Error, Result};

/// The name of the entry `reference` resolves to in the user's own registry, for
/// commands that change or fetch it. A reference that only a read-only layer knows is
/// refused with that said.
pub fn own_entry(registry: &Registry, reference: &str) -> Result<String> {
    match registry.resolve(reference) {
        Ok(found) => Ok(found.name),
        Err(miss @ Error::NotFound { .. }) => match registry.resolve_in_layers(reference) {
            Ok(Some(hit)) => Err(Error::InLayer {
                reference: reference.to_string(),
                name: hit.resolved.name,
                layer: hit.layer.name,
            }),
            _ => Err(miss),
        },
        Err(e) => Err(e),
    }
}

/// A reference resolved in the user's registry or, failing that, in a layer.
pub struct Found {
    /// The layer it was found in; `None` for the user's own registry.
    pub layer: Option<String>,
    /// The layer's registry, to read the entry from.
    pub layer_registry: Option<Registry>,
    pub resolved: Resolved,
}

/// Resolve `reference` in the user's registry, then in the layers in order (the
/// reference rules' own order inside each). Only a miss falls through to the layers.
pub fn find(registry: &Registry, reference: &str) -> Result<Found> {
    match registry.resolve(reference) {
        Ok(resolved) => Ok(Found {
            layer: None,
            layer_registry: None,
            resolved,
        }),
        Err(miss @ Error::NotFound { .. }) => match registry.resolve_in_layers(reference)? {
            Some(hit) => Ok(Found {
                layer: Some(hit.layer.name),
                layer_registry: Some(hit.registry),
                resolved: hit.resolved,
            }),
            None => Err(miss),
        },
        Err(e) => Err(e),
    }
}
