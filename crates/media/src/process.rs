//! The one door to ffmpeg and ffprobe.
//!
//! Every external call goes through [`Tools::run`] (or [`Tools::run_in`]): stdin is closed,
//! `-hide_banner` (and `-nostdin` for ffmpeg) is always passed, the child gets its own process
//! group so a timeout or a dropped future kills the whole tree, a wall-clock timeout bounds it,
//! stdout is captured (bounded) and the last few KB of stderr end up in the error.
//!
//! Concurrency: two lanes, each a semaphore. [`Lane::Heavy`] (transcodes, sprite sheets,
//! waveforms) holds `concurrency` permits, as configured (`[media] concurrency`; one per two
//! cores is the measured sweet spot). [`Lane::Quick`] holds `2 × concurrency` (at least 2) and
//! serves ffprobe and single-frame stills: both read a bounded amount of data, and a still a
//! reviewer is waiting for must not queue behind a ten-minute transcode.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;

use rustix::process::{Pid, Signal, kill_process_group};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, ChildStderr, ChildStdout, Command};
use tokio::sync::Semaphore;

/// How much of stderr is kept for the error message.
const STDERR_TAIL_BYTES: usize = 8 * 1024;
/// The most stdout [`Tools::run`] captures; ffprobe JSON for a sane file is a few KB.
const STDOUT_LIMIT_BYTES: usize = 16 * 1024 * 1024;
/// How long to wait for the pipes to drain after the process group was killed.
const DRAIN_AFTER_KILL: Duration = Duration::from_secs(2);

/// Which external program to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Program {
    Ffmpeg,
    Ffprobe,
    /// poppler's PDF page renderer.
    Pdftoppm,
    /// poppler's PDF facts (page count).
    Pdfinfo,
    /// libheif's HEIC/HEIF decoder (ffmpeg 5.1 cannot read HEIC stills).
    HeifConvert,
}

impl Program {
    /// The program's name, for errors and logs.
    pub fn name(self) -> &'static str {
        match self {
            Program::Ffmpeg => "ffmpeg",
            Program::Ffprobe => "ffprobe",
            Program::Pdftoppm => "pdftoppm",
            Program::Pdfinfo => "pdfinfo",
            Program::HeifConvert => "heif-convert",
        }
    }

    /// The lane a call takes unless the caller picks one: ffprobe is quick, ffmpeg heavy.
    pub fn default_lane(self) -> Lane {
        match self {
            Program::Ffmpeg | Program::Pdftoppm | Program::HeifConvert => Lane::Heavy,
            Program::Ffprobe | Program::Pdfinfo => Lane::Quick,
        }
    }
}

/// Which concurrency limit a call waits on (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lane {
    /// Whole-file work: transcodes, sprite sheets, waveforms. `concurrency` permits.
    Heavy,
    /// Bounded work: ffprobe, single-frame stills. `2 × concurrency` permits.
    Quick,
}

/// One block of ffmpeg's `-progress` output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Frames written so far.
    pub frame: u64,
    /// Output time reached, in microseconds.
    pub out_time_us: u64,
    /// True on the last block (`progress=end`).
    pub done: bool,
}

/// What a successful run left behind.
#[derive(Debug, Default)]
pub struct Output {
    /// Everything written to stdout (empty when progress or streaming used the pipe).
    pub stdout: Vec<u8>,
    /// The last few KB of stderr (warnings worth logging).
    pub stderr_tail: String,
}

