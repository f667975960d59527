//! The registry repository's writing side: references, trees, commits, and the pack a
//! large commit's objects are written as.

use gix::objs::tree::EntryKind;

use super::{git_err, FileEdit, ObjectId, Repo, PACK_FROM};
use crate::Result;

/// Below this many objects, a pack's objects are compressed on the calling thread.
const OBJECTS_PER_THREAD: usize = 128;

/// `data` as one zlib stream, with `compress` reset for it.
fn deflate(
    compress: &mut gix::zlib::stream::deflate::Compress,
    data: &[u8],
) -> std::result::Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
    use gix::zlib::stream::deflate::FlushCompress;
    compress.reset();
    let mut out = Vec::with_capacity(data.len() / 2 + 64);
    let mut chunk = [0u8; 8192];
    loop {
        let (read, written) = (compress.total_in(), compress.total_out());
        let status = compress
            .compress(&data[read as usize..], &mut chunk, FlushCompress::Finish)
            .map_err(|e| e.to_string())?;
        out.extend_from_slice(&chunk[..(compress.total_out() - written) as usize]);
        match status {
            gix::zlib::Status::StreamEnd => return Ok(out),
            _ if compress.total_out() == written && compress.total_in() == read => {
                return Err("zlib made no progress compressing an object".into())
            }
            _ => {}
        }
    }
}

impl Repo {
    /// Point the reference `name` (such as `refs/remotes/origin/main`) at `id`.
    pub fn set_reference(&self, name: &str, id: ObjectId, message: &str) -> Result<()> {
        use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
        let edit = RefEdit {
            change: Change::Update {
                log: LogChange {
                    mode: RefLog::AndReference,
                    force_create_reflog: false,
                    message: message.into(),
                },
                expected: PreviousValue::Any,
                new: gix::refs::Target::Object(id),
            },
            name: name
                .try_into()
                .map_err(git_err("cannot update a reference"))?,
            deref: false,
        };
        let signature = self.signature();
        let mut time = gix::date::parse::TimeBuf::default();
        self.repo
            .edit_references_as(Some(edit), Some(signature.to_ref(&mut time)))
            .map(|_| ())
            .map_err(git_err("cannot update a reference"))
    }

    /// Write `edits` on top of `base_tree` (the empty tree when `None`) and return the new
    /// tree and the blob id of each written file. From [`PACK_FROM`] edits on (an
    /// import), the blobs and trees are written as one pack, not a loose object each.
    pub fn write_tree(
        &self,
        base_tree: Option<ObjectId>,
        edits: &[FileEdit],
    ) -> Result<(ObjectId, Vec<Option<ObjectId>>)> {
        if edits.len() < PACK_FROM {
            return self.write_tree_objects(base_tree, edits);
        }
        // The same writes, kept in memory (where the tree editor also reads them
        // back), then stored in one pack before the tree is returned.
        let memory = Repo {
            repo: self.repo.clone().with_object_memory(),
            workdir: self.workdir.clone(),
            commit: self.commit.clone(),
        };
        let written = memory.write_tree_objects(base_tree, edits)?;
        match memory.repo.objects.reset_object_memory() {
            Some(objects) if !objects.is_empty() => self.write_pack(&objects)?,
            _ => {}
        }
        Ok(written)
    }

    /// Store `objects` as one pack (with its index) in the object store: written to a
    /// temporary file, the index last, so that a crash leaves no half pack in use.
    fn write_pack(&self, objects: &gix::odb::memory::Storage) -> Result<()> {
        use gix_pack::data::output;
        let hash = self.repo.object_hash();
        let fail = "cannot write the registry's objects as a pack";
        // gix-pack's `Entry::from_data` sets up a compressor per object, and zlib's set-up
        // zeroes a few hundred KB: most of an import's time went there. Each core
        // compresses its share with one compressor, reset between objects.
        let objects: Vec<_> = objects.iter().collect();
        let entries = crate::parallel::map(
            &objects,
            OBJECTS_PER_THREAD,
            || {
                std::cell::RefCell::new(gix::zlib::stream::deflate::Compress::new(
                    gix::zlib::Compression::BEST_SPEED,
                ))
            },
            |compress, (id, (kind, data))| -> Result<output::Entry> {
                Ok(output::Entry {
                    id: **id,
                    kind: output::entry::Kind::Base(*kind),
                    decompressed_size: data.len(),
                    compressed_data: deflate(&mut compress.borrow_mut(), data)
                        .map_err(git_err(fail))?,
                })
            },
        )
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
        let count = u32::try_from(entries.len()).map_err(git_err(fail))?;
        let mut pack = Vec::new();
        let mut writer = output::bytes::FromEntriesIter::new(
            std::iter::once(Ok(entries)),
            &mut pack,
            count,
            gix_pack::data::Version::V2,
            hash,
        );
        for written in &mut writer {
            written.map_err(git_err(fail))?;
        }
        drop(writer);
        let directory = self.repo.objects.store_ref().path().join("pack");
        std::fs::create_dir_all(&directory).map_err(git_err(fail))?;
        let written = gix_pack::Bundle::write_to_directory(
            &mut pack.as_slice(),
            Some(&directory),
            &mut gix::progress::Discard,
            &std::sync::atomic::AtomicBool::new(false),
            None::<gix::odb::Handle>,
            hash,
            gix_pack::bundle::write::Options::default(),
        )
        .map_err(git_err(fail))?;
        // The `.keep` file guards a fetched pack from `git gc` until a ref points to it.
        // A commit's objects are referenced a moment later, and `git gc` keeps fresh
        // unreachable objects for two weeks anyway; a kept pack would never be repacked.
        if let Some(keep) = written.keep_path {
            std::fs::remove_file(keep).map_err(git_err(fail))?;
        }
        Ok(())
    }

