//! Layers: other registries (an organisation's) mounted read-only beside the user's own.
//!
//! A layer is a clone of another registry in `.git/repodex/layers/<name>/`, listed in
//! `.git/repodex/layers.toml`: both per machine, never pushed. `sync` brings each layer
//! up to its remote. A reference that matches nothing in the user's registry is looked
//! up in the layers, in the order they were added; the user's own entries always win.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::error::SyncError;
use super::{clone_registry, fetch_tip, BRANCH};
use crate::remote::Network;
use crate::store::resolve::Resolved;
use crate::store::Registry;
use crate::url::GitUrl;
use crate::{Error, Result};

const LAYERS_FILE: &str = "layers.toml";
const LAYERS_DIR: &str = "layers";

/// A mounted registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layer {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct LayersFile {
    #[serde(default, rename = "layer")]
    layers: Vec<Layer>,
}

/// An entry found in a layer.
pub struct LayerMatch {
    pub layer: Layer,
    /// The layer's registry, to read the entry from.
    pub registry: Registry,
    pub resolved: Resolved,
}

/// What a sync did to one layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayerUpdate {
    Unchanged,
    Updated,
}

impl Registry {
    /// The layers mounted beside this registry, in lookup order.
    pub fn layers(&self) -> Result<Vec<Layer>> {
        let path = self.private_dir().join(LAYERS_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(format!("cannot read {}", path.display()), e)),
        };
        let file: LayersFile = toml::from_str(&text).map_err(|e| SyncError::BadLayersFile {
            path: path.clone(),
            reason: e.message().trim().to_string(),
        })?;
        Ok(file.layers)
    }

    fn write_layers(&self, layers: Vec<Layer>) -> Result<()> {
        let text = toml::to_string(&LayersFile { layers }).expect("layers serialize");
        crate::git::write_atomically(&self.private_dir().join(LAYERS_FILE), text.as_bytes())
    }

    fn layer_dir(&self, name: &str) -> PathBuf {
        self.private_dir().join(LAYERS_DIR).join(name)
    }

    /// Mount the registry at `url` as the layer `name`: cloned now, refreshed by `sync`.
    pub fn add_layer(&self, name: &str, url: &GitUrl, network: &Network) -> Result<Layer> {
        validate_layer_name(name)?;
        let mut layers = self.layers()?;
        if layers.iter().any(|l| l.name == name) {
            return Err(SyncError::LayerExists { name: name.into() }.into());
        }
        let dir = self.layer_dir(name);
        // A folder left by an interrupted add is not a layer.
        let _ = std::fs::remove_dir_all(&dir);
        clone_registry(url, &dir, network, self.repo().commit_env())?;
        let layer = Layer {
            name: name.to_string(),
            url: url.to_string(),
        };
        layers.push(layer.clone());
        self.write_layers(layers)?;
        Ok(layer)
    }

    /// Unmount a layer and delete its clone.
    pub fn remove_layer(&self, name: &str) -> Result<Layer> {
        let mut layers = self.layers()?;
        let index = layers
            .iter()
            .position(|l| l.name == name)
            .ok_or_else(|| SyncError::NoSuchLayer { name: name.into() })?;
        let layer = layers.remove(index);
        self.write_layers(layers)?;
        let dir = self.layer_dir(name);
        std::fs::remove_dir_all(&dir)
            .or_else(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    Ok(())
                } else {
                    Err(e)
                }
            })
            .map_err(|e| Error::io(format!("cannot remove {}", dir.display()), e))?;
        Ok(layer)
    }

    /// Open a layer's registry.
    pub fn open_layer(&self, layer: &Layer) -> Result<Registry> {
        Registry::open(&self.layer_dir(&layer.name)).map_err(|e| {
            Error::from(SyncError::UnreadableLayer {
                name: layer.name.clone(),
                reason: e.to_string(),
            })
        })
    }

    /// Resolve `reference` in the layers, in order, after it matched nothing here.
    /// An ambiguous match in a layer is an error, as it would be here.
    pub fn resolve_in_layers(&self, reference: &str) -> Result<Option<LayerMatch>> {
        for layer in self.layers()? {
            let registry = self.open_layer(&layer)?;
            match registry.resolve(reference) {
                Ok(resolved) => {
                    return Ok(Some(LayerMatch {
                        layer,
                        registry,
                        resolved,
                    }))
                }
                Err(Error::NotFound { .. }) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    /// Bring a layer up to its remote. A layer is read-only here, so its HEAD simply
    /// moves to what the remote has, after the same checks as a new registry.
    pub fn update_layer(&self, layer: &Layer, network: &Network) -> Result<LayerUpdate> {
        network.require("sync")?;
        let mut registry = self.open_layer(layer)?;
        let url = crate::store::repository_url(&layer.url)?.url;
        let branch = registry
            .repo()
            .upstream_branch()
            .unwrap_or_else(|| BRANCH.to_string());
        let tracking = format!("refs/remotes/origin/{branch}");
        // One update of a layer at a time. A layer's repository is repodex's alone (it
        // lives in .git/repodex/), so under this lock a lock file on its tracking ref can
        // only be a killed update's.
        let _lock = crate::store::transaction::take_named_lock(
            &registry.private_dir(),
            super::SYNC_LOCK,
            &mut || {},
        )?;
        registry.repo().remove_own_ref_lock(&tracking);
        let tip =
            fetch_tip(registry.root(), &url, &branch, &tracking, network)?.ok_or_else(|| {
                Error::Remote {
                    url: url.to_string(),
                    reason: format!("it has no branch {branch} any more"),
                }
            })?;
        if tip == registry.head() {
            return Ok(LayerUpdate::Unchanged);
        }
        super::check_registry_tree(registry.repo(), tip, &url)?;
        let tx = registry.transaction(|| {})?;
        tx.fast_forward(tip)?;
        // Every update writes a pack; under this lock the layer is packed when due.
        let _ = registry.pack_holding_sync_lock(&mut || {});
        Ok(LayerUpdate::Updated)
    }
}

fn validate_layer_name(name: &str) -> Result<()> {
    crate::store::name::validate_name(name)?;
    if name.contains('/') {
        return Err(SyncError::BadLayerName { name: name.into() }.into());
    }
    Ok(())
}
