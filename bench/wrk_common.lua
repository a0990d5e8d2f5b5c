-- What the wrk scripts share (loaded with dofile by wrk_mix.lua and signed_in_mix.lua):
-- a schedule of pre-formatted requests, cycled per thread, and a count of the answers of
-- 400 and up, printed as "mix_failures=N" when the run ends.
local common = {}

-- {path, weight, signed_in} entries, each repeated ``weight`` times; those signed in carry
-- BENCH_TOKEN (a JWT access token) as a Bearer token.
function common.schedule(entries)
  local token = os.getenv("BENCH_TOKEN") or ""
  local schedule = {}
  for _, entry in ipairs(entries) do
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
  return schedule
end

-- Defines wrk's setup, init, request, response and done: each thread cycles the schedule
-- from its own starting point (``stride`` requests further than the previous thread's).
function common.cycle(schedule, stride)
  local threads = {}
  local index = 0
  -- Global, not local: done() reads it from each thread with thread:get().
  failures = 0

  function setup(thread)
    thread:set("id", #threads)
    threads[#threads + 1] = thread
  end

  function init(args)
    index = id * stride
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
end

return common
