-- wrk script: the weighted route mix of http_load.py (ROUTE_MIX), cycled per thread.
-- BENCH_TOKEN (a JWT access token) signs the requests marked signed in.
-- BENCH_RATE (requests per second in all, optional) paces the requests instead of sending
-- the next one as soon as a connection is free: latency at a given load rather than at
-- saturation. Pacing holds only while a connection is free for each slot (wrk has no
-- open-loop mode), so compare the achieved rate with the one asked for.
--   BENCH_TOKEN=... [BENCH_RATE=1000] wrk -t1 -c32 -d15s -s bench/wrk_mix.lua http://127.0.0.1:8000

local mix = {
  {"/music_api/search/?q=night&page=1&page_size=14", 4, false},
  {"/music_api/search/artists/?q=the", 3, false},
  {"/music_api/trending/?limit=16", 3, false},
  {"/music_api/year-chart/?limit=15", 2, false},
  {"/music_api/apple-chart/?count=50", 1, false},
  {"/api/tracks/?page=2", 2, false},
  {"/", 2, false},
  {"/health/live", 1, false},
  {"/api/users/me/", 2, true},
  {"/api/tracks/?page=3", 1, true},
}

local token = os.getenv("BENCH_TOKEN") or ""
local schedule = {}
for _, entry in ipairs(mix) do
  local path, weight, signed_in = entry[1], entry[2], entry[3]
  local headers = {}
  if signed_in then
    headers["Authorization"] = "Bearer " .. token
  end
  for _ = 1, weight do
    -- Pre-formatted once: wrk.format in request() would dominate the generator's own CPU.
    schedule[#schedule + 1] = wrk.format("GET", path, headers)
  end
end

local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_usec; } rs_timeval;
  int gettimeofday(rs_timeval *tv, void *tz);
]]
local clock = ffi.new("rs_timeval")
local function now_ms()
  ffi.C.gettimeofday(clock, nil)
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_usec) / 1000
end

local rate = tonumber(os.getenv("BENCH_RATE") or "")
-- wrk's -t, which the script cannot read: each thread paces its share of the rate.
local thread_count = tonumber(os.getenv("BENCH_THREADS") or "1")
local threads = {}
local index = 0
-- Global, not local: done() reads it from each thread with thread:get().
failures = 0

function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

local interval_ms = nil
local slot = nil

function init(args)
  -- Threads start at different points of the cycle, as http_load.py's workers do.
  index = id * 7
  if rate then
    interval_ms = 1000 * thread_count / rate
  end
end

function delay()
  if not interval_ms then
    return 0
  end
  local now = now_ms()
  if not slot or slot < now - 1000 then
    slot = now -- the first request, or a second behind: start afresh rather than burst
  end
  local wait = slot - now
  slot = slot + interval_ms
  return math.max(0, wait)
end

function request()
  index = index + 1
  return schedule[(index % #schedule) + 1]
end

function response(status, headers, body)
  if status >= 400 then
    failures = failures + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("failures") or 0)
  end
  io.write(string.format("mix_failures=%d\n", total))
end
