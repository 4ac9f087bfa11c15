#!/usr/bin/env bash
# Makes examples/lab.pcap: a small, realistic capture of traffic between two network namespaces,
# taken on namespace A's veth, plus examples/lab.events.txt, what A's conntrack reported about it
# (`conntrack -E -o timestamp,extended,id`), so that the engine's replay can be compared with the
# kernel. Needs root, ip, tcpdump, conntrack, nft, python3, ping; vsftpd for the optional FTP part.
# Traffic goes only between the two namespaces it makes; both are deleted on exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
traffic="$here/../tests/Shared/traffic.py"
out="${1:-$here/lab.pcap}"
events="${out%.pcap}.events.txt"
[ "$(id -u)" -eq 0 ] || { echo "error: run as root (it makes network namespaces)" >&2; exit 1; }
for t in ip tcpdump conntrack nft python3 ping; do
  command -v "$t" >/dev/null || { echo "error: $t is missing" >&2; exit 1; }
done

a="ctlab-a-$$"
b="ctlab-b-$$"
a4=10.77.0.1 b4=10.77.0.2 a6=fd00:77::1 b6=fd00:77::2
work=$(mktemp -d)
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip netns del "$a" 2>/dev/null || true
  ip netns del "$b" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

in_a() { ip netns exec "$a" "$@"; }
in_b() { ip netns exec "$b" "$@"; }

# Starts a traffic.py server in B and waits for its "ready".
serve() {
  local fifo="$work/ready.$1"
  mkfifo "$fifo"
  in_b python3 "$traffic" "$@" >"$fifo" &
  pids+=($!)
  read -r line <"$fifo"
  [ "$line" = ready ] || { echo "error: server $* did not start" >&2; exit 1; }
}

echo "namespaces $a, $b"
ip netns add "$a"
ip netns add "$b"
ip -n "$a" link add veth0 type veth peer name veth0 netns "$b"
for side in "$a $a4 $a6" "$b $b4 $b6"; do
  set -- $side
  ip -n "$1" link set lo up
  ip -n "$1" addr add "$2/24" dev veth0
  ip -n "$1" addr add "$3/64" dev veth0 nodad
  ip -n "$1" link set veth0 up
done
# Conntrack in A (a rule that needs it turns it on), with short timeouts so entries end quickly.
printf 'table inet lab {\n  chain pre { type filter hook prerouting priority 0; ct state new counter; }\n  chain out { type filter hook output priority 0; ct state new counter; }\n}\n' | in_a nft -f -
in_a sysctl -qw net.netfilter.nf_conntrack_acct=1 net.netfilter.nf_conntrack_timestamp=1 \
  net.netfilter.nf_conntrack_tcp_timeout_time_wait=2 net.netfilter.nf_conntrack_tcp_timeout_close=2 \
  net.netfilter.nf_conntrack_udp_timeout=2 net.netfilter.nf_conntrack_udp_timeout_stream=3 \
  net.netfilter.nf_conntrack_icmp_timeout=2 net.netfilter.nf_conntrack_icmpv6_timeout=2
# Let IPv6 duplicate address detection of the link-local addresses finish first.
for i in $(seq 50); do
  [ -z "$(in_a ip -6 addr show tentative)$(in_b ip -6 addr show tentative)" ] && break
  sleep 0.1
done

# Started without a function or subshell around them, so that $! is the tool itself (ip netns exec
# execs it); stopped with SIGTERM, which both handle by flushing, where SIGINT would be ignored in
# a script's background job.
ip netns exec "$a" tcpdump -i veth0 -n -s 0 -U --immediate-mode --time-stamp-precision=nano -Z root -w "$work/lab.pcap" 2>"$work/tcpdump.err" &
tcpdump_pid=$!
pids+=($tcpdump_pid)
ip netns exec "$a" conntrack -E -o timestamp,extended,id >"$work/events.txt" 2>/dev/null &
conntrack_pid=$!
pids+=($conntrack_pid)
for i in $(seq 100); do grep -q "listening on" "$work/tcpdump.err" && break; sleep 0.05; done
sleep 0.3

echo "DNS-like exchange (UDP 53, IPv4 and IPv6)"
serve dns-server 53 3
in_a python3 "$traffic" dns-client "$b4" 53 www.lab.example v6.www.lab.example
in_a python3 "$traffic" dns-client "$b6" 53 ftp.lab.example

echo "HTTP-like transfers (TCP 80, 8 KB each)"
serve http-server 80 8192 2
in_a python3 "$traffic" http-client "$b4" 80
in_a python3 "$traffic" http-client "$b6" 80

echo "ping (ICMP and ICMPv6 echo)"
in_a ping -c 2 -i 0.2 -W 2 "$b4" >/dev/null
in_a ping -c 2 -i 0.2 -W 2 "$b6" >/dev/null

echo "refused TCP connection (RST)"
in_a python3 "$traffic" tcp-refused "$b4" 8443

echo "UDP to a closed port (ICMP port unreachable)"
in_a python3 "$traffic" udp-send "$b4" 5060 1
in_a python3 "$traffic" udp-send "$b6" 5060 1

if command -v vsftpd >/dev/null || [ -x /usr/sbin/vsftpd ]; then
  echo "FTP session (passive mode, with the ftp helper in A)"
  printf 'table inet labftp {\n  ct helper ftp-standard { type "ftp" protocol tcp; }\n  chain out { type filter hook output priority filter; tcp dport 21 ct helper set "ftp-standard"; }\n}\n' | in_a nft -f -
  mkdir -p "$work/ftp" /var/run/vsftpd/empty
  echo "hello from the lab ftp server" >"$work/ftp/readme.txt"
  chmod 755 "$work" "$work/ftp"
  cat >"$work/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=$b4
anonymous_enable=YES
local_enable=NO
write_enable=NO
anon_root=$work/ftp
pasv_enable=YES
pasv_min_port=50000
pasv_max_port=50010
seccomp_sandbox=NO
background=NO
secure_chroot_dir=/var/run/vsftpd/empty
EOF
  in_b "$(command -v vsftpd || echo /usr/sbin/vsftpd)" "$work/vsftpd.conf" &
  pids+=($!)
  for i in $(seq 100); do in_b ss -Hltn "sport = :21" | grep -q . && break; sleep 0.05; done
  in_a python3 -c 'import ftplib, io, sys
f = ftplib.FTP(sys.argv[1], timeout=10); f.login(); f.set_pasv(True)
f.retrbinary("RETR readme.txt", io.BytesIO().write); f.quit()' "$b4"
else
  echo "(no vsftpd: FTP session left out)"
fi

# Let every entry expire, then dump the table: a dump evicts expired entries at once, where the
# kernel's GC worker could take up to a minute to report them.
sleep 3.5
in_a conntrack -L >/dev/null 2>&1 || true
sleep 0.5
kill -TERM "$conntrack_pid" "$tcpdump_pid"
wait "$conntrack_pid" "$tcpdump_pid" 2>/dev/null || true
cp "$work/lab.pcap" "$out"
cp "$work/events.txt" "$events"
echo "wrote $out ($(stat -c %s "$out") bytes, $(grep -o '^[0-9]* packets captured' "$work/tcpdump.err" || echo '? packets'))"
echo "wrote $events ($(wc -l <"$events") events)"
