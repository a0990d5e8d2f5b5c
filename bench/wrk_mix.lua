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

-- The shared part lives beside this script.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "wrk_common.lua")
-- Threads start at different points of the cycle, as http_load.py's workers do.
common.cycle(common.schedule(mix), 7)

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
local interval_ms = nil
local slot = nil

local cycle_init = init
function init(args)
  cycle_init(args)
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
