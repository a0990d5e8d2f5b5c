-- wrk script: the old site's published k6 iteration (issue 19), eight requests in turn:
-- six public GETs and two signed in with BENCH_TOKEN (a JWT access token).
--   BENCH_TOKEN=... wrk -t1 -c25 -d15s -s bench/signed_in_mix.lua http://127.0.0.1:8000

local iteration = {
  {"/health/live", 1, false},
  {"/music_api/trending/?limit=10", 1, false},
  {"/music_api/search/?q=metallica&page=1", 1, false},
  {"/music_api/search/artists/?q=metallica&limit=12", 1, false},
  {"/api/playlists/public/trending/?limit=10", 1, false},
  {"/music_api/year-chart/?genre=rock&limit=10", 1, false},
  {"/api/users/me/", 1, true},
  {"/api/playlists/me/", 1, true},
}

-- The shared part lives beside this script.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "wrk_common.lua")
common.cycle(common.schedule(iteration), 3)
