#!/usr/bin/env bash
# Regenerates the GEMMA outputs that tests read instead of running gemma again each time
# (test/fixtures/gemma-refs/). Each one is Debian gemma 0.98.5 on fixed inputs, so it is a fixed file;
# the tests that read one still run gemma live on another case of the same analysis.
#
#   bash scripts/gemma-references.sh        (needs gemma 0.98.5 and ../shared/data)
#
# bxd-loco-lmm4.assoc.txt.gz (test/parity/traits-loco.test.ts): GEMMA's LOCO loop on BXD, per chromosome
# CHR in the order the SNPs first appear in BXD_snps.txt (1 to 19, then X), run as
#   gemma -g BXD_geno.txt.gz -p BXD_pheno.txt -c BXD_covariates2.txt -a BXD_snps.txt -loco CHR -gk 1 -o bxd_CHR
#   gemma -g BXD_geno.txt.gz -p BXD_pheno.txt -c BXD_covariates2.txt -a BXD_snps.txt -loco CHR \
#         -k output/bxd_CHR.cXX.txt -lmm 4 -o bxd_CHR_lmm4
# and the -lmm 4 outputs concatenated in that order under one header.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bxd=$(cd "$repo/../shared/data/bxd" && pwd)
out="$repo/test/fixtures/gemma-refs"
version=$(gemma -h 2>&1 | head -n 1 | awk '{ print $2 }' || true)
[ "$version" = "0.98.5" ] || { echo "gemma 0.98.5 is needed (found: ${version:-none})" >&2; exit 1; }
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# Runs a command, printing its output only when it fails.
quiet() { "$@" >"$work/said" 2>&1 || { cat "$work/said" >&2; return 1; }; }

inputs=(-g "$bxd/BXD_geno.txt.gz" -p "$bxd/BXD_pheno.txt" -c "$bxd/BXD_covariates2.txt" -a "$bxd/BXD_snps.txt")
chromosomes=$(awk '!seen[$3]++ { print $3 }' "$bxd/BXD_snps.txt")
first=1
for chr in $chromosomes; do
  quiet gemma "${inputs[@]}" -loco "$chr" -gk 1 -o "bxd_$chr"
  quiet gemma "${inputs[@]}" -loco "$chr" -k "output/bxd_$chr.cXX.txt" -lmm 4 -o "bxd_${chr}_lmm4"
  if [ $first = 1 ]; then head -n 1 "output/bxd_${chr}_lmm4.assoc.txt"; first=0; fi
  tail -n +2 "output/bxd_${chr}_lmm4.assoc.txt"
done | gzip -9n >"$work/bxd-loco-lmm4.assoc.txt.gz"
mv "$work/bxd-loco-lmm4.assoc.txt.gz" "$out/"
echo "wrote $out/bxd-loco-lmm4.assoc.txt.gz"
