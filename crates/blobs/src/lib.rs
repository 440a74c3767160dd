//! The blob-store seam: where upload staging files, originals and derived media live.
//!
//! Owns bytes at keys. Keys are made by the caller from ids (`originals/<version id>`), never
//! from user-supplied names, and are validated here so no key can leave the store's root. It
//! knows nothing of videos, users or the database. The local-filesystem store is the default;
//! an S3-compatible store comes with the scale-out work behind the same methods.

use std::path::{Component, Path, PathBuf};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use tokio::fs::{self, File, OpenOptions};

/// Errors from the blob store.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("invalid blob key {0:?}")]
    InvalidKey(String),
    #[error("blob {key} at {path}: {source}")]
    Io {
        key: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T, E = BlobError> = std::result::Result<T, E>;

/// A validated key: lower-case ASCII letters, digits, `-`, `_`, `.` in `/`-separated parts,
/// no empty, `.` or `..` part.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BlobKey(String);

impl BlobKey {
    pub fn new(key: impl Into<String>) -> Result<BlobKey> {
        let key = key.into();
        let ok = !key.is_empty()
            && key.len() <= 512
            && key.split('/').all(|part| {
                !part.is_empty()
                    && part != "."
                    && part != ".."
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.'))
            });
        if ok { Ok(BlobKey(key)) } else { Err(BlobError::InvalidKey(key)) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for BlobKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What an append stored, and why it stopped early if it did.
#[derive(Debug)]
pub struct Appended<E> {
    /// Bytes written and made durable by this call.
    pub written: u64,
    /// The body's error, when the client went away or sent too much.
    pub interrupted: Option<AppendStop<E>>,
}

/// Why an append stopped before the stream ended.
#[derive(Debug)]
pub enum AppendStop<E> {
    /// The body stream failed (typically: the connection was cut).
    Body(E),
    /// More bytes arrived than `limit` allowed.
    TooLong,
    /// The caller's hold on the blob ended (its write lease was lost): nothing more was
    /// written, not even what was buffered, and `written` must not be counted.
    Lost,
}

/// Whether the caller still holds the blob; asked before every chunk and every disk write.
pub type Holds = std::sync::Arc<dyn Fn() -> bool + Send + Sync>;

/// Bytes gathered before one write to a staging file (a multiple of [`ALIGN`]).
const WRITE_BUFFER: usize = 4 * 1024 * 1024;

/// The alignment direct I/O needs of file offsets, lengths and memory.
const ALIGN: usize = 4096;

/// A write buffer whose bytes start at an [`ALIGN`]-aligned address, as direct I/O needs.
struct WriteBuf {
    mem: Vec<u8>,
    start: usize,
}

impl WriteBuf {
    fn new() -> WriteBuf {
        let mut mem: Vec<u8> = Vec::with_capacity(WRITE_BUFFER + ALIGN);
        let start = mem.as_ptr().align_offset(ALIGN).min(ALIGN);
        mem.resize(start, 0);
        WriteBuf { mem, start }
    }

    fn len(&self) -> usize {
        self.mem.len() - self.start
    }

    /// Appends within the capacity reserved (callers never fill past [`WRITE_BUFFER`]), so the
    /// bytes never move and stay aligned.
    fn extend(&mut self, bytes: &[u8]) {
        self.mem.extend_from_slice(bytes);
    }

    fn data(&self) -> &[u8] {
        &self.mem[self.start..]
    }
}

/// Writes an upload's bytes at increasing offsets. On Linux, whole aligned blocks go through a
/// second descriptor opened with `O_DIRECT`: they skip the page cache, which here costs more
/// CPU than the socket and halves the throughput of large uploads; what is not aligned (the
/// start of a resumed upload, the end of a request) is written through the page cache. Where
/// the filesystem refuses direct I/O (tmpfs), everything goes through the page cache.
struct DiskWriter {
    file: std::fs::File,
    direct: Option<std::fs::File>,
    pos: u64,
}

impl DiskWriter {
    fn new(file: std::fs::File, path: &Path, pos: u64) -> DiskWriter {
        DiskWriter { file, direct: open_direct(path), pos }
    }

    fn write(&mut self, mut data: &[u8]) -> std::io::Result<()> {
        use std::os::unix::fs::FileExt;
        if let Some(direct) = &self.direct
            && self.pos.is_multiple_of(ALIGN as u64)
            && data.as_ptr().align_offset(ALIGN) == 0
        {
            let blocks = data.len() / ALIGN * ALIGN;
            if blocks > 0 {
                match direct.write_all_at(&data[..blocks], self.pos) {
                    Ok(()) => {
                        self.pos += blocks as u64;
                        data = &data[blocks..];
                    }
                    // Refused (a filesystem without direct I/O): the page cache it is, from here on.
                    Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => self.direct = None,
                    Err(e) => return Err(e),
                }
            }
        }
        self.file.write_all_at(data, self.pos)?;
        self.pos += data.len() as u64;
        Ok(())
    }

    /// Makes everything written durable (the data, and the file's new length).
    fn sync(self) -> std::io::Result<()> {
        self.file.sync_data()
    }
}

#[cfg(target_os = "linux")]
fn open_direct(path: &Path) -> Option<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().write(true).custom_flags(libc::O_DIRECT).open(path).ok()
}

#[cfg(not(target_os = "linux"))]
fn open_direct(_path: &Path) -> Option<std::fs::File> {
    None
}

/// The local-filesystem store: `<root>/<key>`.
#[derive(Clone, Debug)]
pub struct Blobs {
    root: PathBuf,
}

impl Blobs {
    /// A store rooted at `root` (created when missing).
    pub async fn local(root: impl Into<PathBuf>) -> Result<Blobs> {
        let root = root.into();
        fs::create_dir_all(&root).await.map_err(|source| BlobError::Io {
            key: String::new(),
            path: root.clone(),
            source,
        })?;
        Ok(Blobs { root })
    }

    /// Where a key's bytes live on disk (the media tools read originals in place).
    pub fn path(&self, key: &BlobKey) -> PathBuf {
        let mut p = self.root.clone();
        for part in Path::new(key.as_str()).components() {
            if let Component::Normal(c) = part {
                p.push(c);
            }
        }
        p
    }

    fn io(&self, key: &BlobKey, source: std::io::Error) -> BlobError {
        BlobError::Io { key: key.to_string(), path: self.path(key), source }
    }

    async fn parent_dir(&self, key: &BlobKey) -> Result<()> {
        if let Some(dir) = self.path(key).parent() {
            fs::create_dir_all(dir).await.map_err(|e| self.io(key, e))?;
        }
        Ok(())
    }

    /// The size of a blob, or `None` when it does not exist.
    pub async fn len(&self, key: &BlobKey) -> Result<Option<u64>> {
        match fs::metadata(self.path(key)).await {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io(key, e)),
        }
    }

    /// Creates an empty staging blob (or keeps an existing one).
    pub async fn create(&self, key: &BlobKey) -> Result<()> {
        self.parent_dir(key).await?;
        OpenOptions::new().create(true).append(true).open(self.path(key)).await.map_err(|e| self.io(key, e))?;
        Ok(())
    }

    /// Appends a body stream at `offset`, at most `limit` bytes. Anything past `offset` (bytes a
    /// crash left unacknowledged) is cut first. `inspect` sees every chunk written (checksums).
    /// The bytes are fsynced before this returns, so the caller may then advance its durable
    /// offset by `written`.
    pub async fn append<S, E>(
        &self,
        key: &BlobKey,
        offset: u64,
        limit: u64,
        body: S,
        inspect: &mut (dyn FnMut(&[u8]) + Send),
    ) -> Result<Appended<E>>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    {
        self.append_while(key, offset, limit, body, inspect, std::sync::Arc::new(|| true)).await
    }

    /// [`Blobs::append`] for as long as `holds` answers true: once it answers false the append
    /// stops, drops what it had buffered, writes nothing more (a writer that lost its lease must
    /// not land bytes after another writer took over) and answers [`AppendStop::Lost`].
    pub async fn append_while<S, E>(
        &self,
        key: &BlobKey,
        offset: u64,
        limit: u64,
        mut body: S,
        inspect: &mut (dyn FnMut(&[u8]) + Send),
        holds: Holds,
    ) -> Result<Appended<E>>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    {
        if !holds() {
            return Ok(Appended { written: 0, interrupted: Some(AppendStop::Lost) });
        }
        self.parent_dir(key).await?;
        let path = self.path(key);
        let file: File = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(false)
            .open(&path)
            .await
            .map_err(|e| self.io(key, e))?;
        file.set_len(offset).await.map_err(|e| self.io(key, e))?;
        // Reading the socket and writing the disk overlap: a blocking thread writes one buffer
        // while the next fills (one more may wait between them). Memory stays bounded by three
        // buffers per upload; the final fdatasync happens on that thread too.
        let mut disk_writer = DiskWriter::new(file.into_std().await, &path, offset);
        let (to_disk, mut from_net) = tokio::sync::mpsc::channel::<WriteBuf>(1);
        let disk_holds = holds.clone();
        // Answers whether the writes ran to the end (false: the hold ended first).
        let disk = tokio::task::spawn_blocking(move || -> std::io::Result<bool> {
            while let Some(buf) = from_net.blocking_recv() {
                if !disk_holds() {
                    return Ok(false);
                }
                disk_writer.write(buf.data())?;
            }
            disk_writer.sync().map(|()| true)
        });
        let mut written = 0u64;
        let mut interrupted = None;
        // The first buffer ends where the file is aligned again, so later ones start aligned.
        let mut fill = WRITE_BUFFER - (offset % ALIGN as u64) as usize;
        let mut buf = WriteBuf::new();
        let mut disk_gone = false;
        'body: while let Some(chunk) = body.next().await {
            if !holds() {
                interrupted = Some(AppendStop::Lost);
                break;
            }
            match chunk {
                Ok(bytes) => {
                    let room = limit.saturating_sub(written);
                    let take = usize::try_from(room).unwrap_or(usize::MAX).min(bytes.len());
                    let mut part = &bytes[..take];
                    inspect(part);
                    written += part.len() as u64;
                    while !part.is_empty() {
                        let n = part.len().min(fill - buf.len());
                        buf.extend(&part[..n]);
                        part = &part[n..];
                        if buf.len() == fill {
                            fill = WRITE_BUFFER;
                            if to_disk.send(std::mem::replace(&mut buf, WriteBuf::new())).await.is_err() {
                                // The writer stopped on an error: its result says which.
                                disk_gone = true;
                                break 'body;
                            }
                        }
                    }
                    if take < bytes.len() {
                        interrupted = Some(AppendStop::TooLong);
                        break;
                    }
                }
                Err(e) => {
                    interrupted = Some(AppendStop::Body(e));
                    break;
                }
            }
        }
        let lost = matches!(interrupted, Some(AppendStop::Lost));
        if !disk_gone && !lost && buf.len() > 0 {
            let _ = to_disk.send(buf).await;
        }
        drop(to_disk);
        let finished = disk.await.map_err(|e| self.io(key, std::io::Error::other(e)))?.map_err(|e| self.io(key, e))?;
        if lost || !finished || !holds() {
            return Ok(Appended { written: 0, interrupted: Some(AppendStop::Lost) });
        }
        Ok(Appended { written, interrupted })
    }

    /// Cuts a blob back to `len` bytes (undoing an append whose checksum failed).
    pub async fn truncate(&self, key: &BlobKey, len: u64) -> Result<()> {
        let file = OpenOptions::new().write(true).open(self.path(key)).await.map_err(|e| self.io(key, e))?;
        file.set_len(len).await.map_err(|e| self.io(key, e))?;
        file.sync_all().await.map_err(|e| self.io(key, e))?;
        Ok(())
    }

    /// Moves a finished blob to its final key (atomic on one filesystem) and makes the move
    /// durable.
    pub async fn promote(&self, from: &BlobKey, to: &BlobKey) -> Result<()> {
        self.parent_dir(to).await?;
        fs::rename(self.path(from), self.path(to)).await.map_err(|e| self.io(to, e))?;
        sync_dir(self.path(to).parent()).await.map_err(|e| self.io(to, e))?;
        Ok(())
    }

    /// Moves a local file (written by a tool into [`Blobs::scratch`]) into the store at `key`.
    pub async fn put_file(&self, local: &Path, key: &BlobKey) -> Result<u64> {
        self.parent_dir(key).await?;
        let f = File::open(local).await.map_err(|e| self.io(key, e))?;
        f.sync_all().await.map_err(|e| self.io(key, e))?;
        let len = f.metadata().await.map_err(|e| self.io(key, e))?.len();
        drop(f);
        fs::rename(local, self.path(key)).await.map_err(|e| self.io(key, e))?;
        sync_dir(self.path(key).parent()).await.map_err(|e| self.io(key, e))?;
        Ok(len)
    }

    /// A private scratch folder for a tool's outputs; same filesystem as the store, so
    /// [`Blobs::put_file`] is a rename.
    pub async fn scratch(&self, name: &str) -> Result<PathBuf> {
        let key = BlobKey::new(format!("tmp/{name}"))?;
        let dir = self.path(&key);
        let _ = fs::remove_dir_all(&dir).await;
        fs::create_dir_all(&dir).await.map_err(|e| self.io(&key, e))?;
        Ok(dir)
    }

    /// Deletes a blob; a missing one is not an error.
    pub async fn delete(&self, key: &BlobKey) -> Result<()> {
        match fs::remove_file(self.path(key)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io(key, e)),
        }
    }

    /// Bytes stored under a prefix (a version's derived media, cached stills included).
    pub async fn prefix_size(&self, prefix: &BlobKey) -> Result<u64> {
        let mut total = 0;
        let mut dirs = vec![self.path(prefix)];
        while let Some(dir) = dirs.pop() {
            let mut entries = match fs::read_dir(&dir).await {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(self.io(prefix, e)),
            };
            while let Some(entry) = entries.next_entry().await.map_err(|e| self.io(prefix, e))? {
                let meta = entry.metadata().await.map_err(|e| self.io(prefix, e))?;
                if meta.is_dir() {
                    dirs.push(entry.path());
                } else {
                    total += meta.len();
                }
            }
        }
        Ok(total)
    }

    /// The entries directly under a prefix (blobs and sub-prefixes), each with when it last
    /// changed (milliseconds since the epoch, the file system's clock). A missing prefix has
    /// none.
    pub async fn children(&self, prefix: &BlobKey) -> Result<Vec<(String, i64)>> {
        let mut entries = match fs::read_dir(self.path(prefix)).await {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.io(prefix, e)),
        };
        let mut out = Vec::new();
        while let Some(entry) = entries.next_entry().await.map_err(|e| self.io(prefix, e))? {
            let meta = entry.metadata().await.map_err(|e| self.io(prefix, e))?;
            let changed = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .and_then(|d| i64::try_from(d.as_millis()).ok())
                .unwrap_or(0);
            if let Some(name) = entry.file_name().to_str() {
                out.push((name.to_owned(), changed));
            }
        }
        out.sort();
        Ok(out)
    }

    /// Deletes every blob under a prefix (a version's derived media).
    pub async fn delete_prefix(&self, prefix: &BlobKey) -> Result<()> {
        match fs::remove_dir_all(self.path(prefix)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io(prefix, e)),
        }
    }
}

