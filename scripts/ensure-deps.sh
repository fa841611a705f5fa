#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks for building and testing: system packages, then npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

# `--node-only` checks Node.js and stops. Exit codes: 0 ready, 1 a system package is missing (not root), 3 Node.js is missing or older than 20.18.
node_version=$(node -p 'process.versions.node' 2>/dev/null || true)
node_major=${node_version%%.*}
node_minor=${node_version#*.}; node_minor=${node_minor%%.*}
if ! [[ "$node_major" =~ ^[0-9]+$ && "$node_minor" =~ ^[0-9]+$ ]] || (( node_major < 20 || (node_major == 20 && node_minor < 18) )); then
  debian=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-}" || true)
  cat >&2 <<MSG
Node.js 20.18 or later is needed; found: ${node_version:+v}${node_version:-no node on the PATH}.
Debian 12's own nodejs package is 18.x, so take Node 20 from elsewhere${debian:+ (this is $debian)}. Any one of:

  1. NodeSource's Debian repository (system-wide, updated by apt):
       curl -fsSL https://deb.nodesource.com/setup_20.x -o nodesource_setup.sh
       sudo bash nodesource_setup.sh
       sudo apt-get install -y nodejs
  2. nvm (per user, no root):
       curl -o- https://raw.githubusercontent.com/nvm-sh/nvm/v0.40.3/install.sh | bash
       . ~/.nvm/nvm.sh && nvm install 20
  3. n, from the npm registry (uses the npm of Debian's nodejs; sudo apt-get install -y npm):
       sudo npm install -g n && sudo n 20 && hash -r
  4. The official tarball from https://nodejs.org/dist/latest-v20.x/ (node-v20.*-linux-x64.tar.xz):
       sudo tar -xJf node-v20.*-linux-x64.tar.xz -C /usr/local --strip-components=1

nvm, n and the tarball download from nodejs.org; NodeSource from deb.nodesource.com. Take Node 20, not a newer major:
code-server 4.100.3, the VS Code web that npm start and the tests run, declares Node 20 only. Then run this again.
MSG
  exit 3
fi
[ "${1:-}" = --node-only ] && exit 0

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
[ -d /usr/share/zookeeper ] || need+=(zookeeper)
command -v make >/dev/null || need+=(make)
command -v g++ >/dev/null || need+=(g++)
command -v python3 >/dev/null || need+=(python3)
command -v curl >/dev/null || need+=(curl)
# Real Flink: JDK 17 runs Flink 1.20/2.x and compiles the test jobs; pip downloads the distributions from PyPI.
ls /usr/lib/jvm/java-17-openjdk-*/bin/javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing system packages: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing system packages: ${need[*]}" >&2
    echo "install them with: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing npm packages"
  npm ci --no-audit --no-fund
fi