    /// [`Repo::write_tree`], through this repository's object writes.
    fn write_tree_objects(
        &self,
        base_tree: Option<ObjectId>,
        edits: &[FileEdit],
    ) -> Result<(ObjectId, Vec<Option<ObjectId>>)> {
        let base = base_tree.unwrap_or_else(|| ObjectId::empty_tree(self.repo.object_hash()));
        let mut editor = self
            .repo
            .edit_tree(base)
            .map_err(git_err("cannot edit the registry tree"))?;
        let mut blobs = Vec::with_capacity(edits.len());
        for edit in edits {
            match &edit.content {
                Some(content) => {
                    let id = self
                        .repo
                        .write_blob(content)
                        .map_err(git_err("cannot write a registry file"))?
                        .detach();
                    editor
                        .upsert(edit.path.as_str(), EntryKind::Blob, id)
                        .map_err(git_err("cannot edit the registry tree"))?;
                    blobs.push(Some(id));
                }
                None => {
                    editor
                        .remove(edit.path.as_str())
                        .map_err(git_err("cannot edit the registry tree"))?;
                    blobs.push(None);
                }
            }
        }
        let tree = editor
            .write()
            .map_err(git_err("cannot write the registry tree"))?
            .detach();
        Ok((tree, blobs))
    }

    /// Write a commit object (without moving any ref).
    pub fn write_commit(
        &self,
        tree: ObjectId,
        parents: &[ObjectId],
        message: &str,
    ) -> Result<ObjectId> {
        let signature = self.signature();
        let commit = gix::objs::Commit {
            message: message.into(),
            tree,
            author: signature.clone(),
            committer: signature,
            encoding: None,
            parents: parents.iter().copied().collect(),
            extra_headers: Vec::new(),
        };
        Ok(self
            .repo
            .write_object(&commit)
            .map_err(git_err("cannot write a registry commit"))?
            .detach())
    }

    /// The user's git identity when configured, else repodex's own, dated now.
    /// The name commits are made under: git's `user.name`, else "repodex".
    pub fn committer_name(&self) -> String {
        self.signature().name.to_string()
    }

    /// Dated now, or at the date this repository was given ([`Repo::with_commit_env`]:
    /// git's `GIT_COMMITTER_DATE` when that is set, as git's own commits are), so that
    /// scripts and tests can give commits the times they need.
    pub(crate) fn signature(&self) -> gix::actor::Signature {
        let time = self
            .commit
            .date
            .unwrap_or_else(gix::date::Time::now_local_or_utc);
        match self.repo.committer() {
            Some(Ok(sig)) => gix::actor::Signature {
                name: sig.name.to_owned(),
                email: sig.email.to_owned(),
                time,
            },
            _ => gix::actor::Signature {
                name: "repodex".into(),
                email: "repodex@localhost".into(),
                time,
            },
        }
    }

    /// The blob id `content` would have, without writing it.
    pub fn blob_id(&self, content: &[u8]) -> Result<ObjectId> {
        gix::objs::compute_hash(self.repo.object_hash(), gix::objs::Kind::Blob, content)
            .map_err(git_err("cannot hash a registry file"))
    }
}

#[cfg(test)]
mod tests {
    /// One compressor, reset between objects, makes streams that inflate to each object,
    /// whether it fits one output chunk or many, compresses or does not.
    #[test]
    fn one_compressor_deflates_every_object_of_a_pack() {
        use gix::zlib::{stream::deflate::Compress, Compression, Decompress, FlushDecompress};
        let mut noise = Vec::new();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        while noise.len() < 200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            noise.extend_from_slice(&x.to_le_bytes());
        }
        let text = "name = \"edobry/minsky\"\nurl = \"https://github.com/edobry/minsky\"\n"
            .repeat(3_000)
            .into_bytes();
        let mut compress = Compress::new(Compression::BEST_SPEED);
        for data in [
            &b""[..],
            b"x",
            &noise[..8191],
            &noise[..8192],
            &noise[..8193],
            &noise,
            &text,
            &text[..100],
        ] {
            let stream = super::deflate(&mut compress, data).unwrap();
            assert_eq!(stream[0], 0x78, "a zlib header");
            let mut inflated = vec![0; data.len() + 1];
            let mut decompress = Decompress::new();
            decompress
                .decompress(&stream, &mut inflated, FlushDecompress::Finish)
                .unwrap();
            assert_eq!(decompress.total_in() as usize, stream.len());
            assert_eq!(&inflated[..decompress.total_out() as usize], data);
        }
    }
}
