-- wrk script: POSTs real, gzip'd report bodies to a collector, each body once (so every answer is a "new" 202).
--
--   wrk -t2 -c16 -d20s -s scripts/bench/ingest.lua http://127.0.0.1:PORT/v1/reports -- BODIES [RATE] [TOKEN] [THREADS] [NETBASE]
--
-- BODIES: the file fleet.write_bodies() makes (4-byte big-endian length, then the body; repeated). Thread i of n
-- sends bodies i, i+n, i+2n, ... and wraps around at the end (those answers are then duplicates: 200).
-- RATE: total requests per second to hold (0 or absent: as fast as the connections go). Each thread keeps its
-- share on a clock of its own (a slot every n/RATE s); a connection waits for the next free slot, so latency is
-- measured at a fixed arrival rate, not only at saturation.
-- TOKEN: sent as "Authorization: Bearer TOKEN" when given (pass "" for none).
-- THREADS: the -t count. Pass it: wrk may run a thread's init() before setup() has seen the later threads, so a
-- count gathered in setup() can be short for the first thread (it then sends the others' bodies as duplicates).
-- Each body comes "from" a client network of its own through the trusted loopback proxy (X-Forwarded-For
-- 10.X.Y.1, 200 bodies a /24, counted from network number NETBASE so that runs do not share networks), as a
-- fleet's reports would: the collector's per-network limits are on and counted, and none refuses (a run that wraps
-- around its bodies twice stays within the burst of NetworkReportsPerMinute=600).
-- At the end it prints one line, "RESULT {json}": requests, seconds, answers by status, latency percentiles (ms).

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("id", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
  for _, t in ipairs(threads) do t:set("nthreads", thread_count) end
end

local bodies = {}
local forwarded = {}
local index = 1
local interval_ms = 0
local next_slot = 0
local headers = { ["Content-Type"] = "application/json", ["Content-Encoding"] = "gzip",
                  ["User-Agent"] = "telemetryd/0.1.0 (collector-bench)" }
statuses = {}

function init(args)
  local path = args[1] or error("ingest.lua: pass the bodies file after --")
  local rate = tonumber(args[2] or "0") or 0
  if args[3] and args[3] ~= "" then headers["Authorization"] = "Bearer " .. args[3] end
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  local pos, k, n = 1, 0, tonumber(args[4] or "") or nthreads or 1
  local netbase = tonumber(args[5] or "") or 0
  while pos + 4 <= #data do
    local b1, b2, b3, b4 = data:byte(pos, pos + 3)
    local len = ((b1 * 256 + b2) * 256 + b3) * 256 + b4
    if k % n == id then
      table.insert(bodies, data:sub(pos + 4, pos + 3 + len))
      local net = netbase + math.floor(k / 200)
      table.insert(forwarded, string.format("10.%d.%d.1", math.floor(net / 256) % 256, net % 256))
    end
    k = k + 1
    pos = pos + 4 + len
  end
  if #bodies == 0 then error("ingest.lua: no bodies for thread " .. id .. " in " .. path) end
  if rate > 0 then interval_ms = 1000 * n / rate end
end

function request()
  local body = bodies[index]
  headers["X-Forwarded-For"] = forwarded[index]
  index = index % #bodies + 1
  return wrk.format("POST", nil, headers, body)
end

function delay()
  if interval_ms == 0 then return 0 end
  local t = now_ms()
  if next_slot < t then next_slot = t end
  local wait = next_slot - t
  next_slot = next_slot + interval_ms
  return math.floor(wait)
end

function response(status, _headers, _body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, _requests)
  local by_status = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for code, count in pairs(s) do
      by_status[tostring(code)] = (by_status[tostring(code)] or 0) + count
    end
  end
  local parts = {}
  for code, count in pairs(by_status) do table.insert(parts, string.format('"%s": %d', code, count)) end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "status": {%s}, "socketErrors": %d, "timeouts": %d, ' ..
    '"latencyMs": {"p50": %.3f, "p90": %.3f, "p99": %.3f, "p999": %.3f, "max": %.3f, "mean": %.3f}}\n',
    summary.requests, summary.duration / 1e6, table.concat(parts, ", "), e.connect + e.read + e.write,
    e.timeout, latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000, latency.mean / 1000))
end
