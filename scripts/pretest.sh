#!/usr/bin/env bash
# Installs the Debian packages the comparison tests need (GEMMA, plink2, R's lme4, Chromium, Mesa for
# WebGPU on llvmpipe, Slurm) when they are missing. As root it installs them; otherwise it prints
# the exact apt command. With CI=true a missing package is an error, so comparisons never skip.
set -u
packages=(
  gemma gemma-doc
  plink2
  r-cran-lme4
  chromium chromium-driver fonts-dejavu-core
  libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri
  slurmctld slurmd slurm-client munge
)
missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == *"install ok installed"* ]] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "pretest: all comparison packages are installed"
  exit 0
fi
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "pretest: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && $cmd >/tmp/lmmscan-pretest-apt.log 2>&1; then
    echo "pretest: installed"
    exit 0
  fi
  echo "pretest: apt-get failed; see /tmp/lmmscan-pretest-apt.log" >&2
  tail -20 /tmp/lmmscan-pretest-apt.log >&2
  [ "${CI:-}" = "true" ] && exit 1
  exit 0
fi
echo "pretest: missing Debian packages for the comparison tests: ${missing[*]}" >&2
echo "pretest: install them with: sudo apt-get update && sudo $cmd" >&2
if [ "${CI:-}" = "true" ]; then
  echo "pretest: CI=true and comparators are missing: failing instead of skipping" >&2
  exit 1
fi
exit 0