async fn sync_dir(dir: Option<&Path>) -> std::io::Result<()> {
    if let Some(d) = dir {
        File::open(d).await?.sync_all().await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_escape_the_root() {
        for bad in ["", "../etc/passwd", "a/../b", "/abs", "a//b", "A/b", "a/b c", "a\\b", "a/./b", "ünï"] {
            assert!(BlobKey::new(bad).is_err(), "{bad:?} accepted");
        }
        assert!(BlobKey::new("originals/0193a3d2-0000-7000-8000-000000000000").is_ok());
        assert!(BlobKey::new("derived/x/proxy_540p.mp4").is_ok());
    }

    fn body(
        parts: Vec<std::result::Result<&'static [u8], &'static str>>,
    ) -> impl Stream<Item = std::result::Result<Bytes, &'static str>> + Unpin {
        futures::stream::iter(parts.into_iter().map(|p| p.map(Bytes::from_static)))
    }

    #[tokio::test]
    async fn an_append_whose_hold_ends_writes_nothing_more_not_even_its_buffer() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::local(dir.path()).await.unwrap();
        let key = BlobKey::new("staging/u2").unwrap();
        blobs.append(&key, 0, 100, body(vec![Ok(b"kept ")]), &mut |_| {}).await.unwrap();
        // The hold ends after the first chunk was taken (and buffered): nothing lands.
        let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = asked.clone();
        let holds: Holds = std::sync::Arc::new(move || counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 2);
        let a = blobs
            .append_while(&key, 5, 100, body(vec![Ok(b"stale "), Ok(b"writer")]), &mut |_| {}, holds)
            .await
            .unwrap();
        assert!(matches!(a.interrupted, Some(AppendStop::Lost)), "{:?}", a.interrupted);
        assert_eq!(a.written, 0);
        assert_eq!(tokio::fs::read(blobs.path(&key)).await.unwrap(), b"kept ");
    }

    #[tokio::test]
    async fn append_resumes_at_the_offset_and_cuts_unacknowledged_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::local(dir.path()).await.unwrap();
        let key = BlobKey::new("staging/u1").unwrap();
        let mut seen = Vec::new();
        let a = blobs
            .append(&key, 0, 100, body(vec![Ok(b"hello "), Err("cut")]), &mut |b| seen.extend_from_slice(b))
            .await
            .unwrap();
        assert_eq!(a.written, 6);
        assert!(matches!(a.interrupted, Some(AppendStop::Body("cut"))));
        // Pretend a crash left junk past the acknowledged offset 6.
        tokio::fs::write(blobs.path(&key), b"hello JUNK").await.unwrap();
        let a = blobs.append(&key, 6, 100, body(vec![Ok(b"world")]), &mut |_| {}).await.unwrap();
        assert_eq!(a.written, 5);
        assert_eq!(tokio::fs::read(blobs.path(&key)).await.unwrap(), b"hello world");
        let a = blobs.append(&key, 11, 3, body(vec![Ok(b"!!!!!")]), &mut |_| {}).await.unwrap();
        assert_eq!(a.written, 3);
        assert!(matches!(a.interrupted, Some(AppendStop::TooLong)));
        blobs.truncate(&key, 11).await.unwrap();
        let final_key = BlobKey::new("originals/v1").unwrap();
        blobs.promote(&key, &final_key).await.unwrap();
        assert_eq!(blobs.len(&final_key).await.unwrap(), Some(11));
        assert_eq!(blobs.len(&key).await.unwrap(), None);
        assert_eq!(seen, b"hello ");
    }

    #[tokio::test]
    async fn large_appends_at_unaligned_offsets_store_every_byte() {
        // Enough for several whole buffers, cut and resumed at offsets that are not block
        // aligned, in odd-sized network chunks: the direct and the page-cache paths both write.
        let data: Vec<u8> = (0..(2 * WRITE_BUFFER + 3 * ALIGN + 777) as u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let chunks = |from: usize, to: usize, cut: bool| {
            let mut parts: Vec<std::result::Result<Bytes, &'static str>> =
                data[from..to].chunks(65_537).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
            if cut {
                parts.push(Err("cut"));
            }
            futures::stream::iter(parts)
        };
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::local(dir.path()).await.unwrap();
        let key = BlobKey::new("staging/big").unwrap();
        let mut offset = 0usize;
        for stop in [1_000_003, WRITE_BUFFER + 5, 2 * WRITE_BUFFER + ALIGN + 1, data.len()] {
            let cut = stop < data.len();
            let a = blobs.append(&key, offset as u64, u64::MAX, chunks(offset, stop, cut), &mut |_| {}).await.unwrap();
            assert_eq!(a.written as usize, stop - offset);
            assert_eq!(a.interrupted.is_some(), cut);
            offset = stop;
        }
        assert!(tokio::fs::read(blobs.path(&key)).await.unwrap() == data, "the stored bytes differ");
    }
}