/// Why an external call failed. Each variant names the step.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("could not start {program}")]
    Spawn {
        program: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("{program} did not finish within {after:?} and was killed; stderr: {stderr_tail}")]
    Timeout { program: &'static str, after: Duration, stderr_tail: String },
    #[error("{program} failed ({status}): {stderr_tail}")]
    Failed { program: &'static str, status: ExitStatus, stderr_tail: String },
    #[error("{program} wrote more than {limit} bytes to stdout and was killed")]
    StdoutTooLarge { program: &'static str, limit: usize },
    #[error("reading {program}'s output failed")]
    Io {
        program: &'static str,
        #[source]
        source: io::Error,
    },
}

impl ProcessError {
    /// The stderr tail, when the program got far enough to write one.
    pub fn stderr_tail(&self) -> Option<&str> {
        match self {
            ProcessError::Timeout { stderr_tail, .. } | ProcessError::Failed { stderr_tail, .. } => Some(stderr_tail),
            _ => None,
        }
    }
}

/// Where a run's stdout goes.
pub(crate) enum StdoutSink<'a> {
    /// Keep it (bounded by [`STDOUT_LIMIT_BYTES`]) in [`Output::stdout`].
    Capture,
    /// ffmpeg writes `-progress` blocks there; each is parsed and handed to the callback.
    Progress(&'a mut (dyn FnMut(Progress) + Send)),
    /// Hand raw chunks to the callback as they arrive (large outputs such as PCM audio).
    Chunks(&'a mut (dyn FnMut(&[u8]) + Send)),
}

/// The configured ffmpeg/ffprobe binaries and the limits every call obeys. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Tools {
    ffmpeg: PathBuf,
    ffprobe: PathBuf,
    pdftoppm: PathBuf,
    pdfinfo: PathBuf,
    heif_convert: PathBuf,
    limit: Arc<Semaphore>,
    quick: Arc<Semaphore>,
}

impl Tools {
    /// Tools at these paths, running at most `concurrency` heavy jobs at once (0 is taken as 1).
    pub fn new(ffmpeg: impl Into<PathBuf>, ffprobe: impl Into<PathBuf>, concurrency: usize) -> Tools {
        let concurrency = concurrency.max(1);
        Tools {
            ffmpeg: ffmpeg.into(),
            ffprobe: ffprobe.into(),
            pdftoppm: PathBuf::from("pdftoppm"),
            pdfinfo: PathBuf::from("pdfinfo"),
            heif_convert: PathBuf::from("heif-convert"),
            limit: Arc::new(Semaphore::new(concurrency)),
            quick: Arc::new(Semaphore::new(concurrency.saturating_mul(2).max(2))),
        }
    }

    /// The same tools with poppler's `pdftoppm` and `pdfinfo` at these paths (default: on PATH).
    pub fn with_poppler(mut self, pdftoppm: impl Into<PathBuf>, pdfinfo: impl Into<PathBuf>) -> Tools {
        self.pdftoppm = pdftoppm.into();
        self.pdfinfo = pdfinfo.into();
        self
    }

    /// The binary run for `program`.
    pub fn path(&self, program: Program) -> &Path {
        match program {
            Program::Ffmpeg => &self.ffmpeg,
            Program::Ffprobe => &self.ffprobe,
            Program::Pdftoppm => &self.pdftoppm,
            Program::Pdfinfo => &self.pdfinfo,
            Program::HeifConvert => &self.heif_convert,
        }
    }

    /// Runs `program` with `args` in its default lane (see [`Tools::run_in`]).
    pub async fn run(
        &self,
        program: Program,
        args: &[OsString],
        timeout: Duration,
        progress: Option<&mut (dyn FnMut(Progress) + Send)>,
    ) -> Result<Output, ProcessError> {
        self.run_in(program.default_lane(), program, args, timeout, progress).await
    }

    /// Runs `program` with `args` once a permit in `lane` is free. The timeout counts from the
    /// start of the process, not from the wait for a permit. With `progress`, ffmpeg is told to
    /// write `-progress pipe:1 -nostats` and each block is handed to the callback as it arrives;
    /// the arguments must then not write to stdout themselves.
    pub async fn run_in(
        &self,
        lane: Lane,
        program: Program,
        args: &[OsString],
        timeout: Duration,
        progress: Option<&mut (dyn FnMut(Progress) + Send)>,
    ) -> Result<Output, ProcessError> {
        let sink = match progress {
            Some(callback) => StdoutSink::Progress(callback),
            None => StdoutSink::Capture,
        };
        self.run_with(lane, program, args, timeout, sink).await
    }

    /// The general form behind [`Tools::run_in`], with any stdout sink.
    pub(crate) async fn run_with(
        &self,
        lane: Lane,
        program: Program,
        args: &[OsString],
        timeout: Duration,
        mut sink: StdoutSink<'_>,
    ) -> Result<Output, ProcessError> {
        let name = program.name();
        let semaphore = match lane {
            Lane::Heavy => &self.limit,
            Lane::Quick => &self.quick,
        };
        let _permit = semaphore.acquire().await.map_err(|_| ProcessError::Spawn {
            program: name,
            source: io::Error::other("the media concurrency limit was closed"),
        })?;

        let mut command = Command::new(self.path(program));
        if matches!(program, Program::Ffmpeg | Program::Ffprobe) {
            command.arg("-hide_banner");
        }
        if program == Program::Ffmpeg {
            command.arg("-nostdin");
            if matches!(sink, StdoutSink::Progress(_)) {
                command.args(["-progress", "pipe:1", "-nostats"]);
            }
        }
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .process_group(0);
        tracing::debug!(program = name, ?args, "running");

        let child = command.spawn().map_err(|source| ProcessError::Spawn { program: name, source })?;
        let mut running = Running::new(child);
        let (Some(stdout), Some(stderr)) = (running.child.stdout.take(), running.child.stderr.take()) else {
            return Err(ProcessError::Io { program: name, source: io::Error::other("stdio was not piped") });
        };
        let stderr_task = tokio::spawn(read_tail(stderr));

        let work = async {
            // Stdout reaches its end when the child exits (or closes it); a sink that gave up
            // kills the group first so the wait cannot hang on a full pipe.
            let read = read_stdout(stdout, &mut sink).await;
            if read.is_err() {
                running.kill_group();
            }
            let status = running.child.wait().await;
            (read, status)
        };
        let outcome = tokio::time::timeout(timeout, work).await;
        let finished = match outcome {
            Ok((Ok(stdout), Ok(status))) => {
                running.reaped();
                Ok((stdout, status))
            }
            Ok((Err(StdoutError::TooLarge), _)) => {
                Err(ProcessError::StdoutTooLarge { program: name, limit: STDOUT_LIMIT_BYTES })
            }
            Ok((Err(StdoutError::Io(source)), _)) | Ok((Ok(_), Err(source))) => {
                running.kill_group();
                Err(ProcessError::Io { program: name, source })
            }
            Err(_elapsed) => {
                running.kill_group();
                let _ = tokio::time::timeout(DRAIN_AFTER_KILL, running.child.wait()).await;
                let stderr_tail = drain_tail(stderr_task).await;
                return Err(ProcessError::Timeout { program: name, after: timeout, stderr_tail });
            }
        };
        let (stdout, status) = finished?;
        let stderr_tail = drain_tail(stderr_task).await;
        if !status.success() {
            return Err(ProcessError::Failed { program: name, status, stderr_tail });
        }
        Ok(Output { stdout, stderr_tail })
    }
}

/// A started child that takes its whole process group down with it unless it was reaped.
struct Running {
    child: Child,
    group: Option<Pid>,
}

impl Running {
    fn new(child: Child) -> Running {
        // With process_group(0) the child leads a group whose id is its pid.
        let group = child.id().and_then(|id| i32::try_from(id).ok()).and_then(Pid::from_raw);
        Running { child, group }
    }

    /// SIGKILL to the whole group (ffmpeg and anything it started). Idempotent.
    fn kill_group(&mut self) {
        if let Some(group) = self.group.take() {
            // ESRCH (already gone) is fine; kill_on_drop covers the leader regardless.
            let _ = kill_process_group(group, Signal::KILL);
        }
    }

    /// The leader exited and was waited for: its pid may be reused, so never signal it again.
    fn reaped(&mut self) {
        self.group = None;
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // A dropped future (a cancelled job) lands here while the child still runs.
        self.kill_group();
    }
}

enum StdoutError {
    TooLarge,
    Io(io::Error),
}

async fn read_stdout(stdout: ChildStdout, sink: &mut StdoutSink<'_>) -> Result<Vec<u8>, StdoutError> {
    match sink {
        StdoutSink::Capture => {
            let mut captured = Vec::new();
            let mut limited = stdout.take(STDOUT_LIMIT_BYTES as u64 + 1);
            limited.read_to_end(&mut captured).await.map_err(StdoutError::Io)?;
            if captured.len() > STDOUT_LIMIT_BYTES {
                return Err(StdoutError::TooLarge);
            }
            Ok(captured)
        }
        StdoutSink::Progress(callback) => {
            let mut lines = BufReader::new(stdout).lines();
            let mut parser = ProgressParser::default();
            while let Some(line) = lines.next_line().await.map_err(StdoutError::Io)? {
                if let Some(block) = parser.feed(&line) {
                    callback(block);
                }
            }
            Ok(Vec::new())
        }
        StdoutSink::Chunks(callback) => {
            let mut stdout = stdout;
            let mut buffer = vec![0_u8; 64 * 1024];
            loop {
                let n = stdout.read(&mut buffer).await.map_err(StdoutError::Io)?;
                if n == 0 {
                    return Ok(Vec::new());
                }
                callback(&buffer[..n]);
            }
        }
    }
}

/// Reads a pipe to its end, keeping only the last [`STDERR_TAIL_BYTES`].
async fn read_tail(mut stderr: ChildStderr) -> String {
    let mut kept = Vec::with_capacity(2 * STDERR_TAIL_BYTES);
    let mut buffer = [0_u8; 4096];
    loop {
        match stderr.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                kept.extend_from_slice(&buffer[..n]);
                if kept.len() > 2 * STDERR_TAIL_BYTES {
                    kept.drain(..kept.len() - STDERR_TAIL_BYTES);
                }
            }
        }
    }
    tail_text(&kept)
}

