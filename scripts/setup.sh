#!/usr/bin/env bash
# Installs what Frameproof needs on a Debian machine, when it is missing:
#   - Debian packages: ffmpeg, chromium, poppler-utils, libxml2-utils, libheif-examples
#     (media pipeline, browser tests, PDF and XML checks), plus build essentials;
#   - the Rust toolchain pinned in rust-toolchain.toml (through rustup, when present);
#   - the web app's npm packages (npm ci), once web/ exists;
#   - test-only Python tools (aiosmtpd, OpenTimelineIO) in .venv-test.
# Safe to run again: it only installs what is not there. Without root (and no sudo) it prints
# exactly what to install instead of failing.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

debian_packages=(ffmpeg chromium poppler-utils libxml2-utils libheif-examples pkg-config gcc make curl ca-certificates)

missing=()
for p in "${debian_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    sudo=""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo"
  else
    sudo="none"
  fi
  if [ "$sudo" = none ]; then
    say "missing Debian packages (no root to install them): ${missing[*]}"
    say "install them with: sudo apt-get install -y ${missing[*]}"
  else
    say "installing Debian packages: ${missing[*]}"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

if ! command -v cargo >/dev/null 2>&1; then
  say "cargo is missing: install Rust with rustup (https://rustup.rs), toolchain $(grep channel rust-toolchain.toml | cut -d'"' -f2)"
  exit 1
fi

if [ -f web/package.json ]; then
  if ! command -v npm >/dev/null 2>&1; then
    say "npm is missing: install Node.js 20 and npm (Debian: apt-get install nodejs npm)"
    exit 1
  fi
  if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    say "installing the web app's npm packages"
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
# Test-only Python tools in .venv-test (git-ignored): aiosmtpd (a real SMTP server on loopback for
# the mail tests) and OpenTimelineIO with its FCP adapter (reads our marker exports back).
python_tools=(aiosmtpd==1.4.6 opentimelineio==0.18.1 otio-fcp-adapter==1.0.0)
if command -v python3 >/dev/null 2>&1; then
  if [ ! -x .venv-test/bin/python ] || ! .venv-test/bin/python -c 'import aiosmtpd, opentimelineio' 2>/dev/null; then
    say "installing test Python tools into .venv-test: ${python_tools[*]}"
    python3 -m venv .venv-test
    .venv-test/bin/pip install -q --disable-pip-version-check "${python_tools[@]}"
  fi
else
  say "python3 is missing: the mail and interchange tests need it (Debian: apt-get install python3 python3-venv)"
  exit 1
fi
say "ready"
