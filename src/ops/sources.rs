//! The registries a command reads: the user's own, then each read-only layer in order
//! (list, the selection grammar, jump, pick, completion and the MCP server).

use crate::store::Registry;
use crate::{Context, Result};

/// The registries a listing reads: the user's own, then each layer in order.
pub struct Sources {
    pub registry: Registry,
    /// `(layer name, its registry)`.
    pub layers: Vec<(String, Registry)>,
}

impl Sources {
    /// Each registry with its layer's name (`None` for the user's own), in order.
    pub fn each(&self) -> impl Iterator<Item = (Option<&str>, &Registry)> {
        std::iter::once((None, &self.registry))
            .chain(self.layers.iter().map(|(n, r)| (Some(n.as_str()), r)))
    }
}

/// Open the user's registry and its layers.
pub fn sources(ctx: &Context) -> Result<Sources> {
    let registry = ctx.open()?;
    let mut layers = Vec::new();
    for layer in registry.layers()? {
        let layer_registry = registry.open_layer(&layer)?;
        layers.push((layer.name, layer_registry));
    }
    Ok(Sources { registry, layers })
}
