#ifndef TELEMETRYD_CSYSTEMD_SHIM_H
#define TELEMETRYD_CSYSTEMD_SHIM_H
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <systemd/sd-id128.h>
#include <sys/uio.h>
#endif