async fn drain_tail(task: tokio::task::JoinHandle<String>) -> String {
    match tokio::time::timeout(DRAIN_AFTER_KILL, task).await {
        Ok(Ok(tail)) => tail,
        _ => String::new(),
    }
}

/// The last [`STDERR_TAIL_BYTES`] of `bytes` as text, starting at a line boundary when cut.
fn tail_text(bytes: &[u8]) -> String {
    let cut = bytes.len() > STDERR_TAIL_BYTES;
    let bytes = &bytes[bytes.len().saturating_sub(STDERR_TAIL_BYTES)..];
    let text = String::from_utf8_lossy(bytes);
    let text = match (cut, text.find('\n')) {
        (true, Some(newline)) => &text[newline + 1..],
        _ => &text[..],
    };
    text.trim().to_owned()
}

/// Accumulates `key=value` lines from `-progress` into blocks.
#[derive(Default)]
struct ProgressParser {
    current: Progress,
}

impl ProgressParser {
    /// Feeds one line; returns the finished block on a `progress=` line.
    fn feed(&mut self, line: &str) -> Option<Progress> {
        let (key, value) = line.trim().split_once('=')?;
        let value = value.trim();
        match key {
            "frame" => self.current.frame = value.parse().unwrap_or(self.current.frame),
            // "N/A" before the first packet, and negative while B-frame delay is flushed.
            "out_time_us" => {
                if let Ok(us) = value.parse::<i64>() {
                    self.current.out_time_us = u64::try_from(us).unwrap_or(0);
                }
            }
            "progress" => {
                self.current.done = value == "end";
                return Some(self.current);
            }
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_blocks_parse_as_they_end() {
        let mut parser = ProgressParser::default();
        let text = "frame=0\nfps=0.00\nout_time_us=N/A\nspeed=N/A\nprogress=continue\n\
                    frame=12\nout_time_us=400000\nout_time_ms=400000\nspeed=2.1x\nprogress=continue\n\
                    frame=30\nout_time_us=1001000\nspeed=2.5x\nprogress=end\n";
        let blocks: Vec<Progress> = text.lines().filter_map(|line| parser.feed(line)).collect();
        assert_eq!(
            blocks,
            vec![
                Progress { frame: 0, out_time_us: 0, done: false },
                Progress { frame: 12, out_time_us: 400_000, done: false },
                Progress { frame: 30, out_time_us: 1_001_000, done: true },
            ]
        );
    }

    #[test]
    fn negative_out_time_reads_as_zero() {
        let mut parser = ProgressParser::default();
        parser.feed("out_time_us=-66733");
        assert_eq!(parser.feed("progress=continue"), Some(Progress { frame: 0, out_time_us: 0, done: false }));
    }

    #[test]
    fn stderr_tail_keeps_the_end_from_a_line_start() {
        let mut text = String::new();
        for i in 0..2000 {
            text.push_str(&format!("line {i}\n"));
        }
        let tail = tail_text(text.as_bytes());
        assert!(tail.len() <= STDERR_TAIL_BYTES);
        assert!(tail.starts_with("line "), "{}", &tail[..20]);
        assert!(tail.ends_with("line 1999"));
    }
}
