#!/bin/sh
# Copies the files telemetryd's host probe reads (Sources/TelemetryCore/Probes/HostProbe.swift) from a live root into
# a fixture tree: ./capture.sh DEST [ROOT]. /proc/1/environ keeps only its `container=` entry (the one the probe
# reads; the rest of PID 1's environment is not the fixture's business). Files that do not exist are skipped.
set -eu
dest=$1; root=${2:-}
for f in etc/os-release usr/lib/os-release proc/cpuinfo proc/meminfo proc/loadavg proc/uptime \
         proc/sys/kernel/osrelease proc/sys/kernel/arch sys/devices/system/cpu/online \
         sys/class/dmi/id/product_name sys/class/dmi/id/sys_vendor sys/class/dmi/id/bios_vendor \
         sys/hypervisor/type proc/xen/capabilities proc/device-tree/hypervisor/compatible \
         run/host/container-manager run/systemd/container; do
    if [ -f "$root/$f" ] && [ -r "$root/$f" ]; then
        mkdir -p "$dest/$(dirname "$f")"
        cat "$root/$f" > "$dest/$f" 2>/dev/null || rm -f "$dest/$f"
    fi
done
for f in .dockerenv run/.containerenv; do
    if [ -e "$root/$f" ]; then mkdir -p "$dest/$(dirname "$f")"; : > "$dest/$f"; fi
done
for d in proc/xen proc/vz proc/bc; do
    if [ -d "$root/$d" ]; then mkdir -p "$dest/$d"; fi
done
if [ -r "$root/proc/1/environ" ]; then
    c=$( (tr '\0' '\n' < "$root/proc/1/environ" | grep '^container=') 2>/dev/null || true)
    if [ -n "$c" ]; then mkdir -p "$dest/proc/1"; printf '%s\0' "$c" > "$dest/proc/1/environ"; fi
fi
