#!/usr/bin/env bash
# The whole test suite: installs the reference tools the tests compare against (Debian packages),
# builds the module, runs every test project, and prints one closing line "N passed, N failed".
# Kernel tests need root: they make their own network namespaces and remove them afterwards.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

packages=(conntrack nftables iptables iproute2 tcpdump tshark vsftpd tftpd-hpa iputils-ping python3 util-linux ftp curl procps ansible-core)
tools=(conntrack nft iptables ip tcpdump tshark vsftpd in.tftpd curl ping python3 setpriv sysctl nsenter ansible-playbook ansible-doc)
missing=()
for t in "${tools[@]}"; do command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || missing+=("$t"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing reference tools (missing: ${missing[*]})"
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: ${missing[*]} missing and not root; install: apt-get install ${packages[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build ConntrackTools.slnx -c Release --nologo -v q -clp:ErrorsOnly

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test ConntrackTools.slnx -c Release --no-build --nologo 2>&1 | tee "$log" || status=$?

# One closing line over all test projects.
awk '/(Passed|Failed)! +- /{
  for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
} END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit $status
