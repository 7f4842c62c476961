# Puts Node.js 22 first on PATH when the system Node is older, using the `node-linux-<arch>`
# package from the npm registry (no other download). Source it from bash:
#   source scripts/use-node22.sh
# The binary is cached in $NODE22_HOME (default ~/.cache/milvus-snapshot-scheduler/node22).
_mss_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$_mss_major" -lt 22 ]; then
  case "$(uname -m)" in
    x86_64) _mss_arch=x64 ;;
    aarch64 | arm64) _mss_arch=arm64 ;;
    *) echo "use-node22: no node-linux package for $(uname -m); install Node.js 22 yourself" >&2; return 1 2>/dev/null || exit 1 ;;
  esac
  _mss_home="${NODE22_HOME:-$HOME/.cache/milvus-snapshot-scheduler/node22}"
  _mss_bin="$_mss_home/node_modules/node-linux-$_mss_arch/bin"
  if [ ! -x "$_mss_bin/node" ]; then
    mkdir -p "$_mss_home"
    npm install --prefix "$_mss_home" --no-save --no-package-lock --no-audit --no-fund "node-linux-$_mss_arch@22" >&2
  fi
  export PATH="$_mss_bin:$PATH"
fi
unset _mss_major _mss_arch _mss_home _mss_bin
